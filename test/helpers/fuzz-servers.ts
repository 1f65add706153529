import {spawn} from 'node:child_process';
import fc from 'fast-check';
import {BIN} from './cli.js';
import {rawServer, type RawAnswer, type RawRequest} from './raw-server.js';

// Property-based hostile servers (issue 21): a raw loopback socket answers each request with random
// bytes built from the parts that broke the watch before (status lines, headers, bodies, encodings,
// closes, delays, JSON shapes and numbers), and the built CLI must end in time, with one final event
// per job, a documented exit code, and no secret in its output.

/** What every case's credentials and URLs hold: never to be found in any output. */
export const FUZZ_TOKEN = 'fz-Tok3n-q7Z9xw';
export const URL_PASSWORD = 'Pw-s3cr3t-U9k';

const TIMEOUT_MS = 1000;
/**
 * The contract's bound for the tests: the CLI ends within its --timeout plus 2 s, or it is killed
 * and the case fails. Its --timeout counts from its start, which the server sees as the first
 * request; until then (Node starting on a busy machine) it gets START_ALLOWANCE_MS more.
 */
export const END_BOUND_MS = TIMEOUT_MS + 2000;
const START_ALLOWANCE_MS = 3000;
/** Exit codes a hostile server may lead to (1 is a bug; 2 cannot come from a server). */
const EXPECTED_EXITS = new Set([0, 3, 4, 5, 6, 7, 8]);

const KINDS = ['upload', 'zip', 'extract'] as const;
type Kind = (typeof KINDS)[number];

const number: fc.Arbitrary<string> = fc.oneof(
  fc.nat({max: 10_000}).map(String),
  fc.constantFrom('0', '100', '-1', '1e400', '-1e400', '1e-400', '1.7e308', '9007199254740993', '18446744073709551615', '0.5', '3.0', '1E3', '12345678901234567890123'),
  fc.double({noNaN: true, noDefaultInfinity: true}).map((value) => JSON.stringify(value)),
);
const strings = fc.oneof(
  fc.string({maxLength: 20}),
  fc.constantFrom('0x64', ' 0b110010 ', 'NaN', 'Infinity', '\u001b[2J\u001b]0;pwned\u0007', '\u202eexe.txt', `auth=${FUZZ_TOKEN}`, `https://u:${URL_PASSWORD}@files.example/a?sig=1`, `alice:${URL_PASSWORD}@files.example:99999/x`, ''),
);
/** A JSON value as text: numbers keep their spelling (`1e400` is no JS number). */
const value: fc.Arbitrary<string> = fc.letrec<{value: string}>((tie) => ({
  value: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    number,
    strings.map((text) => JSON.stringify(text)),
    fc.constantFrom('true', 'false', 'null', '[]', '{}'),
    fc.array(tie('value'), {maxLength: 3}).map((items) => `[${items.join(',')}]`),
  ),
})).value;

const field = (name: string, arbitrary: fc.Arbitrary<string> = value): fc.Arbitrary<string | undefined> => fc.option(arbitrary.map((text) => `${JSON.stringify(name)}:${text}`), {nil: undefined, freq: 3});
const objectOf = (...fields: fc.Arbitrary<string | undefined>[]): fc.Arbitrary<string> => fc.tuple(...fields).map((parts) => `{${parts.filter((part) => part !== undefined).join(',')}}`);

const result = fc.oneof(fc.constantFrom('0', '0', '0', '1900', '1901', '2000', '2003', '4000', '4010', '5000', '1004', '7001', '"0"', '-1', '2.5', '1e400'), number);
const remoteFile = objectOf(
  field('url', strings.map((text) => JSON.stringify(text))),
  field('status', fc.constantFrom('"downloading"', '"done"', '"error"', '"waiting"', '1')),
  field('size', number),
  field('downloaded', number),
);

/** pCloud-shaped answers, every field optional and of any type, plus the shapes that broke the watch. */
const jsonBody = fc.oneof(
  objectOf(field('result', result), field('uploaded', number), field('total', number), field('finished', fc.constantFrom('true', 'false', '1', '"true"')), field('currentfile'), field('files'), field('error', strings.map((text) => JSON.stringify(text)))),
  objectOf(field('result', result), field('files', number), field('totalfiles', number), field('bytes', number), field('totalbytes', number), field('finished', fc.constantFrom('true', 'false'))),
  objectOf(field('result', result), field('urlcount', number), field('urlready', number), field('finished', fc.constantFrom('true', 'false')), field('files', fc.array(remoteFile, {maxLength: 3}).map((files) => `[${files.join(',')}]`))),
  objectOf(
    field('result', result),
    field('finished', fc.constantFrom('true', 'false')),
    field('lines', number),
    // a line of 200 000 spaces: what cost a quadratic pattern 13 s of CPU
    field('output', fc.array(fc.oneof(strings, fc.constantFrom('  a/b.jpg  (12 B)... OK.', 'x.zip: Zip', `  a${' '.repeat(200_000)}b`)), {maxLength: 4}).map((lines) => JSON.stringify(lines))),
  ),
  fc.constantFrom(60, 65, 3000, 6000, 100_000).map((depth) => `{"result":0,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  // the answers that broke the watch before, each in a shape every kind reads
  fc.constantFrom(
    `{"result":0,"finished":false,"lines":1,"output":["  a${' '.repeat(200_000)}b"]}`,
    `{"result":0,"finished":false,"output":["x.zip: Zip","  a (1 B)... OK."]}`,
    '{"result":0,"urlcount":2,"urlready":1,"files":[{"url":"https://a.example/1","status":"downloading","size":1.7e308,"downloaded":1.7e308},{"url":"https://a.example/2","status":"error","size":1.7e308,"downloaded":1}]}',
    '{"result":0,"files":3,"totalfiles":5,"bytes":"0x64","totalbytes":" 0b110010 ","finished":true}',
  ),
  fc.constantFrom(`{"result":2000,"error":"Log in failed for ${FUZZ_TOKEN}"}`, '{"result":0,"uploaded":1.7e308,"total":1.7e308}', '[1,2]', 'null', '"x"'),
);

const body = fc.oneof(
  {weight: 6, arbitrary: jsonBody.map((text) => Buffer.from(text))},
  {weight: 1, arbitrary: fc.uint8Array({maxLength: 200}).map((bytes) => Buffer.from(bytes))},
  {weight: 1, arbitrary: fc.constantFrom('', '<html>502 Bad Gateway</html>', '{"result":0', '\u0016\u0003\u0001\u0000\u0002\u0002\u0046').map((text) => Buffer.from(text, 'latin1'))},
);

const statusLine = fc.constantFrom(
  'HTTP/1.1 200 OK',
  'HTTP/1.1 200 OK',
  'HTTP/1.1 200 OK',
  'HTTP/1.0 200 OK',
  'HTTP/1.1 101 Switching Protocols',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK',
  'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK',
  'HTTP/1.1 204 No Content',
  'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x',
  'HTTP/1.1 404 Not Found',
  'HTTP/1.1 429 Too Many Requests',
  'HTTP/1.1 500 Internal Server Error',
  'HTTP/1.1 503 Service Unavailable',
  'HTTP/1.1 999 Whatever',
  'HTTP/2 200',
  'ICY 200 OK',
  'garbage',
);

const extraHeader = fc.constantFrom(
  'Content-Encoding: gzip',
  'Content-Encoding: br',
  'Content-Encoding: identity',
  'Retry-After: 1',
  'Retry-After: Wed, 01 Jan 2031 00:00:00 GMT',
  'Retry-After: -3',
  'Connection: close',
  'Connection: keep-alive',
  'Keep-Alive: timeout=0',
  'Content-Type: text/html',
  'Upgrade: websocket',
  'X-Control: a\u0001b',
  `X-Echo: ${FUZZ_TOKEN}`,
  `X-Big: ${'a'.repeat(20_000)}`,
  'Transfer-Encoding: chunked',
  'Content-Length: 3',
  'Content-Length: 99999',
);

const framing = fc.constantFrom('length', 'length', 'length', 'chunked', 'none', 'short', 'long');

/** One answer to one request: bytes built from parts, and what the socket does after. */
const answer: fc.Arbitrary<RawAnswer> = fc
  .record({
    status: statusLine,
    headers: fc.array(extraHeader, {maxLength: 3}),
    framing,
    body,
    after: fc.constantFrom('keep', 'keep', 'keep', 'end', 'destroy', 'hold', 'partial'),
    delayMs: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({min: 1, max: 400})),
  })
  .map(({status, headers, framing: frame, body: bytes, after, delayMs}) => {
    const head: string[] = [status, ...headers];
    let payload = bytes;
    if (frame === 'length') head.push(`Content-Length: ${bytes.length}`);
    if (frame === 'short') head.push(`Content-Length: ${Math.max(0, bytes.length - 2)}`);
    if (frame === 'long') head.push(`Content-Length: ${bytes.length + 10}`);
    if (frame === 'chunked') {
      head.push('Transfer-Encoding: chunked');
      payload = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')]);
    }
    const all = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
    if (after === 'partial') return {bytes: all.subarray(0, Math.floor(all.length / 2)), end: true, delayMs};
    if (after === 'destroy') return {destroy: true, delayMs};
    if (after === 'hold') return {bytes: all, hold: true, delayMs};
    return {bytes: all, end: after === 'end', delayMs};
  });

export interface FuzzCase {
  kind: Kind;
  hashes: string[];
  output: 'json' | 'plain' | 'quiet';
  credentials: 'auth' | 'accessToken';
  answers: RawAnswer[];
}

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  kind: fc.constantFrom(...KINDS),
  hashes: fc.constantFrom(['h1'], ['h1'], ['h1', 'h2']),
  output: fc.constantFrom('json', 'json', 'plain', 'quiet'),
  credentials: fc.constantFrom('auth', 'accessToken'),
  answers: fc.array(answer, {minLength: 1, maxLength: 6}),
});

export interface CaseResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  requests: number;
}

/** Runs the built CLI against a raw server scripted with the case's answers (the last one again for every later request). */
export async function runCase(testCase: FuzzCase): Promise<CaseResult> {
  let started: (() => void) | undefined;
  const answerFor = (request: RawRequest): RawAnswer => {
    if (request.index === 0) started?.();
    return testCase.answers[Math.min(request.index, testCase.answers.length - 1)] as RawAnswer;
  };
  const server = await rawServer(answerFor);
  try {
    const args = [testCase.kind, ...testCase.hashes, '--host', server.url, '--timeout', `${TIMEOUT_MS}ms`, '--interval', '20ms', '--wait', '300ms', '--request-timeout', '400ms'];
    if (testCase.output !== 'plain') args.push(`--${testCase.output}`);
    const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, LANG: 'C.UTF-8', [testCase.credentials === 'auth' ? 'PCLOUD_AUTH' : 'PCLOUD_ACCESS_TOKEN']: FUZZ_TOKEN};
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let killed = false;
    const kill = (): void => {
      killed = true;
      child.kill('SIGKILL');
    };
    const timers = [setTimeout(kill, START_ALLOWANCE_MS + END_BOUND_MS)];
    started = () => timers.push(setTimeout(kill, END_BOUND_MS));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    for (const timer of timers) clearTimeout(timer);
    return {code, signal, stdout, stderr, killed, requests: server.requests.length};
  } finally {
    await server.close();
  }
}

/** Everything wrong with a case's result, in words: empty when the CLI behaved. */
export function problems(testCase: FuzzCase, result: CaseResult): string[] {
  const found: string[] = [];
  if (result.killed) found.push(`did not end within --timeout + 2 s (${END_BOUND_MS} ms from its first request)`);
  if (result.code === null || !EXPECTED_EXITS.has(result.code)) found.push(`exit code ${result.code ?? result.signal}`);
  for (const [name, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    if (text.includes(FUZZ_TOKEN)) found.push(`the token in ${name}`);
    if (/\n\s+at .+:\d+:\d+/.test(text)) found.push(`a stack trace in ${name}`);
  }
  if (result.stderr.includes(URL_PASSWORD)) found.push('a URL password in stderr');
  if (testCase.output === 'quiet' && result.stdout + result.stderr !== '') found.push('output with --quiet');
  if (testCase.output !== 'json') return found;
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  const finals = new Map<string, number>();
  let afterFinal = false;
  for (const line of lines) {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      found.push(`a line that is not JSON: ${line.slice(0, 80)}`);
      continue;
    }
    const {raw: _raw, lines: _lines, ...shown} = event; // raw and output lines are the server's data, verbatim
    if (JSON.stringify(shown).includes(URL_PASSWORD)) found.push(`a URL password outside raw: ${line.slice(0, 120)}`);
    const hash = String(event.hash);
    if (finals.has(hash)) afterFinal = true;
    if (event.event === 'done' || event.event === 'error') finals.set(hash, (finals.get(hash) ?? 0) + 1);
    const percent = event.percent;
    if (typeof percent === 'number' && !(percent >= 0 && percent <= 100)) found.push(`percent ${percent}`);
    for (const key of ['bytes', 'totalBytes', 'files', 'totalFiles', 'rate', 'eta']) {
      const n = event[key];
      if (typeof n === 'number' && (!Number.isFinite(n) || n < 0)) found.push(`${key} ${n}`);
    }
  }
  if (afterFinal) found.push('an event after a job’s final event');
  for (const hash of testCase.hashes) {
    const count = finals.get(hash) ?? 0;
    if (count !== 1) found.push(`${count} final events for ${hash}`);
  }
  return found;
}

/** A case as a reader wants it in a report: the answers' first bytes. */
export function describeCase(testCase: FuzzCase): string {
  const answers = testCase.answers.map((a) => ({...a, bytes: a.bytes === undefined ? undefined : JSON.stringify(a.bytes.toString('latin1').slice(0, 160))}));
  return JSON.stringify({...testCase, answers}, null, 1);
}
