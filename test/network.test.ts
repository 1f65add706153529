import {readFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket} from 'node:net';
import {fileURLToPath} from 'node:url';
import {RequestError} from 'got';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {createClient, networkOutcome, retryAfterMs} from '../src/api/client.js';
import {TRIMMED_MESSAGE_PREFIX} from '../src/api/trimmed.js';
import {Emulator, type EmulatorOptions, type ScriptedAnswer} from '../src/emulator/index.js';
import {parseHost} from '../src/host.js';
import {AUTH, events, runCli} from './helpers/cli.js';
import {FakeClock} from './helpers/fake-clock.js';
import {makeTestCertificate} from './helpers/tls.js';
import {runMain} from './helpers/in-process.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function emulatorWith(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await Emulator.start(options);
  closers.push(() => emulator.close());
  return emulator;
}

/** Listens on 127.0.0.1; closed after the test, every connection with it (proxy tunnels too). */
async function listen<T extends Server | NetServer>(server: T): Promise<T & {port: number}> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return Object.assign(server, {port: (server.address() as AddressInfo).port});
}

/** A free loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const finished = Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true, files: [{fileid: 1}]});
const up = (uploaded: number): ScriptedAnswer => Emulator.uploadAnswer({uploaded, total: 100});
const retryLines = (stderr: string): string[] => stderr.split('\n').filter((line) => /retrying in/.test(line));

/**
 * The CLI in this process on a fake clock of its own: the contract's waits (a 10 s rate-limit
 * floor, the 10 s first-contact window, a Retry-After) pass at once, while every request still goes
 * over real HTTP to a real server. The proxy variables in `vars` are what the client reads.
 */
async function runOnFakeClock(args: string[], vars: Record<string, string> = {}): Promise<{code: number; stdout: string; stderr: string; clock: FakeClock}> {
  const clock = new FakeClock();
  const result = await runMain(args, {vars: {PCLOUD_AUTH: AUTH, ...vars}, clock});
  return {...result, clock};
}

describe('through a proxy (HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY)', () => {
  const PROXY_USER = 'proxy-user';
  const PROXY_PASSWORD = 's3cret-proxy-pw';
  /** A made-up API host name that the test proxy alone resolves (to 127.0.0.1): a host that is not loopback. */
  const API_NAME = 'api.proxied.test';

  let tls: {key: string; cert: string};
  let caFile: string;
  beforeAll(() => {
    ({tls, caFile} = makeTestCertificate([API_NAME, '127.0.0.1']));
  });

  /**
   * A CONNECT proxy on loopback that resolves *.test names to 127.0.0.1 (as a proxy resolves names
   * its clients cannot). `connects` lists the host:port of every tunnel it was asked for, `plain`
   * every plain request, `auth` every Proxy-Authorization it saw.
   */
  async function startProxy(credentials?: {user: string; password: string}) {
    const connects: string[] = [];
    const plain: string[] = [];
    const expected = credentials && `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    const server = createServer((req, res) => {
      plain.push(req.url ?? '');
      res.writeHead(502).end();
    });
    server.on('connect', (req: IncomingMessage, client: Socket) => {
      connects.push(req.url ?? '');
      client.on('error', () => {});
      if (expected !== undefined && req.headers['proxy-authorization'] !== expected) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      const [, name = '', port = '0'] = /^(.*):(\d+)$/.exec(req.url ?? '') ?? [];
      const target = connect(Number(port), name.endsWith('.test') ? '127.0.0.1' : name);
      target.on('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        target.pipe(client).pipe(target);
      });
      target.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      client.on('close', () => target.destroy());
    });
    return Object.assign(await listen(server), {connects, plain});
  }

  async function tlsEmulator(answers: ScriptedAnswer[]): Promise<Emulator & {apiHost: string}> {
    const emulator = await emulatorWith({tls});
    emulator.script('uploadprogress', 'h1', answers);
    return Object.assign(emulator, {apiHost: `${API_NAME}:${emulator.port}`});
  }

  it('an https:// API host goes through HTTPS_PROXY (a CONNECT tunnel, kept alive), and the certificate is still checked', async () => {
    const emulator = await tlsEmulator([up(10), up(50), finished]);
    const proxy = await startProxy();
    const env = {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NODE_EXTRA_CA_CERTS: caFile};
    const result = await runCli(['upload', 'h1', '--host', emulator.apiHost, '--interval', '500ms', '--json'], {env}); // the least against a host not on loopback
    expect(result.code).toBe(0);
    // kept alive: fewer tunnels than polls (one, but 500 ms apart on a busy machine a kept-alive
    // tunnel was once seen to fail and be replaced, as the contract allows), each to the API host
    expect(new Set(proxy.connects)).toEqual(new Set([emulator.apiHost]));
    expect(proxy.connects.length).toBeLessThan(3);
    expect(proxy.plain).toEqual([]);
    expect(events(result.stdout).every((event) => event.host === emulator.apiHost)).toBe(true);
    expect(emulator.requests).toHaveLength(3);
    expect(emulator.connections).toBe(proxy.connects.length);
    const untrusted = await runCli(['upload', 'h1', '--host', emulator.apiHost, '--json'], {env: {HTTPS_PROXY: env.HTTPS_PROXY}});
    expect(untrusted.code).toBe(6);
    expect(events(untrusted.stdout).at(-1)?.message).toMatch(/TLS certificate is not trusted/);
  });

  it.each([
    ['https_proxy (lower case)', (port: number) => ({https_proxy: `http://127.0.0.1:${port}`})],
    ['ALL_PROXY', (port: number) => ({ALL_PROXY: `http://127.0.0.1:${port}`})],
    ['a proxy written without a scheme (http://, as curl takes it)', (port: number) => ({HTTPS_PROXY: `127.0.0.1:${port}`})],
  ])('reads %s', async (_, vars) => {
    const emulator = await tlsEmulator([finished]);
    const proxy = await startProxy();
    const result = await runCli(['upload', 'h1', '--host', emulator.apiHost], {env: {...vars(proxy.port), NODE_EXTRA_CA_CERTS: caFile}});
    expect(result.code).toBe(0);
    expect(proxy.connects).toEqual([emulator.apiHost]);
  });

  it('NO_PROXY bypasses it: the proxy sees nothing', async () => {
    // nothing is answered: the name resolves nowhere unproxied, which is what shows the proxy was skipped
    const emulator = await emulatorWith({tls});
    const proxy = await startProxy();
    const host = `localhost.proxied.test:${emulator.port}`; // a name that only this run's resolver knows
    const resolved = await runMain(['upload', 'h1', '--host', host, '--json'], {
      vars: {PCLOUD_AUTH: AUTH, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: 'example.com,.proxied.test'},
    });
    // not proxied, so the name is resolved here: and it does not resolve (no request went through the proxy)
    expect(resolved.code).toBe(6);
    expect(resolved.stderr).toMatch(/cannot resolve localhost\.proxied\.test/);
    expect(proxy.connects).toEqual([]);
  });

  it('a loopback host never goes through a proxy, whatever the variables say', async () => {
    const plain = await emulatorWith();
    plain.script('uploadprogress', 'h1', [finished]);
    const secure = await tlsEmulator([finished]);
    const proxy = await startProxy();
    const all = {HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, http_proxy: `http://127.0.0.1:${proxy.port}`, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, ALL_PROXY: `http://127.0.0.1:${proxy.port}`};
    for (const host of [plain.url, `http://localhost:${plain.port}`]) {
      const result = await runCli(['upload', 'h1', '--host', host, '--json'], {env: all});
      expect(result.code).toBe(0);
    }
    const tlsResult = await runCli(['upload', 'h1', '--host', `https://127.0.0.1:${secure.port}`, '--json'], {env: {...all, NODE_EXTRA_CA_CERTS: caFile}});
    expect(tlsResult.code).toBe(0);
    expect(proxy.connects).toEqual([]);
    expect(proxy.plain).toEqual([]);
    expect(plain.requests).toHaveLength(2);
    expect(secure.requests).toHaveLength(1);
  });

  it('sends the user and password of the proxy URL to the proxy, and never prints them', async () => {
    const emulator = await tlsEmulator([finished]);
    const proxy = await startProxy({user: PROXY_USER, password: PROXY_PASSWORD});
    const ca = {NODE_EXTRA_CA_CERTS: caFile};
    const good = await runCli(['upload', 'h1', '--host', emulator.apiHost], {env: {...ca, HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`}});
    expect(good.code).toBe(0);
    const bad = await runCli(['upload', 'h1', '--host', emulator.apiHost, '--json'], {env: {...ca, HTTPS_PROXY: `http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`}});
    expect(bad.code).toBe(6); // at once: a proxy that wants other credentials will not change its mind
    expect(events(bad.stdout).at(-1)?.message).toMatch(/the proxy asks for a user and password \(HTTP 407\)/);
    for (const output of [good.stdout, good.stderr, bad.stdout, bad.stderr]) {
      expect(output).not.toContain(PROXY_PASSWORD);
      expect(output).not.toContain(PROXY_USER);
    }
  });

  it('a proxy that refuses connections fails fast, naming its host:port but never its URL (in process: read from Env.vars, not process.env)', async () => {
    const port = await closedPort();
    expect(process.env.HTTPS_PROXY).toBeUndefined();
    const result = await runOnFakeClock(['upload', 'h1', '--host', `${API_NAME}:9`], {HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}`});
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(new RegExp(`gave up after \\d+ tries in [\\d.]+s: the proxy refused the connection; nothing listens on 127\\.0\\.0\\.1:${port}: check HTTPS_PROXY`));
    expect(result.stderr).not.toContain(PROXY_PASSWORD);
    expect(result.stderr).not.toContain(PROXY_USER);
    expect(process.env.HTTPS_PROXY).toBeUndefined(); // the helper no longer sets process.env for the client
  });

  it('an unsupported proxy scheme is a usage error that does not quote the URL', async () => {
    const result = await runCli(['upload', 'h1', '--host', `${API_NAME}:9`], {env: {HTTPS_PROXY: `socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080`}});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/socks5:\/\/ proxy: only http:\/\/ and https:\/\/ proxies are supported/);
    expect(result.stderr).not.toContain(PROXY_PASSWORD);
  });
});

describe('dual-stack hosts', () => {
  it('keeps every address it resolved to and falls back from a dead IPv6 to IPv4, as curl does', async () => {
    // the emulator listens on 127.0.0.1 only: the name's first address, ::1, refuses
    const emulator = await emulatorWith({host: '127.0.0.1'});
    emulator.script('uploadprogress', 'h1', [up(1), up(2), finished]);
    const lookups: string[] = [];
    const client = await createClient({
      host: parseHost(`http://localhost:${emulator.port}`),
      requestTimeoutMs: 5000,
      credentials: {type: 'auth', token: AUTH},
      maxConnections: 1,
      proxy: null,
      resolve: async (hostname) => {
        lookups.push(hostname);
        return [
          {address: '::1', family: 6},
          {address: '127.0.0.1', family: 4},
        ];
      },
    });
    closers.push(async () => client.close());
    const body = client.formBody({progresshash: 'h1'});
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await client.call('uploadprogress', body)).type);
    expect(outcomes).toEqual(['answer', 'answer', 'answer']);
    expect(client.addresses).toEqual(['::1', '127.0.0.1']);
    expect(lookups).toEqual(['localhost']); // resolved once
    expect(emulator.requests.map((r) => r.remoteAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(emulator.connections).toBe(1);
  });
});

/**
 * An API server that closes idle kept-alive connections as real ones do. Node's own server would
 * announce its timeout (`Keep-Alive: timeout=N`), which Node's client honours; nginx and most
 * others do not, so this one sends `Connection: keep-alive` alone.
 */
async function progressServer(total: number, options: {keepAliveTimeoutMs?: number; dropReused?: boolean}) {
  const state = {polls: 0, connections: 0, dropped: 0};
  const answered = new WeakSet<Socket>();
  const server = await listen(
    createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        if (options.dropReused && answered.has(req.socket)) {
          // closed "while idle" just as the request arrived: it is never answered
          state.dropped += 1;
          req.socket.destroy();
          return;
        }
        answered.add(req.socket);
        state.polls += 1;
        const body = JSON.stringify({result: 0, total, uploaded: state.polls, files: [], finished: state.polls >= total});
        res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'keep-alive'});
        res.end(body);
      });
    }),
  );
  server.on('connection', () => (state.connections += 1));
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return {state, url: `http://127.0.0.1:${server.port}`};
}

describe('idle keep-alive connections closed by the server', () => {
  it('a request that fails on a reused connection before any answer is retried once, at once, silently', async () => {
    const POLLS = 6;
    const server = await progressServer(POLLS, {dropReused: true});
    const result = await runCli(['upload', 'h1', '--host', server.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    expect(retryLines(result.stderr)).toEqual([]);
    expect(server.state.polls).toBe(POLLS);
    // every poll after the first found its connection closed, and went on over a new one
    expect(server.state.dropped).toBe(POLLS - 1);
    expect(server.state.connections).toBe(POLLS);
  });

  it('a fresh connection that fails is not retried silently: the user hears of it', async () => {
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', 'h1', [up(1), {reset: true}, {reset: true}, finished]);
    const result = await runCli(['upload', 'h1', '--host', emulator.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    expect(retryLines(result.stderr)).toHaveLength(1); // the first reset was retried silently, the second (fresh) was not
    expect(emulator.requests).toHaveLength(4);
  });

  it('with the server idle timeout equal to the interval: no "connection was reset" lines', async () => {
    const POLLS = 6;
    // Node's server closes an idle connection keepAliveTimeout + 1 s after its last answer: here
    // just as the next poll (1 s, the default interval) goes out
    const server = await progressServer(POLLS, {keepAliveTimeoutMs: 1});
    const result = await runCli(['upload', 'h1', '--host', server.url]);
    expect(result.code).toBe(0);
    expect(retryLines(result.stderr)).toEqual([]);
    expect(server.state.polls).toBe(POLLS);
  }, 20_000);
});

describe('HTTP 429 with Retry-After', () => {
  it('waits as many seconds as the server asked', async () => {
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', 'h1', [up(1), {status: 429, body: '', headers: {'retry-after': '2'}}, finished]);
    const result = await runOnFakeClock(['upload', 'h1', '--host', emulator.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    // our own backoff from a 5 ms interval would say a few ms
    expect(retryLines(result.stderr)).toEqual(['upload h1: server error (HTTP 429); retrying in 2s']);
    expect(result.clock.sleeps).toContain(2000); // and waited so long
  });

  it('takes an HTTP date, counted from the answer’s own Date', async () => {
    const date = Date.UTC(2030, 0, 1, 12, 0, 0);
    const headers = {date: new Date(date).toUTCString(), 'retry-after': new Date(date + 3000).toUTCString()};
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', 'h1', [up(1), {status: 429, body: '', headers}, finished]);
    const result = await runOnFakeClock(['upload', 'h1', '--host', emulator.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    expect(retryLines(result.stderr)).toEqual(['upload h1: server error (HTTP 429); retrying in 3s']);
    expect(result.clock.sleeps).toContain(3000);
  });

  it('parses Retry-After: seconds, a date, or nothing usable', () => {
    expect(retryAfterMs({'retry-after': '7'})).toBe(7000);
    expect(retryAfterMs({'retry-after': 'Wed, 01 Jan 2030 12:00:05 GMT', date: 'Wed, 01 Jan 2030 12:00:00 GMT'})).toBe(5000);
    expect(retryAfterMs({'retry-after': 'Wed, 01 Jan 2030 12:00:05 GMT'}, Date.UTC(2030, 0, 1, 12, 0, 1))).toBe(4000);
    expect(retryAfterMs({'retry-after': 'Tue, 01 Jan 2030 11:00:00 GMT', date: 'Wed, 01 Jan 2030 12:00:00 GMT'})).toBe(0);
    expect(retryAfterMs({'retry-after': 'soon'})).toBeUndefined();
    expect(retryAfterMs({'retry-after': '-3'})).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe('pCloud rate limits over HTTP', () => {
  it('4010 is waited out (at least 10 s) and the watch goes on to done', async () => {
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', 'h1', [up(1), Emulator.error(4010, 'Too many requests from your IP address in quick succession.'), finished]);
    const result = await runOnFakeClock(['upload', 'h1', '--host', emulator.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    const [line, ...more] = retryLines(result.stderr);
    expect(more).toEqual([]);
    expect(line).toMatch(/rate limited: Too many requests from your IP address in quick succession\. \(pCloud 4010\); retrying in (1[0-2](\.\d)?s)$/);
    expect(Math.max(...result.clock.sleeps)).toBeGreaterThanOrEqual(10_000); // the wait itself, not only its announcement
    expect(emulator.requests).toHaveLength(3);
  });
});

describe('first contact: a wrong host or port', () => {
  // in-process, each on a fake clock of its own: the 10 s window passes at once, the tries are real
  it('refused, TLS to plain HTTP, plain HTTP to TLS: exit 6 long before the 60 s window, naming host:port, with a hint', async () => {
    const refusedPort = await closedPort();
    const plain = await emulatorWith();
    const tls = await emulatorWith({tls: makeTestCertificate().tls});
    // a TLS server of another make: it answers plain HTTP with a TLS alert record, then hangs up
    const alerting = await listen(createNetServer((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])))));
    const [refused, tlsToPlain, plainToTls, plainToAlert] = await Promise.all([
      runOnFakeClock(['upload', 'h1', '--host', `http://127.0.0.1:${refusedPort}`]),
      runOnFakeClock(['upload', 'h1', '--host', `127.0.0.1:${plain.port}`, '--json']),
      runOnFakeClock(['upload', 'h1', '--host', `http://127.0.0.1:${tls.port}`]),
      runOnFakeClock(['upload', 'h1', '--host', `http://127.0.0.1:${alerting.port}`]),
    ]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(new RegExp(`error: gave up after \\d tries in [\\d.]+s: the connection was refused; nothing listens on 127\\.0\\.0\\.1:${refusedPort}: check the host and port`));
    expect(tlsToPlain.code).toBe(6);
    const last = events(tlsToPlain.stdout).at(-1);
    expect(last).toMatchObject({event: 'error', exitCode: 6});
    expect(last?.message).toMatch(new RegExp(`gave up after \\d tries in [\\d.]+s: the server does not speak TLS \\(EPROTO\\); 127\\.0\\.0\\.1:${plain.port} may be a plain-HTTP server: try http://127\\.0\\.0\\.1:${plain.port}`));
    expect(plainToTls.code).toBe(6);
    expect(plainToTls.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${tls.port} may speak TLS: try https://127\\.0\\.0\\.1:${tls.port}`));
    expect(plainToAlert.code).toBe(6);
    expect(plainToAlert.stderr).toMatch(new RegExp(`the answer is not HTTP \\(HPE_\\w+\\); 127\\.0\\.0\\.1:${alerting.port} may speak TLS: try https://`));
    // a few quick tries, not a minute of them
    for (const result of [refused, plainToTls, plainToAlert]) expect(retryLines(result.stderr).length).toBeLessThanOrEqual(5);
  });
});

describe('a part of got left out of the build', () => {
  const STUB_MESSAGE = `${TRIMMED_MESSAGE_PREFIX}HTTP/2 support (http2: false); see build/trim.ts`;

  it('is an internal error (exit 1), said once, not a network error retried for a minute', () => {
    // what got makes of the stub's throw: a RequestError with its message and no code of its own
    const error = new RequestError(STUB_MESSAGE, new Error(STUB_MESSAGE), {} as never);
    expect(error.code).toBe('ERR_GOT_REQUEST_ERROR');
    const outcome = networkOutcome(error, {host: parseHost('api7.pcloud.com'), proxy: undefined, requestTimeoutMs: 10_000});
    expect(outcome).toEqual({type: 'fatal', reason: 'bug', code: null, message: `internal error: ${STUB_MESSAGE}`});
  });

  it('the built program throws exactly that message from its stubs', () => {
    const built = readFileSync(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)), 'utf8');
    expect(built).toContain(STUB_MESSAGE);
  });
});
