import type {StatusEvent} from '../events.js';
import {formatBytes, formatPercent, formatRate, formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';

/** `42% 12.3 MiB / 29.3 MiB, 1.20 MiB/s, ETA 14s, 2 files, now "a.bin"`: the human view of numbers. */
export function describeProgress(e: StatusEvent, nameLength = 60): string {
  const parts: string[] = [];
  const amount = e.bytes === null ? null : e.totalBytes ? `${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}` : formatBytes(e.bytes);
  parts.push([e.percent === null ? null : formatPercent(e.percent), amount].filter(Boolean).join(' '));
  if (e.rate !== null) parts.push(formatRate(e.rate));
  if (e.eta !== null && e.event !== 'done') parts.push(`ETA ${formatSeconds(e.eta)}`);
  const files = describeFiles(e);
  if (files) parts.push(files);
  if (e.currentFile) parts.push(`now "${sanitize(e.currentFile, nameLength)}"`);
  return parts.filter((part) => part !== '').join(', ');
}

export function describeFiles(e: StatusEvent): string | null {
  if (e.totalFiles !== null) return `${e.files ?? 0}/${e.totalFiles} files`;
  if (e.files === null || e.files === 0) return null;
  return e.files === 1 ? '1 file done' : `${e.files} files done`;
}

/** `done: 100% 29.3 MiB in 24.1s, 1.20 MiB/s, 3 files` (the rate: average while it moved) */
export function describeDone(e: StatusEvent, activeSeconds: number | null, startBytes: number | null): string {
  const parts = [e.percent === null ? 'done:' : 'done: 100%']; // an extraction has no total: no percent
  const size = e.totalBytes ?? e.bytes;
  if (size !== null) parts.push(formatBytes(size));
  let line = parts.join(' ');
  line += ` in ${formatSeconds(e.elapsed)}`;
  if (activeSeconds !== null && activeSeconds > 0 && e.bytes !== null && startBytes !== null && e.bytes > startBytes) {
    line += `, ${formatRate((e.bytes - startBytes) / activeSeconds)}`;
  }
  const files = e.kind === 'zip' ? (e.totalFiles !== null ? `${e.totalFiles} files` : null) : e.files !== null ? `${e.files} ${e.files === 1 ? 'file' : 'files'}` : null;
  return files ? `${line}, ${files}` : line;
}
