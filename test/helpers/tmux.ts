import {execFile, execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

export const hasTmux = ((): boolean => {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
})();

const execFileAsync = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * A real terminal: a tmux server of its own running one command in an 80x24 pane. `screen()` is
 * what a person sees; `raw()` every byte the program wrote (cursor and wrap escapes included).
 */
export class Terminal {
  readonly #socket = `pp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly #log = join(mkdtempSync(join(tmpdir(), 'pp-tmux-')), 'raw.log');

  /**
   * `interactive`: the command is typed into an interactive bash, with job control, as a person
   * would: Ctrl-Z then stops it for real (a process group without a job-control shell above it is
   * orphaned, and the kernel does not stop those on Ctrl-Z), and `fg` continues it. The test
   * types `echo "EXIT=$?"` itself once the program has ended.
   */
  constructor(command: string[], env: Record<string, string>, size = {columns: 80, rows: 24}, options: {interactive?: boolean} = {}) {
    const exports = Object.entries(env).map(([key, value]) => `${key}=${quote(value)}`);
    const environment = `env -i PATH=${quote(process.env.PATH ?? '')} HOME=${quote(process.env.HOME ?? '/')} LANG=C.UTF-8 TERM=screen-256color ${exports.join(' ')}`;
    const sizeArgs = ['-x', String(size.columns), '-y', String(size.rows)];
    if (options.interactive) {
      this.#tmux('new-session', '-d', ...sizeArgs, `${environment} PS1='$ ' bash --norc --noprofile -i`);
      this.#tmux('pipe-pane', '-o', `cat >> ${quote(this.#log)}`);
      // no `; echo` after it: a stopped job would let the shell run that at once
      this.#tmux('send-keys', '-l', command.map(quote).join(' '));
      this.#tmux('send-keys', 'Enter');
      return;
    }
    // the program runs first; the pane then stays open to be read, with the exit code on screen
    const shell = `${environment} ${command.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
    this.#tmux('new-session', '-d', ...sizeArgs, 'bash', '--norc', '--noprofile', '-c', `sleep 0.2; ${shell}`);
    this.#tmux('pipe-pane', '-o', `cat >> ${quote(this.#log)}`);
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, ...args], {encoding: 'utf8'});
  }

  /**
   * The screen, read without blocking: a test's emulator answers from the test's own process, and
   * a synchronous read (a tmux client started and waited for) would hold its answers back meanwhile.
   */
  async #readScreen(): Promise<string> {
    return (await execFileAsync('tmux', ['-L', this.#socket, 'capture-pane', '-p'], {encoding: 'utf8'})).stdout;
  }

  screen(): string {
    return this.#tmux('capture-pane', '-p');
  }

  /** The scrollback and the screen, wrapped lines joined: what a person scrolling back reads. */
  history(): string {
    return this.#tmux('capture-pane', '-p', '-J', '-S', '-');
  }

  raw(): string {
    try {
      return readFileSync(this.#log, 'latin1');
    } catch {
      return '';
    }
  }

  keys(...keys: string[]): void {
    this.#tmux('send-keys', ...keys);
  }

  /**
   * Resizes the window, as a person dragging the terminal's edge, and resolves once the program's
   * terminal has that size (it gets SIGWINCH then). tmux 3.3 resizes its screen at once, but tells
   * the kernel the new size up to 250 ms later when the pane was resized shortly before.
   */
  async resize(columns: number, rows = 24): Promise<void> {
    this.#tmux('resize-window', '-x', String(columns), '-y', String(rows));
    const tty = this.#tmux('display-message', '-p', '#{pane_tty}').trim();
    for (const until = Date.now() + 5000; ; await sleep(10)) {
      const size = (await execFileAsync('stty', ['-F', tty, 'size'], {encoding: 'utf8'})).stdout.trim();
      if (size === `${rows} ${columns}`) return;
      if (Date.now() > until) throw new Error(`the terminal is ${size} (rows columns), not ${rows} ${columns}, 5 s after resize-window`);
    }
  }

  /**
   * Resizes the window while the program is stopped (SIGSTOP), then continues it `stoppedMs` later:
   * what it wrote before has reached the screen first, and it learns the new size from the terminal
   * alone. While it runs, a frame it draws between tmux resizing its screen and telling the kernel is
   * laid out for the old size: a race of the terminal's, which no program can close.
   */
  async resizeStopped(columns: number, rows: number, stoppedMs = 0): Promise<void> {
    const program = this.programPid();
    process.kill(program, 'SIGSTOP');
    try {
      // tmux has taken all the program wrote once its log stops growing
      for (let size = -1; size !== this.#written(); await sleep(100)) size = this.#written();
      await sleep(stoppedMs);
      await this.resize(columns, rows);
    } finally {
      process.kill(program, 'SIGCONT'); // never left stopped: the terminal's teardown could not end it
    }
  }

  /** The terminal's own state, not the bytes: is the cursor shown, is line wrapping on. */
  modes(): {cursorVisible: boolean; wrap: boolean} {
    const [cursor, wrap] = this.#tmux('display-message', '-p', '#{cursor_flag} #{wrap_flag}').trim().split(' ');
    return {cursorVisible: cursor === '1', wrap: wrap === '1'};
  }

  /** The pane's shell: the program is its child. */
  shellPid(): number {
    return Number(this.#tmux('display-message', '-p', '#{pane_pid}').trim());
  }

  /** The program's process id, while it runs: the pane's shell waits for it, its one child. */
  programPid(): number {
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(this.shellPid())], {encoding: 'utf8'}).trim().split(/\s+/);
    if (children.length !== 1 || !/^\d+$/.test(children[0] ?? '')) throw new Error(`the pane's shell has no one child: ${children.join(' ')}`);
    return Number(children[0]);
  }

  /** Bytes the program has written so far (the pipe-pane log's size). */
  #written(): number {
    try {
      return statSync(this.#log).size;
    } catch {
      return 0;
    }
  }

  /**
   * Polls the screen until `pattern` shows; fails with the last screen after `timeoutMs`. The
   * screen is read again (a tmux client started: about 3 ms of CPU) only once the program has
   * written more, or a quarter second on, for what changes a screen without output (a resize).
   */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (let read = -1, readAt = 0; ; await new Promise((resolve) => setTimeout(resolve, 25))) {
      const written = this.#written();
      if (written === read && Date.now() - readAt < 250) continue;
      [read, readAt] = [written, Date.now()];
      const screen = await this.#readScreen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
    }
  }

  /** Ends the terminal and its program; a terminal already gone (killed before, or never started) is no error. */
  kill(): void {
    try {
      execFileSync('tmux', ['-L', this.#socket, 'kill-server'], {stdio: 'ignore'});
    } catch {
      // already gone
    }
  }
}
