import {createHash} from 'node:crypto';

/** A file in the emulated account (all in the root folder). */
export interface FileEntry {
  fileid: number;
  name: string;
  size: number;
  contenttype: string;
  created: string;
}

// pCloud's file hashes are 64-bit numbers, mostly beyond 2^53 (the docs' example:
// 14841775194319522618); the top bit set keeps every emulated one there, so a client that
// reads them as JavaScript numbers shows it at once
const HASH_TOP_BIT = 1n << 63n;
const HASH_HEX_DIGITS = 16;

/** A 64-bit file hash, stable for a file: derived from sha1 of its id and size. */
export function fileHash(file: FileEntry): bigint {
  const hex = createHash('sha1').update(`${file.fileid}:${file.size}`).digest('hex').slice(0, HASH_HEX_DIGITS);
  return BigInt(`0x${hex}`) | HASH_TOP_BIT;
}

/** pCloud's metadata for a file, as uploadfile, downloadfile and uploadprogress show it. */
export function metadata(file: FileEntry): Record<string, unknown> {
  return {
    name: file.name,
    fileid: file.fileid,
    id: `f${file.fileid}`,
    size: file.size,
    contenttype: file.contenttype,
    created: file.created,
    modified: file.created,
    isfolder: false,
    parentfolderid: 0,
    hash: fileHash(file),
    icon: 'file',
    category: 0,
    thumb: false,
    ismine: true,
    isshared: false,
  };
}
