import {createServer, type AddressInfo, type Server, type Socket} from 'node:net';

/** One request as the raw server read it: its head (request line and headers) and its body. */
export interface RawRequest {
  head: string;
  body: string;
  /** the n-th request of the server, from 0 */
  index: number;
}

/**
 * What the server does with a request: bytes to write (then the connection stays open for the
 * next request), and whether to close after them (`end`), to hang up at once (`destroy`), or to
 * hold the connection open, answering nothing more (`hold`). `delayMs` waits before writing.
 */
export interface RawAnswer {
  bytes?: string | Buffer;
  end?: boolean;
  destroy?: boolean;
  hold?: boolean;
  delayMs?: number;
}

export interface RawServer {
  port: number;
  url: string;
  requests: RawRequest[];
  close(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';

/**
 * A hand-written HTTP server on a loopback TCP socket: it parses requests just enough to know where
 * one ends (Content-Length), and answers each with whatever bytes `answer` gives, however broken.
 */
export async function rawServer(answer: (request: RawRequest) => RawAnswer | Promise<RawAnswer>): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let busy = false;
    let held = false;
    const next = async (): Promise<void> => {
      if (busy || held) return;
      const headEnd = buffer.indexOf(HEAD_END);
      if (headEnd === -1) return;
      const head = buffer.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      const total = headEnd + HEAD_END.length + length;
      if (buffer.length < total) return;
      const body = buffer.subarray(headEnd + HEAD_END.length, total).toString('utf8');
      buffer = buffer.subarray(total);
      const request = {head, body, index: requests.length};
      requests.push(request);
      busy = true;
      const reply = await answer(request);
      if (reply.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, reply.delayMs);
          timers.add(timer);
        });
      }
      busy = false;
      if (socket.destroyed) return;
      if (reply.destroy) return void socket.destroy();
      if (reply.bytes !== undefined) socket.write(reply.bytes);
      if (reply.end) return void socket.end();
      if (reply.hold) {
        held = true;
        return;
      }
      await next();
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      void next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A complete HTTP/1.1 answer with a JSON body (or any text), keep-alive. */
export function httpAnswer(body: string, status = '200 OK', headers: Record<string, string> = {}): string {
  const lines = [`HTTP/1.1 ${status}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}${HEAD_END}${body}`;
}
