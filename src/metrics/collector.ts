import {nodeEnv} from '../env.js';
import type {WatchEvent} from '../events.js';
import {exposition, METRICS_CONTENT_TYPE} from './exposition.js';
import {MetricsBook} from './state.js';

export interface MetricsCollectorOptions {
  /** The wall clock in ms since the epoch, read when an event comes in (its answer's time). Default: `Date.now`. */
  now?: () => number;
}

/**
 * The watched jobs' state as Prometheus text, the metrics `--metrics-file` and `--pushgateway`
 * write: feed it the events of one or more watches, and ask for the text when you serve, write or
 * push it. prom-client is loaded on the first `text()`.
 *
 * ```js
 * const metrics = new MetricsCollector();
 * for await (const event of watchUpload('backup-42')) metrics.update(event);
 * await writeFile('pcloud.prom', await metrics.text());
 * ```
 */
export class MetricsCollector {
  /** The HTTP Content-Type of the text (Prometheus text format 0.0.4). */
  static readonly contentType = METRICS_CONTENT_TYPE;
  readonly #book = new MetricsBook();
  readonly #now: () => number;

  constructor(options: MetricsCollectorOptions = {}) {
    this.#now = options.now ?? nodeEnv().clock.wall;
  }

  /** Takes one event of a watch in. A job's state is its latest event's; `output` events change nothing. */
  update(event: WatchEvent): void {
    this.#book.apply(event, this.#now());
  }

  /** Every job seen so far, one sample per job and metric (labels `kind`, `hash`, `host`). */
  text(): Promise<string> {
    return exposition(this.#book.jobs);
  }
}
