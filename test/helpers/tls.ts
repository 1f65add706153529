import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface TestCertificate {
  /** the CA's certificate (PEM file): for NODE_EXTRA_CA_CERTS and CURL_CA_BUNDLE */
  caFile: string;
  /** key and certificate for the emulator's `tls` option, valid for each of the names asked for */
  tls: {key: string; cert: string};
}

const made = new Map<string, TestCertificate>();

/**
 * A CA of our own and a certificate it signs for `names` (IP addresses and host names; 127.0.0.1 by
 * default), made with openssl in a temp folder. P-256 keys: an RSA key took openssl about a quarter
 * second of CPU to make, three a certificate, in every file that needed one. One per set of names
 * and test worker: the files that share a worker share it, as they would share a real CA.
 */
export function makeTestCertificate(names: string[] = ['127.0.0.1']): TestCertificate {
  const key = names.join(',');
  const known = made.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'pp-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, {stdio: 'ignore'});
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...newKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=pcloud-progress test CA');
  openssl('req', ...newKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${names[0]}`);
  const alternative = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`));
  writeFileSync(file('san.ext'), `subjectAltName=${alternative.join(',')}\n`);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'));
  const certificate = {caFile: file('ca.pem'), tls: {key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8')}};
  made.set(key, certificate);
  return certificate;
}
