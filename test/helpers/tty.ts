import {afterEach, beforeEach, expect} from 'vitest';
import {Emulator, type ScriptedAnswer} from '../../src/emulator/index.js';
import {AUTH, BIN} from './cli.js';
import {Terminal} from './tmux.js';

// What the terminal tests (tty.test.ts, terminal.test.ts) share: answers, screen reading, and an
// emulator and a terminal of each test's own.

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

/**
 * Each test of the calling file gets an emulator of its own, and `run` starts the built CLI against
 * it in a real terminal (tmux); both are gone after the test.
 */
export function terminalLab(): {readonly emulator: Emulator; run: (args: string[], env?: Record<string, string>, size?: {columns: number; rows: number}, options?: {interactive?: boolean}) => Terminal} {
  let emulator: Emulator | undefined;
  let terminal: Terminal | undefined;
  beforeEach(async () => {
    emulator = await Emulator.start();
  });
  afterEach(async () => {
    terminal?.kill();
    terminal = undefined;
    await emulator?.close();
  });
  const started = (): Emulator => {
    if (!emulator) throw new Error('the emulator starts before each test');
    return emulator;
  };
  return {
    get emulator() {
      return started();
    },
    run(args, env = {}, size = {columns: 80, rows: 24}, options = {}) {
      terminal = new Terminal([process.execPath, BIN, ...args, '--host', started().url], {PCLOUD_AUTH: AUTH, ...env}, size, options);
      return terminal;
    },
  };
}
