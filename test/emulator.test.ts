import {execFile} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {Agent, request} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator, FAULTS, type FaultKind} from '../src/emulator/index.js';

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
        resolve({status: res.statusCode ?? 0, body: text, json});
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
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text, json: JSON.parse(text) as Record<string, unknown>}));
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
