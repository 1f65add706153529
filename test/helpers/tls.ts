import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface TestCertificate {
  /** the CA's certificate (PEM file): for NODE_EXTRA_CA_CERTS and CURL_CA_BUNDLE */
  caFile: string;
  /** key and certificate for the emulator's `tls` option, valid for 127.0.0.1 */
  tls: {key: string; cert: string};
}

/** A CA of our own and a certificate it signs for 127.0.0.1, made with openssl in a temp folder. */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, {stdio: 'ignore'});
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=pcloud-progress test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'));
  return {caFile: file('ca.pem'), tls: {key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8')}};
}
