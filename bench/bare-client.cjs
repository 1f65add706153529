'use strict';
// The floor for Node: a bare node:http keep-alive client doing the same POSTs until finished.
// `bare-client.cjs <url> <max polls> [--tls]`; --tls also loads node:https, as any client of pCloud
// (HTTPS only) must, though the bench's server is plain HTTP on loopback.
// CommonJS: on Node 22 and 24, an ES module's `import 'node:http'` also loads Node's bundled undici
// (for http's WebSocket exports), ~50 ms that a floor should not carry; `require` does not.
const {Agent, request} = require('node:http');

const [url, max, tls] = process.argv.slice(2);
if (tls === '--tls') require('node:https');
const agent = new Agent({keepAlive: true, maxSockets: 1});
const body = 'progresshash=h&auth=bench-token';
const post = () =>
  new Promise((resolve, reject) => {
    const req = request(url, {method: 'POST', agent, headers: {'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length}}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });

async function main() {
  for (let i = 0; i < Number(max); i++) {
    const answer = await post();
    if (answer.finished) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  agent.destroy();
}
main();
