import {expect} from 'vitest';
import {Emulator, type ScriptedAnswer} from '../../src/emulator/index.js';
import {AUTH, BIN} from './cli.js';
import {emulatorTest} from './emulator-test.js';
import {Terminal} from './tmux.js';

// What the terminal tests (tty, terminal, output-choice, display) share: answers, screen reading, and an
// emulator and terminals of each test's own.

export const notFound = Emulator.error(1900);
export const up = (uploaded: number, name = 'holiday-photos.tar'): ScriptedAnswer => Emulator.uploadAnswer({uploaded: uploaded * 1024 * 1024, total: 20 * 1024 * 1024, currentfile: name});
export const finished: ScriptedAnswer = Emulator.uploadAnswer({uploaded: 20 * 1024 * 1024, total: 20 * 1024 * 1024, finished: true, files: [{name: 'a', fileid: 1}]});
export const repeat = <T>(value: T, times: number): T[] => Array<T>(times).fill(value);

/** The one line of the screen that starts with `label`, or '' when there is none. */
export function lineOf(screen: string, label: string): string {
  const lines = screen.split('\n').filter((line) => line.startsWith(`${label} `));
  expect(lines.length).toBeLessThanOrEqual(1);
  return lines[0] ?? '';
}

/** The cursor shown again after its last hiding, and line wrapping back on after its last switch-off. */
export function expectTerminalRestored(raw: string): void {
  expect(raw.lastIndexOf('\u001b[?25h')).toBeGreaterThan(raw.lastIndexOf('\u001b[?25l'));
  expect(raw.lastIndexOf('\u001b[?7h')).toBeGreaterThan(raw.lastIndexOf('\u001b[?7l'));
}

export interface TerminalLab {
  /** the test's own emulator: the CLI started by `run` polls it */
  readonly emulator: Emulator;
  /** starts the built CLI against the emulator in a real terminal (tmux), the token in its environment */
  run: (args: string[], env?: Record<string, string>, size?: {columns: number; rows: number}, options?: {interactive?: boolean}) => Terminal;
}

/**
 * A test with a `lab` of its own: an emulator, and the terminals it starts, all gone after the test.
 * Nothing is shared between two such tests, so a file runs them side by side (`describe.concurrent`):
 * a terminal test waits on real time (polls 100 ms apart, a timeout) far more than it uses the CPU.
 */
export const terminalTest = emulatorTest.extend<{lab: TerminalLab}>({
  lab: async ({emulator}, use) => {
    const terminals: Terminal[] = [];
    try {
      await use({
        emulator,
        run(args, env = {}, size = {columns: 80, rows: 24}, options = {}) {
          const terminal = new Terminal([process.execPath, BIN, ...args, '--host', emulator.url], {PCLOUD_AUTH: AUTH, ...env}, size, options);
          terminals.push(terminal);
          return terminal;
        },
      });
    } finally {
      for (const terminal of terminals) terminal.kill();
    }
  },
});
