/**
 * Transfer rate smoothed with a time-weighted exponential moving average.
 *
 * Why this one: polls are not evenly spaced (backoff after failures, 1 ms polls in scripts, 1 s
 * by default) and a plain per-sample EMA would weigh a burst of quick polls more than one slow
 * poll. Weighting each new speed by `1 - exp(-dt / tau)` makes the smoothing depend on elapsed
 * time only: after `tau` seconds about 63% of a change in speed shows. A 5 s tau keeps the ETA
 * calm on a bursty upload yet follows a real slowdown within a few seconds.
 */
export const RATE_TAU_MS = 5000;

export class RateMeter {
  #lastAt: number | undefined;
  #lastBytes: number | undefined;
  #rate: number | null = null;

  /** Feeds one sample (clock ms, bytes so far); returns the smoothed bytes per second or null. */
  update(nowMs: number, bytes: number | null): number | null {
    if (bytes === null) return this.#rate;
    if (this.#lastAt === undefined || this.#lastBytes === undefined || bytes < this.#lastBytes) {
      // first sample, or the counter went back (a new upload under the same hash): start over
      this.#lastAt = nowMs;
      this.#lastBytes = bytes;
      this.#rate = null;
      return null;
    }
    const dtMs = nowMs - this.#lastAt;
    if (dtMs <= 0) return this.#rate;
    const instant = ((bytes - this.#lastBytes) / dtMs) * 1000;
    const weight = 1 - Math.exp(-dtMs / RATE_TAU_MS);
    this.#rate = this.#rate === null ? instant : this.#rate + weight * (instant - this.#rate);
    this.#lastAt = nowMs;
    this.#lastBytes = bytes;
    return this.#rate;
  }

  get rate(): number | null {
    return this.#rate;
  }
}

/** Seconds left at the smoothed rate, or null when it cannot be told. */
export function eta(bytes: number | null, totalBytes: number | null, rate: number | null): number | null {
  if (bytes === null || totalBytes === null || rate === null || rate <= 0 || totalBytes <= 0) return null;
  return Math.max(0, (totalBytes - bytes) / rate);
}
