import type {StatusEvent} from '../events.js';
import {formatBytes, formatEta, formatPercent, formatRate, formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';
import type {JobState} from './job-state.js';

/** `42% 12.3 MiB / 29.3 MiB, 1.20 MiB/s, ETA 14s, 2 files, now "a.bin"`: the human view of numbers. */
export function describeProgress(e: StatusEvent, nameLength = 60): string {
  const parts: string[] = [];
  const amount = e.bytes === null ? null : e.totalBytes ? `${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}` : formatBytes(e.bytes);
  parts.push([e.percent === null ? null : formatPercent(e.percent), amount].filter(Boolean).join(' '));
  if (e.rate !== null) parts.push(formatRate(e.rate));
  const eta = e.event === 'done' ? null : formatEta(e.eta);
  if (eta) parts.push(eta);
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

/**
 * `done: 100% 29.3 MiB in 24.1s, 1.20 MiB/s, 3 files`: the time the job was seen running (the done
 * event's `duration`: from the first poll that saw it moving to the one that saw it finished, less
 * any time stopped with Ctrl-Z), and the bytes that moved in it over that time. A job never seen
 * moving gets no time and no rate: it finished before the first look, and the time of that look
 * says nothing about the upload.
 */
export function describeDone(e: StatusEvent, job: Pick<JobState<unknown>, 'first' | 'waitedToAppear'>): string {
  const size = e.totalBytes ?? e.bytes;
  const head = e.percent === null ? 'done:' : 'done: 100%'; // an extraction has no total: no percent
  let line = size === null ? head : `${head} ${formatBytes(size)}`;
  const {first} = job;
  const seconds = e.event === 'done' ? e.duration : null;
  if (first && seconds !== null) {
    line += ` in ${formatSeconds(seconds)}`;
    if (seconds > 0 && e.bytes !== null && first.bytes !== null && e.bytes > first.bytes) line += `, ${formatRate((e.bytes - first.bytes) / seconds)}`;
  }
  const files =
    e.kind === 'zip'
      ? e.totalFiles !== null
        ? `${e.totalFiles} files`
        : null
      : e.files === null
        ? null
        : e.kind === 'extract'
          ? `${e.files} ${e.files === 1 ? 'entry' : 'entries'}` // an archive's entries: files and folders
          : `${e.files} ${e.files === 1 ? 'file' : 'files'}`;
  if (files) line += `, ${files}`;
  if (!first) line += job.waitedToAppear ? ` (already finished when it appeared, after ${formatSeconds(e.elapsed)})` : ' (already finished when first polled)';
  // the record was gone before a poll saw `finished`: say so, it is why no final answer is shown
  if (e.event === 'done' && e.message !== undefined) line += ` (${sanitize(e.message, 200)})`;
  return line;
}
