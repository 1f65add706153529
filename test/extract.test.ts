import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {call, Emulator} from '../src/emulator/index.js';
import {watchExtract} from '../src/index.js';
import {eventually} from './helpers/eventually.js';
import {ndjson, runMain} from './helpers/in-process.js';

// `extract <progresshash>`: extractarchive on the emulator, watched with extractarchiveprogress.

const AUTH = 'test-auth-token';
const ENTRIES = Array.from({length: 12}, (_, i) => ({path: `photos/IMG_${4100 + i}.jpg`, size: 1000 + i}));
let emulator: Emulator;
beforeEach(async () => {
  emulator = await Emulator.start({extractEntryDelayMs: 15, extractAnswerMs: 40});
});
afterEach(async () => {
  await emulator.close();
});

/** extractarchive, as a user's script calls it; answers after about extractAnswerMs with the host and hash. */
function startExtraction(hash: string): Promise<unknown> {
  const fileid = emulator.addArchive('photos.zip', ENTRIES);
  return call(emulator.url, 'extractarchive', {auth: AUTH, fileid: String(fileid), tofolderid: '0', progresshash: hash});
}

describe('extract', () => {
  it('prints each output line exactly once in output events, asking only for new lines, and counts entries and bytes', async () => {
    // the watch first: the extraction starts once it polls (not found yet), so that a loaded machine
    // slow to start the watch cannot let the whole extraction pass before its first poll
    const watched = runMain(['extract', 'x1', '--host', emulator.url, '--interval', '10ms', '--json'], {vars: {PCLOUD_AUTH: AUTH}});
    await eventually('the first extractarchiveprogress poll', () => emulator.requests.some((request) => request.path === '/extractarchiveprogress'));
    const answered = startExtraction('x1');
    const result = await watched;
    expect(await answered).toMatchObject({result: 0, finished: false, progresshash: 'x1', hostname: emulator.host});
    expect(result.code).toBe(0);
    const events = ndjson(result.stdout);
    const lines = events.flatMap((e) => (e.event === 'output' ? (e.lines as string[]) : []));
    expect(lines).toEqual(Emulator.extractOutput('photos.zip', ENTRIES));
    for (const e of events.filter((event) => event.event === 'output')) expect(Object.keys(e)).toEqual(['event', 'kind', 'hash', 'host', 'elapsed', 'time', 'lines']);
    expect(events.at(-1)).toMatchObject({event: 'done', kind: 'extract', files: 12, bytes: ENTRIES.reduce((sum, entry) => sum + entry.size, 0), percent: null, totalBytes: null, totalFiles: null, eta: null});
    // every poll after the first named how many lines it had: never the whole log again
    const polls = emulator.requests.filter((request) => request.path === '/extractarchiveprogress');
    expect(polls.length).toBeGreaterThan(2);
    expect(polls[0]?.params.lines).toBe('0');
    const asked = polls.map((request) => Number(request.params.lines));
    expect(asked).toEqual([...asked].sort((a, b) => a - b));
    expect(asked.at(-1)).toBeGreaterThan(0);
  });

  it('plain output shows the lines as they come, sanitized, and a last line without a percent', async () => {
    const fileid = emulator.addArchive('evil.zip', [{path: 'a/\u001b[31mred\u001b[0m.txt', size: 5}]);
    void call(emulator.url, 'extractarchive', {auth: AUTH, fileid: String(fileid), tofolderid: '0', progresshash: 'x2'});
    const result = await runMain(['extract', 'x2', '--host', emulator.url, '--interval', '10ms'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^extract x2: evil\.zip: Zip$/m);
    expect(result.stderr).toMatch(/^extract x2: a\/red\.txt \(5 B\)\.\.\. OK\.$/m);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toMatch(/^extract x2: done: 5 B in .*, 1 entry$/m);
    expect(result.stderr).not.toMatch(/%/);
  });

  it('the library yields the same events: watchExtract', async () => {
    void startExtraction('x3');
    const seen: string[] = [];
    for await (const event of watchExtract('x3', {host: emulator.url, auth: AUTH, interval: 0.01})) {
      if (event.event === 'output') seen.push(...event.lines);
      if (event.event === 'done') expect(event.files).toBe(12);
    }
    expect(seen).toHaveLength(Emulator.extractOutput('photos.zip', ENTRIES).length);
  });

  it('a password-protected archive: extractarchive answers 7009, and the watch ends not found', async () => {
    const fileid = emulator.addArchive('secret.zip', ENTRIES, {password: 'pw'});
    expect(await call(emulator.url, 'extractarchive', {auth: AUTH, fileid: String(fileid), tofolderid: '0', progresshash: 'x4'})).toMatchObject({result: 7009});
    const result = await runMain(['extract', 'x4', '--host', emulator.url, '--interval', '10ms', '--wait', '50ms'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/extract not found after waiting/);
  });
});
