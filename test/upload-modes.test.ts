import {execFile} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {Emulator, type RecordedRequest} from '../src/emulator/index.js';
import {UsageError, watchUpload, watchZip, type WatchEvent} from '../src/index.js';
import {JOB_TYPES} from '../src/jobs.js';
import {ACCESS_TOKEN, AUTH, events, runCli} from './helpers/cli.js';

// `upload --link <code>` and `upload --transfer`: over HTTP against the emulator, the CLI as a
// child process, with no credentials at all, and with a token that the transfer poll must not send.

const run = promisify(execFile);
let emulator: Emulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pp-modes-'));
  writeFileSync(join(dir, 'photo.jpg'), Buffer.alloc(40_000, 7));
});
beforeEach(async () => {
  emulator = await Emulator.start();
});
afterEach(async () => {
  await emulator.close();
});

/** No token anywhere: not in the environment, not in a file. */
const NO_CREDENTIALS = {PCLOUD_AUTH: undefined, PCLOUD_ACCESS_TOKEN: undefined};
const fast = ['--interval', '5ms'];

async function curlUpload(method: string, fields: string[]): Promise<Record<string, unknown>> {
  const args = ['-s', ...fields.flatMap((field) => ['-F', field]), '-F', `file=@${join(dir, 'photo.jpg')}`, `${emulator.url}/${method}`];
  return JSON.parse((await run('curl', args)).stdout) as Record<string, unknown>;
}

const polls = (method: string): RecordedRequest[] => emulator.requests.filter((request) => request.path === `/${method}`);

describe('upload --link <code>', () => {
  it('watches an upload to a link to done with no credentials, polling with code + progresshash', async () => {
    const code = emulator.createUploadLink();
    expect(await curlUpload('uploadtolink', [`code=${code}`, 'progresshash=L1'])).toMatchObject({result: 0});
    const result = await runCli(['upload', 'L1', '--link', code, '--host', emulator.url, '--json', ...fast], {env: NO_CREDENTIALS});
    expect(result).toMatchObject({code: 0, stderr: ''});
    const lines = events(result.stdout);
    expect(lines.at(-1)).toMatchObject({event: 'done', kind: 'upload', hash: 'L1', percent: 100, bytes: expect.any(Number)});
    // the contract's fields and nothing more: the hash names the job, the code stays out
    expect(Object.keys(lines.at(-1) as object)).toEqual(['event', 'kind', 'hash', 'host', 'elapsed', 'time', 'bytes', 'totalBytes', 'files', 'totalFiles', 'percent', 'rate', 'eta', 'currentFile', 'raw', 'duration']);
    expect(result.stdout).not.toContain(code);
    const [poll] = polls('uploadlinkprogress');
    expect(poll?.params).toEqual({code, progresshash: 'L1'});
    expect(poll?.url).toBe('/uploadlinkprogress'); // the code in the body, never in the URL
  });

  it('shows an echoed code as its first 4 characters in raw too, and keeps a 64-bit number beside it digit for digit', async () => {
    const code = 'ZkRt9x3LinkCodeSecret';
    emulator.script('uploadlinkprogress', 'L9', [
      {json: {result: 0, total: 100, uploaded: 100, finished: true, note: `link ${code} done`, fileid: 18446744073709551615n}},
    ]);
    const result = await runCli(['upload', 'L9', '--link', code, '--host', emulator.url, '--json', ...fast], {env: NO_CREDENTIALS});
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(code);
    expect(result.stdout).toContain('"note":"link ZkRt… done"');
    expect(result.stdout).toContain('"fileid":18446744073709551615');
  });

  it('sends the token when there is one', async () => {
    const code = emulator.createUploadLink();
    await curlUpload('uploadtolink', [`code=${code}`, 'progresshash=L2']);
    const result = await runCli(['upload', 'L2', '--link', code, '--host', emulator.url, '--quiet', ...fast]);
    expect(result.code).toBe(0);
    expect(polls('uploadlinkprogress')[0]?.params).toEqual({code, progresshash: 'L2', auth: AUTH});
  });

  it('never shows the code beyond its first 4 characters in plain output', async () => {
    const code = emulator.createUploadLink();
    emulator.script('uploadlinkprogress', 'L3', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 10, total: 100}), Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true})]);
    const done = await runCli(['upload', 'L3', '--link', code, '--host', emulator.url, ...fast], {env: NO_CREDENTIALS});
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/100%/);
    expect(done.stderr).not.toContain(code.slice(0, 5));
    // a link whose upload never appears: the hint names the link by its first 4 characters only
    const missing = await runCli(['upload', 'L4', '--link', code, '--host', emulator.url, '--wait', '30ms', ...fast], {env: NO_CREDENTIALS});
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain(`link ${code.slice(0, 4)}…`);
    expect(missing.stderr).not.toContain(code.slice(0, 5));
  });

  it('a wrong code: a clear message and exit 3 (pCloud answers 2000), the code never quoted whole', async () => {
    const code = 'wrong-code-0123456789';
    for (const output of [[], ['--json']]) {
      const result = await runCli(['upload', 'L5', '--link', code, '--host', emulator.url, ...output, ...fast], {env: NO_CREDENTIALS});
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/Log in failed\. \(pCloud 2000\).*check the link code \(link wron…\)/);
      expect(result.stderr + result.stdout).not.toContain(code);
    }
  });

  it('ends like an upload: the record gone after every byte arrived is done; a remote-upload shape is not read as one', async () => {
    const code = emulator.createUploadLink();
    emulator.script('uploadlinkprogress', 'L6', [Emulator.uploadAnswer({uploaded: 50, total: 100}), Emulator.uploadAnswer({uploaded: 100, total: 100}), Emulator.error(1900)]);
    const gone = events((await runCli(['upload', 'L6', '--link', code, '--host', emulator.url, '--json', ...fast], {env: NO_CREDENTIALS})).stdout);
    expect(gone.at(-1)).toMatchObject({event: 'done', percent: 100, message: expect.stringMatching(/dropped the record/)});
    emulator.script('uploadlinkprogress', 'L7', [{json: {result: 0, urlcount: 2, urlready: 2, finished: true, files: [{url: 'http://x/a', status: 'ready'}]}}]);
    const shaped = events((await runCli(['upload', 'L7', '--link', code, '--host', emulator.url, '--json', ...fast], {env: NO_CREDENTIALS})).stdout);
    expect(shaped.at(-1)).toMatchObject({event: 'done', files: 1, totalFiles: null, bytes: null});
  });
});

describe('upload --transfer', () => {
  it('watches a transfer to done with no credentials', async () => {
    await curlUpload('uploadtransfer', ['sendermail=me@example.com', 'receivermails=you@example.com', 'progresshash=T1']);
    const result = await runCli(['upload', 'T1', '--transfer', '--host', emulator.url, '--json', ...fast], {env: NO_CREDENTIALS});
    expect(result).toMatchObject({code: 0, stderr: ''});
    expect(events(result.stdout).at(-1)).toMatchObject({event: 'done', kind: 'upload', hash: 'T1', files: 1, raw: {files: [{name: 'photo.jpg'}]}});
  });

  it.each([
    ['an auth token in the environment', {PCLOUD_AUTH: AUTH}, AUTH],
    ['an OAuth token in the environment', {PCLOUD_ACCESS_TOKEN: ACCESS_TOKEN, PCLOUD_AUTH: undefined}, ACCESS_TOKEN],
  ])('never sends a token, even with %s: none in the body, no Authorization header', async (_, env, token) => {
    emulator.script('uploadtransferprogress', 'T2', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true})]);
    const result = await runCli(['upload', 'T2', '--transfer', '--host', emulator.url, '--json', ...fast], {env});
    expect(result.code).toBe(0);
    const requests = polls('uploadtransferprogress');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.params).toEqual({progresshash: 'T2'});
      expect(request.headers.authorization).toBeUndefined();
      expect(request.body).not.toContain(token);
    }
  });

  it('an explicit token file is not read either (stdin stays untouched)', async () => {
    emulator.script('uploadtransferprogress', 'T3', [Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true})]);
    const result = await runCli(['upload', 'T3', '--transfer', '--auth-file', '-', '--host', emulator.url, '--quiet', ...fast], {env: NO_CREDENTIALS, stdin: `${AUTH}\n`});
    expect(result.code).toBe(0);
    expect(polls('uploadtransferprogress')[0]?.body).toBe('progresshash=T3');
  });
});

describe('usage errors: exit 2, no request', () => {
  it.each([
    [['upload', 'h', '--link', 'abcdef', '--transfer'], /--link and --transfer do not go together/],
    [['zip', 'h', '--link', 'abcdef'], /unknown option '--link'/],
    [['extract', 'h', '--transfer'], /unknown option '--transfer'/],
    [['upload', 'h', '--link', ''], /bad --link code: it is empty/],
    [['upload', 'h', '--link', 'has space'], /bad --link code: it may only hold printable ASCII/],
    [['upload', 'h'], /no credentials/],
  ])('%j', async (args, message) => {
    const result = await runCli([...args, '--host', emulator.url], {env: NO_CREDENTIALS});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('has space');
    expect(emulator.requests).toEqual([]);
  });
});

describe('the library: watchUpload(hash, {link}) and watchUpload(hash, {transfer: true})', () => {
  async function all(watched: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    for await (const event of watched) out.push(event);
    return out;
  }
  const withoutCredentials = async <T>(run: () => Promise<T>): Promise<T> => {
    const env = process.env;
    process.env = {...env, PCLOUD_AUTH: '', PCLOUD_ACCESS_TOKEN: ''};
    try {
      return await run();
    } finally {
      process.env = env;
    }
  };

  it('watches both with no credentials; the transfer poll never carries the token given', async () => {
    const code = emulator.createUploadLink();
    await curlUpload('uploadtolink', [`code=${code}`, 'progresshash=LL']);
    await curlUpload('uploadtransfer', ['sendermail=a@example.com', 'receivermails=b@example.com', 'progresshash=TT']);
    const link = await withoutCredentials(() => all(watchUpload('LL', {host: emulator.url, link: code, interval: '5ms'})));
    expect(link).toEqual([expect.objectContaining({event: 'done', kind: 'upload', hash: 'LL'})]);
    const transfer = await all(watchUpload('TT', {host: emulator.url, transfer: true, auth: AUTH, interval: '5ms'}));
    expect(transfer).toEqual([expect.objectContaining({event: 'done', kind: 'upload', hash: 'TT'})]);
    expect(polls('uploadtransferprogress')[0]?.params).toEqual({progresshash: 'TT'});
  });

  it('throws a UsageError for both at once, or a link on a zip', async () => {
    await expect(all(watchUpload('h', {host: emulator.url, link: 'abcdef', transfer: true}))).rejects.toThrow(new UsageError('link and transfer do not go together'));
    await expect(all(watchZip('h', {host: emulator.url, auth: AUTH, link: 'abcdef'} as Parameters<typeof watchUpload>[1]))).rejects.toThrow(/link only goes with upload/);
    expect(emulator.requests).toEqual([]);
  });
});

describe('the job table', () => {
  it('names a method, a credentials rule and help for every row', () => {
    for (const [mode, type] of Object.entries(JOB_TYPES)) {
      expect(type.method, mode).toMatch(/^[a-z]+progress$/);
      expect(['required', 'ifPresent', 'never'], mode).toContain(type.credentials);
      expect(type.help.what, mode).not.toBe('');
    }
    expect(JOB_TYPES.uploadTransfer.credentials).toBe('never');
    expect(JOB_TYPES.uploadLink.credentials).toBe('ifPresent');
  });
});
