#!/usr/bin/env node
// npm run bench: measures pcloud-progress side by side with what a user would run instead, on this
// machine, in one run, and prints a table (figure, ours, baseline, ratio, target).
// Not a test: nothing here fails a build. `node bench/run.js --tiny` runs every figure at a tiny size;
// `--only start,cpu` runs only those; `--node <path>` (or $BENCH_NODE) runs every measured program
// (ours, `node -e 0`, the bare client) under that Node binary: the bench itself may run on another.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {cpus, tmpdir, totalmem} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const BIN = fileURLToPath(new URL('../bin/pcloud-progress.cjs', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-client.cjs', import.meta.url));
const tiny = process.argv.includes('--tiny');
/** The value after a flag (`--only cpu`), or undefined. */
const flagValue = (name) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
// `--only cpu,memory`: just those figures (version, usage, start, cpu, memory, exit, tty, display), to compare a change quickly
const onlyValue = flagValue('--only');
const only = onlyValue === undefined ? null : new Set(onlyValue.split(','));
const NODE = flagValue('--node') ?? (process.env.BENCH_NODE || process.execPath);
const NODE_VERSION = spawnSync(NODE, ['--version'], {encoding: 'utf8'}).stdout?.trim();
if (!NODE_VERSION) throw new Error(`${NODE} --version printed nothing: is it a Node binary?`);
// The measured programs run without NODE_EXTRA_CA_CERTS, as most users do: where it is set, Node 20
// reads and parses that CA file at every start (~70 ms here, in `node -e 0` too), Node 22+ only
// when TLS is first used. Nothing here speaks TLS.
const CHILD_ENV = {...process.env};
const extraCaCerts = CHILD_ENV.NODE_EXTRA_CA_CERTS !== undefined;
delete CHILD_ENV.NODE_EXTRA_CA_CERTS;
const runs = (figure) => only === null || only.has(figure);
const SIZE = tiny
  ? {runs: 1, cpuRuns: 1, polls: 10, soak: 100, soakFirst: 10, ttySeconds: 1, displayJobs: [1, 20], displayRuns: 1, displayWarmSeconds: 0.5, displaySeconds: 0.5}
  : {runs: 15, cpuRuns: 7, polls: 1000, soak: 10_000, soakFirst: 1000, ttySeconds: 60, displayJobs: [1, 1000], displayRuns: 3, displayWarmSeconds: 4, displaySeconds: 20};
const TOKEN = 'bench-token';

/** A loopback uploadprogress server: answers `polls` progress answers, then finished. Counts connections. */
function startServer() {
  const state = {requests: 0, connections: 0, finishAfter: Infinity, firstRequestAt: 0, doneSentAt: 0, onRequest: null};
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests += 1;
      if (state.requests === 1) state.firstRequestAt = performance.now();
      state.onRequest?.(state.requests);
      const finished = state.requests >= state.finishAfter;
      const uploaded = finished ? 1e9 : Math.min(1e9 - 1, state.requests * 1000);
      const body = finished
        ? {result: 0, total: 1e9, uploaded, files: [{name: 'a.bin', fileid: 1, size: 1e9 - 200}], finished: true}
        : {result: 0, total: 1e9, uploaded, currentfile: 'a.bin', currentfileuploaded: uploaded - 200, filenumber: 1, files: [], finished: false};
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
      if (finished) state.doneSentAt = performance.now();
    });
  });
  server.on('connection', () => (state.connections += 1));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({server, state, url: `http://127.0.0.1:${server.address().port}`})));
}

function reset(state, finishAfter) {
  Object.assign(state, {requests: 0, connections: 0, finishAfter, firstRequestAt: 0, doneSentAt: 0, onRequest: null});
}

/** Runs a command and resolves with its stdout (async: the server in this process must keep answering). */
function output(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: {...CHILD_ENV, ...env}, stdio: ['ignore', 'pipe', 'inherit']});
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (text += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
}

/** Runs a shell command and returns the CPU (user+sys, ms) of everything it started, via bash's `times`. */
async function shellCpuMs(command, env = {}) {
  const out = {stdout: await output('bash', ['--norc', '--noprofile', '-c', `${command} >/dev/null 2>&1; times`], env)};
  const lines = out.stdout.trim().split('\n');
  const children = lines.at(-1).match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
  if (!children) throw new Error(`could not read times: ${out.stdout} ${out.stderr}`);
  return (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function wallMs(command, args, env = {}, expectedStatus = 0) {
  const started = performance.now();
  const result = spawnSync(command, args, {env: {...CHILD_ENV, ...env}, stdio: 'ignore'});
  if (result.status !== expectedStatus) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

function childRun(args, env = {}) {
  const child = spawn(NODE, [BIN, ...args], {env: {...CHILD_ENV, PCLOUD_AUTH: TOKEN, ...env}, stdio: ['ignore', 'ignore', 'ignore']});
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve({code, at: performance.now()})));
  return {child, exited};
}

function procStatus(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function procCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
  return (ticks * 1000) / 100;
}

/**
 * Runs the CLI with `args` in an 80x24 pseudo-terminal (script(1)) against the server, which
 * answers every poll a little further; returns its CPU in % of a core over SIZE.displaySeconds
 * after SIZE.displayWarmSeconds, then ends it.
 */
async function ptyCpuPercent(args, dir) {
  reset(state, Infinity);
  const pidFile = join(dir, 'pid');
  rmSync(pidFile, {force: true});
  const command = `stty cols 80 rows 24; echo $$ > '${pidFile}'; exec ${[NODE, BIN, ...args].map((arg) => `'${arg}'`).join(' ')}`;
  const pty = spawn('script', ['-qfec', command, '/dev/null'], {env: {...CHILD_ENV, PCLOUD_AUTH: TOKEN, TERM: 'xterm-256color', LANG: 'C.UTF-8'}, stdio: ['pipe', 'ignore', 'ignore']});
  const closed = new Promise((resolve) => pty.on('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, SIZE.displayWarmSeconds * 1000));
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const cpuStart = procCpuMs(pid);
  const wallStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SIZE.displaySeconds * 1000));
  const percent = ((procCpuMs(pid) - cpuStart) / (performance.now() - wallStart)) * 100;
  process.kill(pid, 'SIGTERM');
  await closed;
  return percent;
}

const rows = [];
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const row = (figure, ours, baseline, ratio, target, unit = '') => rows.push({figure, ours: fmt(ours, unit), baseline: fmt(baseline, unit), ratio, target});
const fmt = (value, unit) => (value === null || value === undefined ? '' : typeof value === 'number' ? `${value.toFixed(value < 10 ? 2 : 1)}${unit}` : value);
const ratioOf = (a, b) => `${(a / b).toFixed(2)}x`;

const {server, state, url} = await startServer();
try {
  if (runs('version')) {
    log('--version');
    // 1. --version against node -e 0, interleaved so noise hits both alike
    const version = [];
    const bare = [];
    for (let i = 0; i < SIZE.runs; i++) {
      bare.push(wallMs(NODE, ['-e', '0']));
      version.push(wallMs(NODE, [BIN, '--version']));
    }
    const nodeWall = median(bare);
    row('`--version` wall time (median)', median(version), nodeWall, ratioOf(median(version), nodeWall), '<= 1.3x', ' ms');
  }
  if (runs('usage')) {
    log('usage error');
    // 2. a usage error (no credentials) against `--help`: both run commander and nothing else, so
    // neither may load the HTTP client (test/loading.test.ts checks which modules load)
    const usage = [];
    const help = [];
    for (let i = 0; i < SIZE.runs; i++) {
      help.push(wallMs(NODE, [BIN, '--help']));
      usage.push(wallMs(NODE, [BIN, 'upload', 'h'], {PCLOUD_AUTH: '', PCLOUD_ACCESS_TOKEN: ''}, 2));
    }
    row('usage error (no credentials) vs `--help` wall time (medians)', median(usage), median(help), ratioOf(median(usage), median(help)), '~1x: no HTTP client', ' ms');
  }
  if (runs('start')) {
    log('first request');
    // 3. process start -> first request at the server (--json), against `node -e 0`'s whole run and
    // against a bare client's first request, which loads node:http and node:https as any pCloud
    // client must (that is Node's cost, not ours); all started the same way and interleaved so
    // noise hits them alike
    const firsts = [];
    const bareFirsts = [];
    const nodeRuns = [];
    for (let i = 0; i < SIZE.runs; i++) {
      const nodeStart = performance.now();
      await new Promise((resolve) => spawn(NODE, ['-e', '0'], {env: CHILD_ENV, stdio: 'ignore'}).on('exit', resolve));
      nodeRuns.push(performance.now() - nodeStart);
      reset(state, 1);
      const bareStart = performance.now();
      await new Promise((resolve) => spawn(NODE, [BARE, `${url}/uploadprogress`, '1', '--tls'], {env: CHILD_ENV, stdio: 'ignore'}).on('exit', resolve));
      bareFirsts.push(state.firstRequestAt - bareStart);
      reset(state, 1);
      const started = performance.now();
      const {exited} = childRun(['upload', 'h', '--host', url, '--json']);
      await exited;
      firsts.push(state.firstRequestAt - started);
    }
    const ours = median(firsts);
    row('start -> first request (--json, median) vs `node -e 0`', ours, median(nodeRuns), ratioOf(ours, median(nodeRuns)), '', ' ms');
    row('start -> first request vs a bare node:http+https client (medians)', ours, median(bareFirsts), ratioOf(ours, median(bareFirsts)), '<= 1.25x', ' ms');
  }
  if (runs('cpu')) {
    log('polls');
    // 4. CPU to watch `polls` polls, against a curl|jq loop (once: it takes half a minute) and a
    // bare node:http client (interleaved with ours, median of cpuRuns: one run varies by 20% here)
    const ours = [];
    const bares = [];
    let connections = 0;
    let oursPolls = 0;
    for (let i = 0; i < SIZE.cpuRuns; i++) {
      reset(state, SIZE.polls);
      ours.push(await shellCpuMs(`"${NODE}" "${BIN}" upload h --host ${url} --interval 1ms --quiet`, {PCLOUD_AUTH: TOKEN}));
      connections = Math.max(connections, state.connections);
      oursPolls = state.requests;
      reset(state, SIZE.polls);
      bares.push(await shellCpuMs(`"${NODE}" "${BARE}" ${url}/uploadprogress ${SIZE.polls}`));
    }
    const oursCpu = median(ours);
    const bareCpu = median(bares);
    reset(state, SIZE.polls);
    const loop = `for i in $(seq ${SIZE.polls}); do curl -s --data-urlencode progresshash=h --data-urlencode auth=${TOKEN} ${url}/uploadprogress | jq -e .finished | grep -q true && break; done`;
    const curlCpu = await shellCpuMs(loop);
    row(`CPU for ${oursPolls} polls (ours: median of ${SIZE.cpuRuns}) vs a curl|jq loop`, oursCpu, curlCpu, ratioOf(oursCpu, curlCpu), '<= 0.05x (1/20)', ' ms');
    row(`CPU for ${oursPolls} polls vs bare node:http (medians of ${SIZE.cpuRuns})`, oursCpu, bareCpu, ratioOf(oursCpu, bareCpu), '<= 2.0x', ' ms');
    row('TCP connections for that watch', connections, null, '', '1');
  }
  if (runs('memory')) {
    log('memory');
    // 5. memory over a long watch
    reset(state, SIZE.soak);
    const {child, exited} = childRun(['upload', 'h', '--host', url, '--interval', '1ms', '--quiet']);
    let rssAtFirst = NaN;
    let rssAtEnd = NaN;
    let peak = NaN;
    state.onRequest = (n) => {
      if (n === SIZE.soakFirst) rssAtFirst = procStatus(child.pid, 'VmRSS');
      if (n === SIZE.soak) {
        rssAtEnd = procStatus(child.pid, 'VmRSS');
        peak = procStatus(child.pid, 'VmHWM');
      }
    };
    await exited;
    row(`peak RSS over ${SIZE.soak} polls`, peak, null, '', '<= 90 MiB', ' MiB');
    row(`RSS growth, poll ${SIZE.soakFirst} -> ${SIZE.soak}`, rssAtEnd - rssAtFirst, null, '', '<= 5 MiB', ' MiB');
  }
  if (runs('exit')) {
    log('exit');
    // 6. done answer -> process exit
    const exits = [];
    for (let i = 0; i < SIZE.runs; i++) {
      reset(state, 3);
      const run = childRun(['upload', 'h', '--host', url, '--interval', '1ms', '--json']);
      const {at} = await run.exited;
      exits.push(at - state.doneSentAt);
    }
    row('`done` answer -> process exit (median)', median(exits), null, '', '<= 50 ms', ' ms');
  }
  if (runs('tty')) {
    log('tty');
    // 7. a TTY watch at the default interval, in a real pseudo-terminal (script(1)), sized: script
    // leaves it at 0x0 without a terminal of its own, and a 0-column terminal gets plain lines
    reset(state, Infinity);
    const tty = spawn('script', ['-qfec', `stty cols 80 rows 24; exec "${NODE}" "${BIN}" upload h --host ${url}`, '/dev/null'], {env: {...CHILD_ENV, PCLOUD_AUTH: TOKEN, TERM: 'xterm-256color', COLUMNS: '80', LINES: '24'}, stdio: ['pipe', 'ignore', 'ignore']});
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pid = Number((await output('pgrep', ['-f', '-n', `${BIN} upload h --host ${url}`])).trim());
    const cpuStart = procCpuMs(pid);
    const wallStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SIZE.ttySeconds * 1000));
    const ttyCpu = procCpuMs(pid) - cpuStart;
    const ttyWall = performance.now() - wallStart;
    tty.kill('SIGTERM');
    process.kill(pid, 'SIGTERM');
    row(`CPU of a ${SIZE.ttySeconds} s TTY watch at 1 s interval`, (ttyCpu / ttyWall) * 100, null, '', '< 1% of a core', '%');
  }
  if (runs('display')) {
    // 8. the terminal display alone: the same watch of `jobs` hashes that all move (every answer a
    // little further), at a 1 s interval in an 80x24 pseudo-terminal, drawn and with --quiet,
    // interleaved; the CPU of the CLI over a window after a warm-up, in % of a core
    const dir = mkdtempSync(join(tmpdir(), 'pp-bench-display-'));
    try {
      for (const jobs of SIZE.displayJobs) {
        log(`display, ${jobs} jobs`);
        const hashFile = join(dir, `hashes-${jobs}.txt`);
        writeFileSync(hashFile, Array.from({length: jobs}, (_, i) => `d${i}`).join('\n') + '\n');
        const drawn = [];
        const quiet = [];
        for (let i = 0; i < SIZE.displayRuns; i++) {
          drawn.push(await ptyCpuPercent(['upload', '--hash-file', hashFile, '--host', url, '--interval', '1s'], dir));
          quiet.push(await ptyCpuPercent(['upload', '--hash-file', hashFile, '--host', url, '--interval', '1s', '--quiet'], dir));
        }
        const [ours, baseline] = [median(drawn), median(quiet)];
        row(
          `CPU of the display, ${jobs} job${jobs === 1 ? '' : 's'} moving at 1 s, 80x24 pty (median of ${SIZE.displayRuns}) vs --quiet`,
          ours,
          baseline,
          `${ours - baseline >= 0 ? '+' : ''}${(ours - baseline).toFixed(2)}% of a core`,
          jobs >= 1000 ? '<= +5% of a core' : jobs === 1 ? '<= +0.5% of a core' : '',
          '%',
        );
      }
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  }
} finally {
  server.closeAllConnections();
  server.close();
}

const header = ['figure', 'ours', 'baseline', 'ratio', 'target'];
console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${NODE_VERSION}${tiny ? ' (tiny run)' : ''}${extraCaCerts ? ', NODE_EXTRA_CA_CERTS unset for the measured programs' : ''}\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${header.map((h) => r[h]).join(' | ')} |`);

// 9. many jobs at once (bench/scale.js): 1, 100, 1000 and 10 000 jobs against a loopback server
// that counts connections; its own table. Not with --tiny (the test runs scale.js --tiny itself).
if (runs('scale') && !tiny) {
  log('scale (bench/scale.js, a few minutes)');
  const scale = spawnSync(process.execPath, [fileURLToPath(new URL('./scale.js', import.meta.url)), '--node', NODE], {stdio: 'inherit'});
  if (scale.status !== 0) process.exitCode = scale.status ?? 1;
}
