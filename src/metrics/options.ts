import {dirname} from 'node:path';
import {UsageError} from '../errors.js';
import {sanitize} from '../sanitize.js';

/** Where a run's metrics go: `--metrics-file`, `--pushgateway`, or both. */
export interface MetricsOptions {
  /** the file replaced as the jobs change (its folder exists and can be written) */
  file?: string;
  /** the Pushgateway's base URL: no credentials, query, fragment or trailing slash */
  pushgateway?: string;
}

/** The two options as given, or undefined when neither is: the run then never loads the metrics code. */
export async function resolveMetricsOptions(raw: {metricsFile?: string; pushgateway?: string}): Promise<MetricsOptions | undefined> {
  if (raw.metricsFile === undefined && raw.pushgateway === undefined) return undefined;
  const options: MetricsOptions = {};
  if (raw.pushgateway !== undefined) options.pushgateway = parsePushgateway(raw.pushgateway);
  if (raw.metricsFile !== undefined) options.file = await checkMetricsFile(raw.metricsFile);
  return options;
}

/**
 * `--pushgateway`: an http(s) URL, with a path when the Pushgateway sits behind one. A password is
 * refused rather than used: a command line can be read by anyone on the machine (`ps`).
 */
export function parsePushgateway(text: string): string {
  // a URL with `@` may hold a password: it is never repeated back
  const shown = text.includes('@') ? '' : ` "${sanitize(text.trim(), 100)}"`;
  const bad = (why: string): UsageError => new UsageError(`bad --pushgateway${shown}: ${why}`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad('expected a URL such as http://pushgateway.example:9091');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('expected an http:// or https:// URL, such as http://pushgateway.example:9091');
  if (url.username !== '' || url.password !== '') {
    throw bad('credentials do not belong in a command line, where anyone on this machine can read them (ps); pcloud-progress sends none to a Pushgateway');
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(text)) throw bad('give the URL without a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `--metrics-file`: its folder must exist and be writable now, so a typo fails at once (exit 2), not at the first write. */
async function checkMetricsFile(path: string): Promise<string> {
  const bad = (why: string): UsageError => new UsageError(`bad --metrics-file "${sanitize(path, 200)}": ${why}`);
  if (path.trim() === '') throw new UsageError('bad --metrics-file: it is empty');
  const {access, stat} = await import('node:fs/promises');
  const {constants} = await import('node:fs');
  const folder = dirname(path);
  const folderInfo = await stat(folder).catch(() => undefined);
  if (folderInfo === undefined) throw bad(`the folder ${sanitize(folder, 200)} does not exist`);
  if (!folderInfo.isDirectory()) throw bad(`${sanitize(folder, 200)} is not a folder`);
  if (await access(folder, constants.W_OK | constants.X_OK).then(() => false, () => true)) throw bad(`cannot write in ${sanitize(folder, 200)}`);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw bad('it is a folder: name a file, such as pcloud-progress.prom in it');
  return path;
}
