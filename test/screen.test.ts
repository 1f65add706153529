import {describe, expect, it} from 'vitest';
import {ttyRenderer} from '../src/render/tty.js';
import {FrameWriter, type TerminalStream} from '../src/render/screen.js';
import {statusEvent} from './helpers/events.js';
import {FakeClock} from './helpers/fake-clock.js';

// The frame writer and the renderer's pacing, as bytes written to a buffer: what a terminal is sent,
// not what it shows (display.test.ts shows that, in tmux).

class Buffer implements TerminalStream {
  writes: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {}
  write(chunk: string): boolean {
    this.writes.push(chunk);
    return true;
  }
}

const line = (text: string): {text: string; columns: number} => ({text, columns: text.length});
const UP = (n: number): string => `\u001b[${n}A`;
const ERASE_ROW = '\u001b[2K\u001b[B';

describe('the frame writer', () => {
  it('draws each frame in one write, in place of the last, erasing its rows one by one and never the whole screen', () => {
    const screen = new Buffer(80, 24);
    const writer = new FrameWriter(screen);
    writer.draw([], [line('a'), line('b')]);
    writer.draw([], [line('c')]);
    expect(screen.writes).toEqual(['\u001b[?25l\u001b[?7la\nb\n', `\r${UP(2)}${ERASE_ROW.repeat(2)}${UP(2)}c\n`]);
    expect(screen.writes.join('')).not.toMatch(/\u001b\[[0-2]?J/); // tmux scrolls a whole-screen clear into its history
  });

  it('prints lines that stay above the frame with wrapping on, and gives the cursor and wrapping back on release', () => {
    const screen = new Buffer(80, 24);
    const writer = new FrameWriter(screen);
    writer.draw([], [line('row')]);
    writer.draw([line('✔ done')], [line('row')]);
    writer.release([line('✖ failed')]);
    expect(screen.writes[1]).toBe(`\r${UP(1)}${ERASE_ROW}${UP(1)}\u001b[?7h✔ done\n\u001b[?7lrow\n`);
    expect(screen.writes[2]).toBe(`\r${UP(1)}${ERASE_ROW}${UP(1)}\u001b[?7h✖ failed\n\u001b[?25h`);
    expect(writer.drawing).toBe(false);
  });

  it('counts the rows a narrower terminal reflowed the frame into', () => {
    const screen = new Buffer(80, 24);
    const writer = new FrameWriter(screen);
    writer.draw([], [line('x'.repeat(70)), line('y'.repeat(10))]);
    screen.columns = 40; // 70 columns are 2 rows now
    writer.draw([], [line('z')]);
    expect(screen.writes[1]?.startsWith(`\r${UP(3)}${ERASE_ROW.repeat(3)}${UP(3)}`)).toBe(true);
  });

  it('erases the rows a shrinking terminal pushed above the screen once growing brings them back', () => {
    const screen = new Buffer(80, 30);
    const writer = new FrameWriter(screen);
    writer.draw([], Array.from({length: 29}, (_, i) => line(`row ${i}`)));
    screen.rows = 3; // the terminal pushed 27 rows of it above the screen
    writer.draw([], [line('head'), line('row')]);
    expect(screen.writes[1]?.startsWith(`\r${UP(29)}`)).toBe(true);
    screen.rows = 30; // and pulls them back above the 2 drawn at 3 rows: they are deleted, the frame moves up and is redrawn
    writer.draw([], [line('head')]);
    expect(screen.writes[2]).toBe(`\r${UP(29)}\u001b[27M\u001b[2B\r${UP(2)}${ERASE_ROW.repeat(2)}${UP(2)}head\n`);
    screen.rows = 40; // nothing more to bring back
    writer.draw([], [line('head')]);
    expect(screen.writes[3]?.startsWith(`\r${UP(1)}${ERASE_ROW}${UP(1)}`)).toBe(true);
  });
  it('holds lines printed for good while they would scroll in after stale rows, and prints them once those are back and deleted', () => {
    const screen = new Buffer(80, 30);
    const writer = new FrameWriter(screen);
    writer.draw([], Array.from({length: 29}, (_, i) => line(`row ${i}`)));
    screen.rows = 3; // 27 rows of the frame pushed into the history
    writer.draw([line('✔ a'), line('✔ b'), line('✔ c')], [line('head'), line('row')]);
    expect(screen.writes[1]).not.toContain('✔'); // 3 + 2 rows on 3: they would scroll in after the stale rows
    screen.rows = 30;
    writer.draw([], [line('head')]);
    expect(screen.writes[2]).toBe(`\r${UP(29)}\u001b[27M\u001b[2B\r${UP(2)}${ERASE_ROW.repeat(2)}${UP(2)}\u001b[?7h✔ a\n✔ b\n✔ c\n\u001b[?7lhead\n`);
  });
});

describe('the terminal renderer', () => {
  it('makes one frame of a burst of events, however many, and the next no sooner than 100 ms later', async () => {
    const clock = new FakeClock();
    const screen = new Buffer(80, 24);
    const jobs = Array.from({length: 1000}, (_, i) => ({kind: 'upload' as const, hash: `j${i}`}));
    const renderer = ttyRenderer(screen, clock, {colorLevel: 0, host: 'h', unicode: true, jobs});
    const answer = (i: number, mib: number): void => renderer.handle(statusEvent({hash: `j${i}`, bytes: mib * 1024 * 1024, totalBytes: 20 * 1024 * 1024, percent: mib * 5, rate: 1000, eta: 10}));
    for (let i = 0; i < 1000; i++) answer(i, 1);
    expect(screen.writes).toHaveLength(1); // the first event's, at once
    clock.time = 50;
    for (let i = 0; i < 1000; i++) answer(i, 2);
    await clock.run(clock.sleep(60));
    expect(screen.writes).toHaveLength(2); // the rest in one frame, at 100 ms
    expect(screen.writes[1]).toMatch(/1000 jobs: 1000 running {2}10%/);
    expect(screen.writes[1]?.split('\n').filter((text) => text.includes('upload j'))).toHaveLength(21);
    renderer.end();
  });
});
