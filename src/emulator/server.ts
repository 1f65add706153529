import {createHash} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTlsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {errorAnswer, FAULTS, type FaultKind, type ScriptedAnswer} from './answers.js';
import {boundaryOf, MultipartParser} from './multipart.js';

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
  /** how long a finished upload or zip stays readable; default 10 minutes */
  lingerMs?: number;
  /** time to "zip" each file; default 200 ms */
  zipFileDelayMs?: number;
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

interface FileEntry {
  fileid: number;
  name: string;
  size: number;
  contenttype: string;
  created: string;
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
const UNKNOWN_METHOD = {result: 2100, error: 'Unknown method.'}; // our choice: pCloud's text for it is undocumented
const MAX_FORM_BYTES = 1024 * 1024;
const RECORDED_UPLOAD_BYTES = 4096;
const NO_AUTH_METHODS = new Set(['getapiserver', 'currentserver']);

/** pCloud's metadata for a file, as uploadfile and uploadprogress show it. */
function metadata(file: FileEntry): Record<string, unknown> {
  return {
    name: file.name,
    fileid: file.fileid,
    id: `f${file.fileid}`,
    size: file.size,
    contenttype: file.contenttype,
    created: file.created,
    modified: file.created,
    isfolder: false,
    parentfolderid: 0,
    hash: Number.parseInt(createHash('sha1').update(`${file.fileid}:${file.size}`).digest('hex').slice(0, 12), 16),
    icon: 'file',
    category: 0,
    thumb: false,
    ismine: true,
    isshared: false,
  };
}

/**
 * A pCloud-compatible API server on loopback: real multipart uploads tracked by uploadprogress,
 * savezip tracked by savezipprogress, getapiserver/currentserver, auth, pCloud's error shape, and
 * scripted answers or random faults for tests. The demo and the test suite both use it.
 */
export class Emulator {
  readonly requests: RecordedRequest[] = [];
  #connections = 0;
  readonly #server: Server;
  readonly #options: EmulatorOptions;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #scripts = new Map<string, ScriptedAnswer[]>();
  readonly #uploads = new Map<string, UploadRecord>();
  readonly #zips = new Map<string, ZipRecord>();
  readonly #files = new Map<number, FileEntry>();
  #nextFileId = 1000;
  #address: AddressInfo | undefined;

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

  /** Queues answers for `method` and a progresshash ('*' = any); each request takes one, the last repeats. */
  script(method: string, hash: string, answers: ScriptedAnswer[]): void {
    if (answers.length === 0) throw new Error('script() needs at least one answer');
    this.#scripts.set(`${method}\0${hash}`, [...answers]);
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

  static error(result: number, error?: string): ScriptedAnswer {
    return errorAnswer(result, error);
  }

  /** Puts a file into the emulated account (for savezip); returns its fileid. */
  addFile(name: string, size: number, contenttype = 'application/octet-stream'): number {
    const fileid = this.#nextFileId++;
    this.#files.set(fileid, {fileid, name, size, contenttype, created: new Date().toUTCString()});
    return fileid;
  }

  /** Stops listening, ends every connection (hung ones too) and every timer. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
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
    const queue = this.#scripts.get(`${method}\0${hash ?? ''}`) ?? this.#scripts.get(`${method}\0*`);
    if (!queue) return undefined;
    return queue.length > 1 ? queue.shift() : queue[0];
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
      case 'getapiserver':
        return this.#json(res, {result: 0, api: [this.#options.hostname ?? this.host], binapi: [this.#options.hostname ?? this.host]});
      case 'currentserver':
        return this.#json(res, {result: 0, hostname: this.#options.hostname ?? this.host, ip: '127.0.0.1', ipv6: '::1', ipbin: '127.0.0.1'});
      case 'uploadfile':
        return this.#json(res, {result: 0, metadata: [], checksums: [], fileids: []});
      default:
        return this.#json(res, UNKNOWN_METHOD);
    }
  }

  #json(res: ServerResponse, body: unknown): void {
    this.#answer(res, {json: body});
  }

  #answer(res: ServerResponse, answer: ScriptedAnswer): void {
    if ('delayMs' in answer) {
      this.#later(answer.delayMs, () => this.#answer(res, answer.then));
    } else if ('json' in answer) {
      const text = JSON.stringify(answer.json);
      res.writeHead(200, {'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)});
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
    const record: UploadRecord = {total, uploaded: 0, currentfile: undefined, currentfileuploaded: 0, filenumber: 0, files: [], finished: false};
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
        record.filenumber += 1;
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
      const done = finishedFiles(record);
      record.total = record.total || record.uploaded;
      record.uploaded = record.total;
      record.currentfile = undefined;
      record.finished = true;
      const hash = params.progresshash;
      if (hash !== undefined) this.#later(this.#options.lingerMs ?? 600_000, () => this.#uploads.delete(hash));
      if (denied) return this.#answer(res, denied);
      if (broken || !parser.done) return this.#json(res, {result: 2001, error: 'Invalid multipart body.'});
      this.#json(res, {result: 0, metadata: done.map(metadata), checksums: [], fileids: done.map((file) => file.fileid)});
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
      if (hash !== undefined) this.#later(this.#options.lingerMs ?? 600_000, () => this.#zips.delete(hash));
      const fileid = this.addFile(name, record.totalbytes, 'application/zip');
      this.#json(res, {result: 0, metadata: metadata(this.#files.get(fileid) as FileEntry)});
    };
    const next = (): void => {
      if (record.files >= record.totalfiles) return finish();
      this.#later(this.#options.zipFileDelayMs ?? 200, () => {
        const file = entries[record.files] as FileEntry;
        record.files += 1;
        record.bytes += file.size;
        next();
      });
    };
    next();
  }
}
