/**
 * JSON text with 64-bit integers written digit for digit. pCloud sends file `hash`es and ids
 * beyond 2^53, which a JavaScript number cannot hold and JSON.stringify cannot write from a
 * BigInt; so the emulator keeps them as BigInts and this writer puts their digits in verbatim.
 * Everything else is written the way JSON.stringify writes it.
 */
export function jsonWithBigInts(value: unknown): string {
  return write(value) ?? 'null';
}

/** undefined where JSON.stringify would leave the value out (undefined, a function, a symbol). */
function write(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) as string | undefined;
  if (typeof (value as {toJSON?: unknown}).toJSON === 'function') return write((value as {toJSON: () => unknown}).toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const text = write(item);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
