import type {ExitReason} from '../exit-codes.js';
import type {RawAnswer} from './decode.js';
import {JsonTooDeepError, parseJson} from '../json.js';

/**
 * What one request came to, classified by the contract's failure table. The polling loop only
 * ever sees these; it never sees HTTP, got or a URL.
 */
export type Outcome =
  | {type: 'answer'; raw: RawAnswer}
  | {type: 'notFound'; code: number; message: string; raw: RawAnswer}
  | Transient
  | {type: 'fatal'; reason: ExitReason; code: number | null; message: string; hint?: string};

/** A failure worth retrying. The optional fields tell the loop how to retry and when to stop. */
export interface Transient {
  type: 'transient';
  code: number | null;
  message: string;
  /** shown with the message when the loop gives up on this failure (it names what to check) */
  hint?: string;
  /** the server asked to wait this long before the next try (HTTP `Retry-After`) */
  retryAfterMs?: number;
  /** a pCloud rate limit (4xxx but 4000): back off hard; still rate limited at the end means exit 5 */
  rateLimited?: true;
  /**
   * No HTTP answer came back at all: 'refused' (nothing listens there), 'protocol' (something
   * answered in another protocol: TLS to a plain-HTTP port or the reverse), 'failed' (a reset, a
   * timeout, an unreachable network). Absent when the server answered, however badly.
   */
  connection?: 'refused' | 'protocol' | 'failed';
}

const REGION_HINT =
  'the token may belong to the other region: try --region eu (eapi.pcloud.com) or --region us (api.pcloud.com), or the matching --host';

/** The codes that say the credentials themselves are missing or wrong (pCloud's docs). */
const CREDENTIAL_CODES = new Set([1000, 2000, 2094, 2095]);
const PERMISSION_DENIED = 2003;
/** "Too many login tries": retrying lengthens the ban, so it stops the watch at once. */
const LOGIN_BAN = 4000;

function serverText(raw: RawAnswer): string {
  return typeof raw.error === 'string' && raw.error.trim() !== '' ? raw.error.trim() : 'no error text';
}

/**
 * 1000 and 2xxx: exit 3 (the contract's table). Only a code about the credentials is worded
 * "authentication failed"; 2003 is a permission the token lacks; any other 2xxx is the server
 * refusing this request, in its own words.
 */
function refused(code: number, text: string): Outcome {
  const fatal = (message: string, hint?: string): Outcome => ({type: 'fatal', reason: 'auth', code, message: `${message}: ${text} (pCloud ${code})`, ...(hint && {hint})});
  if (code === 2000 || code === 2094) return fatal('authentication failed', REGION_HINT);
  if (CREDENTIAL_CODES.has(code)) return fatal('authentication failed');
  if (code === PERMISSION_DENIED) return fatal('permission denied', 'the token lacks the permission for this (some OAuth tokens cannot use savezip); try an auth token');
  return fatal('the server refused the request');
}

/** A parsed JSON body with a numeric `result` -> Outcome. */
export function classifyAnswer(raw: RawAnswer): Outcome {
  const code = raw.result as number;
  const text = serverText(raw);
  if (code === 0) return {type: 'answer', raw};
  if (code >= 1900 && code < 2000) return {type: 'notFound', code, message: text, raw};
  if (code === 1000 || (code >= 2000 && code < 3000)) return refused(code, text);
  if (code === LOGIN_BAN) {
    return {type: 'fatal', reason: 'rateLimited', code, message: `rate limited: ${text} (pCloud ${code})`, hint: 'wait before trying again; retrying now lengthens the ban'};
  }
  if (code >= 4000 && code < 5000) return {type: 'transient', code, message: `rate limited: ${text} (pCloud ${code})`, rateLimited: true};
  if (code >= 5000 && code < 6000) return {type: 'transient', code, message: `server error: ${text} (pCloud ${code})`};
  return {type: 'fatal', reason: 'failure', code, message: `server answered: ${text} (pCloud ${code})`};
}

/** A body that is JSON but not a pCloud answer, or not JSON at all: transient per the contract. */
export function classifyBody(text: string): Outcome {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (error) {
    const what = error instanceof JsonTooDeepError ? `JSON ${error.message}` : text.trim() === '' ? 'an empty body' : /^\s*</.test(text) ? 'an HTML page' : 'a body that is not JSON';
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
