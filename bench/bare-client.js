// The floor for Node: a bare node:http keep-alive client doing the same POSTs until finished.
import {Agent, request} from 'node:http';

const [url, max] = process.argv.slice(2);
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
for (let i = 0; i < Number(max); i++) {
  const answer = await post();
  if (answer.finished) break;
  await new Promise((resolve) => setTimeout(resolve, 1));
}
agent.destroy();
