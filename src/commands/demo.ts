import {randomBytes} from 'node:crypto';
import {call, Emulator, FileServer, upload} from '../emulator/index.js';
import type {Env, StopSignal} from '../env.js';
import {UsageError} from '../errors.js';
import {ExitCode, SIGNAL_EXITS} from '../exit-codes.js';
import {parseDurationOption, resolveWatchOptions, type RawOptions} from '../options.js';
import {runSession} from '../session.js';

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
  const stopped = new Promise<StopSignal>((resolve) => {
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
  return SIGNAL_EXITS[signal].exitCode;
}

/** What the demo uploads: names a person recognizes, sizes that make the bar move visibly. */
const DEMO_FILES = [
  {name: 'holiday-photos.tar', size: 6 * 1024 * 1024},
  {name: 'notes.txt', size: 300 * 1024},
  {name: 'screencast.mp4', size: 10 * 1024 * 1024},
];
const ZIP_FILES = 24;
/** What the remote upload fetches: a presigned-looking query, which the display never shows. */
const REMOTE_FILES = {'/releases/debian-12.iso': 6 * 1024 * 1024, '/media/talk-recording.webm': 3 * 1024 * 1024};
const ARCHIVE_ENTRIES = 40;

/**
 * `demo`: the emulator on a free loopback port and four real jobs on it, watched through the
 * very code that watches the real service: a throttled multipart upload, a savezip, a remote
 * upload (downloadfile, fetching from a throttled file server on loopback) and an archive
 * extraction.
 */
export async function demoCommand(raw: DemoRawOptions, env: Env): Promise<number> {
  if (raw.serve) return serve(raw, env);
  if (raw.port !== undefined) throw new UsageError('--port only goes with --serve (the demo itself always takes a free port)');
  const durationMs = parseDurationOption('--duration', raw.duration ?? '6', {min: 100, allowZero: false});
  const intervalMs = parseDurationOption('--interval', raw.interval ?? '200ms', {min: 1, allowZero: false});
  const token = randomBytes(16).toString('hex');
  const emulator = await Emulator.start({
    auth: [token],
    zipFileDelayMs: durationMs / ZIP_FILES,
    extractEntryDelayMs: durationMs / ARCHIVE_ENTRIES,
    extractAnswerMs: Math.min(2000, durationMs / 4),
  });
  const files = await FileServer.start({
    files: Object.fromEntries(Object.entries(REMOTE_FILES).map(([path, size]) => [path, {size, bytesPerSecond: size / (durationMs / 1000)}])),
  });
  const abort = new AbortController();
  try {
    const id = randomBytes(3).toString('hex');
    const hashes = {upload: `up-${id}`, remote: `remote-${id}`, zip: `zip-${id}`, extract: `extract-${id}`};
    const fileids = Array.from({length: ZIP_FILES}, (_, i) => emulator.addFile(`report-${String(i + 1).padStart(2, '0')}.pdf`, 200_000 + ((i * 7919) % 23) * 90_000));
    const archive = emulator.addArchive(
      'photos-2024.zip',
      Array.from({length: ARCHIVE_ENTRIES}, (_, i) => ({path: `photos-2024/IMG_${String(4100 + i)}.jpg`, size: 900_000 + ((i * 7919) % 31) * 40_000})),
    );

    const jobs = [
      {kind: 'upload', hash: hashes.upload},
      {kind: 'upload', hash: hashes.remote},
      {kind: 'zip', hash: hashes.zip},
      {kind: 'extract', hash: hashes.extract},
    ] as const;
    // the demo's own emulator and token: the same resolver as the CLI, only host and token are given
    const resolved = await resolveWatchOptions({jobs}, {json: raw.json, quiet: raw.quiet, plain: raw.plain, color: raw.color, host: emulator.url, auth: token, interval: `${intervalMs}ms`, stall: '30'}, env);
    const options = {...resolved, proxy: null}; // the demo's emulator is ours, on loopback: never through a proxy
    const watching = runSession(options, env);

    // The "user's script": starts a little after the watch, so the spinner shows first.
    const startDelayMs = Math.min(800, durationMs / 6);
    const urls = Object.keys(REMOTE_FILES).map((path) => `${files.url}${path}?X-Amz-Signature=demo-signature-not-shown`);
    const work = new Promise((resolve) => setTimeout(resolve, startDelayMs)).then(() =>
      Promise.all([
        upload(emulator.url, {progresshash: hashes.upload, folderid: '0', auth: token}, DEMO_FILES, durationMs, abort.signal),
        call(emulator.url, 'savezip', {auth: token, progresshash: hashes.zip, fileids: fileids.join(','), toname: 'reports.zip'}),
        call(emulator.url, 'downloadfile', {auth: token, progresshash: hashes.remote, url: urls.join(' '), folderid: '0'}),
        call(emulator.url, 'extractarchive', {auth: token, progresshash: hashes.extract, fileid: String(archive), tofolderid: '0'}),
      ]),
    );
    work.catch(() => undefined); // a failed job shows in the watch itself (it vanishes or stalls)
    const exitCode = await watching;
    if (exitCode !== ExitCode.ok) abort.abort();
    return exitCode;
  } finally {
    abort.abort();
    await emulator.close();
    await files.close();
  }
}
