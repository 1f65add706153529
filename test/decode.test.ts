import {ExitCode} from '../src/exit-codes.js';
import {describe, expect, it} from 'vitest';
import {decodeProgress, displayUrl, extractDecoder, extractedEntry} from '../src/api/decode.js';
import {classifyAnswer, classifyBody} from '../src/api/outcome.js';
import {parseJson} from '../src/json.js';

describe('decodeProgress (upload)', () => {
  it('maps the doc example', () => {
    const raw = {currentfile: 'Simple file', currentfileuploaded: 4199743, result: 0, total: 7768889, filenumber: 1, uploaded: 4199936, finished: false, files: []};
    expect(decodeProgress('upload', raw)).toEqual({bytes: 4199936, totalBytes: 7768889, files: 0, totalFiles: null, percent: (4199936 / 7768889) * 100, currentFile: 'Simple file', done: false, failedUrls: [], allBytesSeen: false, newLines: []});
  });

  it('is done on finished: true, at 100%, without a current file', () => {
    expect(decodeProgress('upload', {result: 0, total: 10, uploaded: 10, finished: true, files: [{}, {}]})).toMatchObject({done: true, percent: 100, files: 2, currentFile: null});
  });

  it.each([
    [{uploaded: '50', total: '100'}, 50],
    [{uploaded: 150, total: 100}, 100],
    [{uploaded: 5, total: 0}, null],
    [{uploaded: -5, total: 100}, null],
    [{uploaded: null, total: 100}, null],
    [{uploaded: 1e308, total: 1e-308}, 100],
    [{uploaded: 'NaN', total: 10}, null],
    [{uploaded: {}, total: []}, null],
    [{}, null],
  ])('keeps percent within 0..100 for %j', (fields, percent) => {
    const progress = decodeProgress('upload', {result: 0, ...fields});
    expect(progress.percent).toBe(percent);
  });

  it('ignores a current file that is not a string', () => {
    expect(decodeProgress('upload', {result: 0, currentfile: 42, files: 'x'})).toMatchObject({currentFile: null, files: null});
  });
});

describe('decodeProgress (zip)', () => {
  it('maps the doc example, percent by bytes', () => {
    const raw = {result: 0, files: 34, totalfiles: 129, bytes: 263473, totalbytes: 54750979};
    expect(decodeProgress('zip', raw)).toEqual({bytes: 263473, totalBytes: 54750979, files: 34, totalFiles: 129, percent: (263473 / 54750979) * 100, currentFile: null, done: false, failedUrls: [], allBytesSeen: false, newLines: []});
  });
  it('is done when an answer says finished, whatever the counts (files 5 of 3 ran until --timeout)', () => {
    expect(decodeProgress('zip', {files: 5, totalfiles: 3, bytes: 10, totalbytes: 10, finished: true})).toMatchObject({done: true, percent: 100});
    expect(decodeProgress('zip', {files: 5, totalfiles: 3, bytes: 10, totalbytes: 10, finished: false})).toMatchObject({done: false});
  });
  it('uses files when totalbytes is 0, and 0 of 0 is done', () => {
    expect(decodeProgress('zip', {files: 1, totalfiles: 4, bytes: 0, totalbytes: 0}).percent).toBe(25);
    expect(decodeProgress('zip', {files: 0, totalfiles: 0, bytes: 0, totalbytes: 0})).toMatchObject({done: true, percent: 100});
  });
  it('is not done while totalfiles is missing', () => {
    expect(decodeProgress('zip', {files: 3})).toMatchObject({done: false, percent: null});
  });
});

describe('classifyAnswer', () => {
  it.each([
    [0, 'answer', undefined],
    [1900, 'notFound', undefined],
    [1901, 'notFound', undefined],
    [1000, 'fatal', 3],
    [2000, 'fatal', 3],
    [2003, 'fatal', 3],
    [2094, 'fatal', 3],
    [4000, 'fatal', 5],
    [5000, 'transient', undefined],
    [1004, 'fatal', 6],
    [7001, 'fatal', 6],
  ])('result %d -> %s', (result, type, exitCode) => {
    const outcome = classifyAnswer({result, error: 'text'});
    expect(outcome.type).toBe(type);
    // the API layer names the reason; the table in exit-codes.ts gives its code
    if (exitCode !== undefined) expect(outcome.type === 'fatal' && {exitCode: ExitCode[outcome.reason], code: outcome.code}).toEqual({exitCode, code: result});
  });

  it('suggests the other region for 2000 and 2094', () => {
    for (const result of [2000, 2094]) expect(classifyAnswer({result, error: 'x'})).toMatchObject({hint: expect.stringMatching(/--region eu/)});
  });
});

describe('classifyBody', () => {
  it.each([
    ['', /empty body/],
    ['<html>502</html>', /HTML page/],
    ['{"result":0', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"total":1}', /no result code/],
    ['{"result":"0"}', /no result code/],
  ])('%j is a transient malformed answer', (body, message) => {
    expect(classifyBody(body)).toMatchObject({type: 'transient', message: expect.stringMatching(message)});
  });
});

describe('hostile numbers, shapes and lines (issue 21)', () => {
  it('a zip that says finished: true is done, even when files != totalfiles', () => {
    expect(decodeProgress('zip', {result: 0, files: 3, totalfiles: 5, bytes: 1, totalbytes: 9, finished: true})).toMatchObject({done: true, percent: 100});
  });

  it.each(['0x64', ' 0b110010 ', '1e2', '-5', ' 50', 'Infinity', ''])('the string %j is not a number', (text) => {
    expect(decodeProgress('upload', {result: 0, uploaded: text, total: 100})).toMatchObject({bytes: null, percent: null});
  });

  it('decimal digit strings are numbers', () => {
    expect(decodeProgress('upload', {result: 0, uploaded: '50', total: '100.0'})).toMatchObject({bytes: 50, totalBytes: 100, percent: 50});
  });

  it('remote sizes whose sum overflows are unknown, never Infinity or NaN', () => {
    const file = {url: 'https://a.example/x', status: 'downloading', size: 1.7e308, downloaded: 1.7e308};
    const progress = decodeProgress('upload', {result: 0, urlcount: 2, urlready: 1, files: [file, file]});
    expect(progress).toMatchObject({bytes: null, totalBytes: null, percent: 50});
  });

  it('1e400 and 1e-400 keep their digits (the lossless path), and stay out of the numbers', () => {
    const raw = parseJson('{"result":0,"uploaded":1e400,"total":1e-400,"x":2.5e3}') as Record<string, unknown>;
    expect(String(raw.uploaded)).toBe('1e400');
    expect(String(raw.total)).toBe('1e-400');
    expect(raw.x).toBe(2500);
    expect(decodeProgress('upload', raw)).toMatchObject({bytes: null, percent: null}); // 1e-400 is read as 0
  });

  it('JSON nested deeper than 64 levels is refused before any parser recurses; 64 pass', () => {
    expect(() => parseJson(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toThrow(/nested deeper than 64 levels/);
    expect(classifyBody(`{"result":0,"a":${'['.repeat(63)}${']'.repeat(63)}}`)).toMatchObject({type: 'answer'});
    expect(classifyBody(`{"result":0,"a":"${'['.repeat(500)}"}`)).toMatchObject({type: 'answer'}); // brackets in a string do not count
    expect(classifyBody(`{"result":0,"a":${'['.repeat(64)}${']'.repeat(64)}}`)).toMatchObject({type: 'transient', message: 'malformed answer: JSON nested deeper than 64 levels'});
  });

  it.each([
    ['http://alice:S3cretPw@files.example:99999/a.bin', 'http://files.example:99999/a.bin'],
    ['ftp://bob:pw@@host:0x/x?sig=1', 'ftp://host:0x/x'],
    ['alice:S3cretPw@files.example:99999/a.bin?x#y', 'files.example:99999/a.bin'],
    ['not a url?sig=1', 'not a url'],
    ['http://files.example:99999/a@b.bin', 'http://files.example:99999/a@b.bin'],
  ])('a URL that does not parse, %j, is shown without user:password or query', (url, shown) => {
    expect(displayUrl(url)).toBe(shown);
  });

  it.each([
    ['  Titov/_ART5055.jpg  (1681557 B)... OK.', {size: 1681557}],
    ['  Titov/a.jpg... OK.', {size: null}],
    ['\tdir/b.txt (12 B)...OK.  ', {size: 12}],
    ['  (5 B)... OK.', {size: null}],
    ['Titov.zip: Zip', undefined],
    ['  a.jpg... FAILED.', undefined],
    ['   ... OK.', undefined],
  ])('an extraction line %j', (line, entry) => {
    expect(extractedEntry(line)).toEqual(entry);
  });

  it('an extraction line of 1 MB of spaces is read in one pass (the old pattern backtracked over every split)', () => {
    for (const line of [`  a${' '.repeat(1_000_000)}b`, `  a${' ('.repeat(300_000)}1 B)... OK.`, `  ${'\t(1'.repeat(300_000)}`]) expect(() => extractedEntry(line)).not.toThrow();
    expect(extractedEntry(`  a${' '.repeat(1_000_000)}(7 B)... OK.`)).toEqual({size: 7});
  });

  it('an extraction answer without `lines` that repeats every line: each line counted and shown once', () => {
    const decoder = extractDecoder();
    const first = decoder.decode({result: 0, output: ['x.zip: Zip', '  a (1 B)... OK.']});
    const second = decoder.decode({result: 0, output: ['x.zip: Zip', '  a (1 B)... OK.', '  b (2 B)... OK.']});
    const third = decoder.decode({result: 0, output: ['x.zip: Zip', '  a (1 B)... OK.', '  b (2 B)... OK.'], finished: true});
    expect([first.newLines, second.newLines, third.newLines]).toEqual([['x.zip: Zip', '  a (1 B)... OK.'], ['  b (2 B)... OK.'], []]);
    expect(third).toMatchObject({files: 2, bytes: 3, done: true});
    expect(decoder.pollParams()).toEqual({lines: '3'});
  });

  it('an extraction answer without `lines` that holds only the new lines (as asked): each shown once', () => {
    const decoder = extractDecoder();
    decoder.decode({result: 0, output: ['x.zip: Zip', '  a (1 B)... OK.']});
    const next = decoder.decode({result: 0, output: ['  b (2 B)... OK.']});
    expect(next).toMatchObject({newLines: ['  b (2 B)... OK.'], files: 2, bytes: 3});
  });
});
