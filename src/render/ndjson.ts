import type {OutStream} from '../env.js';
import type {WatchEvent} from '../events.js';
import {sanitize, terminalSafeJson} from '../sanitize.js';
import type {Renderer} from './renderer.js';
import {jobLabel} from './renderer.js';

/** The contract's fields, in a fixed order; nothing else goes into a line. */
function toJson(e: WatchEvent): Record<string, unknown> {
  const line: Record<string, unknown> = {
    event: e.event,
    kind: e.kind,
    hash: e.hash,
    host: e.host,
    elapsed: e.elapsed,
    bytes: e.bytes,
    totalBytes: e.totalBytes,
    files: e.files,
    totalFiles: e.totalFiles,
    percent: e.percent === null ? null : Math.round(e.percent * 100) / 100,
    rate: e.rate,
    eta: e.eta,
    currentFile: e.currentFile,
    raw: e.raw,
  };
  if (e.event === 'error') Object.assign(line, {code: e.code ?? null, message: e.message ?? '', exitCode: e.exitCode});
  return line;
}

/** `--json`: one event a line on stdout; stderr gets only the error messages. */
export function ndjsonRenderer(stdout: OutStream, stderr: OutStream, isClosed: () => boolean): Renderer {
  return {
    handle(e) {
      if (e.event === 'retry' || isClosed()) return;
      stdout.write(`${terminalSafeJson(toJson(e))}\n`);
      if (e.event === 'error' && e.exitCode !== 0) {
        stderr.write(`pcloud-progress: ${jobLabel(e.kind, e.hash)}: ${sanitize(e.message ?? 'failed', 1000)}\n`);
      }
    },
    end() {},
  };
}
