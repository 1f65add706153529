import {Emulator} from '../emulator/index.js';
import {zipArchive} from '../emulator/zip.js';
import type {Env, StopSignal} from '../env.js';
import {UsageError} from '../errors.js';
import {SIGNAL_EXITS} from '../exit-codes.js';
import {parseDurationOption} from '../options.js';

/** The tokens `demo --serve` accepts: the emulator only listens on loopback, so well-known ones are fine. */
export const SERVE_TOKEN = 'demo-token';
export const SERVE_ACCESS_TOKEN = 'demo-access-token';
export const SERVE_USER = {username: 'demo@example.com', password: 'demo-password'};
/** How long a savezip of the seeded files, or the extraction of the seeded archive, takes by default: long enough to watch. */
export const SERVE_JOB_DURATION = '6';

export interface ServeOptions {
  port?: string;
  /** how long a savezip of the seeded files, and an extraction of the seeded archive, take */
  duration?: string;
}

const SEEDED_FILES: [string, number][] = [
  ['report.pdf', 3_000_000],
  ['photos.tar', 12_000_000],
  ['notes.txt', 40_000],
  ...Array.from({length: 9}, (_, i): [string, number] => [`invoice-2026-${String(i + 1).padStart(2, '0')}.pdf`, 150_000 + i * 35_000]),
];
const ARCHIVE_NAME = 'photos-2024.zip';
const ARCHIVE_ENTRIES = 40;

/** A port someone else holds, or one that needs privileges, is the user's choice to change, not a bug. */
function listenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UsageError(`port ${port} is in use: pick another --port or leave it out for a free one`);
  if (code === 'EACCES') return new UsageError(`port ${port} needs privileges this user lacks: pick one above 1023 or leave --port out for a free one`);
  return error;
}

/** A real zip of a few dozen made-up photos (compressible bytes: it is built in a few ms). */
function seededArchive(): Buffer {
  const files = Array.from({length: ARCHIVE_ENTRIES}, (_, i) => {
    const size = 60_000 + ((i * 7919) % 31) * 4_000;
    return {path: `photos-2024/IMG_${4100 + i}.jpg`, data: Buffer.alloc(size, `IMG_${4100 + i} `)};
  });
  return zipArchive(files);
}

/**
 * What to paste into another terminal, each line as printed (the tests run them so): an upload, an
 * upload to a link, a zip and an extraction, each watched. curl's own answers go to /dev/null, so
 * they never draw into a live display.
 */
export function serveLines(url: string, linkCode: string): string[] {
  const api = (method: string): string => `"$PCLOUD_API_HOST/${method}"`;
  return [
    `export PCLOUD_API_HOST=${url} PCLOUD_AUTH=${SERVE_TOKEN}`,
    `head -c 12000000 /dev/urandom > big.bin`,
    `# an upload (watch it where it runs: here, the one machine)`,
    `curl -s --limit-rate 4M -F auth=${SERVE_TOKEN} -F progresshash=h1 -F file=@big.bin ${api('uploadfile')} >/dev/null &`,
    `pcloud-progress upload h1`,
    `# an upload to an upload link (its code is all the uploader needs; watching needs no token either)`,
    `curl -s --limit-rate 4M -F code=${linkCode} -F progresshash=h2 -F file=@big.bin ${api('uploadtolink')} >/dev/null &`,
    `pcloud-progress upload h2 --link ${linkCode}`,
    `# a zip of every file, saved as /everything.zip`,
    `curl -s -d auth=${SERVE_TOKEN} -d folderid=0 -d topath=/everything.zip -d progresshash=z1 ${api('savezip')} >/dev/null &`,
    `pcloud-progress zip z1`,
    `# an extraction of ${ARCHIVE_NAME}: extractarchive answers within 2 s, finished or naming where to watch it (needs jq)`,
    `answer=$(curl -s -d auth=${SERVE_TOKEN} -d path=/${ARCHIVE_NAME} -d topath=/ ${api('extractarchive')})`,
    `if jq -e .finished <<<"$answer" >/dev/null; then echo "extracted at once"; else pcloud-progress extract "$(jq -r .progresshash <<<"$answer")" --host "$(jq -r .hostname <<<"$answer")"; fi`,
  ];
}

/**
 * `demo --serve`: just the emulator, until Ctrl-C, for trying the real workflow by hand (curl and
 * pcloud-progress in another terminal, or a pCloud SDK). stdout gets the URL; stderr how to use it.
 */
export async function serve(raw: ServeOptions, env: Env): Promise<number> {
  const port = raw.port === undefined ? 0 : Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port "${String(raw.port).slice(0, 20)}": expected 0 to 65535`);
  const durationMs = parseDurationOption('--duration', raw.duration ?? SERVE_JOB_DURATION, {min: 1, allowZero: false});
  const emulator = await Emulator.start({
    port,
    auth: [SERVE_TOKEN],
    accessTokens: [SERVE_ACCESS_TOKEN],
    user: SERVE_USER,
    // the names it gives (currentserver, extractarchive's hostname) work as --host over plain HTTP
    namedByUrl: true,
    zipFileDelayMs: durationMs / SEEDED_FILES.length,
    extractEntryDelayMs: durationMs / ARCHIVE_ENTRIES,
  }).catch((error: unknown) => {
    throw listenError(error, port);
  });
  for (const [name, size] of SEEDED_FILES) emulator.addFile(name, size);
  emulator.addZip(ARCHIVE_NAME, seededArchive());
  const linkCode = emulator.createUploadLink();
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
      `pCloud emulator on ${emulator.url}; Ctrl-C stops it.`,
      `It takes the auth token ${SERVE_TOKEN}, the OAuth access token ${SERVE_ACCESS_TOKEN} (Authorization: Bearer), and logs in`,
      `${SERVE_USER.username} / ${SERVE_USER.password} (userinfo, getauth=1). An upload link's code: ${linkCode}.`,
      `Try, in another terminal (each line as it is):`,
      ...serveLines(emulator.url, linkCode).map((line) => `  ${line}`),
      '',
    ].join('\n'),
  );
  const signal = await stopped;
  await emulator.close();
  return SIGNAL_EXITS[signal].exitCode;
}
