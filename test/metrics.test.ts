import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it, type TestContext} from 'vitest';
import {Emulator, FAULTS, type ScriptedAnswer} from '../src/emulator/index.js';
import {MetricsCollector, watchUpload} from '../src/index.js';
import {groupUrl, Pusher} from '../src/metrics/push.js';
import {AUTH, BIN, events, runCli, startCli, type CliResult, type CliRun} from './helpers/cli.js';
import {emulatorTest} from './helpers/emulator-test.js';
import {runMain} from './helpers/in-process.js';
import {hasTmux, Terminal} from './helpers/tmux.js';
import {makeTestCertificate, type TestCertificate} from './helpers/tls.js';
import {request as httpsRequest} from 'node:https';

// --metrics-file and --pushgateway against the real programs: the Prometheus Pushgateway (Debian's
// prometheus-pushgateway) on a loopback port, and promtool (Debian's prometheus) to check the text
// and the README's alert rules. The CLI is the built one, as a child process, watching the emulator.

const TOOLS = ['promtool', 'prometheus-pushgateway'];
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const inCI = (process.env.CI ?? '') !== '';
if (missing.length > 0 && !inCI) {
  console.warn(`test/metrics.test.ts: the Prometheus tests are skipped: ${missing.join(' and ')} not installed (Debian: apt-get install prometheus prometheus-pushgateway; .ci/run installs them)`);
}
/** Without the programs: skipped on a developer's machine, failed in CI (where .ci/run installs them). */
const withTools = missing.length === 0 || inCI ? describe : describe.skip;

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const INSTANCE = hostname();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The real Pushgateway on a free loopback port, in memory only (no persistence file). */
class Pushgateway {
  private constructor(
    readonly url: string,
    readonly child: ChildProcess,
    private readonly ca: string | undefined,
  ) {}

  /** `tls`: served over https with this certificate (the Pushgateway's web config file). */
  static async start(tls?: TestCertificate): Promise<Pushgateway> {
    const port = await freePort();
    // Debian's build persists to /var/lib/prometheus by default: an empty name keeps it in memory
    const args = [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'];
    if (tls) {
      const dir = tempDir();
      writeFileSync(join(dir, 'server.pem'), tls.tls.cert);
      writeFileSync(join(dir, 'server.key'), tls.tls.key);
      writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${join(dir, 'server.pem')}\n  key_file: ${join(dir, 'server.key')}\n`);
      args.push(`--web.config.file=${join(dir, 'web.yml')}`);
    }
    const child = spawn('prometheus-pushgateway', args, {stdio: 'ignore'});
    const gateway = new Pushgateway(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`, child, tls && readFileSync(tls.caFile, 'utf8'));
    for (const until = Date.now() + 15_000; ; ) {
      if (await gateway.get('/-/ready').then(() => true, () => false)) return gateway;
      if (Date.now() > until || child.exitCode !== null) throw new Error(`the Pushgateway did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A GET of its own, trusting its CA when it speaks https. */
  async get(path: string): Promise<string> {
    if (this.ca === undefined) {
      const res = await fetch(`${this.url}${path}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.text();
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${this.url}${path}`, {ca: this.ca}, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Its own /metrics: everything pushed to it, as Prometheus scrapes it. */
  text(): Promise<string> {
    return this.get('/metrics');
  }

  /** Our group's samples: job="pcloud-progress", instance=this machine. */
  async pushed(): Promise<Sample[]> {
    return samples(await this.text()).filter((s) => s.name.startsWith('pcloud_progress_') && s.labels.job === 'pcloud-progress' && s.labels.instance === INSTANCE);
  }

  /** How many PUTs it took (its own request counter). */
  async puts(): Promise<number> {
    const put = samples(await this.text()).find((s) => s.name === 'pushgateway_http_requests_total' && s.labels.handler === 'push' && s.labels.method === 'put' && s.labels.code === '200');
    return put?.value ?? 0;
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL'); // also ends a stopped (SIGSTOP) one
    return exited;
  }
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text (the Pushgateway's or ours), label values unescaped. */
function samples(text: string): Sample[] {
  const unescape = (value: string): string => value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] as string, unescape(m[2] as string)]));
      return {name: match[1] as string, labels, value: Number(match[3])};
    });
}

/** Samples as `name{labels} value` lines, labels sorted and without the Pushgateway's job and instance: comparable. */
function comparable(list: Sample[]): string[] {
  return list
    .map((s) => {
      const labels = Object.entries(s.labels)
        .filter(([name]) => name !== 'job' && name !== 'instance')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
      return `${s.name}{${labels.join(',')}} ${s.value}`;
    })
    .sort();
}

function valueOf(list: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return list.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}

/** `promtool check metrics` on the text: its exit code and what it said (it lints too). */
function promtoolCheck(text: string): {status: number | null; output: string} {
  const result = spawnSync('promtool', ['check', 'metrics'], {input: text, encoding: 'utf8'});
  return {status: result.status, output: `${result.stdout}${result.stderr}`};
}

/**
 * A test with an emulator of its own and, when it names one, a Pushgateway of its own: the tests
 * run side by side (most of their time is spent waiting on the CLI's clock), and a Pushgateway
 * shared by two would hold the other's group, or count its PUTs.
 */
const metricsTest = emulatorTest.extend<{gateway: Pushgateway}>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads the fixtures a fixture needs from this pattern: none
  gateway: async ({}, use) => {
    const gateway = await Pushgateway.start();
    try {
      await use(gateway);
    } finally {
      await gateway.stop();
    }
  },
});

/** A CLI run that does not outlive its test, passed or failed. */
function started(onTestFinished: TestContext['onTestFinished'], run: CliRun): CliRun {
  onTestFinished(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });
  return run;
}

const up = (uploaded: number, total = 1000): ScriptedAnswer => Emulator.uploadAnswer({uploaded, total, currentfile: 'a.bin', files: []});
const finished = (total = 1000): ScriptedAnswer => Emulator.uploadAnswer({uploaded: total, total, finished: true, files: [{name: 'a.bin', fileid: 42, size: total}]});
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pp-metrics-'));

describe.concurrent('bad metrics options: a usage error before any request', () => {
  const run = (emulator: Emulator, ...args: string[]) => runMain(['upload', 'h1', '--host', emulator.url, ...args], {vars: {PCLOUD_AUTH: AUTH}});

  metricsTest('refuses a --metrics-file whose folder is missing, or that is a folder', async ({emulator}) => {
    for (const [path, why] of [
      [join(tempDir(), 'no-such-folder', 'x.prom'), /the folder .*no-such-folder does not exist/],
      [tempDir(), /it is a folder/],
      ['', /it is empty/],
    ] as const) {
      const result = await run(emulator, '--metrics-file', path);
      expect(result.code, path).toBe(2);
      expect(result.stderr).toMatch(why);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(emulator.requests).toEqual([]);
  });

  metricsTest('refuses a --pushgateway that is no http(s) URL, has a query, or holds a password (never repeated)', async ({emulator}) => {
    for (const [url, why] of [
      ['pushgateway:9091', /expected an http:\/\/ or https:\/\/ URL/],
      ['not a url', /expected a URL/],
      ['http://gateway.example:9091/?token=x', /without a query or fragment/],
      ['http://fleet:s3cret-pass@gateway.example:9091', /credentials do not belong in a command line/],
      ['http://fleet@gateway.example:9091', /credentials do not belong/],
    ] as const) {
      const result = await run(emulator, '--pushgateway', url);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(why);
      expect(result.stderr).not.toContain('s3cret');
      expect(result.stderr).not.toContain('fleet@');
    }
    expect(emulator.requests).toEqual([]);
  });
});

/** Reads the file until `check` holds for its samples (it is replaced about once a second). */
async function fileShows(file: string, what: string, check: (list: Sample[]) => boolean): Promise<Sample[]> {
  for (const until = Date.now() + 15_000; ; await new Promise((resolve) => setTimeout(resolve, 25))) {
    let list: Sample[] = [];
    try {
      list = samples(readFileSync(file, 'utf8'));
    } catch {
      // not written yet
    }
    if (check(list)) return list;
    if (Date.now() > until) throw new Error(`the file never showed ${what}`);
  }
}

describe.concurrent('the state as the run goes', () => {
  metricsTest('retrying while requests fail, running again at the next answer even when its numbers did not change', async ({emulator, onTestFinished}) => {
    // 8 failures: retried with backoff from the 20 ms interval for 2.5 to 5 s, which the file (written
    // at most once a second, later on a loaded machine) cannot miss; 7 (1.3 to 2.5 s) once went unseen
    emulator.script('uploadprogress', 'r1', [up(0), up(300), ...Array<ScriptedAnswer>(8).fill(FAULTS.http502), up(300)]);
    const file = join(tempDir(), 'retry.prom');
    const run = started(onTestFinished, startCli(['upload', 'r1', '--host', emulator.url, '--timeout', '60s', '--interval', '20ms', '--json', '--metrics-file', file]));
    const state = (list: Sample[], name: string): number | undefined => valueOf(list, 'pcloud_progress_state', {hash: 'r1', state: name});
    const failing = await fileShows(file, 'the job retrying', (list) => state(list, 'retrying') === 1);
    expect(state(failing, 'running')).toBe(0);
    const stampWhileFailing = valueOf(failing, 'pcloud_progress_last_answer_timestamp_seconds', {hash: 'r1'}) ?? NaN;
    // the same 300 bytes again: an answer (and, since requests had failed, a progress event)
    const again = await fileShows(file, 'the job running again', (list) => state(list, 'running') === 1);
    expect(state(again, 'retrying')).toBe(0);
    expect(valueOf(again, 'pcloud_progress_last_answer_timestamp_seconds', {hash: 'r1'})).toBeGreaterThan(stampWhileFailing);
    emulator.script('uploadprogress', 'r1', [finished()]);
    const result = await run.result;
    expect(result.code).toBe(0);
    // the answer after the failures is said too (same numbers): the display stops saying "retrying"
    expect(events(result.stdout).filter((e) => e.event === 'progress').map((e) => e.bytes)).toEqual([0, 300, 300]);
  });

  metricsTest('SIGTERM: the file is written once more, with the job in error and exit code 143', async ({emulator, onTestFinished}) => {
    emulator.script('uploadprogress', 's1', [up(0), up(300)]);
    const file = join(tempDir(), 'stopped.prom');
    const run = started(onTestFinished, startCli(['upload', 's1', '--host', emulator.url, '--timeout', '60s', '--interval', '20ms', '--json', '--metrics-file', file]));
    await run.output(/"bytes":300/);
    await fileShows(file, 'the job running', (list) => valueOf(list, 'pcloud_progress_state', {hash: 's1', state: 'running'}) === 1);
    run.child.kill('SIGTERM');
    const result = await run.result;
    expect(result.code).toBe(143);
    const list = samples(readFileSync(file, 'utf8'));
    expect(valueOf(list, 'pcloud_progress_state', {hash: 's1', state: 'error'})).toBe(1);
    expect(valueOf(list, 'pcloud_progress_exit_code', {hash: 's1'})).toBe(143);
  });
});

describe.skipIf(!hasTmux).concurrent('metrics beside the terminal display', () => {
  metricsTest('writes the file, and says a refused Pushgateway once, below the summary, never inside the display', async ({emulator}) => {
    emulator.script('uploadprogress', 'tty1', [up(0), ...Array<ScriptedAnswer>(20).fill(up(300)), up(600), finished()]);
    const file = join(tempDir(), 'tty.prom');
    const gateway = `http://127.0.0.1:${await freePort()}`;
    const terminal = new Terminal([process.execPath, BIN, 'upload', 'tty1', '--host', emulator.url, '--interval', '50ms', '--metrics-file', file, '--pushgateway', gateway], {PCLOUD_AUTH: AUTH}, {columns: 160, rows: 24}); // wide: the message on one line
    try {
      const lines = (await terminal.waitFor(/EXIT=0/)).split('\n');
      const summary = lines.findIndex((line) => /^✔ upload tty1: done/.test(line));
      const said = lines.filter((line) => line.includes('cannot push metrics'));
      expect(summary).toBeGreaterThanOrEqual(0);
      expect(said).toEqual([`pcloud-progress: cannot push metrics to ${gateway}: connection refused (retried; the watch goes on)`]);
      expect(lines.indexOf(said[0] as string)).toBe(summary + 1);
      expect(valueOf(samples(readFileSync(file, 'utf8')), 'pcloud_progress_state', {hash: 'tty1', state: 'done'})).toBe(1);
    } finally {
      terminal.kill();
    }
  });
});

withTools.concurrent('metrics through the real Pushgateway and promtool', () => {
  beforeAll(() => {
    if (missing.length > 0) throw new Error(`${missing.join(' and ')} not installed: CI must have them (.ci/run installs the Debian packages prometheus and prometheus-pushgateway)`);
  });

  metricsTest('one job: the textfile passes promtool, the Pushgateway holds the same samples, neither holds the token', async ({emulator, gateway}) => {
    // a hash with what the text format must escape: quotes, a backslash, braces, a comma
    const hash = 'night"ly\\backup{1},x=y';
    emulator.script('uploadprogress', hash, [Emulator.error(1900), up(0), up(500), finished()]);
    const dir = tempDir();
    const file = join(dir, 'pcloud-progress.prom');
    const before = Date.now() / 1000;
    const result = await runCli(['upload', '--host', emulator.url, '--interval', '5ms', '--json', '--metrics-file', file, '--pushgateway', gateway.url, '--', hash]);
    const after = Date.now() / 1000;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(events(result.stdout).at(-1)).toMatchObject({event: 'done'});

    expect(readdirSync(dir)).toEqual(['pcloud-progress.prom']); // no temporary file left behind
    const text = readFileSync(file, 'utf8');
    expect(promtoolCheck(text)).toEqual({status: 0, output: ''});
    const written = samples(text);
    const job = {kind: 'upload', hash, host: new URL(emulator.url).host};
    expect(valueOf(written, 'pcloud_progress_bytes', job)).toBe(1000);
    expect(valueOf(written, 'pcloud_progress_total_bytes', job)).toBe(1000);
    expect(valueOf(written, 'pcloud_progress_files', job)).toBe(1);
    expect(valueOf(written, 'pcloud_progress_exit_code', job)).toBe(0);
    expect(valueOf(written, 'pcloud_progress_total_files', job)).toBeUndefined(); // null for an upload: absent
    expect(['waiting', 'running', 'retrying', 'done', 'error'].map((state) => valueOf(written, 'pcloud_progress_state', {...job, state}))).toEqual([0, 0, 0, 1, 0]);
    const lastAnswer = valueOf(written, 'pcloud_progress_last_answer_timestamp_seconds', job) ?? NaN;
    expect(lastAnswer).toBeGreaterThanOrEqual(before);
    expect(lastAnswer).toBeLessThanOrEqual(after);

    const pushed = await gateway.pushed();
    expect(comparable(pushed)).toEqual(comparable(written));
    expect(text).not.toContain(AUTH);
    expect(await gateway.text()).not.toContain(AUTH);
  });

  metricsTest('100 jobs: every one in both outputs, with its own state and exit code; the push replaced the earlier group', async ({emulator, gateway}) => {
    const hashes = Array.from({length: 100}, (_, i) => `u${i}`);
    for (const hash of hashes.slice(0, 98)) emulator.script('uploadprogress', hash, [up(0), up(500), finished()]);
    emulator.script('uploadprogress', 'u98', [Emulator.error(1900)]); // never appears: exit 4
    emulator.script('uploadprogress', 'u99', [Emulator.error(2003)]); // access denied: exit 3
    const dir = tempDir();
    const file = join(dir, 'jobs.prom');
    writeFileSync(join(dir, 'hashes'), `${hashes.join('\n')}\n`);
    // an earlier run's group, which this run's push must replace whole
    const earlier = new Pusher(groupUrl(gateway.url, INSTANCE));
    await earlier.push(`pcloud_progress_exit_code{kind="upload",hash="earlier-run",host="127.0.0.1"} 0\n`, AbortSignal.timeout(10_000));
    earlier.close();
    expect((await gateway.pushed()).map((s) => s.labels.hash)).toEqual(['earlier-run']);
    const result = await runCli(['upload', '--hash-file', join(dir, 'hashes'), '--host', emulator.url, '--interval', '5ms', '--wait', '100ms', '--quiet', '--metrics-file', file, '--pushgateway', gateway.url]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe('');

    const text = readFileSync(file, 'utf8');
    expect(promtoolCheck(text)).toEqual({status: 0, output: ''});
    const written = samples(text);
    const states = written.filter((s) => s.name === 'pcloud_progress_state');
    expect(states).toHaveLength(500); // five a job
    expect(states.filter((s) => s.value === 1 && s.labels.state === 'done').map((s) => s.labels.hash)).toEqual(hashes.slice(0, 98));
    expect(states.filter((s) => s.value === 1 && s.labels.state === 'error').map((s) => s.labels.hash)).toEqual(['u98', 'u99']);
    expect(valueOf(written, 'pcloud_progress_exit_code', {hash: 'u98'})).toBe(4);
    expect(valueOf(written, 'pcloud_progress_exit_code', {hash: 'u99'})).toBe(3);
    expect(valueOf(written, 'pcloud_progress_last_answer_timestamp_seconds', {hash: 'u98'})).toBeGreaterThan(0); // a not-found is an answer
    expect(valueOf(written, 'pcloud_progress_last_answer_timestamp_seconds', {hash: 'u99'})).toBeUndefined(); // an error is not a good one

    const pushed = await gateway.pushed();
    expect(comparable(pushed)).toEqual(comparable(written));
    expect(pushed.some((s) => s.labels.hash === 'earlier-run')).toBe(false); // PUT: the group holds this run's jobs only
    expect(text).not.toContain(AUTH);
  });

  metricsTest("a machine name a URL path cannot hold goes in the Pushgateway's base64 form, and reads back as it was", async ({gateway}) => {
    expect(groupUrl('http://gw.example:9091/prefix', 'backup-3')).toBe('http://gw.example:9091/prefix/metrics/job/pcloud-progress/instance/backup-3');
    for (const name of ['rack/7', '', 'ünïcode name']) {
      const pusher = new Pusher(groupUrl(gateway.url, name));
      await pusher.push(`pcloud_progress_test_instance_name{hash="b64"} 1\n`, AbortSignal.timeout(10_000));
      pusher.close();
      const back = samples(await gateway.text()).filter((s) => s.name === 'pcloud_progress_test_instance_name' && s.labels.job === 'pcloud-progress');
      expect(back.map((s) => s.labels.instance ?? '')).toContain(name);
    }
  });

  metricsTest('pushes to an https:// Pushgateway too (its CA through NODE_EXTRA_CA_CERTS)', async ({emulator}) => {
    const certificate = makeTestCertificate();
    const secure = await Pushgateway.start(certificate);
    try {
      expect(secure.url).toMatch(/^https:/);
      emulator.script('uploadprogress', 'tls1', [up(0), finished()]);
      const result = await runCli(['upload', 'tls1', '--host', emulator.url, '--interval', '5ms', '--json', '--pushgateway', secure.url], {env: {NODE_EXTRA_CA_CERTS: certificate.caFile}});
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(valueOf(await secure.pushed(), 'pcloud_progress_state', {hash: 'tls1', state: 'done'})).toBe(1);
    } finally {
      await secure.stop();
    }
  });

  metricsTest('a terminal-less plain run pushes at a calm pace: about one PUT every 5 s, and one at the end', async ({emulator, gateway}) => {
    // numbers that change at every poll (10 ms) for about 2 s: 200 changes, and a PUT at the first and at the end
    emulator.script('uploadprogress', 'calm', [...Array.from({length: 200}, (_, i) => up(i, 1000)), finished()]);
    const puts = await gateway.puts();
    const started = Date.now();
    const result = await runCli(['upload', 'calm', '--host', emulator.url, '--interval', '10ms', '--pushgateway', gateway.url]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/upload calm: done/);
    const made = (await gateway.puts()) - puts;
    expect(made).toBeGreaterThanOrEqual(2); // the first one at once, the last at the end
    expect(made).toBeLessThanOrEqual(Math.ceil(seconds / 5) + 1);
  });

  metricsTest('a Pushgateway killed during the watch: said once, the watch goes on to its own end and exit code', async ({emulator, onTestFinished}) => {
    const doomed = await Pushgateway.start();
    try {
      // replaced once the first push has landed, which on a loaded machine may come before up(100) was asked for
      emulator.script('uploadprogress', 'k1', [up(0), up(100)], {allowUnused: true});
      const run = started(onTestFinished, startCli(['upload', 'k1', '--host', emulator.url, '--timeout', '60s', '--interval', '20ms', '--json', '--pushgateway', doomed.url]));
      // the first push landed: then the Pushgateway dies
      for (const until = Date.now() + 15_000; !(await doomed.pushed().catch(() => [])).some((s) => s.labels.hash === 'k1'); ) {
        if (Date.now() > until) throw new Error('no push reached the Pushgateway');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await doomed.stop();
      emulator.script('uploadprogress', 'k1', [up(600), finished()]);
      const result = await run.result;
      expect(result.code).toBe(0);
      expect(events(result.stdout).at(-1)).toMatchObject({event: 'done', hash: 'k1'});
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^pcloud-progress: cannot push metrics to ${doomed.url}: (connection refused|connection reset)`));
    } finally {
      await doomed.stop();
    }
  });

  metricsTest('a Pushgateway that is not there, or never answers, changes neither the exit code nor the timing of the watch', async ({emulator}) => {
    // a job that never ends: the run ends at --timeout (exit 7), with or without a Pushgateway
    // the three runs side by side, each on a job of its own: each waits 2 s on the clock
    const timed = async (hash: string, ...extra: string[]): Promise<{result: CliResult; ms: number}> => {
      emulator.script('uploadprogress', hash, [up(0), up(500)]);
      const started = Date.now();
      const result = await runCli(['upload', hash, '--host', emulator.url, '--interval', '20ms', '--timeout', '2s', '--json', ...extra]);
      return {result, ms: Date.now() - started};
    };
    const stopped = await Pushgateway.start();
    stopped.child.kill('SIGSTOP'); // it takes connections (the kernel does) and never answers
    try {
      const [without, refused, silent] = await Promise.all([timed('t1'), timed('t2', '--pushgateway', `http://127.0.0.1:${await freePort()}`), timed('t3', '--pushgateway', stopped.url)]);
      for (const [run, said] of [
        [refused, /cannot push metrics to http:\/\/127\.0\.0\.1:\d+: connection refused/],
        [silent, /cannot push metrics to http:\/\/127\.0\.0\.1:\d+: no answer/],
      ] as const) {
        expect(run.result.code).toBe(without.result.code);
        expect(run.result.code).toBe(7);
        expect(events(run.result.stdout).map((e) => e.event)).toEqual(events(without.result.stdout).map((e) => e.event));
        expect(events(run.result.stdout).at(-1)?.elapsed).toBeLessThan(3); // the watch's own clock: --timeout 2s
        expect(run.result.stderr.split('\n').filter((line) => line.includes('cannot push'))).toHaveLength(1);
        expect(run.result.stderr).toMatch(said);
        // structural, not a tight bound: a push timeout is 5 s, the run waits at most 2 s for the last one
        expect(run.ms).toBeLessThan(without.ms + 3000);
      }
      // --quiet prints nothing, a failing Pushgateway included
      // one answer, repeated: a cold CI machine once took all of a 300 ms --timeout before the second poll
      emulator.script('uploadprogress', 't4', [up(500)]);
      const quiet = await runCli(['upload', 't4', '--host', emulator.url, '--interval', '20ms', '--timeout', '1s', '--quiet', '--pushgateway', `http://127.0.0.1:${await freePort()}`]);
      expect(quiet).toMatchObject({code: 7, stdout: '', stderr: ''});
    } finally {
      await stopped.stop();
    }
  });

  metricsTest('the library: MetricsCollector turns watchUpload events into text that promtool accepts', async ({emulator}) => {
    emulator.script('uploadprogress', 'lib1', [up(0), up(250), finished()]);
    emulator.script('uploadprogress', 'lib2', [Emulator.error(1900)]);
    const collector = new MetricsCollector({now: () => 1_800_000_000_000});
    const watches = [watchUpload('lib1', {host: emulator.url, auth: AUTH, interval: '5ms'}), watchUpload('lib2', {host: emulator.url, auth: AUTH, interval: '5ms', wait: '20ms'})];
    await Promise.all(
      watches.map(async (watch) => {
        for await (const event of watch) collector.update(event);
      }),
    );
    const text = await collector.text();
    expect(promtoolCheck(text)).toEqual({status: 0, output: ''});
    const list = samples(text);
    expect(valueOf(list, 'pcloud_progress_state', {hash: 'lib1', state: 'done'})).toBe(1);
    expect(valueOf(list, 'pcloud_progress_state', {hash: 'lib2', state: 'error'})).toBe(1);
    expect(valueOf(list, 'pcloud_progress_exit_code', {hash: 'lib2'})).toBe(4);
    expect(valueOf(list, 'pcloud_progress_last_answer_timestamp_seconds', {hash: 'lib1'})).toBe(1_800_000_000);
    expect(text).not.toContain(AUTH);
    expect(MetricsCollector.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  describe("the README's alert rules", () => {
    const rules = /<!-- prometheus-rules -->\n```yaml\n([\s\S]*?)```/.exec(README)?.[1];
    const dir = tempDir();
    const rulesFile = join(dir, 'rules.yml');

    it('pass promtool check rules', () => {
      expect(rules).toBeDefined();
      writeFileSync(rulesFile, rules ?? '');
      const result = spawnSync('promtool', ['check', 'rules', rulesFile], {encoding: 'utf8'});
      expect(result.stdout + result.stderr).toMatch(/SUCCESS: 2 rules found/);
      expect(result.status).toBe(0);
    });

    it('fire for a job in error and a job silent for 10 minutes, and not for one that ended or still answers (promtool test rules)', () => {
      writeFileSync(rulesFile, rules ?? '');
      const labels = (hash: string, extra = ''): string => `kind="upload",hash="${hash}",host="api7.pcloud.com",instance="backup-3",job="pcloud-progress"${extra}`;
      const state = (hash: string, name: string): string => `pcloud_progress_state{${labels(hash, `,state="${name}"`)}}`;
      // time() runs from 0 in a rules test: a last answer at 0 is 15 minutes old at 15m
      const test = `rule_files: [${JSON.stringify(rulesFile)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: '${state('failed', 'error')}'
        values: '1x20'
      - series: 'pcloud_progress_exit_code{${labels('failed')}}'
        values: '6x20'
      - series: '${state('silent', 'running')}'
        values: '1x20'
      - series: 'pcloud_progress_last_answer_timestamp_seconds{${labels('silent')}}'
        values: '0x20'
      - series: '${state('finished', 'done')}'
        values: '1x20'
      - series: 'pcloud_progress_last_answer_timestamp_seconds{${labels('finished')}}'
        values: '0x20'
      - series: '${state('answering', 'running')}'
        values: '1x20'
      - series: 'pcloud_progress_last_answer_timestamp_seconds{${labels('answering')}}'
        values: '0+60x20'
    alert_rule_test:
      - eval_time: 2m
        alertname: PcloudJobFailed
        exp_alerts:
          - exp_labels: {severity: warning, ${labels('failed').replace(/="/g, ': "')}}
            exp_annotations:
              summary: 'pCloud upload failed on backup-3 failed with exit code 6'
      - eval_time: 5m
        alertname: PcloudJobSilent
        exp_alerts: []
      - eval_time: 15m
        alertname: PcloudJobSilent
        exp_alerts:
          - exp_labels: {severity: warning, ${labels('silent').replace(/="/g, ': "')}}
            exp_annotations:
              summary: 'pCloud upload silent on backup-3: no answer from api7.pcloud.com for 15m 0s'
`;
      const testFile = join(dir, 'rules.test.yml');
      writeFileSync(testFile, test);
      const result = spawnSync('promtool', ['test', 'rules', testFile], {encoding: 'utf8'});
      expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
      expect(result.status).toBe(0);
    });
  });
});
