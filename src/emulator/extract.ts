/** One file inside an emulated archive. */
export interface ArchiveEntry {
  path: string;
  size: number;
}

/** An archive in the emulated account: a generated listing, not a real zip. */
export interface Archive {
  name: string;
  entries: ArchiveEntry[];
  password: string | undefined;
}

// the lines of pCloud's extraction program, as its docs show them for a zip
const headerLine = (name: string): string => `${name}: Zip`;
const entryLine = (entry: ArchiveEntry): string => `  ${entry.path}  (${entry.size} B)... OK.`;
const SUCCESS_LINE = 'Successfully extracted to current directory.';

/**
 * The output lines of an extraction that has got through `extracted` entries (all by default);
 * the last line comes only once every entry is out.
 */
export function extractOutput(name: string, entries: ArchiveEntry[], extracted = entries.length): string[] {
  const lines = [headerLine(name), ...entries.slice(0, extracted).map(entryLine)];
  if (extracted >= entries.length) lines.push(SUCCESS_LINE);
  return lines;
}

/** An extraction in progress: one entry at a time, its output growing line by line. */
export class Extraction {
  readonly #archive: Archive;
  #extracted = 0;
  readonly output: string[];

  constructor(archive: Archive) {
    this.#archive = archive;
    this.output = extractOutput(archive.name, archive.entries, 0);
  }

  get finished(): boolean {
    return this.#extracted >= this.#archive.entries.length;
  }

  /** Extracts the next entry: its line, and after the last one the closing line. */
  step(): void {
    const entry = this.#archive.entries[this.#extracted];
    if (!entry) return;
    this.#extracted += 1;
    this.output.push(entryLine(entry));
    if (this.finished) this.output.push(SUCCESS_LINE);
  }

  /** extractarchiveprogress's answer: every line after the first `skip` ones. */
  progress(skip: number): Record<string, unknown> {
    return {result: 0, finished: this.finished, lines: this.output.length, output: this.output.slice(skip)};
  }
}
