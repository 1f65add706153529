import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {nodeEnv, type Env} from '../src/env.js';
import {resolveCredentials} from '../src/options.js';

/** The real environment (real files, real modes) on a given platform, stderr kept in a string. */
function envOn(platform: NodeJS.Platform): {env: Env; stderr: () => string} {
  let text = '';
  // copied by descriptor: nodeEnv()'s stdin is a getter, and touching process.stdin here is not wanted
  const env = Object.defineProperties({}, Object.getOwnPropertyDescriptors(nodeEnv())) as Env;
  Object.assign(env, {platform, stderr: {write: (chunk: string) => ((text += chunk), true)}});
  return {env, stderr: () => text};
}

function tokenFile(mode: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pp-token-')), 'auth');
  writeFileSync(path, 'a-token\n');
  chmodSync(path, mode);
  return path;
}

describe('the token file permission warning', () => {
  it('warns on a POSIX system when others can read the file', async () => {
    const {env, stderr} = envOn('linux');
    await expect(resolveCredentials({authFile: tokenFile(0o644)}, env)).resolves.toEqual({type: 'auth', token: 'a-token'});
    expect(stderr()).toMatch(/warning: .* can be read by other users \(mode 644\); chmod 600 it/);
  });

  it('stays quiet for a file only its owner reads', async () => {
    const {env, stderr} = envOn('linux');
    await resolveCredentials({authFile: tokenFile(0o600)}, env);
    expect(stderr()).toBe('');
  });

  it('stays quiet on Windows, where modes are made up and would warn on every run', async () => {
    const {env, stderr} = envOn('win32');
    await expect(resolveCredentials({accessTokenFile: tokenFile(0o666)}, env)).resolves.toEqual({type: 'accessToken', token: 'a-token'});
    expect(stderr()).toBe('');
  });

  it('nodeEnv() reports the platform it runs on', () => {
    expect(nodeEnv().platform).toBe(process.platform);
  });
});
