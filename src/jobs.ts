import {extractDecoder, fileUploadDecoder, uploadDecoder, zipDecoder, type ProgressDecoder} from './api/decode.js';
import {UsageError} from './errors.js';
import {jobKey} from './job-key.js';

/**
 * Every kind of job the tool watches, in one table: what the CLI's commands and help, the run,
 * the polling loop and the library read. A new kind of job is a new row here and its decoder.
 *
 * A row is a *mode*: the command (`kind`, also the `kind` of its events) and, where a command
 * watches more than one pCloud method, the flag that picks this one (`upload --link <code>`).
 */

/** What a poll sends of the run's credentials. */
export type CredentialsRule =
  /** no credentials: exit 2 before any request */
  | 'required'
  /** sent when there are some; none is fine */
  | 'ifPresent'
  /** never sent, even when some are configured: no `auth` in the body, no Authorization header */
  | 'never';

/** The poll's host, as the not-found hint needs it. */
export interface HintHost {
  label: string;
  /** api.pcloud.com / eapi.pcloud.com: a front for many machines */
  generic: boolean;
}

export interface JobType {
  /** the command, and the `kind` of its events */
  readonly kind: string;
  /** the progress method polled */
  readonly method: string;
  /**
   * The flag that picks this mode on its command (absent: the command's default mode). With a
   * value (`--link <code>`), the value is the job's `code`.
   */
  readonly flag?: {readonly name: string; readonly value?: string; readonly description: string};
  /** the job's `code` is a secret of sorts: never shown beyond its first 4 characters */
  readonly secretCode?: boolean;
  readonly credentials: CredentialsRule;
  /** a new decoder for one job (it may keep state across answers) */
  decoder(): ProgressDecoder;
  /** help text: what the command watches, what started the job, a progresshash for its examples */
  readonly help: {readonly what: string; readonly startedBy: string; readonly exampleHash: string};
  /** what to check when the job is never found (the default: the hash, and that it started on the host) */
  notFoundHint?(host: HintHost, job: Job): string | undefined;
  /** what to check when the server refused the poll (1000/2xxx), beyond the server's words */
  refusedHint?(job: Job): string;
}

const GENERIC_HOST_HINT = (host: HintHost): string =>
  `${host.label} fronts many machines and only the one receiving the upload knows it: upload to and poll the host that \`pcloud-progress server\` prints`;

export const JOB_TYPES = {
  upload: {
    kind: 'upload',
    method: 'uploadprogress',
    credentials: 'required',
    decoder: uploadDecoder,
    help: {what: 'an upload or a remote upload', startedBy: 'uploadfile or downloadfile', exampleHash: 'backup-42'},
    notFoundHint: (host) => (host.generic ? GENERIC_HOST_HINT(host) : undefined),
  },
  uploadLink: {
    kind: 'upload',
    method: 'uploadlinkprogress',
    flag: {name: '--link', value: 'code', description: 'the uploads went to the upload link with this code (uploadtolink): polls uploadlinkprogress; needs no credentials'},
    secretCode: true,
    credentials: 'ifPresent',
    decoder: fileUploadDecoder,
    help: {what: 'an upload to an upload link', startedBy: 'uploadtolink', exampleHash: 'backup-42'},
    notFoundHint: (host, job) =>
      host.generic ? GENERIC_HOST_HINT(host) : `check the progresshash, the link code (link ${shownCode(job.code)}) and that the upload was started with both on ${host.label}`,
    refusedHint: (job) => `check the link code (link ${shownCode(job.code)}): the upload link may not exist, may have been deleted, or may be on the other region's server (--region)`,
  },
  uploadTransfer: {
    kind: 'upload',
    method: 'uploadtransferprogress',
    flag: {name: '--transfer', description: 'the uploads are a pCloud Transfer (uploadtransfer): polls uploadtransferprogress; never sends a token'},
    credentials: 'never',
    decoder: fileUploadDecoder,
    help: {what: 'a pCloud Transfer', startedBy: 'uploadtransfer', exampleHash: 'backup-42'},
    notFoundHint: (host) => (host.generic ? GENERIC_HOST_HINT(host) : undefined),
  },
  zip: {
    kind: 'zip',
    method: 'savezipprogress',
    credentials: 'required',
    decoder: zipDecoder,
    help: {what: 'a server-side zip', startedBy: 'savezip', exampleHash: 'zip-7'},
    notFoundHint: (host) =>
      `savezip may have refused the job (pCloud answers 2003 "Access denied" to some tokens): check savezip's own answer, and that it was started with this progresshash on ${host.label}`,
  },
  extract: {
    kind: 'extract',
    method: 'extractarchiveprogress',
    credentials: 'required',
    decoder: extractDecoder,
    help: {what: 'an archive extraction', startedBy: 'extractarchive (or the one it answered)', exampleHash: 'extract-9'},
  },
} as const satisfies Record<string, JobType>;

/** A row of the table, by name: `upload`, `uploadLink`, ... */
export type JobMode = keyof typeof JOB_TYPES;

/** The kinds of job (the commands, and the `kind` of events): `upload`, `zip`, `extract`. */
export type JobKind = (typeof JOB_TYPES)[JobMode]['kind'];

/** One thing to watch, by its progresshash. */
export interface Job {
  kind: JobKind;
  hash: string;
  /** the table's row; absent: the one named like the kind */
  mode?: JobMode;
  /** the row's flag value (`--link`'s code) */
  code?: string;
}

export {jobKey};

const MODES = Object.keys(JOB_TYPES) as JobMode[];

/** The commands, in the table's order. */
export const JOB_KINDS: readonly JobKind[] = [...new Set(MODES.map((mode) => JOB_TYPES[mode].kind))];

export function jobType(job: Pick<Job, 'kind' | 'mode'>): JobType {
  return JOB_TYPES[job.mode ?? job.kind];
}

/** The modes a command has besides its default: each picked by its flag. */
export function flaggedModes(kind: JobKind): {mode: JobMode; flag: NonNullable<JobType['flag']>}[] {
  return MODES.flatMap((mode) => {
    const type: JobType = JOB_TYPES[mode];
    return type.kind === kind && type.flag ? [{mode, flag: type.flag}] : [];
  });
}

/** `--link` -> `link`: the key commander (and the library's options) give a flag's value under. */
export function flagKey(name: string): string {
  return name.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The mode a command's flags pick (`{link: 'abc'}` -> uploadLink with code abc); none: the
 * command's default. Two at once, or one of another command's, is a usage error.
 */
export function chooseMode(kind: JobKind, flags: Record<string, unknown>): {mode: JobMode; code?: string} {
  const given = MODES.filter((mode) => {
    const flag = (JOB_TYPES[mode] as JobType).flag;
    return flag !== undefined && flags[flagKey(flag.name)] !== undefined && flags[flagKey(flag.name)] !== false;
  });
  const foreign = given.find((mode) => JOB_TYPES[mode].kind !== kind);
  if (foreign) throw new UsageError(`${(JOB_TYPES[foreign] as JobType).flag?.name} only goes with ${JOB_TYPES[foreign].kind}, not with ${kind}`);
  if (given.length > 1) throw new UsageError(`${given.map((mode) => (JOB_TYPES[mode] as JobType).flag?.name).join(' and ')} do not go together`);
  const mode = given[0];
  if (mode === undefined) return {mode: kind};
  const flag = (JOB_TYPES[mode] as JobType).flag;
  if (flag?.value === undefined) return {mode};
  return {mode, code: checkCode(flag.name, flags[flagKey(flag.name)])};
}

const CODE = /^[\x21-\x7e]{1,128}$/;

/** A flag's code: checked like a progresshash, and never quoted back (it is a secret of sorts). */
function checkCode(name: string, value: unknown): string {
  if (typeof value === 'string' && CODE.test(value)) return value;
  const why = typeof value !== 'string' || value === '' ? 'it is empty' : value.length > 128 ? 'it is longer than 128 characters' : 'it may only hold printable ASCII characters, no spaces';
  throw new UsageError(`bad ${name} code: ${why}`);
}

/** `abcd…`: a secret code as it may be shown. */
export function shownCode(code: string | undefined): string {
  if (code === undefined) return '';
  return code.length <= 4 ? '…' : `${code.slice(0, 4)}…`;
}

/** A job's poll parameters: the progresshash, the code where its mode takes one, and the decoder's (`lines`). */
export function pollForm(job: Job, params: Record<string, string>): Record<string, string> {
  return job.code === undefined ? {progresshash: job.hash, ...params} : {code: job.code, progresshash: job.hash, ...params};
}

/** Server text with a job's secret code shown as `abcd…` (a server may echo parameters back). */
export function hideCode(job: Job, text: string): string {
  if (job.code === undefined || !jobType(job).secretCode) return text;
  return text.split(job.code).join(shownCode(job.code));
}
