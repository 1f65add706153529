const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/gy;

/**
 * Parses the contract's durations into milliseconds: a plain number of seconds (`0.5`) or
 * units (`250ms`, `2s`, `1m`, `1h`, `1m30s`). Returns undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim();
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(input)) return Number(input) * 1000;
  if (input === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = PART.exec(input); match; match = PART.exec(input)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    end = PART.lastIndex;
  }
  if (end !== input.length) return undefined;
  return Number.isFinite(total) ? total : undefined;
}

/** `1500` -> `1.5s`, `90000` -> `1m30s`: the inverse of parseDuration, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 59.5) return `${Number(seconds.toFixed(seconds < 9.95 ? 1 : 0))}s`;
  // round to whole seconds first: 119.6 s is 2m, not 1m60s
  const wholeSeconds = Math.round(seconds);
  const minutes = Math.floor(wholeSeconds / 60);
  const rest = wholeSeconds - minutes * 60;
  if (minutes < 60) return rest ? `${minutes}m${rest}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes - hours * 60;
  return restMinutes ? `${hours}h${restMinutes}m` : `${hours}h`;
}
