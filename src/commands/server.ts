import {createClient, type ApiClient} from '../api/client.js';
import type {Env} from '../env.js';
import {ExitCode} from '../exit-codes.js';
import {isLoopback, parseHost, type Host} from '../host.js';
import {resolveConnection, resolveOutput, type RawOptions} from '../options.js';
import {sanitize, terminalSafeJson} from '../sanitize.js';
import type {RawAnswer} from '../api/decode.js';
import {mayHoldExactNumbers} from '../json.js';

class ServerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function ask(client: ApiClient, method: string): Promise<RawAnswer> {
  try {
    const outcome = await client.call(method, client.formBody({}));
    if (outcome.type === 'answer') return outcome.raw;
    const exitCode = outcome.type === 'fatal' ? outcome.exitCode : ExitCode.failure;
    throw new ServerError(`${method} on ${client.host.label} failed: ${sanitize(outcome.message)}`, exitCode);
  } finally {
    client.close();
  }
}

/** A host named by the server, checked like --host; it keeps plain http only on loopback (the emulator). */
function namedHost(name: unknown, from: Host, method: string): Host {
  if (typeof name !== 'string' || name === '') throw new ServerError(`${method} on ${from.label} named no host`, ExitCode.failure);
  try {
    const hostname = name.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const http = from.protocol === 'http:' && isLoopback(hostname);
    return parseHost(http ? `http://${name}` : name);
  } catch {
    throw new ServerError(`${method} on ${from.label} named a host that is not valid: "${sanitize(name, 80)}"`, ExitCode.failure);
  }
}

/**
 * `server`: getapiserver for the nearest API machine, then currentserver on it for the hostname
 * that resolves only to that machine. stdout gets the hostname (or, with --json, the answer).
 */
export async function serverCommand(raw: RawOptions, env: Env): Promise<number> {
  const connection = resolveConnection(raw, env);
  const json = resolveOutput(raw) === 'json';
  const clientFor = (host: Host): Promise<ApiClient> => createClient({host, requestTimeoutMs: connection.requestTimeoutMs, maxConnections: 1});
  try {
    const nearest = await ask(await clientFor(connection.host), 'getapiserver');
    const api = Array.isArray(nearest.api) ? nearest.api[0] : undefined;
    const machine = namedHost(api, connection.host, 'getapiserver');
    const current = await ask(await clientFor(machine), 'currentserver');
    const pinned = namedHost(current.hostname, machine, 'currentserver');
    env.stdout.write(json ? `${terminalSafeJson(current, mayHoldExactNumbers(current))}\n` : `${pinned.label}\n`);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ServerError) {
      env.stderr.write(`pcloud-progress: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
