import {createServer, type Server} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from './helpers/cli.js';

let holder: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
  holder = undefined;
});

/** A port on the emulator's address that another program already listens on. */
async function takenPort(): Promise<number> {
  holder = createServer();
  const server = holder;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as {port: number}).port;
}

describe('demo --port', () => {
  it('a port in use is a usage error with a way out, not an internal error', async () => {
    const port = await takenPort();
    const result = await runCli(['demo', '--serve', '--port', String(port)], {env: {PCLOUD_AUTH: undefined}});
    expect(result).toMatchObject({code: 2, stdout: ''});
    expect(result.stderr).toBe(`pcloud-progress: port ${port} is in use: pick another --port or leave it out for a free one\n`);
  });

  it('--port without --serve is a usage error, before any demo starts', async () => {
    const result = await runCli(['demo', '--port', '8080', '--duration', '100ms'], {env: {PCLOUD_AUTH: undefined}});
    expect(result).toMatchObject({code: 2, stdout: ''});
    expect(result.stderr).toBe('pcloud-progress: --port only goes with --serve (the demo itself always takes a free port)\n');
  });

  it('a port that is not a number is a usage error too', async () => {
    const result = await runCli(['demo', '--serve', '--port', 'http'], {env: {PCLOUD_AUTH: undefined}});
    expect(result).toMatchObject({code: 2, stderr: 'pcloud-progress: bad --port "http": expected 0 to 65535\n'});
  });
});
