import {Agent as HttpAgent, request as httpRequest, type IncomingMessage} from 'node:http';
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https';
import {sanitize} from '../sanitize.js';
import {METRICS_CONTENT_TYPE} from './exposition.js';

/** Of an error answer, this much is read and shown (a Pushgateway says in one line why it refused). */
const MAX_ERROR_BODY_BYTES = 2048;

/**
 * Where this machine's jobs go: one group per machine, `job="pcloud-progress"`, `instance=<machine name>`.
 * A name a path segment cannot hold (empty, or with `/`) takes the Pushgateway's base64 form.
 */
export function groupUrl(base: string, instance: string): string {
  const segment = instance === '' || instance.includes('/') ? `instance@base64/${Buffer.from(instance).toString('base64url') || '='}` : `instance/${encodeURIComponent(instance)}`;
  return `${base}/metrics/job/pcloud-progress/${segment}`;
}

/**
 * PUTs the text to a Pushgateway group (PUT replaces the group: it holds exactly this run's jobs).
 * Its own agent, one keep-alive connection: never the pCloud client's pool, so a slow Pushgateway
 * cannot hold a poll back. No proxy: a Pushgateway is on the fleet's own network.
 */
export class Pusher {
  readonly #url: URL;
  readonly #agent: HttpAgent;

  constructor(url: string) {
    this.#url = new URL(url);
    this.#agent = this.#url.protocol === 'https:' ? new HttpsAgent({keepAlive: true, maxSockets: 1}) : new HttpAgent({keepAlive: true, maxSockets: 1});
  }

  /** Resolves once the Pushgateway took the text (2xx); rejects with what went wrong, or when `signal` aborts. */
  push(text: string, signal: AbortSignal): Promise<void> {
    const body = Buffer.from(text);
    const request = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      const req = request(this.#url, {
        method: 'PUT',
        agent: this.#agent,
        signal,
        headers: {'content-type': METRICS_CONTENT_TYPE, 'content-length': body.length},
      });
      req.on('error', reject);
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < MAX_ERROR_BODY_BYTES) text += chunk;
        });
        res.on('error', reject);
        res.on('end', () => {
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`HTTP ${status}${text.trim() === '' ? '' : `: ${sanitize(text, 300)}`}`));
        });
      });
      req.end(body);
    });
  }

  /** Lets go of the kept connection: nothing of the Pushgateway keeps the process alive. */
  close(): void {
    this.#agent.destroy();
  }
}
