import {rename, unlink, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';

/**
 * Writes `text` to a file beside `path` and renames it over `path`: a reader (node_exporter's
 * textfile collector) sees the old file or the new one, never half of one. The temporary name
 * does not end in `.prom`, so the collector never reads it either.
 */
export async function replaceFile(path: string, text: string, tempTag: string, signal: AbortSignal): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${tempTag}.tmp`);
  try {
    await writeFile(temp, text, {signal});
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
