#!/usr/bin/env node
// How the built CLI scales with the number of jobs it watches at once: connections, CPU per poll,
// memory, and how far each job's polls drift from its interval. Prints a markdown table.
// Not a test: nothing here fails a build (it exits non-zero only when a row could not be measured).
//   node bench/scale.js                    1, 100, 1000 and 10000 jobs (a couple of minutes)
//   node bench/scale.js --only 1,1000      just those rows
//   node bench/scale.js --tiny             two tiny rows, a few seconds (for the test)
//   node bench/scale.js --node <path>      the CLI under another Node binary
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {cpus, tmpdir, totalmem} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const BIN = fileURLToPath(new URL('../bin/pcloud-progress.cjs', import.meta.url));
const TOKEN = 'bench-token';
const SAMPLE_EVERY_MS = 250;
// past its --timeout the CLI still has to end every job and exit: this long more, then it is killed
const EXIT_GRACE_MS = 30_000;
// what the bench keeps of the CLI's stderr, the end of it (the EMFILE check sees all of it): a row
// that could not be measured shows it, and 10000 jobs timing out say so in 10000 lines
const MAX_STDERR_CHARS = 4 * 1024;
const TOTAL_BYTES = 1_000_000_000;
const BYTES_PER_POLL = 1000;

const FULL_ROWS = [
  {jobs: 1, intervalMs: 1000, timeoutMs: 15_000},
  {jobs: 100, intervalMs: 5000, timeoutMs: 20_000},
  {jobs: 1000, intervalMs: 5000, timeoutMs: 20_000},
  {jobs: 10_000, intervalMs: 10_000, timeoutMs: 40_000},
];
const TINY_ROWS = [
  {jobs: 1, intervalMs: 200, timeoutMs: 2000},
  {jobs: 50, intervalMs: 500, timeoutMs: 3000},
];

const log = (text) => process.stderr.write(`scale: ${text}\n`);

function parseArgs(argv) {
  const valueOf = (flag) => {
    const at = argv.indexOf(flag);
    if (at === -1) return undefined;
    const value = argv[at + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    return value;
  };
  const tiny = argv.includes('--tiny');
  const only = valueOf('--only');
  const all = tiny ? TINY_ROWS : FULL_ROWS;
  let rows = all;
  if (only !== undefined) {
    const wanted = new Set(only.split(',').map(Number));
    rows = all.filter((row) => wanted.has(row.jobs));
    if (rows.length === 0) throw new Error(`--only ${only}: no such row (rows: ${all.map((row) => row.jobs).join(',')})`);
  }
  return {tiny, rows, node: valueOf('--node') ?? process.execPath};
}

/**
 * The stand-in for pCloud: every poll of a hash answers a few more bytes, so every answer is a
 * change and the CLI emits a progress event for each. Records when each hash was polled.
 */
function startServer() {
  const state = {connections: 0, polls: 0, pollTimes: new Map(), allPolledAt: undefined, jobs: 0};
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const at = performance.now();
      const hash = new URLSearchParams(body).get('progresshash');
      if (req.method !== 'POST' || req.url !== '/uploadprogress' || hash === null) {
        res.statusCode = 404;
        res.end();
        return;
      }
      state.polls += 1;
      let times = state.pollTimes.get(hash);
      if (times === undefined) {
        times = [];
        state.pollTimes.set(hash, times);
        if (state.pollTimes.size === state.jobs) state.allPolledAt = at;
      }
      times.push(at);
      const uploaded = Math.min(TOTAL_BYTES - 1, times.length * BYTES_PER_POLL);
      const answer = {result: 0, total: TOTAL_BYTES, uploaded, files: [], finished: false, currentfile: 'a.bin', currentfileuploaded: uploaded, filenumber: 1};
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  // Node's server drops a keep-alive connection idle for 5 s, which would open new ones at a 5 s
  // interval: the count must tell what the CLI's pool does, not what this server's timer does.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.on('connection', () => (state.connections += 1));
  const reset = (jobs) => Object.assign(state, {connections: 0, polls: 0, pollTimes: new Map(), allPolledAt: undefined, jobs});
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({server, state, reset, url: `http://127.0.0.1:${server.address().port}`}));
  });
}

function clockTicksPerSecond() {
  const result = spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'});
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/** utime + stime of every thread of the process, in clock ticks; NaN once it is gone. */
function cpuTicks(pid) {
  try {
    // the command name, in parentheses, may hold spaces: the fields that count come after it
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** VmHWM and VmRSS, in KiB; NaN once the process is gone. */
function memoryKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
    return {hwm: field('VmHWM'), rss: field('VmRSS')};
  } catch {
    return {hwm: NaN, rss: NaN};
  }
}

/** What the CLI needs and nothing of this shell's own: no pCloud settings, no proxy for loopback. */
function childEnv() {
  return {PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', PCLOUD_AUTH: TOKEN};
}

/** Runs one row: the CLI watching `jobs` hashes until its --timeout, sampled every 250 ms. */
async function runRow(row, {server, node, workDir, ticksPerSecond, children}) {
  const {state, reset, url} = server;
  const hashFile = join(workDir, `hashes-${row.jobs}.txt`);
  writeFileSync(hashFile, Array.from({length: row.jobs}, (_, i) => `scale-${i}`).join('\n') + '\n');
  reset(row.jobs);
  const args = [BIN, 'upload', '--hash-file', hashFile, '--host', url, '--interval', `${row.intervalMs}ms`, '--timeout', `${row.timeoutMs}ms`, '--json'];
  const spawnedAt = performance.now();
  const child = spawn(node, args, {env: childEnv(), stdio: ['ignore', 'pipe', 'pipe']});
  children.add(child);
  let stdoutLines = 0;
  child.stdout.on('data', (chunk) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) stdoutLines += 1;
  });
  let stderr = '';
  let emfile = false;
  let stderrTail = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    // the tail catches an EMFILE split across two chunks
    emfile ||= (stderrTail + chunk).includes('EMFILE');
    stderrTail = chunk.slice(-8);
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });

  const samples = [];
  const sample = () => {
    const ticks = cpuTicks(child.pid);
    const {hwm, rss} = memoryKiB(child.pid);
    if (!Number.isNaN(ticks)) samples.push({at: performance.now(), ticks, hwm, rss, polls: state.polls});
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  let killedByUs = false;
  const watchdog = setTimeout(() => {
    killedByUs = true;
    log(`${row.jobs} jobs: still running ${EXIT_GRACE_MS / 1000} s past --timeout, killed`);
    child.kill('SIGKILL');
  }, row.timeoutMs + EXIT_GRACE_MS);
  const exit = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({code, signal}));
  }).finally(() => {
    clearInterval(sampler);
    clearTimeout(watchdog);
    children.delete(child);
  });
  // the CLI's deadline counts from its own start, a little after the spawn: a sample taken before
  // spawn + timeout is still in the steady state, not in the teardown of every job at once
  const deadlineAt = spawnedAt + row.timeoutMs;
  return {row, samples, exit, killedByUs, stdoutLines, stderr, emfile, connections: state.connections, polls: state.polls, pollTimes: state.pollTimes, allPolledAt: state.allPolledAt, deadlineAt, ticksPerSecond};
}

/** Linear-interpolated quantile of sorted numbers (q from 0 to 1). */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}

/** Each gap between a job's consecutive polls, minus the interval: how late each poll came. */
function driftsMs(pollTimes, intervalMs) {
  const drifts = [];
  for (const times of pollTimes.values()) for (let i = 1; i < times.length; i++) drifts.push(times[i] - times[i - 1] - intervalMs);
  return drifts.sort((a, b) => a - b);
}

/** The row's figures; NaN where something could not be measured (and `missing` says what). */
function figuresOf(result) {
  const {row, samples, allPolledAt, deadlineAt, ticksPerSecond} = result;
  const missing = [];
  const first = allPolledAt === undefined ? undefined : samples.find((s) => s.at >= allPolledAt);
  const last = samples.findLast((s) => s.at <= deadlineAt);
  let cpuPerPollMs = NaN;
  let cpuPercent = NaN;
  if (allPolledAt === undefined) missing.push(`only ${result.pollTimes.size} of ${row.jobs} jobs were ever polled`);
  else if (first === undefined || last === undefined || last.at <= first.at || last.polls <= first.polls) missing.push('no steady-state span between two samples');
  else {
    const cpuMs = ((last.ticks - first.ticks) * 1000) / ticksPerSecond;
    cpuPerPollMs = cpuMs / (last.polls - first.polls);
    cpuPercent = (cpuMs / (last.at - first.at)) * 100;
  }
  const peakKiB = Math.max(...samples.map((s) => s.hwm).filter((kib) => !Number.isNaN(kib)));
  if (!Number.isFinite(peakKiB)) missing.push('no memory sample');
  // for a row that could not be measured: what the CLI cost over its whole life, sampled
  const wholeRun = samples.length > 1 ? {cpuPercent: (((samples.at(-1).ticks - samples[0].ticks) * 1000) / ticksPerSecond / (samples.at(-1).at - samples[0].at)) * 100} : {cpuPercent: NaN};
  const drifts = driftsMs(result.pollTimes, row.intervalMs);
  if (drifts.length === 0) missing.push('no job was polled twice');
  if (result.killedByUs) missing.push('killed: it did not exit after its --timeout');
  if (result.exit.code === null) missing.push(`ended by ${result.exit.signal}`);
  return {
    jobs: row.jobs,
    intervalMs: row.intervalMs,
    timeoutMs: row.timeoutMs,
    connections: result.connections,
    polls: result.polls,
    jobsPolled: result.pollTimes.size,
    wholeRunCpuPercent: wholeRun.cpuPercent,
    events: result.stdoutLines,
    steadySeconds: first && last ? (last.at - first.at) / 1000 : NaN,
    cpuPerPollMs,
    cpuPercent,
    peakMiB: Number.isFinite(peakKiB) ? peakKiB / 1024 : NaN,
    peakKiB,
    driftMedianMs: quantile(drifts, 0.5),
    driftP99Ms: quantile(drifts, 0.99),
    driftMaxMs: drifts.length === 0 ? NaN : drifts.at(-1),
    exitCode: result.exit.code ?? result.exit.signal,
    emfile: result.emfile,
    stderr: result.stderr,
    missing,
  };
}

const num = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'NaN');
const seconds = (ms) => `${ms / 1000} s`;
const verdict = (met) => (met ? 'met' : 'NOT MET');

function printReport(figures, {tiny, nodeVersion}) {
  const baseline = figures.find((f) => f.jobs === 1);
  const columns = [
    ['jobs', (f) => String(f.jobs)],
    ['interval', (f) => seconds(f.intervalMs)],
    ['timeout', (f) => seconds(f.timeoutMs)],
    ['connections', (f) => String(f.connections)],
    ['jobs polled', (f) => String(f.jobsPolled)],
    ['polls', (f) => String(f.polls)],
    ['stdout lines', (f) => String(f.events)],
    ['steady span (s)', (f) => num(f.steadySeconds, 1)],
    ['CPU/poll (ms)', (f) => num(f.cpuPerPollMs, 3)],
    ['CPU (% core)', (f) => num(f.cpuPercent, 1)],
    ['peak RSS (MiB)', (f) => num(f.peakMiB, 1)],
    ['RSS/job (KiB)', (f) => (baseline ? num((f.peakKiB - baseline.peakKiB) / f.jobs, 1) : 'n/a')],
    ['drift median (ms)', (f) => num(f.driftMedianMs, 1)],
    ['drift p99 (ms)', (f) => num(f.driftP99Ms, 1)],
    ['drift max (ms)', (f) => num(f.driftMaxMs, 1)],
    ['exit', (f) => String(f.exitCode)],
    ['EMFILE', (f) => (f.emfile ? 'yes' : 'no')],
  ];
  console.log(`\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, CLI under Node ${nodeVersion}${tiny ? ' (tiny run)' : ''}\n`);
  console.log(`| ${columns.map(([name]) => name).join(' | ')} |`);
  console.log(`|${columns.map(() => '---').join('|')}|`);
  for (const f of figures) console.log(`| ${columns.map(([, cell]) => cell(f)).join(' | ')} |`);

  const largest = figures.at(-1);
  if (baseline && largest && largest !== baseline) {
    console.log(`\nCPU per poll at ${largest.jobs} jobs / at 1 job: ${num(largest.cpuPerPollMs / baseline.cpuPerPollMs, 2)}x`);
  }

  const targets = [];
  const at1000 = figures.find((f) => f.jobs === 1000);
  if (at1000) {
    targets.push(['1000 jobs at 5 s: at most 8 connections', String(at1000.connections), at1000.connections <= 8]);
    targets.push(['1000 jobs at 5 s: under 50% of a core', `${num(at1000.cpuPercent, 1)}%`, at1000.cpuPercent < 50]);
    targets.push(['1000 jobs at 5 s: peak RSS under 150 MiB', `${num(at1000.peakMiB, 1)} MiB`, at1000.peakMiB < 150]);
  }
  const at10000 = figures.find((f) => f.jobs === 10_000);
  if (at10000) {
    const ratio = baseline ? at10000.cpuPerPollMs / baseline.cpuPerPollMs : NaN;
    const measured = !baseline ? 'n/a (no 1-job row)' : Number.isFinite(ratio) ? `${num(ratio, 2)}x` : `not measured: ${at10000.jobsPolled} of ${at10000.jobs} jobs ever polled`;
    targets.push(['10000 jobs: CPU per poll within 1.5x of 1 job', measured, ratio <= 1.5]);
  }
  if (targets.length > 0) {
    console.log('\n| target | measured | |\n|---|---|---|');
    for (const [target, measured, met] of targets) console.log(`| ${target} | ${measured} | ${verdict(met)} |`);
  }
  console.log(
    '\nCPU: utime+stime of the CLI process between the first sample after every job was polled once and the last sample before its --timeout.' +
      ' Drift: each gap between two polls of a job minus the interval, over all jobs.' +
      ' RSS/job: (peak - the 1-job row peak) / jobs.',
  );
}

/** `v20.1.0` of the Node that runs the CLI; bounded, so a --node that hangs cannot hang the bench. */
function versionOf(node) {
  if (node === process.execPath) return process.version;
  return spawnSync(node, ['--version'], {encoding: 'utf8', timeout: 10_000}).stdout?.trim() || 'unknown';
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const nodeVersion = versionOf(options.node);
  const ticksPerSecond = clockTicksPerSecond();
  const children = new Set();
  const stopChildren = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  const workDir = mkdtempSync(join(tmpdir(), 'pcloud-scale-'));
  // interrupted: the CLI must not outlive the bench, nor its hash files
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      stopChildren();
      rmSync(workDir, {recursive: true, force: true});
      process.exit(130);
    });
  }
  const server = await startServer();
  const figures = [];
  try {
    for (const row of options.rows) {
      log(`${row.jobs} jobs at ${seconds(row.intervalMs)} for ${seconds(row.timeoutMs)}`);
      const result = await runRow(row, {server, node: options.node, workDir, ticksPerSecond, children});
      figures.push(figuresOf(result));
    }
  } finally {
    stopChildren();
    server.server.closeAllConnections();
    server.server.close();
    rmSync(workDir, {recursive: true, force: true});
  }
  printReport(figures, {tiny: options.tiny, nodeVersion});
  let unmeasured = false;
  for (const f of figures) {
    if (f.missing.length === 0) continue;
    unmeasured = true;
    log(`${f.jobs} jobs could not be measured: ${f.missing.join('; ')}`);
    log(`${f.jobs} jobs: ${f.polls} polls, ${f.connections} connections, ${num(f.wholeRunCpuPercent, 1)}% of a core over the whole run`);
    if (f.stderr) log(`the end of its stderr:\n${f.stderr.split('\n').slice(-12).join('\n')}`);
  }
  return unmeasured ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
