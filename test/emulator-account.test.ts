import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {request} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {zipArchive, zipEntries} from '../src/emulator/zip.js';
import {JOB_TYPES} from '../src/jobs.js';

// Upload links, transfers, the account methods a client calls first, and what a refused upload leaves.

const AUTH = 'test-auth-token';
const ACCESS = 'test-access-token';
const run = promisify(execFile);
let emulator: Emulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emu-account-'));
  writeFileSync(join(dir, 'a.txt'), 'x'.repeat(12_345));
  writeFileSync(join(dir, 'b.txt'), 'hello');
});
beforeEach(async () => {
  emulator = await Emulator.start({zipFileDelayMs: 1, extractEntryDelayMs: 1, extractAnswerMs: 5000});
});
afterEach(async () => {
  await emulator.close();
});

type Json = Record<string, unknown>;

function call(method: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}/${method}`, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded', ...headers}}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text) as Json));
    });
    req.on('error', reject);
    req.end(new URLSearchParams(params).toString());
  });
}

/** A multipart upload with curl, the way a user's script sends one. */
async function curl(method: string, fields: string[], files: string[], query = ''): Promise<Json> {
  const args = ['-s', ...fields.flatMap((field) => ['-F', field]), ...files.flatMap((file) => ['-F', `file=@${join(dir, file)}`]), `${emulator.url}/${method}${query}`];
  return JSON.parse((await run('curl', args)).stdout) as Json;
}

describe('every progress method of the job table (src/jobs.ts)', () => {
  it('is answered, with a 19xx "not found" for a job it does not know (not a closed connection)', async () => {
    const code = emulator.createUploadLink();
    for (const [mode, type] of Object.entries(JOB_TYPES)) {
      const answer = await call(type.method, {auth: AUTH, code, progresshash: `unknown-${mode}`});
      expect(answer.result, `${mode}: ${type.method}`).toBeGreaterThanOrEqual(1900);
      expect(answer.result, `${mode}: ${type.method}`).toBeLessThan(2000);
    }
  });
});

describe('upload links: createuploadlink, uploadtolink, uploadlinkprogress', () => {
  it('uploads by code with a progresshash, polled with code + progresshash and no credentials', async () => {
    const created = await call('createuploadlink', {auth: AUTH, folderid: '0', comment: 'send me files'});
    expect(created).toMatchObject({result: 0, code: expect.stringMatching(/^[A-Za-z0-9]{20,}$/)});
    const code = created.code as string;
    const answer = await curl('uploadtolink', [`code=${code}`, 'progresshash=l1', 'names=Ann'], ['a.txt']);
    expect(answer).toMatchObject({result: 0});
    const progress = await call('uploadlinkprogress', {code, progresshash: 'l1'});
    expect(progress).toMatchObject({result: 0, finished: true, total: expect.any(Number), uploaded: progress.total});
    // "same data as uploadprogress but without files"
    expect(progress).not.toHaveProperty('files');
    // not an upload to the account's uploadprogress, and not another link's
    expect(await call('uploadprogress', {auth: AUTH, progresshash: 'l1'})).toMatchObject({result: 1900});
    expect(await call('uploadlinkprogress', {code: emulator.createUploadLink(), progresshash: 'l1'})).toMatchObject({result: 1900});
    // the file went into the account (the link's owner)
    const listing = (await call('listfolder', {auth: AUTH, folderid: '0'})).metadata as {contents: {name: string}[]};
    expect(listing.contents.map((file) => file.name)).toContain('a.txt');
  });

  it('answers a wrong code with a pCloud error (2000, as its docs list), for the upload and the poll', async () => {
    expect(await curl('uploadtolink', ['code=not-a-code', 'progresshash=l2'], ['a.txt'])).toEqual({result: 2000, error: 'Log in failed.'});
    expect(await call('uploadlinkprogress', {code: 'not-a-code', progresshash: 'l2'})).toEqual({result: 2000, error: 'Log in failed.'});
    expect(await call('uploadlinkprogress', {progresshash: 'l2'})).toMatchObject({result: 2000});
    // nothing of the refused upload is stored
    const listing = (await call('listfolder', {auth: AUTH, folderid: '0'})).metadata as {contents: unknown[]};
    expect(listing.contents).toEqual([]);
  });

  it('takes a token on the poll but needs none; a wrong one still fails', async () => {
    const code = emulator.createUploadLink();
    await curl('uploadtolink', [`code=${code}`, 'progresshash=l3'], ['b.txt']);
    expect(await call('uploadlinkprogress', {code, progresshash: 'l3', auth: AUTH})).toMatchObject({result: 0, finished: true});
    expect(await call('uploadlinkprogress', {code, progresshash: 'l3'}, {authorization: `Bearer ${ACCESS}`})).toMatchObject({result: 0});
    expect(await call('uploadlinkprogress', {code, progresshash: 'l3', auth: 'wrong'})).toMatchObject({result: 2000});
  });

  it('createuploadlink needs a signed-in user', async () => {
    expect(await call('createuploadlink', {folderid: '0'})).toMatchObject({result: 1000});
    expect(await call('createuploadlink', {auth: AUTH, folderid: '77'})).toMatchObject({result: 2005});
  });
});

describe('pCloud Transfer: uploadtransfer, uploadtransferprogress', () => {
  it('needs no account, a sender and recipients; polled by progresshash alone, with files', async () => {
    const answer = await curl('uploadtransfer', ['sendermail=me@example.com', 'receivermails=you@example.com', 'progresshash=t1'], ['a.txt', 'b.txt']);
    expect(answer).toMatchObject({result: 0});
    const progress = await call('uploadtransferprogress', {progresshash: 't1'});
    expect(progress).toMatchObject({result: 0, finished: true, files: [{name: 'a.txt', size: 12_345}, {name: 'b.txt', size: 5}]});
    // a transfer goes to its recipients: not into the account
    const listing = (await call('listfolder', {auth: AUTH, path: '/'})).metadata as {contents: unknown[]};
    expect(listing.contents).toEqual([]);
    expect(await call('uploadtransferprogress', {progresshash: 'nope'})).toMatchObject({result: 1900});
  });

  it('refuses a transfer without recipients, and keeps no record of it', async () => {
    const answer = await curl('uploadtransfer', ['sendermail=me@example.com', 'progresshash=t2'], ['a.txt']);
    expect(answer).toMatchObject({result: 1131});
    expect(await call('uploadtransferprogress', {progresshash: 't2'})).toMatchObject({result: 1900});
  });
});

describe('an upload refused for its credentials leaves nothing behind', () => {
  it('2094 (bad access token): no file stored, nothing in uploadprogress, nothing for savezip', async () => {
    const refused = await run('curl', ['-s', '-H', 'Authorization: Bearer wrong', '-F', 'progresshash=bad1', '-F', `file=@${join(dir, 'a.txt')}`, `${emulator.url}/uploadfile`]);
    expect(JSON.parse(refused.stdout)).toMatchObject({result: 2094});
    const refused2 = await curl('uploadfile', ['auth=wrong', 'progresshash=bad2'], ['b.txt']);
    expect(refused2).toMatchObject({result: 2000});
    for (const hash of ['bad1', 'bad2']) expect(await call('uploadprogress', {auth: AUTH, progresshash: hash})).toMatchObject({result: 1900});
    const listing = (await call('listfolder', {auth: AUTH, folderid: '0'})).metadata as {contents: unknown[]};
    expect(listing.contents).toEqual([]);
    const zip = await call('savezip', {auth: AUTH, folderid: '0', progresshash: 'z-after'});
    expect(zip).toMatchObject({result: 0, metadata: {size: 0}});
    expect(await call('savezipprogress', {auth: AUTH, progresshash: 'z-after'})).toMatchObject({totalfiles: 0});
  });
});

describe('what a real client calls first', () => {
  it('getdigest + userinfo?getauth=1 with a passworddigest (the Python library), or a password', async () => {
    const {digest} = (await call('getdigest', {})) as {digest: string};
    expect(digest).toMatch(/^\S{16,}$/);
    const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
    const passworddigest = sha1(`demo-password${sha1('demo@example.com')}${digest}`);
    const login = await call('userinfo', {getauth: '1', logout: '1', username: 'Demo@Example.com', digest, passworddigest});
    expect(login).toMatchObject({result: 0, auth: AUTH, email: 'demo@example.com'});
    // a digest is good for one login
    expect(await call('userinfo', {getauth: '1', username: 'demo@example.com', digest, passworddigest})).toMatchObject({result: 2000});
    expect(await call('userinfo', {getauth: '1', username: 'demo@example.com', password: 'demo-password'})).toMatchObject({result: 0, auth: AUTH});
    expect(await call('userinfo', {getauth: '1', username: 'demo@example.com', password: 'wrong'})).toEqual({result: 2000, error: 'Log in failed.'});
    expect(await call('userinfo', {auth: AUTH})).toMatchObject({result: 0, email: 'demo@example.com'});
    expect(await call('userinfo', {})).toMatchObject({result: 1000});
  });

  it('listfolder and stat find the uploaded files; uploadfile answers one checksum per file', async () => {
    const answer = await curl('uploadfile', [`auth=${AUTH}`, 'folderid=0'], ['a.txt', 'b.txt']);
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    expect(answer.checksums).toEqual([
      {sha1: createHash('sha1').update('x'.repeat(12_345)).digest('hex'), sha256: sha256('x'.repeat(12_345))},
      {sha1: createHash('sha1').update('hello').digest('hex'), sha256: sha256('hello')},
    ]);
    const [first] = answer.fileids as number[];
    const listing = (await call('listfolder', {auth: AUTH, folderid: '0'})).metadata as Json;
    expect(listing).toMatchObject({folderid: 0, isfolder: true, contents: [{name: 'a.txt', size: 12_345}, {name: 'b.txt', size: 5}]});
    expect(await call('stat', {auth: AUTH, fileid: String(first)})).toMatchObject({result: 0, metadata: {name: 'a.txt', fileid: first}});
    expect(await call('stat', {auth: AUTH, path: '/b.txt'})).toMatchObject({result: 0, metadata: {name: 'b.txt'}});
    expect(await call('stat', {auth: AUTH, path: '/nope.txt'})).toMatchObject({result: 2009});
    expect(await call('listfolder', {auth: AUTH, folderid: '5'})).toMatchObject({result: 2005});
    expect(await call('listfolder', {folderid: '0'})).toMatchObject({result: 1000});
  });

  it('savezip puts the zip where topath or tofolderid + toname say', async () => {
    emulator.addFile('a.pdf', 1000);
    expect(await call('savezip', {auth: AUTH, folderid: '0', topath: '/backup.zip'})).toMatchObject({result: 0, metadata: {name: 'backup.zip'}});
    expect(await call('savezip', {auth: AUTH, folderid: '0', tofolderid: '0', toname: 'named.zip'})).toMatchObject({result: 0, metadata: {name: 'named.zip'}});
    expect(await call('savezip', {auth: AUTH, folderid: '0', topath: '/no/such/folder.zip'})).toMatchObject({result: 2005});
    expect(await call('savezip', {auth: AUTH, folderid: '0', tofolderid: '9'})).toMatchObject({result: 2005});
  });
});

describe('real zip archives', () => {
  const files = Array.from({length: 30}, (_, i) => ({path: `photos/IMG_${4100 + i}.jpg`, data: Buffer.alloc(1000 + i * 37, i)}));

  it('writes an archive that unzip lists and tests, and reads its entries back', async () => {
    const zip = zipArchive(files);
    expect(zipEntries(zip)).toEqual(files.map((file) => ({path: file.path, size: file.data.length})));
    const path = join(dir, 'photos.zip');
    writeFileSync(path, zip);
    const tested = await run('unzip', ['-t', path]).catch((error: {code: string}) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (tested) expect(tested.stdout).toMatch(/No errors detected/);
    expect(zipEntries(Buffer.from('not a zip at all, not even close to one'))).toBeUndefined();
  });

  it('an uploaded zip can be extracted: its entries are the output lines', async () => {
    writeFileSync(join(dir, 'up.zip'), zipArchive(files.slice(0, 3)));
    const uploaded = await curl('uploadfile', [`auth=${AUTH}`], ['up.zip']);
    const [fileid] = uploaded.fileids as number[];
    const answer = await call('extractarchive', {auth: AUTH, fileid: String(fileid), topath: '/'});
    expect(answer).toMatchObject({result: 0, finished: true});
    expect(answer.output).toEqual(['up.zip: Zip', '  photos/IMG_4100.jpg  (1000 B)... OK.', '  photos/IMG_4101.jpg  (1037 B)... OK.', '  photos/IMG_4102.jpg  (1074 B)... OK.', 'Successfully extracted to current directory.']);
    // a file that is not an archive still answers 2059
    const text = await curl('uploadfile', [`auth=${AUTH}`], ['b.txt']);
    expect(await call('extractarchive', {auth: AUTH, fileid: String((text.fileids as number[])[0]), topath: '/'})).toMatchObject({result: 2059});
  });
});

describe('namedByUrl', () => {
  it('names this server by its URL in currentserver, getapiserver and extractarchive', async () => {
    await emulator.close();
    emulator = await Emulator.start({namedByUrl: true, extractEntryDelayMs: 50, extractAnswerMs: 1});
    expect(await call('currentserver', {})).toMatchObject({hostname: emulator.url});
    expect(await call('getapiserver', {})).toMatchObject({api: [emulator.url]});
    const fileid = emulator.addZip('p.zip', zipArchive(files()));
    expect(await call('extractarchive', {auth: AUTH, fileid: String(fileid), topath: '/'})).toMatchObject({finished: false, hostname: emulator.url});
    function files(): {path: string; data: Buffer}[] {
      return [{path: 'a', data: Buffer.from('a')}, {path: 'b', data: Buffer.from('b')}];
    }
  });
});
