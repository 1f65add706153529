import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {call, Emulator, FileServer, upload} from '../src/emulator/index.js';
import {ndjson, runMain} from './helpers/in-process.js';

// The live service's other answer shapes and rules (../shared/pcloud/facts.md), each tried over
// real HTTP against the emulator, through the CLI's own main() (in this process: see helpers/in-process.ts).

const AUTH = 'test-auth-token';
const vars = {PCLOUD_AUTH: AUTH};
let emulator: Emulator;
let files: FileServer | undefined;
beforeEach(async () => {
  emulator = await Emulator.start({lingerMs: 60_000});
});
afterEach(async () => {
  await emulator.close();
  await files?.close();
  files = undefined;
});

const args = (kind: string, ...rest: string[]): string[] => [kind, ...rest, '--host', emulator.url, '--interval', '20ms'];

describe('remote uploads (downloadfile), fetched for real by the emulator', () => {
  it('shows bytes and percent as the URLs download, never a URL query, and ends with exit 8 naming the failed URL', async () => {
    files = await FileServer.start({files: {'/big.iso': {size: 600_000, bytesPerSecond: 300_000}, '/small.txt': {size: 20_000}}}); // 2 s: polled many times even on a loaded machine
    const urls = [`${files.url}/big.iso?X-Amz-Signature=s3cr3t`, `${files.url}/small.txt`, `${files.url}/gone.bin?token=s3cr3t`];
    const started = call(emulator.url, 'downloadfile', {auth: AUTH, progresshash: 'r1', url: urls.join(' '), folderid: '0'});
    const [json, plain] = await Promise.all([runMain([...args('upload', 'r1'), '--json'], {vars}), runMain(args('upload', 'r1'), {vars})]);
    await started;

    expect(json.code).toBe(8);
    const lines = ndjson(json.stdout);
    const progress = lines.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((e) => typeof e.percent === 'number' && e.percent > 0 && e.percent < 100)).toBe(true);
    for (const e of progress) expect(e).toMatchObject({totalFiles: 3});
    for (const e of lines) if (e.currentFile !== null && e.currentFile !== undefined) expect(e.currentFile).not.toContain('s3cr3t');
    const last = lines.at(-1) as Record<string, unknown>;
    expect(last).toMatchObject({event: 'error', exitCode: 8, files: 2, totalFiles: 3, bytes: 620_000});
    expect(last.message).toBe(`remote upload finished, but 1 of 3 URLs failed: ${files.url}/gone.bin`);
    expect(JSON.stringify(last.raw)).toContain('s3cr3t'); // raw stays verbatim: scripts may need the URL as sent

    expect(plain.code).toBe(8);
    expect(plain.stderr).toMatch(/^upload r1: error .*1 of 3 URLs failed/m);
    expect(plain.stderr).not.toContain('s3cr3t');
  });
});

describe('a record gone at the finish', () => {
  it('an upload whose every byte was seen, then not found, is done at once with exit 0 and a message', async () => {
    emulator.script('uploadprogress', 'h1', [Emulator.uploadAnswer({uploaded: 500, total: 1000}), Emulator.uploadAnswer({uploaded: 1000, total: 1000}), Emulator.error(1900)]);
    const result = await runMain([...args('upload', 'h1'), '--json', '--wait', '30s'], {vars});
    expect(result.code).toBe(0);
    const last = ndjson(result.stdout).at(-1);
    expect(last).toMatchObject({event: 'done', percent: 100, bytes: 1000, message: expect.stringMatching(/every byte was received/)});
    expect(emulator.requests).toHaveLength(3); // no --wait spent polling a record that is gone
  });

  it('with the emulator dropping records at the finish (linger 0), a real upload still ends done', async () => {
    await emulator.close();
    emulator = await Emulator.start({lingerMs: 0, uploadFinishMs: 150});
    const sending = upload(emulator.url, {progresshash: 'h2', auth: AUTH}, [{name: 'a.bin', size: 400_000}], 600, new AbortController().signal);
    const result = await runMain([...args('upload', 'h2'), '--json', '--wait', '2s'], {vars});
    await sending;
    const last = ndjson(result.stdout).at(-1);
    // a poll saw every byte while the server stored the file; the record was gone at the finish
    expect(result.code).toBe(0);
    expect(last).toMatchObject({event: 'done', percent: 100, message: expect.stringMatching(/every byte was received/)});
  });
});

describe('numbers beyond 2^53', () => {
  it('--json prints a file hash with exactly the digits the server sent', async () => {
    const sending = upload(emulator.url, {progresshash: 'h3', auth: AUTH}, [{name: 'a.bin', size: 50_000}], 200, new AbortController().signal);
    const result = await runMain([...args('upload', 'h3'), '--json'], {vars});
    await sending;
    expect(result.code).toBe(0);
    const digits = /"hash":(\d+)/.exec(result.stdout.trim().split('\n').at(-1) as string)?.[1] as string;
    expect(BigInt(digits)).toBeGreaterThan(2n ** 53n); // JSON.parse would have changed these digits
    // the server's answer as text: the same digits
    const text = await fetch(`${emulator.url}/uploadprogress`, {method: 'POST', body: new URLSearchParams({auth: AUTH, progresshash: 'h3'})}).then((response) => response.text());
    expect(text).toContain(`"hash":${digits}`);
  });
});

describe('refused zips', () => {
  it('a zip that never appears says savezip may have refused it', async () => {
    const result = await runMain([...args('zip', 'z1'), '--wait', '100ms'], {vars});
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^zip z1: error: zip not found after waiting \d+ms; savezip may have refused the job \(pCloud answers 2003 "Access denied" to some tokens\): check savezip's own answer/m);
  });
});

describe('server falls back to the generic host', () => {
  it('when getapiserver names no machine', async () => {
    emulator.script('getapiserver', '*', [{json: {result: 0, api: [], binapi: []}}]);
    const result = await runMain(['server', '--host', emulator.url], {vars});
    expect(result).toMatchObject({code: 0, stdout: `${emulator.url}\n`}); // with its http:// scheme: usable as --host as printed
    expect(result.stderr).toMatch(/warning: getapiserver on .* named no API server/);
  });

  it('when the nearest machine does not answer currentserver', async () => {
    emulator.script('getapiserver', '*', [{json: {result: 0, api: ['127.0.0.1:9'], binapi: []}}]);
    const result = await runMain(['server', '--host', emulator.url, '--request-timeout', '2s'], {vars});
    expect(result).toMatchObject({code: 0, stdout: `${emulator.url}\n`}); // with its http:// scheme: usable as --host as printed
    expect(result.stderr).toMatch(/warning: currentserver on 127\.0\.0\.1:9 failed: .*; asking 127\.0\.0\.1:\d+ instead/);
  });
});
