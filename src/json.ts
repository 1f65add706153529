import {isSafeNumber, parse, stringify} from 'lossless-json';
import {UNSAFE} from './sanitize.js';

/**
 * A number from the server that a JavaScript number cannot hold exactly: a 64-bit file `hash` or
 * id beyond 2^53 (pCloud's api.txt: clients MUST accept 64-bit numbers), or a decimal with more
 * digits than a double keeps. `String(n)` (or `n.value`) is exactly the digits the server sent,
 * `BigInt(n.value)` its value. `JSON.stringify` writes it as a string of those digits (it never
 * throws); the CLI's `--json` writes it back as the bare number, digit for digit.
 */
export class ExactNumber {
  /** the digits the server sent */
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }

  toJSON(): string {
    return this.value;
  }
}

// lossless-json's stringify writes any object with its marker as its bare digits. The marker is set
// here rather than by extending LosslessNumber, so that the library's types name no package its
// users do not have (lossless-json is bundled, not a dependency).
Object.defineProperty(ExactNumber.prototype, Symbol.for('lossless-json.LosslessNumber'), {get: () => true});

/** A JSON value as parsed here: numbers are plain numbers unless that would change their digits. */
export type JsonValue = string | number | boolean | null | ExactNumber | JsonValue[] | {[key: string]: JsonValue};

const parseNumber = (text: string): number | ExactNumber => (isSafeNumber(text) ? Number(text) : new ExactNumber(text));

/**
 * What a number needs to lose digits in JSON.parse: a run of 16 digits (or dots), or an exponent
 * (`1e400` would become Infinity, then null; `1e-400` 0).
 */
const INEXACT_NUMBER = /[\d.]{16}|\d[eE]/;

/** Deeper than any pCloud answer ever nests (3 or 4 levels); every later step recurses, so it is bounded here. */
export const MAX_JSON_DEPTH = 64;

/** Thrown by parseJson for a text nested deeper than MAX_JSON_DEPTH: a malformed answer. */
export class JsonTooDeepError extends SyntaxError {}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The text's deepest nesting of arrays and objects (brackets inside strings do not count), in one pass. */
function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/**
 * JSON.parse, except that a number a double cannot hold exactly becomes an ExactNumber, and a text
 * nested deeper than MAX_JSON_DEPTH is refused (JsonTooDeepError) before any parser recurses into
 * it. The lossless parser is pure JavaScript: it is used only when the text may hold such a number.
 */
export function parseJson(text: string): unknown {
  if (exceedsDepth(text, MAX_JSON_DEPTH)) throw new JsonTooDeepError(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (!INEXACT_NUMBER.test(text)) return JSON.parse(text);
  const value = parse(text, null, parseNumber);
  if (typeof value === 'object' && value !== null) LOSSLESS.add(value);
  return value;
}

/** The objects parseJson made with the lossless parser: only they can hold an ExactNumber. */
const LOSSLESS = new WeakSet<object>();

/**
 * `value` with `map` applied to every string in it, keys too (a secret masked wherever a server
 * echoed it). What holds no changed string is returned as it was; a changed copy of an answer from
 * the lossless path is marked as such, so its 64-bit numbers are still written digit for digit.
 */
export function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  let copy: unknown = value;
  if (Array.isArray(value)) {
    const items = value.map((item) => mapStrings(item, map));
    if (items.some((item, index) => item !== value[index])) copy = items;
  } else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => [map(key), mapStrings(item, map)]);
    if (entries.some(([key, item]) => !(key in value) || item !== (value as Record<string, unknown>)[key])) copy = Object.fromEntries(entries);
  }
  if (copy !== value && LOSSLESS.has(value as object)) LOSSLESS.add(copy as object);
  return copy;
}

/** Whether `value` came from parseJson's lossless path (and may hold ExactNumbers). */
export function mayHoldExactNumbers(value: unknown): boolean {
  return typeof value === 'object' && value !== null && LOSSLESS.has(value);
}

/**
 * JSON.stringify that writes an ExactNumber as its bare digits (what the server sent). The
 * lossless stringifier costs about 3x JSON.stringify: `exact` says whether it is needed.
 */
export function stringifyJson(value: unknown, exact: boolean): string {
  return exact ? (stringify(value) ?? 'null') : JSON.stringify(value);
}

/** A count or size that may be an ExactNumber, as a plain number (sizes beyond 2^53 bytes do not occur). */
export function toNumber(value: unknown): unknown {
  return value instanceof ExactNumber ? Number(value.value) : value;
}

/**
 * JSON.stringify escapes C0 controls but not DEL, C1 controls or bidi characters. This escapes
 * them as \uXXXX too: still the same JSON value, but safe when a line is shown in a terminal.
 */
export function terminalSafeJson(value: unknown, exact = false): string {
  return stringifyJson(value, exact).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
