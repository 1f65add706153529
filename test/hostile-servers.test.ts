import {afterEach, describe, expect, it} from 'vitest';
import {AUTH, events, startCli, type CliResult} from './helpers/cli.js';
import {FakeClock} from './helpers/fake-clock.js';
import {runMain} from './helpers/in-process.js';
import {httpAnswer, rawServer, type RawAnswer, type RawRequest, type RawServer} from './helpers/raw-server.js';

// Hostile servers, second round (issue 21): each hand-written on a raw loopback socket, as found.

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(answer: (request: RawRequest) => RawAnswer | Promise<RawAnswer>): Promise<RawServer> {
  const server = await rawServer(answer);
  servers.push(server);
  return server;
}

/** Answers in turn; the last one again for every request after. */
function script(...answers: RawAnswer[]): (request: RawRequest) => RawAnswer {
  return (request) => answers[Math.min(request.index, answers.length - 1)] as RawAnswer;
}

const json = (body: unknown): RawAnswer => ({bytes: httpAnswer(JSON.stringify(body))});
const finished = json({result: 0, uploaded: 100, total: 100, finished: true, files: []});
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

/** The CLI in this process on a fake clock: a minute of retries passes at once, every request is real. */
async function onFakeClock(args: string[], vars: Record<string, string> = {}) {
  return runMain(args, {vars: {PCLOUD_AUTH: AUTH, ...vars}, clock: new FakeClock()});
}

/** The built CLI as a child, killed (and the test failed) if it has not ended `boundMs` after it started. */
async function cliWithin(boundMs: number, args: string[], options: {env?: Record<string, string | undefined>; onStart?: (run: ReturnType<typeof startCli>) => void} = {}): Promise<CliResult> {
  const run = startCli(args, {env: options.env});
  options.onStart?.(run);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    run.child.kill('SIGKILL');
  }, boundMs);
  const result = await run.result;
  clearTimeout(timer);
  expect(killed, `the CLI had not ended ${boundMs} ms after it started`).toBe(false);
  return result;
}

describe('101 Switching Protocols', () => {
  it.each([
    ['and closing', {bytes: SWITCHING, end: true}],
    ['held open', {bytes: SWITCHING, hold: true}],
  ])('%s: a failed request, retried; the run ends with a final event and exit 6', async (_, answer) => {
    const server = await serve(script(answer));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url, '--json']);
    expect(result.code).toBe(6);
    const last = events(result.stdout).at(-1);
    expect(last).toMatchObject({event: 'error', exitCode: 6});
    expect(last?.message).toMatch(/gave up after 1m of failures; the last: malformed answer: HTTP 101/);
    expect(server.requests.length).toBeGreaterThan(3); // retried, not given up at once
  });

  it('then a good answer: the watch goes on to done', async () => {
    const server = await serve(script({bytes: SWITCHING, end: true}, finished));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/upload h1: malformed answer: HTTP 101 \(the server switched protocols\); retrying in/);
  });

  it('`server` fails (exit 6, one line), never a silent exit 0 with nothing on stdout', async () => {
    const server = await serve(script({bytes: SWITCHING, end: true}));
    const result = await cliWithin(20_000, ['server', '--host', server.url]);
    expect(result.code).toBe(6);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^pcloud-progress: getapiserver on 127\.0\.0\.1:\d+ failed: malformed answer: HTTP 101/);
  });
});

describe('server text that costs more than linear time', () => {
  // "  a" and 999 990 spaces: the old pattern (\s+ inside a lazy .*?) tried every split of them
  const line = `  a${' '.repeat(999_990)}b`;
  const extracting = json({result: 0, finished: false, lines: 1, output: [line]});

  it('a 1 MB extraction line is decoded, and --timeout is honoured', async () => {
    const server = await serve(script(extracting));
    const result = await cliWithin(20_000, ['extract', 'x1', '--host', server.url, '--json', '--timeout', '2s', '--interval', '200ms']);
    expect(result.code).toBe(7);
    const lines = events(result.stdout);
    expect(lines.filter((event) => event.event === 'output')).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({event: 'error', exitCode: 7});
  });

  it('SIGTERM is honoured while such lines arrive', async () => {
    const server = await serve(script(extracting));
    const result = await cliWithin(20_000, ['extract', 'x1', '--host', server.url, '--json', '--interval', '100ms'], {
      onStart: (run) => void run.output(/"event":"output"/).then(() => run.child.kill('SIGTERM')),
    });
    expect(result.code).toBe(143);
    expect(events(result.stdout).at(-1)).toMatchObject({event: 'error', exitCode: 143});
  });
});

describe('deep JSON', () => {
  it('5000 nested arrays: a malformed answer, retried; the watch goes on to done', async () => {
    const deep = {bytes: httpAnswer(`{"result":0,"uploaded":1,"total":2,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`)};
    const server = await serve(script(deep, finished));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url, '--json']);
    expect(result.code).toBe(0);
    expect(events(result.stdout).at(-1)).toMatchObject({event: 'done'});
    const plain = await onFakeClock(['upload', 'h1', '--host', (await serve(script(deep, finished))).url]);
    expect(plain.stderr).toMatch(/malformed answer: JSON nested deeper than 64 levels; retrying in/);
  });
});

describe('Content-Encoding and faults of our own', () => {
  it('a gzip answer (never asked for) is malformed, retried, not a "network error"', async () => {
    const gzip = {bytes: 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nabcde'};
    const server = await serve(script(gzip, finished));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/malformed answer: encoded \(Content-Encoding "gzip"\) though no encoding was asked for; retrying in/);
    expect(result.stderr).not.toMatch(/network error/);
    expect(server.requests[0]?.head).not.toMatch(/accept-encoding/i);
  });
});

describe('HTTP that does not parse, on http://', () => {
  it.each([
    ['two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a header of 1 MB', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`],
    ['HTTP/0.9 (a bare body)', '{"result":0}\n'],
  ])('%s: a broken server (no TLS hint), retried under the normal rules: the watch goes on', async (_, bytes) => {
    const server = await serve(script({bytes, end: true}, finished));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/upload h1: malformed answer: not valid HTTP \(HPE_\w+\); retrying in/);
    expect(result.stderr).not.toMatch(/TLS/);
  });

  it('and one that stays broken is given up on after the 60 s window, not the 10 s one for a wrong port', async () => {
    const server = await serve(script({bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', end: true}));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url, '--json']);
    expect(result.code).toBe(6);
    expect(events(result.stdout).at(-1)?.message).toMatch(/^gave up after 1m of failures; the last: malformed answer: not valid HTTP \(HPE_\w+\)$/);
  });
});

describe('numbers', () => {
  it('1e400 stays verbatim in raw; sizes of 1.7e308 x2 never read NaN or Infinity', async () => {
    const body = '{"result":0,"urlcount":2,"urlready":1,"finished":false,"big":1e400,"files":[{"url":"https://a.example/1","status":"downloading","size":1.7e308,"downloaded":1.7e308},{"url":"https://a.example/2","status":"downloading","size":1.7e308,"downloaded":1.7e308}]}';
    const server = await serve(script({bytes: httpAnswer(body)}, finished));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url, '--json']);
    expect(result.code).toBe(0);
    const progress = result.stdout.split('\n').find((line) => line.includes('"event":"progress"')) ?? '';
    expect(progress).toContain('"big":1e400');
    expect(JSON.parse(progress)).toMatchObject({bytes: null, totalBytes: null, files: 1, totalFiles: 2, percent: 50});
    const plain = await onFakeClock(['upload', 'h1', '--host', (await serve(script({bytes: httpAnswer(body)}, finished))).url]);
    expect(plain.stderr).not.toMatch(/NaN|Infinity/);
  });
});

describe('a token the server echoes', () => {
  it('is masked in messages and in raw', async () => {
    const server = await serve(script(json({result: 1900, error: `no upload for auth=${AUTH}`}), json({result: 2000, error: `Log in failed for ${AUTH}.`})));
    const result = await onFakeClock(['upload', 'h1', '--host', server.url, '--json']);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toContain(AUTH);
    expect(events(result.stdout).at(-1)?.message).toMatch(/^authentication failed: Log in failed for \*\*\*\*\. \(pCloud 2000\)/);
    expect(events(result.stdout)[0]).toMatchObject({event: 'waiting', raw: {error: 'no upload for auth=****'}});
  });

  it('NODE_DEBUG=http (Node prints the Authorization header): one warning on stderr at start', async () => {
    const server = await serve(script(finished));
    const result = await cliWithin(20_000, ['upload', 'h1', '--host', server.url, '--quiet'], {env: {NODE_DEBUG: 'http'}});
    expect(result.code).toBe(0);
    expect(result.stderr.match(/pcloud-progress: warning: NODE_DEBUG makes Node print every request, its token included/g)).toHaveLength(1);
    const quiet = await cliWithin(20_000, ['upload', 'h1', '--host', server.url, '--quiet'], {env: {NODE_DEBUG: 'fs'}});
    expect(quiet.stderr).toBe('');
  });
});

describe('--host', () => {
  it('port 0 is a usage error, before any request', async () => {
    const result = await runMain(['upload', 'h1', '--host', 'http://127.0.0.1:0'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pcloud-progress: bad --host "http://127.0.0.1:0": port 0 is not a port a server listens on\n');
  });
});
