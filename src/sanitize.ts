/**
 * Characters that must never reach a terminal raw: C0 and C1 controls (ESC, CSI, OSC, BEL...), DEL,
 * and the Unicode bidi overrides and isolates that can make a file name read backwards.
 */
export const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Whole escape sequences (CSI `ESC [ ... m`, OSC `ESC ] ... BEL`), so no `[31m` residue is left. */
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\u009c]*(\u0007|\u001b\\|\u009c)?|\u001b[@-_]/g;

/** Server text (file names, error texts) made safe for a terminal, cut to `maxLength` characters. */
export function sanitize(text: string, maxLength = 200): string {
  const clean = text.replace(/[\t\n\r\f\v]+/g, ' ').replace(ESCAPE_SEQUENCE, '').replace(UNSAFE, '').replace(/ {2,}/g, ' ').trim();
  if (clean.length <= maxLength) return clean;
  return `${Array.from(clean).slice(0, Math.max(1, maxLength - 1)).join('')}…`;
}
