import {randomBytes} from 'node:crypto';
import {call, Emulator, FileServer, upload} from '../emulator/index.js';
import type {Env} from '../env.js';
import {UsageError} from '../errors.js';
import {ExitCode} from '../exit-codes.js';
import type {Job} from '../jobs.js';
import {parseDurationOption, resolveWatchOptions, type RawOptions} from '../options.js';
import {runSession} from '../session.js';

export {SERVE_TOKEN} from './serve.js';

export interface DemoRawOptions extends RawOptions {
  duration?: string;
  serve?: boolean;
  port?: string;
}

/** What the demo uploads: names a person recognizes, sizes that make the bar move visibly. */
const DEMO_FILES = [
  {name: 'holiday-photos.tar', size: 6 * 1024 * 1024},
  {name: 'notes.txt', size: 300 * 1024},
  {name: 'screencast.mp4', size: 10 * 1024 * 1024},
];
/** What a friend sends to the demo's upload link. */
const LINK_FILES = [{name: 'from-a-friend.mov', size: 5 * 1024 * 1024}];
const ZIP_FILES = 24;
/** What the remote upload fetches: a presigned-looking query, which the display never shows. */
const REMOTE_FILES = {'/releases/debian-12.iso': 6 * 1024 * 1024, '/media/talk-recording.webm': 3 * 1024 * 1024};
const ARCHIVE_ENTRIES = 40;

/**
 * `demo`: the emulator on a free loopback port and five real jobs on it, watched through the
 * very code that watches the real service: a throttled multipart upload, one to an upload link,
 * a savezip, a remote upload (downloadfile, fetching from a throttled file server on loopback)
 * and an archive extraction.
 */
export async function demoCommand(raw: DemoRawOptions, env: Env): Promise<number> {
  if (raw.serve) {
    const {serve} = await import('./serve.js');
    return serve(raw, env);
  }
  if (raw.port !== undefined) throw new UsageError('--port only goes with --serve (the demo itself always takes a free port)');
  const durationMs = parseDurationOption('--duration', raw.duration ?? '6', {min: 100, allowZero: false});
  const intervalMs = parseDurationOption('--interval', raw.interval ?? '200ms', {min: 1, allowZero: false});
  const token = randomBytes(16).toString('hex');
  let firstPoll = (): void => {};
  const polled = new Promise<void>((resolve) => (firstPoll = resolve));
  const emulator = await Emulator.start({
    onRequest: (request) => {
      if (request.path.endsWith('progress')) firstPoll();
    },
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
    const hashes = {upload: `up-${id}`, link: `link-${id}`, remote: `remote-${id}`, zip: `zip-${id}`, extract: `extract-${id}`};
    const linkCode = emulator.createUploadLink();
    const fileids = Array.from({length: ZIP_FILES}, (_, i) => emulator.addFile(`report-${String(i + 1).padStart(2, '0')}.pdf`, 200_000 + ((i * 7919) % 23) * 90_000));
    const archive = emulator.addArchive(
      'photos-2024.zip',
      Array.from({length: ARCHIVE_ENTRIES}, (_, i) => ({path: `photos-2024/IMG_${String(4100 + i)}.jpg`, size: 900_000 + ((i * 7919) % 31) * 40_000})),
    );

    const jobs: Job[] = [
      {kind: 'upload', hash: hashes.upload},
      {kind: 'upload', mode: 'uploadLink', code: linkCode, hash: hashes.link},
      {kind: 'upload', hash: hashes.remote},
      {kind: 'zip', hash: hashes.zip},
      {kind: 'extract', hash: hashes.extract},
    ];
    // the demo's own emulator and token: the same resolver as the CLI, only host and token are given
    const resolved = await resolveWatchOptions({jobs}, {json: raw.json, quiet: raw.quiet, plain: raw.plain, color: raw.color, host: emulator.url, auth: token, interval: `${intervalMs}ms`, stall: '30'}, env);
    const options = {...resolved, proxy: null}; // the demo's emulator is ours, on loopback: never through a proxy
    const watching = runSession(options, env);

    // The "user's script": starts a little after the watch's first poll, so the spinner shows first
    // (and a watch slow to start still sees every job from its beginning).
    const startDelayMs = Math.min(800, durationMs / 6);
    const urls = Object.keys(REMOTE_FILES).map((path) => `${files.url}${path}?X-Amz-Signature=demo-signature-not-shown`);
    const work = polled.then(() => env.clock.sleep(startDelayMs, abort.signal)).then(() =>
      Promise.all([
        upload(emulator.url, {progresshash: hashes.upload, folderid: '0', auth: token}, DEMO_FILES, durationMs, abort.signal),
        upload(emulator.url, {code: linkCode, progresshash: hashes.link}, LINK_FILES, durationMs, abort.signal, 'uploadtolink'),
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
