import {isSafeNumber, LosslessNumber, parse, stringify} from 'lossless-json';
import {UNSAFE} from './sanitize.js';

/**
 * A number from the server that a JavaScript number cannot hold exactly: a 64-bit file `hash` or
 * id beyond 2^53 (pCloud's api.txt: clients MUST accept 64-bit numbers), or a decimal with more
 * digits than a double keeps. `String(n)` (or `n.value`) is exactly the digits the server sent,
 * `BigInt(n.value)` its value. `JSON.stringify` writes it as a string of those digits (it never
 * throws); the CLI's `--json` writes it back as the bare number, digit for digit.
 */
export class ExactNumber extends LosslessNumber {
  toJSON(): string {
    return this.value;
  }
}

/** A JSON value as parsed here: numbers are plain numbers unless that would change their digits. */
export type JsonValue = string | number | boolean | null | ExactNumber | JsonValue[] | {[key: string]: JsonValue};

const parseNumber = (text: string): number | ExactNumber => (isSafeNumber(text) ? Number(text) : new ExactNumber(text));

/** A run of 16 digits (or dots) is the least a number needs to lose digits in JSON.parse. */
const LONG_NUMBER = /[\d.]{16}/;

/**
 * JSON.parse, except that a number a double cannot hold exactly becomes an ExactNumber. The
 * lossless parser is pure JavaScript: it is used only when the text has a long enough run of digits.
 */
export function parseJson(text: string): unknown {
  if (!LONG_NUMBER.test(text)) return JSON.parse(text);
  const value = parse(text, null, parseNumber);
  if (typeof value === 'object' && value !== null) LOSSLESS.add(value);
  return value;
}

/** The objects parseJson made with the lossless parser: only they can hold an ExactNumber. */
const LOSSLESS = new WeakSet<object>();

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
  return value instanceof LosslessNumber ? Number(value.value) : value;
}

/**
 * JSON.stringify escapes C0 controls but not DEL, C1 controls or bidi characters. This escapes
 * them as \uXXXX too: still the same JSON value, but safe when a line is shown in a terminal.
 */
export function terminalSafeJson(value: unknown, exact = false): string {
  return stringifyJson(value, exact).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
