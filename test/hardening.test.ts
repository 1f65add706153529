import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createClient} from '../src/api/client.js';
import {Emulator, type ScriptedAnswer} from '../src/emulator/index.js';
import {parseHost} from '../src/host.js';
import {AUTH, events, runCli, startCli} from './helpers/cli.js';
import {makeTestCertificate, type TestCertificate} from './helpers/tls.js';

const emulators: Emulator[] = [];
async function emulatorWith(options: Parameters<typeof Emulator.start>[0] = {}): Promise<Emulator> {
  const emulator = await Emulator.start(options);
  emulators.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

const finished = Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true, files: [{fileid: 1}]});
const noLeak = (text: string): void => expect(text).not.toContain(AUTH);

describe('TLS', () => {
  // a CA of our own and a certificate it signs for 127.0.0.1 and api.pcloud.test
  const certificate = (): TestCertificate => makeTestCertificate(['127.0.0.1', 'api.pcloud.test']);
  const tls = (): {key: string; cert: string} => certificate().tls;

  it('refuses a certificate it cannot verify (exit 6), with no switch to turn that off', async () => {
    const emulator = await emulatorWith({tls: tls()});
    const result = await runCli(['upload', 'h1', '--host', `127.0.0.1:${emulator.port}`, '--json']);
    expect(result.code).toBe(6);
    expect(events(result.stdout).at(-1)?.message).toMatch(/TLS certificate is not trusted \(\w+\)/);
    expect(emulator.requests).toHaveLength(0);
  });

  it('trusts a private CA given with NODE_EXTRA_CA_CERTS', async () => {
    const emulator = await emulatorWith({tls: tls()});
    emulator.script('uploadprogress', '*', [finished]);
    const result = await runCli(['upload', 'h1', '--host', `127.0.0.1:${emulator.port}`, '--json'], {env: {NODE_EXTRA_CA_CERTS: certificate().caFile}});
    expect(result.code).toBe(0);
    expect(emulator.requests).toHaveLength(1);
  });
});

describe('pinned to one address', () => {
  it('resolves once, and after a reset reconnects to that same address', async () => {
    // the emulator listens on 127.0.0.2: real DNS for localhost says 127.0.0.1, where nothing listens
    const emulator = await emulatorWith({host: '127.0.0.2'});
    // two resets: the first, on the kept-alive connection, is retried at once on a new one, which the second ends
    const reset: ScriptedAnswer = {reset: true};
    emulator.script('uploadprogress', 'h1', [Emulator.uploadAnswer({uploaded: 1, total: 9}), reset, reset, Emulator.uploadAnswer({uploaded: 2, total: 9}), finished]);
    const lookups: string[] = [];
    const client = await createClient({
      host: parseHost(`http://localhost:${emulator.port}`),
      requestTimeoutMs: 2000,
      credentials: {type: 'auth', token: AUTH},
      maxConnections: 1,
      resolve: async (hostname) => {
        lookups.push(hostname);
        return [{address: '127.0.0.2', family: 4}];
      },
    });
    const body = client.formBody({progresshash: 'h1'});
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await client.call('uploadprogress', body)).type);
    client.close();
    expect(outcomes).toEqual(['answer', 'transient', 'answer', 'answer']);
    expect(lookups).toEqual(['localhost']);
    expect(emulator.requests.map((r) => r.connectionId)).toEqual([1, 1, 2, 3, 3]); // each reset request was received, then dropped
    expect(emulator.requests.every((r) => r.headers.host === `localhost:${emulator.port}`)).toBe(true);
  });
});

describe('hostile servers', () => {
  it('never follows a redirect: its target sees no request', async () => {
    const target = await emulatorWith();
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', '*', [{status: 307, headers: {location: `${target.url}/uploadprogress`}}]);
    const result = await runCli(['upload', 'h1', '--host', emulator.url, '--json']);
    expect(result.code).toBe(6);
    expect(target.requests).toHaveLength(0);
    noLeak(result.stdout + result.stderr);
  });

  it('treats an answer over 1 MiB as malformed, and goes on', async () => {
    const emulator = await emulatorWith();
    const huge: ScriptedAnswer = {status: 200, body: `{"result":0,"pad":"${'x'.repeat(1.5 * 1024 * 1024)}"}`, headers: {'content-type': 'application/json'}};
    emulator.script('uploadprogress', 'h1', [huge, finished]);
    const result = await runCli(['upload', 'h1', '--host', emulator.url, '--interval', '5ms']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/malformed answer: larger than 1024 KiB; retrying/);
  });

  it('keeps the token out of every message, got errors included (connection refused)', async () => {
    // refused for sure: the port of an emulator that listens on 127.0.0.1 only, asked on 127.0.0.2
    // (a closed emulator's port could be taken by another test file's server meanwhile)
    const emulator = await emulatorWith();
    const port = emulator.port;
    const result = await runCli(['upload', 'h1', '--host', `http://127.0.0.2:${port}`, '--interval', '20ms', '--timeout', '400ms', '--json']);
    expect(result.code).toBe(7);
    noLeak(result.stdout + result.stderr);
    const human = await runCli(['upload', 'h1', '--host', `http://127.0.0.2:${port}`, '--interval', '20ms', '--timeout', '400ms']);
    expect(human.stderr).toMatch(/the connection was refused; retrying in/);
    noLeak(human.stderr);
  });

  it('warns when the token file can be read by others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-perm-'));
    writeFileSync(join(dir, 'token'), AUTH, {mode: 0o644});
    const emulator = await emulatorWith();
    emulator.script('uploadprogress', '*', [finished]);
    const result = await runCli(['upload', 'h1', '--host', emulator.url, '--auth-file', join(dir, 'token')], {env: {PCLOUD_AUTH: undefined}});
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: .*token can be read by other users \(mode 644\); chmod 600 it/);
    noLeak(result.stderr);
  });
});

describe('soak', () => {
  // 500 by default to keep the suite short (about 50 faults of every kind, where a listener leaked
  // per fault shows after 10); PCLOUD_PROGRESS_SOAK_POLLS=10000 for the full soak, where memory is
  // checked too (below a few thousand polls RSS still grows with JIT code and V8's heap sizing)
  const POLLS = Number(process.env.PCLOUD_PROGRESS_SOAK_POLLS ?? 500);
  const CHECK_MEMORY = POLLS >= 5000;
  it(`${POLLS} polls with 10% random transient faults end with exit 0 and the right numbers${CHECK_MEMORY ? ', memory flat' : ''}`, async () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const emulator = await emulatorWith({faults: {rate: 0.1, random}});
    const total = POLLS * 1000;
    const answers: ScriptedAnswer[] = Array.from({length: POLLS - 1}, (_, i) => Emulator.uploadAnswer({uploaded: (i + 1) * 1000, total}));
    emulator.script('uploadprogress', 'soak', [...answers, Emulator.uploadAnswer({uploaded: total, total, finished: true, files: [{fileid: 77}]})]);
    // a fixed young generation, so what RSS shows is live memory, not V8 growing its nursery lazily
    const run = startCli(['upload', 'soak', '--host', emulator.url, '--interval', '1ms', '--json'], {env: {NODE_OPTIONS: '--max-semi-space-size=1'}});
    const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${run.child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const polls = emulator.requests.length;
      if ((samples.length === 0 && polls >= POLLS * 0.2) || (samples.length === 1 && polls >= POLLS * 0.95)) samples.push(rss());
    }, 20);
    const result = await run.result;
    clearInterval(sampler);
    expect(result.code).toBe(0);
    // nothing on stderr: a listener left on the run's abort signal by any kind of fault would show
    // as Node's MaxListenersExceededWarning after 10 of them
    expect(result.stderr).toBe('');
    const lines = events(result.stdout);
    expect(lines.at(-1)).toMatchObject({event: 'done', bytes: total, totalBytes: total, percent: 100, raw: {files: [{fileid: 77}]}});
    expect(lines.filter((e) => e.event === 'progress')).toHaveLength(POLLS - 1);
    expect(emulator.requests.length).toBeGreaterThan(POLLS * 1.05); // the faults were there, and retried
    expect(emulator.connections).toBeLessThan(emulator.requests.length - POLLS); // new connections only after resets
    if (CHECK_MEMORY) {
      expect(samples).toHaveLength(2);
      expect((samples[1] as number) - (samples[0] as number)).toBeLessThan(8);
    }
    console.log(`soak: ${POLLS} polls, ${emulator.requests.length - POLLS} faults, ${emulator.connections} connections, RSS ${samples.map((m) => m.toFixed(1)).join(' -> ')} MiB`);
  }, 120_000);
});
