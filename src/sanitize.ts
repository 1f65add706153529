/**
 * Characters that must never reach a terminal raw: C0 and C1 controls (ESC, CSI, OSC, BEL...), DEL,
 * and the Unicode bidi overrides and isolates that can make a file name read backwards.
 */
export const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Whole escape sequences (CSI `ESC [ ... m`, OSC `ESC ] ... BEL`), so no `[31m` residue is left. */
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\u009c]*(\u0007|\u001b\\|\u009c)?|\u001b[@-_]/g;

/** Where a URL's user:password could end: the authority ends at a space, `/`, `?` or `#`. */
const AUTHORITY_END = /[\s/?#@]/g;

/**
 * Every `scheme://user:password@` in a text as `scheme://`: a URL inside server text (an error text,
 * an output line) is never shown with its credentials. Linear: each `://` is followed to the end of
 * its authority (which holds no `/`, so no other `://`), and the next one is looked for from there.
 */
export function withoutUserinfo(text: string): string {
  let out = '';
  let from = 0;
  // the next `://` may begin on the `:` just before the `/` that ended an authority: searched from its start
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    const start = at + 3;
    AUTHORITY_END.lastIndex = start;
    const end = AUTHORITY_END.exec(text);
    if (end !== null && end[0] === '@') {
      out += text.slice(from, start);
      from = end.index + 1;
    } else {
      const next = end === null ? text.length : end.index;
      out += text.slice(from, next);
      from = next;
    }
  }
  return out + text.slice(from);
}

/** Server text (file names, error texts) made safe for a terminal, cut to `maxLength` characters. */
export function sanitize(text: string, maxLength = 200): string {
  const clean = withoutUserinfo(text).replace(/[\t\n\r\f\v]+/g, ' ').replace(ESCAPE_SEQUENCE, '').replace(UNSAFE, '').replace(/ {2,}/g, ' ').trim();
  if (clean.length <= maxLength) return clean;
  return `${Array.from(clean).slice(0, Math.max(1, maxLength - 1)).join('')}…`;
}
