import { readFileSync } from 'node:fs';
import type { Dns } from '../core/result';

/** resolv.conf lines → CNI's dns, as host-local's `resolvConf` reads them. */
export function parseResolvConf(text: string): Dns {
  const dns: Dns = {};
  for (const line of text.split('\n')) {
    const [key, ...values] = line.replace(/[#;].*/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) (dns.nameservers ??= []).push(values[0]);
    else if (key === 'domain' && values[0]) dns.domain = values[0];
    else if (key === 'search') dns.search = values;
    else if (key === 'options') (dns.options ??= []).push(...values);
  }
  return dns;
}

/** Reads and parses a resolv.conf; a read failure is the file system's own error (code, syscall, path). */
export function readResolvConf(path: string): Dns {
  return parseResolvConf(readFileSync(path, 'utf8'));
}
