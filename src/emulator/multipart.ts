/**
 * A streaming multipart/form-data parser, just enough for uploadfile: it never holds a file's data,
 * only counts it, so a large upload costs no memory. It reports parts as they begin and end.
 */
export interface MultipartEvents {
  /** a form field, complete */
  field(name: string, value: string): void;
  /** a file part starts */
  fileStart(filename: string, contentType: string): void;
  /** `bytes` more bytes of the current file's data */
  fileData(bytes: number, data: Buffer): void;
  /** the current file part ended */
  fileEnd(): void;
}

type State = 'boundary' | 'afterBoundary' | 'headers' | 'body' | 'done';

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

export class MultipartParser {
  readonly #delimiter: Buffer;
  readonly #events: MultipartEvents;
  // the stream is read as if it began with CRLF, so every boundary is CRLF--boundary
  #pending: Buffer = Buffer.from('\r\n');
  #state: State = 'boundary';
  #part: {name: string; filename: string | undefined; chunks: Buffer[]; size: number} | undefined;

  constructor(boundary: string, events: MultipartEvents) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
    this.#events = events;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  write(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (this.#step()) {
      // each step consumes what it can; false means: wait for more data
    }
  }

  #step(): boolean {
    switch (this.#state) {
      case 'boundary': {
        const at = this.#pending.indexOf(this.#delimiter);
        if (at < 0) {
          this.#keepTail();
          return false;
        }
        this.#pending = this.#pending.subarray(at + this.#delimiter.length);
        this.#state = 'afterBoundary';
        return true;
      }
      case 'afterBoundary': {
        if (this.#pending.length < 2) return false;
        const next = this.#pending.subarray(0, 2).toString('latin1');
        this.#pending = this.#pending.subarray(2);
        this.#state = next === '--' ? 'done' : 'headers';
        return this.#state !== 'done';
      }
      case 'headers': {
        const end = this.#pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.#pending.length > MAX_HEADER_BYTES) throw new Error('multipart part headers too large');
          return false;
        }
        this.#startPart(this.#pending.subarray(0, end).toString('utf8'));
        this.#pending = this.#pending.subarray(end + 4);
        this.#state = 'body';
        return true;
      }
      case 'body': {
        const at = this.#pending.indexOf(this.#delimiter);
        if (at < 0) {
          const safe = this.#pending.length - (this.#delimiter.length - 1);
          if (safe > 0) {
            this.#data(this.#pending.subarray(0, safe));
            this.#pending = this.#pending.subarray(safe);
          }
          return false;
        }
        this.#data(this.#pending.subarray(0, at));
        this.#endPart();
        this.#pending = this.#pending.subarray(at + this.#delimiter.length);
        this.#state = 'afterBoundary';
        return true;
      }
      case 'done':
        this.#pending = Buffer.alloc(0);
        return false;
    }
  }

  #keepTail(): void {
    const keep = this.#delimiter.length - 1;
    if (this.#pending.length > keep) this.#pending = this.#pending.subarray(this.#pending.length - keep);
  }

  #startPart(headerText: string): void {
    const disposition = /^content-disposition:(.*)$/im.exec(headerText)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /^content-type:\s*(.*)$/im.exec(headerText)?.[1]?.trim() ?? 'application/octet-stream';
    this.#part = {name, filename, chunks: [], size: 0};
    if (filename !== undefined) this.#events.fileStart(filename, contentType);
  }

  #data(data: Buffer): void {
    const part = this.#part;
    if (!part || data.length === 0) return;
    if (part.filename !== undefined) {
      this.#events.fileData(data.length, data);
      return;
    }
    part.size += data.length;
    if (part.size > MAX_FIELD_BYTES) throw new Error('multipart field too large');
    part.chunks.push(Buffer.from(data));
  }

  #endPart(): void {
    const part = this.#part;
    this.#part = undefined;
    if (!part) return;
    if (part.filename !== undefined) this.#events.fileEnd();
    else this.#events.field(part.name, Buffer.concat(part.chunks).toString('utf8'));
  }
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
