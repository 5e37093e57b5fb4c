// A fresh self-signed certificate for the test API server, made in-process (Node can sign but
// has no X.509 writer, and openssl is not on every test machine): an ECDSA P-256 key and a
// certificate for 127.0.0.1, ::1 and localhost that is its own CA, valid for a day. Clients
// trust it through the kubeconfig's certificate-authority-data, as they trust a cluster's CA.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(b: Buffer): Buffer {
  return tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const iso = d.toISOString();
  return tlv(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const NAME = seq(set(seq(oid('2.5.4.3'), utf8('twill-test-apiserver'))));

function extensions(): Buffer {
  const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const ipv6Loopback = Buffer.concat([Buffer.alloc(15), Buffer.from([1])]);
  const san = seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x87, ipv6Loopback), tlv(0x82, Buffer.from('localhost')));
  return explicit(3, seq(
    ext('2.5.29.19', true, seq(bool(true))), // basicConstraints: CA
    ext('2.5.29.15', true, bits(Buffer.from([0x84]), 2)), // keyUsage: digitalSignature, keyCertSign
    ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    ext('2.5.29.17', false, san),
  ));
}

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

export function makeServingCert(now = new Date()): ServingCert {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(16);
  // Positive and minimal DER: a first byte of 0x00 followed by one below 0x80 is "illegal padding".
  serial[0] = (serial[0] & 0x7f) | 0x01;
  const validity = seq(utcTime(new Date(now.getTime() - 3600_000)), utcTime(new Date(now.getTime() + 86400_000)));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(explicit(0, integer(Buffer.from([2]))), integer(serial), ECDSA_SHA256, NAME, validity, NAME, spki, extensions());
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, ECDSA_SHA256, bits(signature));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { certPem: `-----BEGIN CERTIFICATE-----\n${body.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`, keyPem };
}
