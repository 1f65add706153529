import {METRIC_STATES, metricState, type JobMetrics} from './state.js';

/** What an HTTP server or a Pushgateway is told the text is: Prometheus' text format 0.0.4. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Figure = 'bytes' | 'totalBytes' | 'files' | 'totalFiles' | 'rate' | 'eta' | 'exitCode';

/** The contract's gauges: one sample per job, absent while the figure is null. */
const FIGURES: readonly {name: string; help: string; figure: Figure}[] = [
  {name: 'pcloud_progress_bytes', help: 'Bytes so far (upload: received; zip: written; extract: sizes of the entries extracted).', figure: 'bytes'},
  {name: 'pcloud_progress_total_bytes', help: 'Bytes in all, absent while unknown.', figure: 'totalBytes'},
  {name: 'pcloud_progress_files', help: 'Files (or URLs, or archive entries) done so far.', figure: 'files'},
  {name: 'pcloud_progress_total_files', help: 'Files (or URLs) in all, absent while unknown.', figure: 'totalFiles'},
  {name: 'pcloud_progress_rate_bytes_per_second', help: 'Bytes per second, smoothed.', figure: 'rate'},
  {name: 'pcloud_progress_eta_seconds', help: 'Seconds left, absent while unknown.', figure: 'eta'},
  {name: 'pcloud_progress_exit_code', help: "The job's exit code (pcloud-progress's table), once it ended.", figure: 'exitCode'},
];
const STATE = {name: 'pcloud_progress_state', help: "1 for the job's state (waiting, running, retrying, done, error), 0 for the others."};
const LAST_ANSWER = {name: 'pcloud_progress_last_answer_timestamp_seconds', help: "Unix time of the server's last good answer about the job (a not-found included)."};
const LABELS = ['kind', 'hash', 'host'] as const;

/**
 * The jobs as Prometheus text, through prom-client (escaping, number format), loaded on first use:
 * a run that writes no metrics never parses it.
 */
export async function exposition(jobs: Iterable<JobMetrics>): Promise<string> {
  const [{default: Registry}, {default: Gauge}] = await Promise.all([import('prom-client/lib/registry.js'), import('prom-client/lib/gauge.js')]);
  // a registry of its own each time: nothing global, no sample left from an earlier text
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({name, help, labelNames, registers: [registry]});
  const figures = FIGURES.map(({name, help, figure}) => ({figure, gauge: gauge(name, help, LABELS)}));
  const state = gauge(STATE.name, STATE.help, [...LABELS, 'state']);
  const lastAnswer = gauge(LAST_ANSWER.name, LAST_ANSWER.help, LABELS);
  for (const job of jobs) {
    const labels = {kind: job.kind, hash: job.hash, host: job.host};
    for (const {figure, gauge: g} of figures) {
      const value = job[figure];
      if (value !== null) g.set(labels, value);
    }
    const current = metricState(job);
    for (const name of METRIC_STATES) state.set({...labels, state: name}, name === current ? 1 : 0);
    if (job.lastAnswerMs !== null) lastAnswer.set(labels, job.lastAnswerMs / 1000);
  }
  return registry.metrics();
}
