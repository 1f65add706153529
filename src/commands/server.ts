import {ClientSetupError, createClient, type ApiClient} from '../api/client.js';
import type {Env} from '../env.js';
import {CommandError, UsageError} from '../errors.js';
import {ExitCode} from '../exit-codes.js';
import {isLoopback, parseHost, type Host} from '../host.js';
import {resolveConnection, resolveOutput, type RawOptions} from '../options.js';
import {sanitize} from '../sanitize.js';
import {say} from '../say.js';
import {mayHoldExactNumbers, terminalSafeJson} from '../json.js';
import type {RawAnswer} from '../api/decode.js';

/** A request that got no usable answer: the server or the network failed, not the credentials. */
class NoAnswerError extends CommandError {
  constructor(message: string) {
    super(message, 'failure');
  }
}

async function ask(client: ApiClient, method: string): Promise<RawAnswer> {
  try {
    const outcome = await client.call(method, client.formBody({}));
    if (outcome.type === 'answer') return outcome.raw;
    const message = `${method} on ${client.host.label} failed: ${sanitize(outcome.message)}`;
    if (outcome.type === 'fatal') throw new CommandError(message, outcome.reason);
    throw new NoAnswerError(message);
  } finally {
    client.close();
  }
}

/** A host named by the server, checked like --host; it keeps plain http only on loopback (the emulator). */
function namedHost(name: unknown, from: Host, method: string): Host {
  if (typeof name !== 'string' || name === '') throw new CommandError(`${method} on ${from.label} named no host`, 'failure');
  try {
    const hostname = name.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const http = from.protocol === 'http:' && isLoopback(hostname);
    return parseHost(http ? `http://${name}` : name);
  } catch {
    throw new CommandError(`${method} on ${from.label} named a host that is not valid: "${sanitize(name, 80)}"`, 'failure');
  }
}

/**
 * `server`: getapiserver for the nearest API machine, then currentserver on it for the hostname
 * that resolves only to that machine. stdout gets the hostname (or, with --json, the answer).
 * A failure is thrown up as a CommandError: main() says it and picks the exit code.
 */
export async function serverCommand(raw: RawOptions & {url?: boolean}, env: Env): Promise<number> {
  const connection = resolveConnection(raw, env);
  const json = resolveOutput(raw) === 'json';
  if (json && raw.url) throw new UsageError('--json and --url do not go together');
  const clientFor = (host: Host): Promise<ApiClient> =>
    createClient({host, requestTimeoutMs: connection.requestTimeoutMs, maxConnections: 1, proxyEnv: env.vars, wallClock: () => env.clock.wall()}).catch((error: unknown) => {
      if (error instanceof ClientSetupError && error.reason === 'failure') throw new NoAnswerError(error.message); // a name that does not resolve answers nothing
      throw error;
    });
  const warn = (text: string): void => say(env.stderr, `warning: ${text}`);
  // the nearest API machine; none named: the generic host itself, as pCloud advises
  const nearest = await ask(await clientFor(connection.host), 'getapiserver');
  const api = Array.isArray(nearest.api) ? nearest.api[0] : undefined;
  let machine = connection.host;
  if (api === undefined) warn(`getapiserver on ${connection.host.label} named no API server; asking ${connection.host.label} itself`);
  else machine = namedHost(api, connection.host, 'getapiserver');
  let current: RawAnswer;
  try {
    current = await ask(await clientFor(machine), 'currentserver');
  } catch (error) {
    // the nearest machine does not answer: the generic host does, and names the machine it is
    if (!(error instanceof NoAnswerError) || machine === connection.host) throw error;
    warn(`${error.message}; asking ${connection.host.label} instead`);
    machine = connection.host;
    current = await ask(await clientFor(machine), 'currentserver');
  }
  const pinned = namedHost(current.hostname, machine, 'currentserver');
  // a plain-HTTP (loopback) host keeps its scheme: `--host 127.0.0.1:8080` alone would mean https;
  // --url: always the origin, what a script puts before /uploadfile and gives to --host alike
  const text = raw.url || pinned.protocol === 'http:' ? pinned.origin : pinned.label;
  env.stdout.write(json ? `${terminalSafeJson(current, mayHoldExactNumbers(current))}\n` : `${text}\n`);
  return ExitCode.ok;
}
