import {randomBytes} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTlsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {errorAnswer, FAULTS, type FaultKind, type ScriptedAnswer} from './answers.js';
import {type Archive, type ArchiveEntry, Extraction, extractOutput} from './extract.js';
import {type FileEntry, metadata} from './files.js';
import {stringifyJson} from './json.js';
import {boundaryOf, MultipartParser} from './multipart.js';
import {type RemoteFileAnswer, RemoteUpload} from './remote.js';

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
const NO_AUTH_METHODS = new Set(['getapiserver', 'currentserver']);
const METHODS = new Set([...NO_AUTH_METHODS, 'uploadfile', 'uploadprogress', 'savezip', 'savezipprogress', 'downloadfile', 'extractarchive', 'extractarchiveprogress']);
const DEFAULT_LINGER_MS = 10 * 60_000;
const DEFAULT_ZIP_FILE_DELAY_MS = 200;
const DEFAULT_EXTRACT_ENTRY_DELAY_MS = 100;
const DEFAULT_EXTRACT_ANSWER_MS = 2000;
// pCloud's progress hashes look like "KooPMKmcEBp" (extractarchive's doc): 11 letters and digits
const GENERATED_HASH_CHARS = 11;
const HASH_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A progresshash for an extraction the client gave none for. */
function generatedHash(): string {
  return [...randomBytes(GENERATED_HASH_CHARS)].map((byte) => HASH_ALPHABET[byte % HASH_ALPHABET.length]).join('');
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
    return {hostname: this.#options.hostname ?? this.host, ip: '127.0.0.1', ipv6: '::1', ipbin: '127.0.0.1'};
  }

  #record(req: IncomingMessage, body: string, params: Params): void {
    const socket = req.socket as Socket & {emulatorId?: number};
    const url = req.url ?? '/';
    this.requests.push({
      httpMethod: req.method ?? 'GET',
      path: url.split('?')[0] ?? '/',
      url,
      headers: req.headers,
      body,
      params: {...params},
      connectionId: socket.emulatorId ?? 0,
      remoteAddress: socket.remoteAddress ?? '',
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = url.pathname.replace(/^\/+/, '').replace(/\.$/, '');
    const params: Params = Object.fromEntries(url.searchParams);
    const boundary = method === 'uploadfile' && req.method === 'POST' ? boundaryOf(req.headers['content-type']) : undefined;
    if (boundary) {
      this.#upload(req, res, boundary, params);
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
        return this.#json(res, {result: 0, api: [this.#options.hostname ?? this.host], binapi: [this.#options.hostname ?? this.host]});
      case 'currentserver':
        return this.#json(res, {result: 0, ...this.#currentServer()});
      case 'uploadfile':
        return this.#json(res, {result: 0, metadata: [], checksums: [], fileids: []});
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
      const text = stringifyJson(answer.json);
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
    if (!record) return {result: 1900, error: 'Upload not found'};
    if (record instanceof RemoteUpload) return record.answer();
    const answer: Record<string, unknown> = {result: 0, total: record.total, uploaded: record.uploaded, filenumber: record.filenumber, files: finishedFiles(record).map(metadata), finished: record.finished};
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
   * uploadfile with a multipart body: its progresshash record follows the body as it streams in.
   * `total` is the Content-Length (0 until the end for a chunked body), `uploaded` every byte so far.
   */
  #upload(req: IncomingMessage, res: ServerResponse, boundary: string, params: Params): void {
    const total = Number(req.headers['content-length'] ?? 0) || 0;
    // filenumber starts from 1 (pCloud's api.txt), also before the first file part has arrived
    const record: UploadRecord = {total, uploaded: 0, currentfile: undefined, currentfileuploaded: 0, filenumber: 1, files: [], finished: false};
    let recorded = Buffer.alloc(0);
    let denied: ScriptedAnswer | undefined;
    let tracked = false;
    const track = (): void => {
      if (tracked || params.progresshash === undefined) return;
      tracked = true;
      this.#uploads.set(params.progresshash, record);
    };
    const checkAuth = (): void => {
      denied = this.#authError(params, req);
    };
    let authChecked = false;
    track();
    const parser = new MultipartParser(boundary, {
      field: (name, value) => {
        params[name] = value;
        track();
      },
      fileStart: (filename, contentType) => {
        if (!authChecked) {
          authChecked = true;
          checkAuth();
        }
        record.filenumber = record.files.length + 1;
        record.currentfile = filename;
        record.currentfileuploaded = 0;
        record.files.push({fileid: 0, name: filename, size: 0, contenttype: contentType, created: ''});
      },
      fileData: (bytes) => {
        record.currentfileuploaded += bytes;
      },
      fileEnd: () => {
        const file = record.files.at(-1);
        if (!file) return;
        file.fileid = this.#nextFileId++;
        file.size = record.currentfileuploaded;
        file.created = new Date().toUTCString();
        this.#files.set(file.fileid, file);
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
      if (!authChecked) checkAuth();
      this.#record(req, recorded.toString('latin1'), params);
      record.total = record.total || record.uploaded;
      record.uploaded = record.total;
      // every byte is in; the server still stores the files (finishMs) before it says finished
      const finish = (): void => {
        const done = finishedFiles(record);
        record.currentfile = undefined;
        record.finished = true;
        this.#linger(this.#uploads, params.progresshash, record);
        if (denied) return this.#answer(res, denied);
        if (broken || !parser.done) return this.#json(res, {result: 2001, error: 'Invalid multipart body.'});
        this.#json(res, {result: 0, metadata: done.map(metadata), checksums: [], fileids: done.map((file) => file.fileid)});
      };
      const finishMs = this.#options.uploadFinishMs ?? 0;
      if (finishMs > 0) this.#later(finishMs, finish);
      else finish();
    });
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
    const record: ZipRecord = {files: 0, totalfiles: entries.length, bytes: 0, totalbytes: entries.reduce((sum, file) => sum + file.size, 0)};
    const hash = params.progresshash;
    if (hash !== undefined) this.#zips.set(hash, record);
    const name = params.toname ?? 'archive.zip';
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
