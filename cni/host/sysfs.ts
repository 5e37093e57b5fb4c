import { existsSync, readFileSync } from 'node:fs';

/** Link facts from /sys/class/net: a file read instead of an `ip` exec on the hot path. */
export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export function isBridge(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

export function linkMac(name: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
