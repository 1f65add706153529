import {randomBytes} from 'node:crypto';
import {request} from 'node:http';
import {Readable} from 'node:stream';
import {Emulator} from '../emulator/index.js';
import type {Env} from '../env.js';
import {UsageError} from '../errors.js';
import {ExitCode} from '../exit-codes.js';
import {parseHost} from '../host.js';
import {colorAllowed, parseDurationOption, resolveOutput, type RawOptions, type WatchOptions} from '../options.js';
import {watchJobs} from './watch.js';

export interface DemoRawOptions extends RawOptions {
  duration?: string;
  serve?: boolean;
  port?: string;
}

/** The token `demo --serve` accepts: the emulator only listens on loopback, so a well-known one is fine. */
export const SERVE_TOKEN = 'demo-token';

/** A port someone else holds, or one that needs privileges, is the user's choice to change, not a bug. */
function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UsageError(`port ${port} is in use: pick another --port or leave it out for a free one`);
  if (code === 'EACCES') return new UsageError(`port ${port} needs privileges this user lacks: pick one above 1023 or leave --port out for a free one`);
  return error;
}

/**
 * `demo --serve`: just the emulator, until Ctrl-C, for trying the real workflow by hand (curl in
 * one terminal, pcloud-progress in another). stdout gets the URL; stderr how to use it.
 */
async function serve(raw: DemoRawOptions, env: Env): Promise<number> {
  const port = raw.port === undefined ? 0 : Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port "${String(raw.port).slice(0, 20)}": expected 0 to 65535`);
  const emulator = await Emulator.start({port, auth: [SERVE_TOKEN]}).catch((error: unknown) => {
    throw listenError(error, port);
  });
  for (const [name, size] of [['report.pdf', 3_000_000], ['photos.tar', 12_000_000], ['notes.txt', 40_000]] as const) emulator.addFile(name, size);
  // Ctrl-C is handled from before the URL is out: a script may stop us as soon as it has read it
  const stopped = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    const remove = env.onSignal((name) => {
      remove();
      resolve(name);
    });
  });
  env.stdout.write(`${emulator.url}\n`);
  env.stderr.write(
    [
      `pCloud emulator on ${emulator.url} (auth token: ${SERVE_TOKEN}); Ctrl-C stops it. Try, in another terminal:`,
      `  export PCLOUD_API_HOST=${emulator.url} PCLOUD_AUTH=${SERVE_TOKEN}`,
      `  head -c 50000000 /dev/urandom > big.bin`,
      `  curl --limit-rate 5M -F auth=${SERVE_TOKEN} -F progresshash=h1 -F file=@big.bin ${emulator.url}/uploadfile &`,
      `  pcloud-progress upload h1`,
      '',
    ].join('\n'),
  );
  const signal = await stopped;
  await emulator.close();
  return signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm;
}

/** What the demo uploads: names a person recognizes, sizes that make the bar move visibly. */
const DEMO_FILES = [
  {name: 'holiday-photos.tar', size: 6 * 1024 * 1024},
  {name: 'notes.txt', size: 300 * 1024},
  {name: 'screencast.mp4', size: 10 * 1024 * 1024},
];
const ZIP_FILES = 24;
const CHUNK_BYTES = 64 * 1024;

interface MultipartPlan {
  boundary: string;
  length: number;
  parts: (Buffer | {size: number})[];
}

/** A multipart body: the parameters first (pCloud requires it), then each file's part. */
function planMultipart(fields: Record<string, string>, files: typeof DEMO_FILES): MultipartPlan {
  const boundary = `----pcloud-progress-demo-${randomBytes(8).toString('hex')}`;
  const parts: MultipartPlan['parts'] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push({size: file.size});
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const length = parts.reduce((sum, part) => sum + (Buffer.isBuffer(part) ? part.length : part.size), 0);
  return {boundary, length, parts};
}

/** Streams the planned body at `bytesPerSecond`, generating file data on the fly (nothing held in memory). */
function throttledBody(plan: MultipartPlan, bytesPerSecond: number, signal: AbortSignal): Readable {
  const filler = randomBytes(CHUNK_BYTES);
  async function* chunks(): AsyncGenerator<Buffer> {
    const started = performance.now();
    let sent = 0;
    for (const part of plan.parts) {
      const pieces = Buffer.isBuffer(part) ? [part] : splitSize(part.size).map((size) => filler.subarray(0, size));
      for (const piece of pieces) {
        if (signal.aborted) return;
        const due = started + (sent / bytesPerSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent += piece.length;
        yield piece;
      }
    }
  }
  return Readable.from(chunks(), {objectMode: false});
}

function splitSize(size: number): number[] {
  const sizes: number[] = [];
  for (let left = size; left > 0; left -= CHUNK_BYTES) sizes.push(Math.min(CHUNK_BYTES, left));
  return sizes;
}

/** POSTs to the emulator with node:http (the demo's "user script"), resolving with the JSON answer. */
function post(url: string, body: Readable | string, headers: Record<string, string | number>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, {method: 'POST', headers}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

/**
 * `demo`: the emulator on a free loopback port, a real throttled multipart upload and a savezip on
 * it, both watched through the very code that watches the real service.
 */
export async function demoCommand(raw: DemoRawOptions, env: Env): Promise<number> {
  if (raw.serve) return serve(raw, env);
  if (raw.port !== undefined) throw new UsageError('--port only goes with --serve (the demo itself always takes a free port)');
  const durationMs = parseDurationOption('--duration', raw.duration ?? '6', {min: 100, allowZero: false});
  const intervalMs = parseDurationOption('--interval', raw.interval ?? '200ms', {min: 1, allowZero: false});
  const token = randomBytes(16).toString('hex');
  const emulator = await Emulator.start({auth: [token], zipFileDelayMs: durationMs / ZIP_FILES});
  const abort = new AbortController();
  try {
    const id = randomBytes(3).toString('hex');
    const uploadHash = `up-${id}`;
    const zipHash = `zip-${id}`;
    const fileids = Array.from({length: ZIP_FILES}, (_, i) => emulator.addFile(`report-${String(i + 1).padStart(2, '0')}.pdf`, 200_000 + ((i * 7919) % 23) * 90_000));

    const options: WatchOptions = {
      jobs: [
        {kind: 'upload', hash: uploadHash},
        {kind: 'zip', hash: zipHash},
      ],
      host: parseHost(emulator.url),
      requestTimeoutMs: 10_000,
      credentials: {type: 'auth', token},
      intervalMs,
      waitMs: 30_000,
      timeoutMs: 0,
      stallMs: 30_000,
      output: resolveOutput(raw),
      color: colorAllowed(raw, env),
    };
    const watching = watchJobs(options, env);

    // The "user's script": starts a little after the watch, so the spinner shows first.
    const plan = planMultipart({progresshash: uploadHash, folderid: '0', auth: token}, DEMO_FILES);
    const startDelayMs = Math.min(800, durationMs / 6);
    const work = new Promise((resolve) => setTimeout(resolve, startDelayMs)).then(() =>
      Promise.all([
        post(`${emulator.url}/uploadfile`, throttledBody(plan, plan.length / (durationMs / 1000), abort.signal), {
          'content-type': `multipart/form-data; boundary=${plan.boundary}`,
          'content-length': plan.length,
        }),
        post(`${emulator.url}/savezip`, new URLSearchParams({auth: token, progresshash: zipHash, fileids: fileids.join(','), toname: 'reports.zip'}).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
        }),
      ]),
    );
    work.catch(() => undefined); // a failed upload shows in the watch itself (it vanishes or stalls)
    const exitCode = await watching;
    if (exitCode !== ExitCode.ok) abort.abort();
    return exitCode;
  } finally {
    abort.abort();
    await emulator.close();
  }
}
