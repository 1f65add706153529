import {createHash, randomBytes} from 'node:crypto';
import {type FileEntry, metadata} from './files.js';

// The account methods a real client calls before anything else (pCloud's Python library logs in
// with getdigest + userinfo?getauth=1; SDKs list a folder or stat a file to find what they uploaded).
// One account, one folder (the root): enough to log in and find one's files.

/** The emulated account's sign-in. */
export interface User {
  username: string;
  password: string;
}

export const DEFAULT_USER: User = {username: 'demo@example.com', password: 'demo-password'};
/** pCloud's digests are valid about 30 s (facts.md) */
export const DIGEST_VALID_MS = 30_000;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** pCloud's `passworddigest`: sha1(password + sha1hex(lowercase(username)) + digest). */
export function passwordDigest(user: User, digest: string): string {
  return sha1(user.password + sha1(user.username.toLowerCase()) + digest);
}

export function newDigest(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Whether userinfo's login parameters sign in `user`: `password`, or `passworddigest` made from a
 * digest that `liveDigest` says was handed out and is still valid (it is used up).
 */
export function signsIn(user: User, params: Record<string, string>, liveDigest: (digest: string) => boolean): boolean {
  if (params.username === undefined || params.username.toLowerCase() !== user.username.toLowerCase()) return false;
  if (params.password !== undefined) return params.password === user.password;
  if (params.passworddigest === undefined || params.digest === undefined || !liveDigest(params.digest)) return false;
  return params.passworddigest === passwordDigest(user, params.digest);
}

export function userinfo(user: User, files: Iterable<FileEntry>): Record<string, unknown> {
  let used = 0;
  for (const file of files) used += file.size;
  return {
    result: 0,
    userid: 1,
    email: user.username,
    emailverified: true,
    premium: false,
    plan: 0,
    quota: 10 * 1024 ** 3,
    usedquota: used,
    language: 'en',
    registered: 'Sat, 05 Dec 2026 00:00:00 +0000',
  };
}

/** The root folder's metadata; with `contents`, the files in it. */
export function rootFolder(files: Iterable<FileEntry> | undefined): Record<string, unknown> {
  const folder: Record<string, unknown> = {
    name: '/',
    folderid: 0,
    id: 'd0',
    isfolder: true,
    ismine: true,
    isshared: false,
    icon: 'folder',
    created: 'Sat, 05 Dec 2026 00:00:00 +0000',
    modified: 'Sat, 05 Dec 2026 00:00:00 +0000',
    thumb: false,
  };
  if (files) folder.contents = [...files].map(metadata);
  return folder;
}

/** A folder named by `folderid` or `path` (`tofolderid`/`topath`...): the root is the only one. */
export function isRoot(folderid: string | undefined, path: string | undefined): boolean {
  if (folderid !== undefined) return folderid === '0';
  return path === undefined || path === '/' || path === '';
}

/** `/reports.zip` -> the root and `reports.zip`; a path into another folder: undefined (no such folder). */
export function inRoot(path: string): string | undefined {
  const match = /^\/([^/]+)$/.exec(path);
  return match?.[1];
}
