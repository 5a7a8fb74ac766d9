/**
 * The sandbox's own certificate authority and server certificate, generated on first run and kept
 * in `.local/sandbox-ca/` (git-ignored). Node processes trust the CA through NODE_EXTRA_CA_CERTS,
 * which Node reads only at start-up, so parents set it for their children (never
 * NODE_TLS_REJECT_UNAUTHORIZED=0).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import forge from 'node-forge';

export interface SandboxCertificates {
  caPath: string;
  ca: string;
  cert: string;
  key: string;
}

export const DEFAULT_CA_DIR = resolve(process.cwd(), '.local', 'sandbox-ca');

function serial(): string {
  return '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

function create(): { ca: string; cert: string; key: string } {
  const pki = forge.pki;
  const now = new Date(Date.now() - 60_000);
  const later = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);

  const caKeys = pki.rsa.generateKeyPair(2048);
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = now;
  ca.validity.notAfter = later;
  const caName = [{ name: 'commonName', value: 'org-mailer sandbox CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = pki.rsa.generateKeyPair(2048);
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + 800 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());

  return { ca: pki.certificateToPem(ca), cert: pki.certificateToPem(cert), key: pki.privateKeyToPem(keys.privateKey) };
}

/** Returns the CA and server certificate, creating them the first time. */
export function ensureCertificates(dir: string = DEFAULT_CA_DIR): SandboxCertificates {
  const caPath = join(dir, 'ca.pem');
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server-key.pem');
  if (!existsSync(caPath) || !existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    const made = create();
    writeFileSync(keyPath, made.key, { mode: 0o600 });
    writeFileSync(certPath, made.cert);
    writeFileSync(caPath, made.ca);
  }
  return { caPath, ca: readFileSync(caPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
