import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {Agent, type IncomingHttpHeaders, request} from 'node:http';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator, type EmulatorOptions, FAULTS, type FaultKind, FileServer, jsonWithBigInts} from '../src/emulator/index.js';

const AUTH = 'test-auth-token';
let emulator: Emulator;
beforeEach(async () => {
  emulator = await Emulator.start({zipFileDelayMs: 5});
});
afterEach(async () => {
  await emulator.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/** One POST with a form body, through `agent` when given (keep-alive). */
function call(method: string, params: Record<string, string>, options: {agent?: Agent; headers?: Record<string, string>; timeoutMs?: number} = {}): Promise<Answer> {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}/${method}`, {method: 'POST', agent: options.agent, headers: {'content-type': 'application/x-www-form-urlencoded', ...options.headers}}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON: the caller looks at body
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, body: text, json});
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const progress = (hash: string): Promise<Record<string, unknown>> => call('uploadprogress', {progresshash: hash, auth: AUTH}).then((a) => a.json);

/** A multipart upload written by the test piece by piece, so it can poll in between. */
function startUpload(hash: string, files: {name: string; size: number}[]) {
  const boundary = 'test-boundary-7d1';
  const head = (name: string, filename?: string): string =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${filename ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`;
  const pieces: Buffer[] = [Buffer.from(`${head('auth')}${AUTH}\r\n${head('progresshash')}${hash}\r\n`)];
  for (const file of files) {
    pieces.push(Buffer.from(head('file', file.name)));
    for (let left = file.size; left > 0; left -= 1000) pieces.push(Buffer.alloc(Math.min(1000, left), 0x2d)); // '-' bytes: a boundary look-alike
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const req = request(`${emulator.url}/uploadfile`, {method: 'POST', headers: {'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': total}});
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: text, json: JSON.parse(text) as Record<string, unknown>}));
    });
    req.on('error', reject);
  });
  let sent = 0;
  return {
    total,
    pieces,
    /** writes the next `count` pieces and waits until the emulator has counted them */
    async send(count: number): Promise<void> {
      for (let i = 0; i < count && pieces.length > 0; i++) {
        const piece = pieces.shift() as Buffer;
        sent += piece.length;
        req.write(piece);
      }
      if (pieces.length === 0) req.end();
      for (let tries = 0; tries < 200; tries++) {
        const answer = await progress(hash);
        if (answer.result === 0 && (answer.uploaded as number) >= sent) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error('the emulator never counted the bytes sent');
    },
    answer: () => answer,
  };
}

describe('uploadfile + uploadprogress', () => {
  it('tracks a real multipart upload as it streams in, then keeps the finished record', async () => {
    expect(await progress('up1')).toEqual({result: 1900, error: 'Upload not found'});
    const upload = startUpload('up1', [
      {name: 'first.bin', size: 2500},
      {name: 'second.bin', size: 4200},
    ]);
    await upload.send(2); // the parameters and the first file's head: tracked from the next boundary on
    const seen: Record<string, unknown>[] = [];
    while (upload.pieces.length > 0) {
      await upload.send(2);
      seen.push(await progress('up1'));
    }
    const uploaded = seen.map((s) => s.uploaded as number);
    expect(uploaded).toEqual([...uploaded].sort((a, b) => a - b));
    expect(seen.every((s) => s.total === upload.total)).toBe(true);
    const midFirst = seen.find((s) => s.currentfile === 'first.bin' && (s.currentfileuploaded as number) > 0);
    expect(midFirst).toMatchObject({filenumber: 1, files: [], finished: false});
    const midSecond = seen.find((s) => s.currentfile === 'second.bin');
    expect(midSecond).toMatchObject({filenumber: 2, files: [expect.objectContaining({name: 'first.bin', size: 2500})]});
    expect(midSecond?.currentfileuploaded as number).toBeLessThanOrEqual(4200);

    const answer = await upload.answer();
    expect(answer.json).toMatchObject({result: 0, metadata: [{name: 'first.bin', size: 2500}, {name: 'second.bin', size: 4200}]});
    const done = await progress('up1');
    expect(done).toMatchObject({result: 0, finished: true, uploaded: upload.total, total: upload.total, files: [{size: 2500}, {size: 4200}]});
    expect(done).not.toHaveProperty('currentfile');
    expect(done).not.toHaveProperty('currentfileuploaded');
    expect((done.files as {fileid: number}[]).map((f) => f.fileid)).toEqual((answer.json.fileids as number[]) ?? []);
  });

  it('reports the file sizes of an upload made with curl -F', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-'));
    writeFileSync(join(dir, 'a.txt'), 'x'.repeat(12_345));
    writeFileSync(join(dir, 'b.txt'), 'y'.repeat(777));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('curl', ['-s', '-F', `auth=${AUTH}`, '-F', 'progresshash=curl1', '-F', `file=@${join(dir, 'a.txt')}`, '-F', `file=@${join(dir, 'b.txt')}`, `${emulator.url}/uploadfile`], (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(JSON.parse(stdout)).toMatchObject({result: 0, metadata: [{name: 'a.txt', size: 12_345}, {name: 'b.txt', size: 777}]});
    const record = await progress('curl1');
    expect(record).toMatchObject({finished: true, files: [{name: 'a.txt', size: 12_345}, {name: 'b.txt', size: 777}]});
    expect(record.uploaded).toBe(record.total);
    expect(record.total as number).toBeGreaterThan(12_345 + 777); // overhead included, as pCloud documents
  });

  it('refuses an upload without valid credentials', async () => {
    const answer = await new Promise<string>((resolve, reject) =>
      execFile('curl', ['-s', '-F', 'auth=wrong', '-F', 'progresshash=bad', '-F', 'file=@/dev/null', `${emulator.url}/uploadfile`], (error, out) => (error ? reject(error) : resolve(out))),
    );
    expect(JSON.parse(answer)).toMatchObject({result: 2000});
  });
});

describe('savezip + savezipprogress', () => {
  it('zips file by file and is done at files == totalfiles', async () => {
    const ids = [emulator.addFile('a', 100), emulator.addFile('b', 300), emulator.addFile('c', 600)];
    expect((await call('savezipprogress', {progresshash: 'z1', auth: AUTH})).json).toEqual({result: 1901, error: 'Zip not found'});
    const zipped = call('savezip', {progresshash: 'z1', fileids: ids.join(','), toname: 'x.zip', auth: AUTH});
    const seen: Record<string, unknown>[] = [];
    for (;;) {
      const answer = (await call('savezipprogress', {progresshash: 'z1', auth: AUTH})).json;
      seen.push(answer);
      if (answer.files === answer.totalfiles) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(seen.at(-1)).toEqual({result: 0, files: 3, totalfiles: 3, bytes: 1000, totalbytes: 1000});
    expect(seen.map((s) => s.files)).toEqual([...seen.map((s) => s.files as number)].sort());
    expect((await zipped).json).toMatchObject({result: 0, metadata: {name: 'x.zip', size: 1000}});
  });

  it('is done at once for 0 files, and refuses an unknown fileid', async () => {
    await call('savezip', {progresshash: 'z0', fileids: '', auth: AUTH});
    expect((await call('savezipprogress', {progresshash: 'z0', auth: AUTH})).json).toEqual({result: 0, files: 0, totalfiles: 0, bytes: 0, totalbytes: 0});
    expect((await call('savezip', {progresshash: 'z2', fileids: '999999', auth: AUTH})).json).toMatchObject({result: 2009});
  });
});

describe('auth and server methods', () => {
  it.each([
    [{}, {}, 1000],
    [{auth: 'nope'}, {}, 2000],
    [{access_token: 'nope'}, {}, 2094],
    [{}, {authorization: 'Bearer nope'}, 2094],
  ])('%j %j -> %d', async (params, headers, result) => {
    expect((await call('uploadprogress', {progresshash: 'x', ...params}, {headers})).json).toMatchObject({result});
  });

  it('accepts an OAuth token as a parameter or a Bearer header', async () => {
    expect((await call('uploadprogress', {progresshash: 'x', access_token: 'test-access-token'})).json.result).toBe(1900);
    expect((await call('uploadprogress', {progresshash: 'x'}, {headers: {authorization: 'Bearer test-access-token'}})).json.result).toBe(1900);
  });

  it('answers getapiserver and currentserver without credentials', async () => {
    expect((await call('getapiserver', {})).json).toEqual({result: 0, api: [emulator.host], binapi: [emulator.host]});
    expect((await call('currentserver', {})).json).toMatchObject({result: 0, hostname: emulator.host});
  });
});

describe('scripts and faults', () => {
  it('answers a script in order, repeats the last, and falls back to "*"', async () => {
    emulator.script('uploadprogress', 'h', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 1, total: 2})]);
    emulator.script('uploadprogress', '*', [Emulator.error(5000)]);
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await progress('h')).result);
    expect(results).toEqual([1900, 0, 0]);
    expect((await progress('other')).result).toBe(5000);
  });

  it('fails the test that left a script not used up, as gh\'s HTTP stubs do: verifyScripts() and close() name it', async () => {
    emulator.script('uploadprogress', 'used', [Emulator.error(1900), Emulator.error(5000)]);
    emulator.script('uploadprogress', 'half', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 1, total: 2}), Emulator.uploadAnswer({uploaded: 2, total: 2, finished: true})]);
    emulator.script('savezipprogress', 'never', [Emulator.error(1901)]);
    for (const hash of ['used', 'used', 'used', 'half']) await progress(hash);
    expect(() => emulator.verifyScripts()).toThrow(
      /^scripted answers never sent \(fewer requests came than the test scripted\): uploadprogress half: 2 of 3 answers never sent, from \{"json":\{"result":0,"total":2,"uploaded":1,.*; savezipprogress never: 1 of 1 answers never sent, from \{"json":\{"result":1901,"error":"Zip not found"\}\}$/,
    );
    // verified scripts are forgotten: the next test on this emulator starts with none
    expect(() => emulator.verifyScripts()).not.toThrow();
    expect((await progress('half')).result).toBe(1900); // the emulator's own answer: no such upload
    // a script replaced before it was used up counts too; close() checks once the server is closed
    emulator.script('uploadprogress', 'again', [Emulator.error(5000)]);
    emulator.script('uploadprogress', 'again', [Emulator.error(1900)]);
    await progress('again');
    await expect(emulator.close()).rejects.toThrow(/: uploadprogress again: 1 of 1 answers never sent, from \{"json":\{"result":5000,/);
    await expect(emulator.close()).resolves.toBeUndefined(); // once: the afterEach's close() is quiet
  });

  it('keeps one connection for many keep-alive requests and records each', async () => {
    const agent = new Agent({keepAlive: true, maxSockets: 1});
    for (let i = 0; i < 5; i++) await call('uploadprogress', {progresshash: 'k', auth: AUTH}, {agent});
    agent.destroy();
    expect(emulator.connections).toBe(1);
    expect(emulator.requests.map((r) => r.connectionId)).toEqual([1, 1, 1, 1, 1]);
    expect(emulator.requests[0]).toMatchObject({httpMethod: 'POST', path: '/uploadprogress', params: {progresshash: 'k', auth: AUTH}});
  });

  it('resets, truncates, redirects, delays and hangs on cue; close() ends hung requests', async () => {
    emulator.script('uploadprogress', 'reset', [{reset: true}]);
    await expect(progress('reset')).rejects.toThrow(/socket hang up|ECONNRESET/);
    emulator.script('uploadprogress', 'cut', [{truncated: '{"result":0'}]);
    await expect(progress('cut')).rejects.toThrow(/aborted|ECONNRESET|terminated/);
    emulator.script('uploadprogress', 'moved', [{status: 302, headers: {location: 'https://elsewhere.example/'}}]);
    expect((await call('uploadprogress', {progresshash: 'moved', auth: AUTH})).status).toBe(302);
    emulator.script('uploadprogress', 'slow', [{delayMs: 30, then: Emulator.error(1900)}]);
    expect((await progress('slow')).result).toBe(1900);
    emulator.script('uploadprogress', 'hang', [{hang: true}]);
    const hung = call('uploadprogress', {progresshash: 'hang', auth: AUTH});
    await new Promise((resolve) => setTimeout(resolve, 20));
    await emulator.close();
    await expect(hung).rejects.toThrow();
    emulator = await Emulator.start();
  });

  it.each(Object.keys(FAULTS) as FaultKind[])('injects %s at rate 1', async (kind) => {
    await emulator.close();
    emulator = await Emulator.start({faults: {rate: 1, kinds: [kind]}});
    const outcome = await call('uploadprogress', {progresshash: 'f', auth: AUTH}).catch((error: Error) => error);
    const expected: Record<FaultKind, (a: Answer | Error) => boolean> = {
      error5000: (a) => !(a instanceof Error) && a.json.result === 5000,
      http502: (a) => !(a instanceof Error) && a.status === 502,
      http503: (a) => !(a instanceof Error) && a.status === 503,
      http429: (a) => !(a instanceof Error) && a.status === 429,
      reset: (a) => a instanceof Error,
      truncated: (a) => a instanceof Error,
      html: (a) => !(a instanceof Error) && a.status === 200 && a.body.startsWith('<!doctype html>'),
      empty: (a) => !(a instanceof Error) && a.status === 200 && a.body === '',
    };
    expect(expected[kind](outcome)).toBe(true);
  });
});

/** The bodies of the complete HTTP/1.1 answers in `text`, in order (each with a Content-Length). */
function httpBodies(text: string): string[] {
  const bodies: string[] = [];
  let rest = text;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return bodies;
    const length = Number(/content-length:\s*(\d+)/i.exec(rest.slice(0, headEnd))?.[1] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    if (Buffer.byteLength(body) < length) return bodies;
    bodies.push(body);
    rest = rest.slice(headEnd + 4 + length);
  }
}

describe("pCloud's manners", () => {
  async function restart(options: EmulatorOptions): Promise<void> {
    await emulator.close();
    emulator = await Emulator.start(options);
  }

  it('counts filenumber from 1, also before the first file part has arrived', async () => {
    const upload = startUpload('fn', [{name: 'only.bin', size: 3000}]);
    // the parameters, then the file part's head cut short: the progresshash field is complete, the file not begun
    const head = upload.pieces[1] as Buffer;
    upload.pieces.splice(1, 1, head.subarray(0, head.indexOf('Content-Disposition') + 8), head.subarray(head.indexOf('Content-Disposition') + 8));
    await upload.send(2);
    const before = await progress('fn');
    expect(before).toMatchObject({result: 0, filenumber: 1, files: [], finished: false});
    expect(before).not.toHaveProperty('currentfile');
    await upload.send(2);
    expect(await progress('fn')).toMatchObject({filenumber: 1, currentfile: 'only.bin'});
    await upload.send(upload.pieces.length);
    await upload.answer();
  });

  it('closes the connection on a method that does not exist, with no answer, before looking at credentials', async () => {
    await expect(call('nosuchmethod', {auth: AUTH})).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(call('uploadprogres', {progresshash: 'typo'})).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emulator.requests.map((r) => r.path)).toEqual(['/nosuchmethod', '/uploadprogres']);
    // a known method without credentials still answers
    expect((await call('uploadprogress', {progresshash: 'x'})).json.result).toBe(1000);
  });

  it('sends an error code in an X-Error header too, with HTTP 200', async () => {
    const denied = await call('uploadprogress', {progresshash: 'x', auth: 'wrong'});
    expect(denied).toMatchObject({status: 200, json: {result: 2000}});
    expect(denied.headers['x-error']).toBe('2000');
    expect((await call('currentserver', {})).headers).not.toHaveProperty('x-error');
  });

  it('with lingerMs 0, an upload is gone even for a poll that arrives with its last byte', async () => {
    await restart({lingerMs: 0});
    // the upload and a poll pipelined on one connection, in one write: the poll is handled at
    // once after the upload ends, before any timer could have run
    const boundary = 'pipelined-7d1';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="auth"\r\n\r\n${AUTH}\r\n--${boundary}\r\nContent-Disposition: form-data; name="progresshash"\r\n\r\npipe\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'p'.repeat(500)}\r\n--${boundary}--\r\n`;
    const poll = new URLSearchParams({auth: AUTH, progresshash: 'pipe'}).toString();
    const wire =
      `POST /uploadfile HTTP/1.1\r\nHost: ${emulator.host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
      `POST /uploadprogress HTTP/1.1\r\nHost: ${emulator.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${poll.length}\r\n\r\n${poll}`;
    const answers = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const socket = connect(emulator.port, '127.0.0.1', () => socket.write(wire));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('error', reject);
      socket.on('data', (chunk: string) => {
        text += chunk;
        const bodies = httpBodies(text);
        if (bodies.length === 2) {
          socket.destroy();
          resolve(bodies.map((b) => JSON.parse(b) as Record<string, unknown>));
        }
      });
    });
    expect(answers[0]).toMatchObject({result: 0, metadata: [{name: 'p.bin', size: 500}]});
    expect(answers[1]).toEqual({result: 1900, error: 'Upload not found'});
  });

  it('with lingerMs 0, a finished upload, zip, remote upload and extraction are gone by the next poll', async () => {
    await restart({lingerMs: 0, zipFileDelayMs: 1, extractEntryDelayMs: 1, extractAnswerMs: 60_000});
    const dir = mkdtempSync(join(tmpdir(), 'emu-'));
    writeFileSync(join(dir, 'a.bin'), 'a'.repeat(1500));
    const uploaded = await new Promise<string>((resolve, reject) =>
      execFile('curl', ['-s', '-F', `auth=${AUTH}`, '-F', 'progresshash=l-up', '-F', `file=@${join(dir, 'a.bin')}`, `${emulator.url}/uploadfile`], (error, out) => (error ? reject(error) : resolve(out))),
    );
    expect(JSON.parse(uploaded)).toMatchObject({result: 0, metadata: [{size: 1500}]});
    expect(await progress('l-up')).toEqual({result: 1900, error: 'Upload not found'});

    expect((await call('savezip', {progresshash: 'l-zip', fileids: String(emulator.addFile('z', 10)), auth: AUTH})).json.result).toBe(0);
    expect((await call('savezipprogress', {progresshash: 'l-zip', auth: AUTH})).json.result).toBe(1901);

    const files = await FileServer.start({files: {'/r.bin': {size: 100}}});
    try {
      expect((await call('downloadfile', {url: files.urlOf('/r.bin'), progresshash: 'l-remote', auth: AUTH})).json.result).toBe(0);
      expect((await progress('l-remote')).result).toBe(1900);
    } finally {
      await files.close();
    }

    const archive = String(emulator.addArchive('l.zip', [{path: 'a', size: 1}]));
    expect((await call('extractarchive', {fileid: archive, tofolderid: '0', progresshash: 'l-x', auth: AUTH})).json).toMatchObject({finished: true});
    expect((await call('extractarchiveprogress', {progresshash: 'l-x', auth: AUTH})).json.result).toBe(1902);
  });

  it('writes 64-bit file hashes with every digit, beyond what a JavaScript number holds', async () => {
    const upload = startUpload('big', [{name: 'h.bin', size: 2000}]);
    while (upload.pieces.length > 0) await upload.send(2);
    const answer = await upload.answer();
    const file = (answer.json.metadata as {fileid: number; size: number}[])[0];
    const expected = BigInt(`0x${createHash('sha1').update(`${file?.fileid}:${file?.size}`).digest('hex').slice(0, 16)}`) | (1n << 63n);
    expect(expected > 2n ** 53n).toBe(true);
    expect(answer.body).toContain(`"hash":${expected}`);
    const polled = await call('uploadprogress', {progresshash: 'big', auth: AUTH});
    expect(polled.body).toContain(`"hash":${expected}`);

    emulator.script('uploadprogress', 'raw', [{json: {result: 0, finished: true, files: [{hash: 14841775194319522618n}]}}]);
    expect((await call('uploadprogress', {progresshash: 'raw', auth: AUTH})).body).toBe('{"result":0,"finished":true,"files":[{"hash":14841775194319522618}]}');
  });

  it('writes JSON as JSON.stringify does, apart from BigInts', () => {
    const values: unknown[] = [
      {a: 1, b: 'two "quoted" \\ \u0001 é', c: [1, undefined, null, () => 0], d: undefined, e: {f: true, g: -0.5e-7}},
      [],
      {},
      'text',
      null,
      Number.NaN,
      {when: new Date(0), nested: {toJSON: () => ({x: [1]})}},
    ];
    for (const value of values) expect(jsonWithBigInts(value)).toBe(JSON.stringify(value));
    expect(jsonWithBigInts({n: 2n ** 64n - 1n, list: [-(2n ** 63n)]})).toBe('{"n":18446744073709551615,"list":[-9223372036854775808]}');
  });
});
