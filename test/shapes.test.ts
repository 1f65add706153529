import {describe, expect, it} from 'vitest';
import {decodeProgress, displayUrl, extractDecoder} from '../src/api/decode.js';
import {classifyBody, type Outcome} from '../src/api/outcome.js';
import {eventToJson, type FinalEvent, type WatchEvent} from '../src/events.js';
import {ExactNumber, parseJson, stringifyJson} from '../src/json.js';
import {terminalSafeJson} from '../src/json.js';
import {RECORD_GONE_MESSAGE, pollJob, type JobSpec, type LoopEvent} from '../src/poll-job.js';
import {collect, FakeClock} from './helpers/fake-clock.js';

// The live service's other answer shapes (../shared/pcloud/facts.md), decoded and watched.

/** pCloud's JS SDK fixture for a remote upload (downloadfile), with a second URL. */
const remote = (files: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  result: 0,
  finished: false,
  urlcount: files.length,
  urlready: files.filter((file) => file.status === 'ready').length,
  urlworking: files.filter((file) => file.status === 'downloading').length,
  files,
  ...extra,
});

describe('remote uploads (downloadfile)', () => {
  it('maps the SDK fixture: bytes downloaded, total once every size is known, URLs as files', () => {
    const one = decodeProgress('upload', remote([{url: 'http://host/file.ext', status: 'downloading', size: 200, downloaded: 150}]));
    expect(one).toMatchObject({bytes: 150, totalBytes: 200, files: 0, totalFiles: 1, percent: 75, currentFile: 'http://host/file.ext', done: false});
    const unknownSize = decodeProgress(
      'upload',
      remote([
        {url: 'http://host/a.bin', status: 'ready', size: 100, downloaded: 100},
        {url: 'http://host/b.bin', status: 'downloading', downloaded: 50},
        {url: 'http://host/c.bin', status: 'waiting'},
      ]),
    );
    // a size still unknown: no total, percent by URLs (1 of 3 ready)
    expect(unknownSize).toMatchObject({bytes: 150, totalBytes: null, files: 1, totalFiles: 3, currentFile: 'http://host/b.bin'});
    expect(unknownSize.percent).toBeCloseTo(100 / 3);
  });

  it('never shows a URL query (a presigned signature) or user:password, in currentFile or in failures', () => {
    const url = 'https://user:secret@bucket.example/big.iso?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA#frag';
    expect(displayUrl(url)).toBe('https://bucket.example/big.iso');
    expect(displayUrl('not a url?sig=1')).toBe('not a url');
    const progress = decodeProgress('upload', remote([{url, status: 'downloading', size: 10, downloaded: 1}]));
    expect(progress.currentFile).toBe('https://bucket.example/big.iso');
    const done = decodeProgress('upload', remote([{url, status: 'error'}], {finished: true}));
    expect(done.failedUrls).toEqual(['https://bucket.example/big.iso']);
  });
});

describe('extraction output (extractarchiveprogress)', () => {
  const answer = (lines: number, output: string[], finished = false): Record<string, unknown> => ({result: 0, finished, lines, output});

  it('counts the entries the lines report extracted and sums their sizes; no total, no percent', () => {
    const decoder = extractDecoder();
    expect(decoder.pollParams()).toEqual({lines: '0'});
    const first = decoder.decode(answer(3, ['Titov.zip: Zip', '  Titov/_ART5055.jpg  (1681557 B)... OK.', '  Titov/notes.txt  (12 B)... OK.']));
    expect(first).toMatchObject({files: 2, bytes: 1_681_569, totalBytes: null, totalFiles: null, percent: null, done: false});
    expect(decoder.pollParams()).toEqual({lines: '3'});
    const last = decoder.decode(answer(5, ['  Titov/empty-dir/... OK.', 'Successfully extracted to current directory.'], true));
    expect(last).toMatchObject({files: 3, bytes: 1_681_569, done: true});
    expect(last.newLines).toEqual(['  Titov/empty-dir/... OK.', 'Successfully extracted to current directory.']);
  });

  it('shows each line once even when a server ignores `lines` and sends them all again', () => {
    const decoder = extractDecoder();
    decoder.decode(answer(2, ['a.zip: Zip', '  x  (5 B)... OK.']));
    const again = decoder.decode(answer(3, ['a.zip: Zip', '  x  (5 B)... OK.', '  y  (6 B)... OK.']));
    expect(again.newLines).toEqual(['  y  (6 B)... OK.']);
    expect(again).toMatchObject({files: 2, bytes: 11});
    expect(decoder.decode(answer(3, [])).newLines).toEqual([]);
  });
});

describe('numbers beyond 2^53', () => {
  const body = '{"result":0,"finished":true,"total":20,"uploaded":20,"files":[{"name":"a","fileid":9007199254740993,"hash":14841775194319522618,"size":20}]}';

  it('keeps their digits: --json prints exactly what the server sent', () => {
    const outcome = classifyBody(body);
    expect(outcome.type).toBe('answer');
    const raw = (outcome as Extract<Outcome, {type: 'answer'}>).raw;
    const file = (raw.files as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(file.hash).toBeInstanceOf(ExactNumber);
    expect(String(file.hash)).toBe('14841775194319522618');
    expect(file.size).toBe(20); // a safe number stays a number
    expect(terminalSafeJson(raw, true)).toBe(body);
    expect(JSON.parse(JSON.stringify(raw)).files[0].hash).toBe('14841775194319522618'); // JSON.stringify: exact digits, as a string, never a throw
  });

  it('parses plain answers with JSON.parse, the same values either way', () => {
    const plain = '{"result":0,"bytes":263473,"totalbytes":54750979,"files":34,"totalfiles":129}';
    expect(parseJson(plain)).toEqual(JSON.parse(plain));
    expect(stringifyJson(parseJson(body), true)).toBe(body);
    expect(decodeProgress('upload', parseJson('{"result":0,"total":12345678901234567,"uploaded":12345678901234567,"finished":false}') as Record<string, unknown>).bytes).toBe(12345678901234568);
  });
});

const SPEC: JobSpec = {kind: 'upload', hash: 'h1', host: 'api7.pcloud.com', genericHost: false, intervalMs: 1000, waitMs: 30_000, timeoutMs: 0, stallMs: 0};
const answer = (raw: Record<string, unknown>): Outcome => ({type: 'answer', raw});
const notFound = (code: number): Outcome => ({type: 'notFound', code, message: 'not found', raw: {result: code, error: 'not found'}});

async function run(spec: Partial<JobSpec>, answers: Outcome[]) {
  const clock = new FakeClock();
  const params: Record<string, string>[] = [];
  let index = 0;
  const poll = async (_signal: AbortSignal, extra: Record<string, string>): Promise<Outcome> => {
    params.push(extra);
    return answers[Math.min(index++, answers.length - 1)] as Outcome;
  };
  const events: LoopEvent[] = await clock.run(collect(pollJob({...SPEC, ...spec}, {poll, clock, random: () => 0.5, startedAt: 0, signal: new AbortController().signal})));
  return {events, params, last: events.at(-1) as FinalEvent, clock};
}

describe('the loop on these shapes', () => {
  it('an upload whose every byte arrived and whose record is then gone is done at once, with a message', async () => {
    const up = (uploaded: number): Outcome => answer({result: 0, total: 1000, uploaded, files: [], finished: false, currentfile: 'a.bin'});
    const {events, last, clock} = await run({}, [up(500), up(1000), notFound(1900)]);
    expect(events.map((e) => e.event)).toEqual(['progress', 'progress', 'done']);
    expect(last).toMatchObject({event: 'done', percent: 100, bytes: 1000, totalBytes: 1000, currentFile: null, message: RECORD_GONE_MESSAGE});
    expect(clock.now()).toBe(2000); // no --wait spent on it
    expect(Object.keys(eventToJson(last))).toContain('message');
  });

  it('an upload that vanished before every byte arrived still waits --wait, then exit 4', async () => {
    const up = answer({result: 0, total: 1000, uploaded: 999, files: [], finished: false});
    const {last} = await run({waitMs: 3000}, [up, notFound(1900)]);
    expect(last).toMatchObject({event: 'error', exitCode: 4});
    expect(last.message).toMatch(/vanished/);
  });

  it('a remote upload that finished with URLs in error ends with an error event naming how many, exit 8', async () => {
    const files = [
      {url: 'http://files.example/a.bin', status: 'ready', size: 10, downloaded: 10},
      {url: 'http://files.example/missing.bin?token=s3cr3t', status: 'error'},
    ];
    const {last} = await run({}, [answer(remote(files, {finished: true}))]);
    expect(last).toMatchObject({event: 'error', exitCode: 8, code: null, files: 1, totalFiles: 2});
    expect(last.message).toBe('remote upload finished, but 1 of 2 URLs failed: http://files.example/missing.bin');
    expect(last.raw).toMatchObject({files: [{}, {url: 'http://files.example/missing.bin?token=s3cr3t'}]}); // raw stays verbatim
  });

  it('a zip that never appears names savezip refusing it as a cause', async () => {
    const {last} = await run({kind: 'zip', waitMs: 2000}, [notFound(1901)]);
    expect(last).toMatchObject({event: 'error', exitCode: 4});
    expect(last.message).toMatch(/savezip may have refused the job .*2003.*check savezip's own answer/);
  });

  it('an extraction asks only for new lines and yields each line once, in output events before its progress', async () => {
    const extract = (lines: number, output: string[], finished = false): Outcome => answer({result: 0, finished, lines, output});
    const {events, params} = await run({kind: 'extract'}, [
      notFound(1900),
      extract(2, ['a.zip: Zip', '  a/1.jpg  (100 B)... OK.']),
      extract(2, []),
      extract(4, ['  a/2.jpg  (50 B)... OK.', 'Successfully extracted to current directory.'], true),
    ]);
    expect(params).toEqual([{lines: '0'}, {lines: '0'}, {lines: '2'}, {lines: '2'}]);
    expect(events.map((e) => e.event)).toEqual(['waiting', 'output', 'progress', 'output', 'done']);
    const lines = events.flatMap((e: WatchEvent | LoopEvent) => (e.event === 'output' ? e.lines : []));
    expect(lines).toEqual(['a.zip: Zip', '  a/1.jpg  (100 B)... OK.', '  a/2.jpg  (50 B)... OK.', 'Successfully extracted to current directory.']);
    expect(events.at(-1)).toMatchObject({event: 'done', kind: 'extract', files: 2, bytes: 150, percent: null, totalBytes: null, eta: null});
  });
});
