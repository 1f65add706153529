import {formatDuration} from './duration.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> `1.5 KiB`: binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatSeconds(seconds: number): string {
  return formatDuration(seconds * 1000);
}

export function formatPercent(percent: number): string {
  return `${Math.floor(percent)}%`;
}

/**
 * `ETA 14s`, `ETA <1s`, or null: no estimate, or none left to give (0 s left would read as
 * "done" while the server has not said so).
 */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !(seconds > 0)) return null;
  if (seconds < 1) return 'ETA <1s';
  return `ETA ${formatSeconds(Math.ceil(seconds))}`;
}
