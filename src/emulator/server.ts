import {createHash, randomBytes, type Hash} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTlsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {DEFAULT_USER, DIGEST_VALID_MS, inRoot, isRoot, newDigest, rootFolder, signsIn, type User, userinfo} from './account.js';
import {errorAnswer, FAULTS, type FaultKind, type ScriptedAnswer} from './answers.js';
import {type Archive, type ArchiveEntry, Extraction, extractOutput} from './extract.js';
import {type FileEntry, metadata} from './files.js';
import {jsonWithBigInts} from './json.js';
import {boundaryOf, MultipartParser} from './multipart.js';
import {type RemoteFileAnswer, RemoteUpload} from './remote.js';
import {zipEntries} from './zip.js';

export interface EmulatorOptions {
  /** listen address: '127.0.0.1' (default) or '::1' */
  host?: string;
  /** 0 (default) = a free port */
  port?: number;
  /** valid `auth` tokens */
  auth?: string[];
  /** valid OAuth tokens (`access_token` or `Authorization: Bearer`) */
  accessTokens?: string[];
  /** what currentserver answers as `hostname`; default: this server's host:port */
  hostname?: string;
  /**
   * currentserver, getapiserver and extractarchive name this server by its URL
   * (`http://127.0.0.1:8080`), so a client that takes the name as `--host` reaches it over plain
   * HTTP (pCloud names a bare hostname: https). For `demo --serve` and the recipes' tests.
   */
  namedByUrl?: boolean;
  /** called with each request as it is recorded (the demo starts its jobs once the watch polls) */
  onRequest?: (request: RecordedRequest) => void;
  /** the account's sign-in for userinfo (getauth=1 answers the first `auth` token); default demo@example.com / demo-password */
  user?: User;
  /** how long an upload shows every byte received but not finished (the server storing it); default 0 */
  uploadFinishMs?: number;
  /** how long a finished upload, remote upload, zip or extraction stays readable; default 10 minutes; 0 = gone at once */
  lingerMs?: number;
  /** time to "zip" each file; default 200 ms */
  zipFileDelayMs?: number;
  /** time to extract each archive entry; default 100 ms */
  extractEntryDelayMs?: number;
  /** how long extractarchive runs before it answers (sooner when the extraction is done); default 2 s, as pCloud does */
  extractAnswerMs?: number;
  /** random transient faults on uploadprogress/savezipprogress, before any script; off by default */
  faults?: {rate: number; kinds?: FaultKind[]; random?: () => number};
  /** serve HTTPS with this key and certificate (PEM) instead of plain HTTP */
  tls?: {key: string; cert: string};
}

export interface RecordedRequest {
  httpMethod: string;
  path: string;
  /** path and query as received */
  url: string;
  headers: IncomingMessage['headers'];
  /** the body as text; for an upload only its first 4 KiB */
  body: string;
  /** query and form parameters, merged (for an upload: its form fields) */
  params: Record<string, string>;
  connectionId: number;
  remoteAddress: string;
}

interface UploadRecord {
  total: number;
  uploaded: number;
  currentfile: string | undefined;
  currentfileuploaded: number;
  filenumber: number;
  files: FileEntry[];
  finished: boolean;
}

/** uploadprogress lists only the files already received, not the current one (which has no fileid yet). */
function finishedFiles(record: UploadRecord): FileEntry[] {
  return record.files.filter((file) => file.fileid !== 0);
}

interface ZipRecord {
  files: number;
  totalfiles: number;
  bytes: number;
  totalbytes: number;
}

type Params = Record<string, string>;

/** Answers queued for one method and progresshash, and how many requests took one. */
interface Script {
  method: string;
  hash: string;
  answers: ScriptedAnswer[];
  sent: number;
  allowUnused: boolean;
}

/** `uploadprogress h1: 2 of 5 answers never sent, from {"result":0,...}`, or undefined when used up. */
function unused(script: Script): string | undefined {
  const left = script.answers.length - script.sent;
  if (left <= 0 || script.allowUnused) return undefined;
  const first = JSON.stringify(script.answers[script.sent], (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) ?? '';
  return `${script.method} ${script.hash}: ${left} of ${script.answers.length} answers never sent, from ${first.length > 80 ? `${first.slice(0, 79)}…` : first}`;
}
const MAX_FORM_BYTES = 1024 * 1024;
const RECORDED_UPLOAD_BYTES = 4096;
/** Methods that check credentials their own way, or not at all (an upload link's code; a transfer: no account). */
const NO_AUTH_METHODS = new Set(['getapiserver', 'currentserver', 'getdigest', 'userinfo', 'uploadtolink', 'uploadlinkprogress', 'uploadtransfer', 'uploadtransferprogress']);
const METHODS = new Set([
  ...NO_AUTH_METHODS,
  'uploadfile',
  'uploadprogress',
  'savezip',
  'savezipprogress',
  'downloadfile',
  'extractarchive',
  'extractarchiveprogress',
  'createuploadlink',
  'listfolder',
  'stat',
]);
/** The multipart uploads: to the account, to an upload link (by its code), and a pCloud Transfer (no account). */
type UploadMethod = 'uploadfile' | 'uploadtolink' | 'uploadtransfer';
const UPLOAD_METHODS = new Set<string>(['uploadfile', 'uploadtolink', 'uploadtransfer']);
/** An uploaded .zip up to this size is kept, so extractarchive can list it (larger ones are only counted). */
const MAX_KEPT_ZIP_BYTES = 16 * 1024 * 1024;
/** Upload link codes look like pCloud's: letters and digits. */
const LINK_CODE_CHARS = 34;
const DEFAULT_LINGER_MS = 10 * 60_000;
const DEFAULT_ZIP_FILE_DELAY_MS = 200;
const DEFAULT_EXTRACT_ENTRY_DELAY_MS = 100;
const DEFAULT_EXTRACT_ANSWER_MS = 2000;
// pCloud's progress hashes look like "KooPMKmcEBp" (extractarchive's doc): 11 letters and digits
const GENERATED_HASH_CHARS = 11;
const HASH_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A progresshash for an extraction the client gave none for. */
function generatedHash(length = GENERATED_HASH_CHARS): string {
  return [...randomBytes(length)].map((byte) => HASH_ALPHABET[byte % HASH_ALPHABET.length]).join('');
}

/** uploadfile's `checksums`: one per file, as pCloud's US servers give them. */
interface Checksums {
  sha1: Hash;
  sha256: Hash;
}

/** A folder given as `folderid` or `path` (downloadfile) or `tofolderid`/`topath` (extractarchive): an error answer when malformed. */
function folderError(folderid: string | undefined, path: string | undefined): ScriptedAnswer | undefined {
  if (folderid !== undefined && !/^\d+$/.test(folderid)) return errorAnswer(1017);
  if (folderid === undefined && path !== undefined && !path.startsWith('/')) return errorAnswer(2010);
  return undefined;
}

/** downloadfile's `target`: comma-separated, form-encoded names for the URLs in order; empty = the URL's own. */
function targetNames(target: string | undefined): (string | undefined)[] {
  return (target ?? '').split(',').map((name) => {
    try {
      return decodeURIComponent(name) || undefined;
    } catch {
      return name || undefined;
    }
  });
}

/** A boolean parameter: set when present, unless it says 0 (pCloud's flags are "if set"). */
function flagSet(value: string | undefined): boolean {
  return value !== undefined && value !== '0';
}

/** `lines` of extractarchiveprogress: how many lines to skip; anything but a count skips none. */
function skipCount(lines: string | undefined): number {
  return lines !== undefined && /^\d+$/.test(lines) ? Number(lines) : 0;
}

/**
 * A pCloud-compatible API server on loopback: real multipart uploads and remote uploads
 * (downloadfile, which really fetches from loopback URLs) tracked by uploadprogress, savezip
 * tracked by savezipprogress, extractarchive tracked by extractarchiveprogress,
 * getapiserver/currentserver, auth, pCloud's error shape, and scripted answers or random faults
 * for tests. The demo and the test suite both use it.
 */
export class Emulator {
  readonly requests: RecordedRequest[] = [];
  #connections = 0;
  readonly #server: Server;
  readonly #options: EmulatorOptions;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #scripts = new Map<string, Script>();
  /** scripts replaced by another for the same method and hash: checked all the same */
  readonly #replacedScripts: Script[] = [];
  /** by progresshash: multipart uploads and remote uploads, both answered by uploadprogress */
  readonly #uploads = new Map<string, UploadRecord | RemoteUpload>();
  /** uploads to upload links, by `code\0progresshash` (uploadlinkprogress asks with both) */
  readonly #linkUploads = new Map<string, UploadRecord>();
  /** pCloud Transfers, by progresshash: no account holds them */
  readonly #transfers = new Map<string, UploadRecord>();
  readonly #uploadLinks = new Set<string>();
  readonly #digests = new Set<string>();
  readonly #zips = new Map<string, ZipRecord>();
  readonly #extractions = new Map<string, Extraction>();
  readonly #remotes = new Set<RemoteUpload>();
  readonly #files = new Map<number, FileEntry>();
  readonly #archives = new Map<number, Archive>();
  #nextFileId = 1000;
  #address: AddressInfo | undefined;
  #closed = false;

  private constructor(options: EmulatorOptions) {
    this.#options = options;
    const handle = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    this.#server = options.tls ? createTlsServer({key: options.tls.key, cert: options.tls.cert}, handle) : createServer(handle);
    this.#server.keepAliveTimeout = 60_000;
    this.#server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#connections += 1;
      (socket as Socket & {emulatorId?: number}).emulatorId = this.#connections;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<Emulator> {
    const emulator = new Emulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.#server.once('error', reject);
      emulator.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    emulator.#address = emulator.#server.address() as AddressInfo;
    return emulator;
  }

  get port(): number {
    return this.#address?.port ?? 0;
  }

  /** host:port as a URL has it: `127.0.0.1:4567`, `[::1]:4567` */
  get host(): string {
    const address = this.#address?.address ?? '127.0.0.1';
    return `${address.includes(':') ? `[${address}]` : address}:${this.port}`;
  }

  get url(): string {
    return `${this.#options.tls ? 'https' : 'http'}://${this.host}`;
  }

  /** TCP connections accepted so far */
  get connections(): number {
    return this.#connections;
  }

  /**
   * Queues answers for `method` and a progresshash ('*' = any); each request takes one, the last
   * repeats. Every answer must be sent at least once before verifyScripts() or close(), which
   * throw otherwise (as gh's HTTP stubs fail a test that left one unused): a script the program
   * never asked for says the test did not test what it meant to. `allowUnused`: the program may
   * stop before it took them all (a fuzz run that ends at the first fatal answer).
   */
  script(method: string, hash: string, answers: ScriptedAnswer[], options: {allowUnused?: boolean} = {}): void {
    if (answers.length === 0) throw new Error('script() needs at least one answer');
    const key = `${method}\0${hash}`;
    const replaced = this.#scripts.get(key);
    if (replaced) this.#replacedScripts.push(replaced);
    this.#scripts.set(key, {method, hash, answers: [...answers], sent: 0, allowUnused: options.allowUnused ?? false});
  }

  /**
   * Throws naming every script with answers never sent, then forgets all scripts, used or not, so
   * that the next test on this emulator starts with none. close() calls it.
   */
  verifyScripts(): void {
    const problems = [...this.#replacedScripts, ...this.#scripts.values()].map(unused).filter((problem) => problem !== undefined);
    this.#scripts.clear();
    this.#replacedScripts.length = 0;
    if (problems.length > 0) throw new Error(`scripted answers never sent (fewer requests came than the test scripted): ${problems.join('; ')}`);
  }

  static uploadAnswer(p: {uploaded: number; total: number; finished?: boolean; currentfile?: string; files?: unknown[]}): ScriptedAnswer {
    const finished = p.finished ?? false;
    const json: Record<string, unknown> = {result: 0, total: p.total, uploaded: p.uploaded, files: p.files ?? [], finished};
    if (!finished) Object.assign(json, {currentfile: p.currentfile ?? 'file.bin', currentfileuploaded: Math.max(0, p.uploaded - 200), filenumber: (p.files?.length ?? 0) + 1});
    return {json};
  }

  static zipAnswer(p: ZipRecord): ScriptedAnswer {
    return {json: {result: 0, ...p}};
  }

  /** uploadprogress for a downloadfile job; the counts and `finished` follow from `files` unless given. */
  static remoteUploadAnswer(p: {files: RemoteFileAnswer[]; finished?: boolean}): ScriptedAnswer {
    const count = (status: RemoteFileAnswer['status']): number => p.files.filter((file) => file.status === status).length;
    const finished = p.finished ?? count('ready') + count('error') === p.files.length;
    return {json: {result: 0, finished, urlcount: p.files.length, urlready: count('ready'), urlworking: count('downloading'), files: p.files}};
  }

  /** extractarchiveprogress (or a finished extractarchive): `lines` defaults to the lines skipped plus those given. */
  static extractAnswer(p: {output: string[]; finished?: boolean; lines?: number; skipped?: number}): ScriptedAnswer {
    return {json: {result: 0, finished: p.finished ?? false, lines: p.lines ?? (p.skipped ?? 0) + p.output.length, output: p.output}};
  }

  /** The output lines pCloud's extraction of this archive shows once `extracted` entries (default all) are out. */
  static extractOutput(archiveName: string, entries: ArchiveEntry[], extracted?: number): string[] {
    return extractOutput(archiveName, entries, extracted);
  }

  static error(result: number, error?: string): ScriptedAnswer {
    return errorAnswer(result, error);
  }

  /** An upload link to the account's root folder, as createuploadlink makes one: its code. */
  createUploadLink(): string {
    const code = generatedHash(LINK_CODE_CHARS);
    this.#uploadLinks.add(code);
    return code;
  }

  /** Puts a real zip archive into the account (extractarchive lists its entries); returns its fileid. */
  addZip(name: string, zip: Buffer): number {
    const entries = zipEntries(zip);
    if (!entries) throw new Error(`${name} is not a zip archive`);
    const fileid = this.addFile(name, zip.length, 'application/zip');
    this.#archives.set(fileid, {name, entries, password: undefined});
    return fileid;
  }

  /** Puts a file into the emulated account (for savezip); returns its fileid. */
  addFile(name: string, size: number, contenttype = 'application/octet-stream'): number {
    return this.#store(name, size, contenttype).fileid;
  }

  /**
   * Puts an archive into the emulated account (for extractarchive): a generated listing of
   * entries, not a real zip. With `password`, extractarchive needs it. Returns its fileid.
   */
  addArchive(name: string, entries: ArchiveEntry[], options: {password?: string} = {}): number {
    const size = entries.reduce((sum, entry) => sum + entry.size, 0);
    const fileid = this.addFile(name, size, 'application/zip');
    this.#archives.set(fileid, {name, entries: entries.map((entry) => ({...entry})), password: options.password});
    return fileid;
  }

  /**
   * Stops listening, ends every connection (hung ones too), every remote download and every timer;
   * then, the first time, throws if a script was not used up (verifyScripts()).
   */
  async close(): Promise<void> {
    const first = !this.#closed;
    this.#closed = true;
    for (const remote of this.#remotes) remote.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (first) this.verifyScripts();
  }

  #store(name: string, size: number, contenttype: string): FileEntry {
    const file: FileEntry = {fileid: this.#nextFileId++, name, size, contenttype, created: new Date().toUTCString()};
    this.#files.set(file.fileid, file);
    return file;
  }

  /** Runs `run` in `ms`, unless the emulator closes first; after close() nothing is scheduled. */
  #later(ms: number, run: () => void): NodeJS.Timeout | undefined {
    if (this.#closed) return undefined;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  /**
   * A finished job's record stays readable for lingerMs, then goes. With lingerMs 0 it goes at
   * once, not on a 0 ms timer that would still let the next poll see it. A record that a new
   * job has since taken the hash of is left alone.
   */
  #linger<T>(records: Map<string, T>, hash: string | undefined, record: T): void {
    if (hash === undefined) return;
    const forget = (): void => {
      if (records.get(hash) === record) records.delete(hash);
    };
    const lingerMs = this.#options.lingerMs ?? DEFAULT_LINGER_MS;
    if (lingerMs <= 0) forget();
    else this.#later(lingerMs, forget);
  }

  /** currentserver's answer fields: the machine a job runs on. */
  #currentServer(): {hostname: string; ip: string; ipv6: string; ipbin: string} {
    return {hostname: this.#hostname(), ip: '127.0.0.1', ipv6: '::1', ipbin: '127.0.0.1'};
  }

  #hostname(): string {
    return this.#options.hostname ?? (this.#options.namedByUrl ? this.url : this.host);
  }

  #record(req: IncomingMessage, body: string, params: Params): void {
    const socket = req.socket as Socket & {emulatorId?: number};
    const url = req.url ?? '/';
    const request: RecordedRequest = {
      httpMethod: req.method ?? 'GET',
      path: url.split('?')[0] ?? '/',
      url,
      headers: req.headers,
      body,
      params: {...params},
      connectionId: socket.emulatorId ?? 0,
      remoteAddress: socket.remoteAddress ?? '',
    };
    this.requests.push(request);
    this.#options.onRequest?.(request);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = url.pathname.replace(/^\/+/, '').replace(/\.$/, '');
    const params: Params = Object.fromEntries(url.searchParams);
    const boundary = UPLOAD_METHODS.has(method) && req.method === 'POST' ? boundaryOf(req.headers['content-type']) : undefined;
    if (boundary) {
      this.#upload(req, res, boundary, params, method as UploadMethod);
      return;
    }
    let body = '';
    let size = 0;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) body += chunk;
    });
    req.on('end', () => {
      if (/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
      this.#record(req, body, params);
      this.#dispatch(method, params, req, res);
    });
  }

  /** 1000 without credentials, 2000 for an unknown auth token, 2094 for an unknown OAuth token. */
  #authError(params: Params, req: IncomingMessage): ScriptedAnswer | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const accessToken = bearer ?? params.access_token;
    if (accessToken !== undefined) return (this.#options.accessTokens ?? ['test-access-token']).includes(accessToken) ? undefined : errorAnswer(2094);
    if (params.auth !== undefined) return (this.#options.auth ?? ['test-auth-token']).includes(params.auth) ? undefined : errorAnswer(2000);
    return errorAnswer(1000);
  }

  /** An upload link's code that is not one: pCloud's docs list 2000 among uploadlinkprogress's errors (facts.md). */
  #linkError(code: string | undefined): ScriptedAnswer | undefined {
    return code !== undefined && this.#uploadLinks.has(code) ? undefined : errorAnswer(2000);
  }

  /** A transfer needs a sender and recipients (our codes: pCloud documents none). */
  #transferError(params: Params): ScriptedAnswer | undefined {
    if (params.sendermail === undefined || params.sendermail === '') return errorAnswer(1130);
    if (params.receivermails === undefined || params.receivermails === '') return errorAnswer(1131);
    return undefined;
  }

  /** Credentials where a method takes them but needs none (uploadlinkprogress): wrong ones still fail. */
  #optionalAuthError(params: Params, req: IncomingMessage): ScriptedAnswer | undefined {
    const given = req.headers.authorization !== undefined || params.access_token !== undefined || params.auth !== undefined;
    return given ? this.#authError(params, req) : undefined;
  }

  #scripted(method: string, hash: string | undefined): ScriptedAnswer | undefined {
    const script = this.#scripts.get(`${method}\0${hash ?? ''}`) ?? this.#scripts.get(`${method}\0*`);
    if (!script) return undefined;
    const answer = script.answers[Math.min(script.sent, script.answers.length - 1)];
    script.sent += 1;
    return answer;
  }

  #fault(method: string): ScriptedAnswer | undefined {
    const faults = this.#options.faults;
    if (!faults || (method !== 'uploadprogress' && method !== 'savezipprogress')) return undefined;
    const random = faults.random ?? Math.random;
    if (random() >= faults.rate) return undefined;
    const kinds = faults.kinds ?? (Object.keys(FAULTS) as FaultKind[]);
    return FAULTS[kinds[Math.floor(random() * kinds.length)] ?? 'error5000'];
  }

  #dispatch(method: string, params: Params, req: IncomingMessage, res: ServerResponse): void {
    // pCloud closes the connection on a method that does not exist, without an answer, before
    // looking at credentials; a test that scripts a method of its own still gets its answers
    if (!METHODS.has(method) && ![...this.#scripts.keys()].some((key) => key.startsWith(`${method}\0`))) {
      this.#answer(res, {reset: true});
      return;
    }
    const denied = NO_AUTH_METHODS.has(method) ? undefined : this.#authError(params, req);
    // a fault stands for the network or a proxy: it comes before the script and does not consume it
    const answer = denied ?? this.#fault(method) ?? this.#scripted(method, params.progresshash);
    if (answer) {
      this.#answer(res, answer);
      return;
    }
    switch (method) {
      case 'uploadprogress':
        return this.#json(res, this.#uploadProgress(params.progresshash));
      case 'savezipprogress':
        return this.#json(res, this.#zipProgress(params.progresshash));
      case 'savezip':
        return this.#saveZip(params, res);
      case 'downloadfile':
        return this.#downloadFile(params, res);
      case 'extractarchive':
        return this.#extractArchive(params, res);
      case 'extractarchiveprogress':
        return this.#answer(res, this.#extractProgress(params));
      case 'getapiserver':
        return this.#json(res, {result: 0, api: [this.#hostname()], binapi: [this.#hostname()]});
      case 'currentserver':
        return this.#json(res, {result: 0, ...this.#currentServer()});
      case 'uploadfile':
        return this.#json(res, {result: 0, metadata: [], checksums: [], fileids: []});
      case 'uploadtolink':
        return this.#answer(res, this.#linkError(params.code) ?? {json: {result: 0, metadata: []}});
      case 'uploadtransfer':
        return this.#answer(res, this.#transferError(params) ?? {json: {result: 0}});
      case 'uploadlinkprogress':
        return this.#answer(res, this.#optionalAuthError(params, req) ?? this.#linkError(params.code) ?? {json: this.#linkProgress(params)});
      case 'uploadtransferprogress':
        return this.#json(res, this.#recordAnswer(params.progresshash === undefined ? undefined : this.#transfers.get(params.progresshash), true));
      case 'createuploadlink':
        if (!isRoot(params.folderid, params.path)) return this.#answer(res, errorAnswer(2005));
        return this.#createUploadLink(res);
      case 'getdigest':
        return this.#getDigest(res);
      case 'userinfo':
        return this.#userinfo(params, req, res);
      case 'listfolder':
        if (!isRoot(params.folderid, params.path ?? '/')) return this.#answer(res, errorAnswer(2005));
        return this.#json(res, {result: 0, metadata: rootFolder(this.#files.values())});
      case 'stat':
        return this.#answer(res, this.#stat(params));
      default:
        return this.#answer(res, {reset: true});
    }
  }

  #json(res: ServerResponse, body: unknown): void {
    this.#answer(res, {json: body});
  }

  #answer(res: ServerResponse, answer: ScriptedAnswer): void {
    if ('delayMs' in answer) {
      this.#later(answer.delayMs, () => this.#answer(res, answer.then));
    } else if ('json' in answer) {
      const text = jsonWithBigInts(answer.json);
      const headers: Record<string, string | number> = {'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)};
      // pCloud's errors also carry their code in an X-Error header (api.txt); the status stays 200
      const result = (answer.json as {result?: unknown} | null)?.result;
      if (typeof result === 'number' && result !== 0) headers['x-error'] = String(result);
      res.writeHead(200, headers);
      res.end(text);
    } else if ('status' in answer) {
      const body = answer.body ?? '';
      res.writeHead(answer.status, {'content-length': Buffer.byteLength(body), ...answer.headers});
      res.end(body);
    } else if ('reset' in answer) {
      res.socket?.destroy();
    } else if ('truncated' in answer) {
      res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.truncated) + 64});
      res.write(answer.truncated, () => res.socket?.destroy());
    }
    // {hang: true}: never answered; close() ends the socket
  }

  #uploadProgress(hash: string | undefined): unknown {
    const record = hash === undefined ? undefined : this.#uploads.get(hash);
    if (record instanceof RemoteUpload) return record.answer();
    return this.#recordAnswer(record, true);
  }

  /** uploadlinkprogress: the upload of this progresshash to this link; "same data as uploadprogress but without files". */
  #linkProgress(params: Params): unknown {
    const record = params.progresshash === undefined ? undefined : this.#linkUploads.get(`${params.code}\0${params.progresshash}`);
    return this.#recordAnswer(record, false);
  }

  /** A multipart upload's progress answer (uploadprogress, uploadlinkprogress, uploadtransferprogress), or 1900. */
  #recordAnswer(record: UploadRecord | undefined, withFiles: boolean): Record<string, unknown> {
    if (!record) return {result: 1900, error: 'Upload not found'};
    const answer: Record<string, unknown> = {result: 0, total: record.total, uploaded: record.uploaded, filenumber: record.filenumber, finished: record.finished};
    if (withFiles) answer.files = finishedFiles(record).map(metadata);
    if (!record.finished && record.currentfile !== undefined) {
      answer.currentfile = record.currentfile;
      answer.currentfileuploaded = record.currentfileuploaded;
    }
    return answer;
  }

  #zipProgress(hash: string | undefined): unknown {
    const record = hash === undefined ? undefined : this.#zips.get(hash);
    return record ? {result: 0, ...record} : {result: 1901, error: 'Zip not found'};
  }

  /**
   * A multipart upload (uploadfile, uploadtolink, uploadtransfer): its progresshash record follows
   * the body as it streams in. `total` is the Content-Length (0 until the end for a chunked body),
   * `uploaded` every byte so far. An upload refused (credentials, a link code) leaves nothing: no
   * record, no file.
   */
  #upload(req: IncomingMessage, res: ServerResponse, boundary: string, params: Params, method: UploadMethod): void {
    const total = Number(req.headers['content-length'] ?? 0) || 0;
    // filenumber starts from 1 (pCloud's api.txt), also before the first file part has arrived
    const record: UploadRecord = {total, uploaded: 0, currentfile: undefined, currentfileuploaded: 0, filenumber: 1, files: [], finished: false};
    const records = method === 'uploadfile' ? this.#uploads : method === 'uploadtolink' ? this.#linkUploads : this.#transfers;
    const key = (): string | undefined => {
      if (params.progresshash === undefined) return undefined;
      if (method !== 'uploadtolink') return params.progresshash;
      return params.code === undefined ? undefined : `${params.code}\0${params.progresshash}`;
    };
    let recorded = Buffer.alloc(0);
    let denied: ScriptedAnswer | undefined;
    let trackedAs: string | undefined;
    const track = (): void => {
      if (trackedAs !== undefined || denied) return;
      trackedAs = key();
      if (trackedAs !== undefined) records.set(trackedAs, record);
    };
    let authChecked = false;
    const checkAuth = (): void => {
      if (authChecked) return;
      authChecked = true;
      denied = method === 'uploadfile' ? this.#authError(params, req) : method === 'uploadtolink' ? this.#linkError(params.code) : this.#transferError(params);
      if (denied && trackedAs !== undefined && records.get(trackedAs) === record) records.delete(trackedAs);
    };
    track();
    const checksums: Checksums[] = [];
    let kept: Buffer[] | undefined;
    const parser = new MultipartParser(boundary, {
      field: (name, value) => {
        params[name] = value;
        track();
      },
      fileStart: (filename, contentType) => {
        // the parameters come before the files (pCloud requires it): all of them are in now
        checkAuth();
        if (denied) return;
        record.filenumber = record.files.length + 1;
        record.currentfile = filename;
        record.currentfileuploaded = 0;
        record.files.push({fileid: 0, name: filename, size: 0, contenttype: contentType, created: ''});
        checksums.push({sha1: createHash('sha1'), sha256: createHash('sha256')});
        kept = /\.zip$/i.test(filename) && method !== 'uploadtransfer' ? [] : undefined;
      },
      fileData: (bytes, data) => {
        if (denied) return;
        record.currentfileuploaded += bytes;
        const sums = checksums.at(-1);
        sums?.sha1.update(data);
        sums?.sha256.update(data);
        if (kept && record.currentfileuploaded <= MAX_KEPT_ZIP_BYTES) kept.push(Buffer.from(data));
        else kept = undefined;
      },
      fileEnd: () => {
        const file = record.files.at(-1);
        if (denied || !file) return;
        file.fileid = this.#nextFileId++;
        file.size = record.currentfileuploaded;
        file.created = new Date().toUTCString();
        // a transfer goes to its recipients, not into the account
        if (method !== 'uploadtransfer') this.#files.set(file.fileid, file);
        const entries = kept ? zipEntries(Buffer.concat(kept)) : undefined;
        if (entries) this.#archives.set(file.fileid, {name: file.name, entries, password: undefined});
        kept = undefined;
      },
    });
    let broken = false;
    req.on('data', (chunk: Buffer) => {
      record.uploaded += chunk.length;
      if (recorded.length < RECORDED_UPLOAD_BYTES) recorded = Buffer.concat([recorded, chunk.subarray(0, RECORDED_UPLOAD_BYTES - recorded.length)]);
      if (broken) return;
      try {
        parser.write(chunk);
      } catch {
        broken = true;
      }
    });
    req.on('end', () => {
      checkAuth();
      this.#record(req, recorded.toString('latin1'), params);
      if (denied) return this.#answer(res, denied);
      record.total = record.total || record.uploaded;
      record.uploaded = record.total;
      // every byte is in; the server still stores the files (finishMs) before it says finished
      const finish = (): void => {
        const done = finishedFiles(record);
        record.currentfile = undefined;
        record.finished = true;
        this.#linger(records, trackedAs, record);
        if (broken || !parser.done) return this.#json(res, {result: 2001, error: 'Invalid multipart body.'});
        const sums = checksums.map((sum) => ({sha1: sum.sha1.digest('hex'), sha256: sum.sha256.digest('hex')}));
        this.#json(res, {result: 0, metadata: done.map(metadata), checksums: sums, fileids: done.map((file) => file.fileid)});
      };
      const finishMs = this.#options.uploadFinishMs ?? 0;
      if (finishMs > 0) this.#later(finishMs, finish);
      else finish();
    });
  }

  #createUploadLink(res: ServerResponse): void {
    const code = this.createUploadLink();
    this.#json(res, {result: 0, linkid: this.#uploadLinks.size, link: `${this.url}/uploadlink?code=${code}`, code});
  }

  /** getdigest: a digest for passworddigest, valid about 30 s and good for one login. */
  #getDigest(res: ServerResponse): void {
    const digest = newDigest();
    this.#digests.add(digest);
    this.#later(DIGEST_VALID_MS, () => this.#digests.delete(digest));
    this.#json(res, {result: 0, digest, expires: new Date(Date.now() + DIGEST_VALID_MS).toUTCString()});
  }

  /**
   * userinfo: with `username` and `password` or `passworddigest` (+ `digest`), a login (getauth=1:
   * the answer carries an `auth` token); otherwise the signed-in user's info.
   */
  #userinfo(params: Params, req: IncomingMessage, res: ServerResponse): void {
    const user = this.#options.user ?? DEFAULT_USER;
    if (params.username !== undefined) {
      const liveDigest = (digest: string): boolean => this.#digests.delete(digest);
      if (!signsIn(user, params, liveDigest)) return this.#answer(res, errorAnswer(2000));
      const auth = flagSet(params.getauth) ? {auth: (this.#options.auth ?? ['test-auth-token'])[0]} : {};
      return this.#json(res, {...userinfo(user, this.#files.values()), ...auth});
    }
    const denied = this.#authError(params, req);
    if (denied) return this.#answer(res, denied);
    this.#json(res, userinfo(user, this.#files.values()));
  }

  /** stat: a file by `fileid` or `path`; the root folder by `path=/` or `folderid=0`. */
  #stat(params: Params): ScriptedAnswer {
    if (params.folderid === '0' || params.path === '/') return {json: {result: 0, metadata: rootFolder(undefined)}};
    let file: FileEntry | undefined;
    if (params.fileid !== undefined) {
      if (!/^\d+$/.test(params.fileid)) return errorAnswer(1018);
      file = this.#files.get(Number(params.fileid));
    } else if (params.path !== undefined) {
      const name = inRoot(params.path);
      file = [...this.#files.values()].find((entry) => entry.name === name);
    } else {
      return errorAnswer(1004);
    }
    return file ? {json: {result: 0, metadata: metadata(file)}} : errorAnswer(2009);
  }

  /** savezip: progresses file by file every zipFileDelayMs; its own answer comes when the zip is done. */
  #saveZip(params: Params, res: ServerResponse): void {
    let fileids: number[];
    if (params.fileids !== undefined) {
      fileids = params.fileids.split(',').filter((id) => id.trim() !== '').map(Number);
    } else if (params.folderid !== undefined) {
      fileids = [...this.#files.keys()];
    } else {
      return this.#json(res, {result: 2001, error: 'No full path or folderid/fileids provided.'});
    }
    const files = fileids.map((id) => this.#files.get(id));
    if (files.some((file) => file === undefined)) return this.#answer(res, errorAnswer(2009));
    const entries = files as FileEntry[];
    // where the zip goes: `topath` (a path in the root folder), or `tofolderid` + `toname`
    let name = params.toname ?? 'archive.zip';
    if (params.topath !== undefined) {
      const named = inRoot(params.topath);
      if (named === undefined) return this.#answer(res, errorAnswer(params.topath.startsWith('/') ? 2005 : 2010));
      name = named;
    } else if (params.tofolderid !== undefined && !isRoot(params.tofolderid, undefined)) {
      return this.#answer(res, errorAnswer(/^\d+$/.test(params.tofolderid) ? 2005 : 1017));
    }
    const record: ZipRecord = {files: 0, totalfiles: entries.length, bytes: 0, totalbytes: entries.reduce((sum, file) => sum + file.size, 0)};
    const hash = params.progresshash;
    if (hash !== undefined) this.#zips.set(hash, record);
    const finish = (): void => {
      this.#linger(this.#zips, hash, record);
      const fileid = this.addFile(name, record.totalbytes, 'application/zip');
      this.#json(res, {result: 0, metadata: metadata(this.#files.get(fileid) as FileEntry)});
    };
    const next = (): void => {
      if (record.files >= record.totalfiles) return finish();
      this.#later(this.#options.zipFileDelayMs ?? DEFAULT_ZIP_FILE_DELAY_MS, () => {
        const file = entries[record.files] as FileEntry;
        record.files += 1;
        record.bytes += file.size;
        next();
      });
    };
    next();
  }

  /**
   * downloadfile: fetches each URL for real (loopback http:// only), a few at once, tracked by
   * uploadprogress under the progresshash; its own answer comes when every URL is done.
   */
  #downloadFile(params: Params, res: ServerResponse): void {
    const urls = (params.url ?? '').split(/\s+/).filter((url) => url !== '');
    if (urls.length === 0) return this.#answer(res, errorAnswer(1040));
    const badFolder = folderError(params.folderid, params.path);
    if (badFolder) return this.#answer(res, badFolder);
    const hash = params.progresshash;
    const job: RemoteUpload = new RemoteUpload(urls, targetNames(params.target), {
      store: (name, size, contenttype) => this.#store(name, size, contenttype),
      finished: () => {
        this.#remotes.delete(job);
        this.#linger(this.#uploads, hash, job);
        this.#json(res, {result: 0, metadata: job.readyMetadata()});
      },
    });
    if (hash !== undefined) this.#uploads.set(hash, job);
    this.#remotes.add(job);
    job.start();
  }

  /** The archive extractarchive names by `fileid` or `path`, or the error answer. */
  #archiveOf(params: Params): Archive | ScriptedAnswer {
    let file: FileEntry | undefined;
    if (params.fileid !== undefined) {
      if (!/^\d+$/.test(params.fileid)) return errorAnswer(1018);
      file = this.#files.get(Number(params.fileid));
    } else if (params.path !== undefined) {
      // every emulated file is in the root folder
      file = [...this.#files.values()].find((entry) => `/${entry.name}` === params.path);
    } else {
      return errorAnswer(1004);
    }
    if (!file) return errorAnswer(2009);
    // only archives put in with addArchive can be extracted: any other file is not one
    return this.#archives.get(file.fileid) ?? errorAnswer(2059);
  }

  /**
   * extractarchive: extracts entry by entry every extractEntryDelayMs, and answers once done or
   * after extractAnswerMs, whichever comes first (pCloud: "runs for about 2 seconds").
   */
  #extractArchive(params: Params, res: ServerResponse): void {
    const archive = this.#archiveOf(params);
    if (!('entries' in archive)) return this.#answer(res, archive);
    if (params.tofolderid === undefined && params.topath === undefined) return this.#answer(res, errorAnswer(1016));
    const badFolder = folderError(params.tofolderid, params.topath);
    if (badFolder) return this.#answer(res, badFolder);
    // our choice: a wrong password answers 7009 too, so a client asks again, as the doc advises for 7009
    if (archive.password !== undefined && params.password !== archive.password) {
      return this.#answer(res, errorAnswer(7009, params.password === undefined ? undefined : 'Wrong password.'));
    }
    const hash = params.progresshash ?? generatedHash();
    const extraction = new Extraction(archive);
    this.#extractions.set(hash, extraction);
    const entryDelayMs = this.#options.extractEntryDelayMs ?? DEFAULT_EXTRACT_ENTRY_DELAY_MS;
    const withOutput = (answer: Record<string, unknown>): Record<string, unknown> => ({
      ...answer,
      lines: extraction.output.length,
      ...(flagSet(params.nooutput) ? {} : {output: [...extraction.output]}),
    });
    if (extraction.finished) {
      this.#linger(this.#extractions, hash, extraction);
      return this.#json(res, withOutput({result: 0, finished: true}));
    }
    let answered = false;
    const answerTimer = this.#later(this.#options.extractAnswerMs ?? DEFAULT_EXTRACT_ANSWER_MS, () =>
      answer({result: 0, finished: false, progresshash: hash, ...this.#currentServer()}),
    );
    const answer = (body: Record<string, unknown>): void => {
      if (answered) return;
      answered = true;
      this.#cancel(answerTimer);
      this.#json(res, withOutput(body));
    };
    const step = (): void => {
      extraction.step();
      if (!extraction.finished) {
        this.#later(entryDelayMs, step);
        return;
      }
      this.#linger(this.#extractions, hash, extraction);
      answer({result: 0, finished: true});
    };
    this.#later(entryDelayMs, step);
  }

  #extractProgress(params: Params): ScriptedAnswer {
    if (params.progresshash === undefined) return errorAnswer(1052);
    const extraction = this.#extractions.get(params.progresshash);
    return extraction ? {json: extraction.progress(skipCount(params.lines))} : errorAnswer(1902);
  }
}
