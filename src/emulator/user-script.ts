import {randomBytes} from 'node:crypto';
import {request} from 'node:http';
import {Readable} from 'node:stream';

// What a user's script does against the emulator, for the demo: a throttled multipart upload
// (the parameters first, as pCloud requires) and plain form POSTs.

const CHUNK_BYTES = 64 * 1024;

export interface UploadFile {
  name: string;
  size: number;
}

export interface MultipartPlan {
  boundary: string;
  length: number;
  parts: (Buffer | {size: number})[];
}

/** A multipart body: the parameters first (pCloud requires it), then each file's part (its bytes made up as it streams). */
export function planMultipart(fields: Record<string, string>, files: readonly UploadFile[]): MultipartPlan {
  const boundary = `----pcloud-progress-demo-${randomBytes(8).toString('hex')}`;
  const parts: MultipartPlan['parts'] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push({size: file.size});
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const length = parts.reduce((sum, part) => sum + (Buffer.isBuffer(part) ? part.length : part.size), 0);
  return {boundary, length, parts};
}

/** Streams the planned body at `bytesPerSecond`, generating file data on the fly (nothing held in memory). */
export function throttledBody(plan: MultipartPlan, bytesPerSecond: number, signal: AbortSignal): Readable {
  const filler = randomBytes(CHUNK_BYTES);
  async function* chunks(): AsyncGenerator<Buffer> {
    const started = performance.now();
    let sent = 0;
    for (const part of plan.parts) {
      const pieces = Buffer.isBuffer(part) ? [part] : splitSize(part.size).map((size) => filler.subarray(0, size));
      for (const piece of pieces) {
        if (signal.aborted) return;
        const due = started + (sent / bytesPerSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        sent += piece.length;
        yield piece;
      }
    }
  }
  return Readable.from(chunks(), {objectMode: false});
}

function splitSize(size: number): number[] {
  const sizes: number[] = [];
  for (let left = size; left > 0; left -= CHUNK_BYTES) sizes.push(Math.min(CHUNK_BYTES, left));
  return sizes;
}

/** POSTs with node:http, resolving with the JSON answer. */
export function post(url: string, body: Readable | string, headers: Record<string, string | number>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, {method: 'POST', headers}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

/** A throttled multipart upload to `url`/uploadfile (or uploadtolink, uploadtransfer). */
export function upload(url: string, fields: Record<string, string>, files: readonly UploadFile[], durationMs: number, signal: AbortSignal, method = 'uploadfile'): Promise<unknown> {
  const plan = planMultipart(fields, files);
  return post(`${url}/${method}`, throttledBody(plan, plan.length / (durationMs / 1000), signal), {
    'content-type': `multipart/form-data; boundary=${plan.boundary}`,
    'content-length': plan.length,
  });
}

/** A form POST of `params` to `url`/`method`. */
export function call(url: string, method: string, params: Record<string, string>): Promise<unknown> {
  return post(`${url}/${method}`, new URLSearchParams(params).toString(), {'content-type': 'application/x-www-form-urlencoded'});
}
