import {describe, expect, it} from 'vitest';
import {decodeProgress} from '../src/api/decode.js';
import {classifyAnswer, classifyBody} from '../src/api/outcome.js';

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
    if (exitCode !== undefined) expect(outcome).toMatchObject({exitCode, code: result});
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
