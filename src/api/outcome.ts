import {ExitCode} from '../exit-codes.js';
import type {RawAnswer} from './decode.js';
import {parseJson} from '../json.js';

/**
 * What one request came to, classified by the contract's failure table. The polling loop only
 * ever sees these; it never sees HTTP, got or a URL.
 */
export type Outcome =
  | {type: 'answer'; raw: RawAnswer}
  | {type: 'notFound'; code: number; message: string; raw: RawAnswer}
  | {type: 'transient'; code: number | null; message: string}
  | {type: 'fatal'; exitCode: number; code: number | null; message: string; hint?: string};

const REGION_HINT =
  'the token may belong to the other region: try --region eu (eapi.pcloud.com) or --region us (api.pcloud.com), or the matching --host';

function serverText(raw: RawAnswer): string {
  return typeof raw.error === 'string' && raw.error.trim() !== '' ? raw.error.trim() : 'no error text';
}

/** A parsed JSON body with a numeric `result` -> Outcome. */
export function classifyAnswer(raw: RawAnswer): Outcome {
  const code = raw.result as number;
  const text = serverText(raw);
  if (code === 0) return {type: 'answer', raw};
  if (code >= 1900 && code < 2000) return {type: 'notFound', code, message: text, raw};
  if (code === 1000 || (code >= 2000 && code < 3000)) {
    const hint = code === 2000 || code === 2094 ? REGION_HINT : code === 2003 ? 'the token lacks the permission for this (some OAuth tokens cannot use savezip); try an auth token' : undefined;
    return {type: 'fatal', exitCode: ExitCode.auth, code, message: `authentication failed: ${text} (pCloud ${code})`, ...(hint && {hint})};
  }
  if (code >= 4000 && code < 5000) {
    return {type: 'fatal', exitCode: ExitCode.rateLimited, code, message: `rate limited: ${text} (pCloud ${code})`, hint: 'wait before trying again; retrying now lengthens the ban'};
  }
  if (code >= 5000 && code < 6000) return {type: 'transient', code, message: `server error: ${text} (pCloud ${code})`};
  return {type: 'fatal', exitCode: ExitCode.failure, code, message: `server answered: ${text} (pCloud ${code})`};
}

/** A body that is JSON but not a pCloud answer, or not JSON at all: transient per the contract. */
export function classifyBody(text: string): Outcome {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch {
    const what = text.trim() === '' ? 'an empty body' : /^\s*</.test(text) ? 'an HTML page' : 'a body that is not JSON';
    return {type: 'transient', code: null, message: `malformed answer: ${what}`};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {type: 'transient', code: null, message: 'malformed answer: not a JSON object'};
  }
  const raw = parsed as RawAnswer;
  if (typeof raw.result !== 'number' || !Number.isInteger(raw.result)) {
    return {type: 'transient', code: null, message: 'malformed answer: no result code'};
  }
  return classifyAnswer(raw);
}
