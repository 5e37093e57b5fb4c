import { readFileSync, writeFileSync } from 'node:fs';

/** Sysctls (keys as paths, e.g. net/ipv4/ip_forward, since interface names may hold dots) of the network namespace this process runs in (procfs follows the caller's netns). */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Writes only when the value differs: most ADDs find it set already and pay one read. */
export function ensureSysctl(key: string, value: string): void {
  if (readSysctl(key) === value) return;
  writeFileSync(`/proc/sys/${key}`, value);
}
