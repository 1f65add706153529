import type {OutStream} from '../env.js';
import {eventToJson} from '../events.js';
import {sanitize} from '../sanitize.js';
import {say} from '../say.js';
import {mayHoldExactNumbers, terminalSafeJson} from '../json.js';
import type {Renderer} from './renderer.js';
import {jobLabel} from './renderer.js';

/** `--json`: one event a line on stdout; stderr gets only the error messages. */
export function ndjsonRenderer(stdout: OutStream, stderr: OutStream): Renderer {
  return {
    handle(e) {
      if (e.event === 'retry') return;
      stdout.write(`${terminalSafeJson(eventToJson(e), e.event !== 'output' && mayHoldExactNumbers(e.raw))}\n`);
      if (e.event === 'error') {
        say(stderr, `${jobLabel(e.kind, e.hash)}: ${sanitize(e.message, 1000)}`);
      }
    },
    end() {},
  };
}
