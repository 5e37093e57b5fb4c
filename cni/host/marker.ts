import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

/**
 * Small state files in /run/twill (tmpfs: a reboot clears them together with the kernel state
 * they describe), one directory per network namespace, since tests and nested runtimes run
 * plugins in several. The namespace is named by its inode: /proc/self/ns/net follows the
 * process's own namespace, whatever /run or /sys show.
 */
const RUN_DIR = '/run/twill';

function markerPath(name: string): string {
  return `${RUN_DIR}/ns-${statSync('/proc/self/ns/net').ino}/${name}`;
}

/** True when the marker holds exactly `content` and was written less than `ttlMs` ago. */
export function markerIsFresh(name: string, content: string, ttlMs: number): boolean {
  try {
    const path = markerPath(name);
    return Date.now() - statSync(path).mtimeMs < ttlMs && readFileSync(path, 'utf8') === content;
  } catch {
    return false; // no marker yet
  }
}

export function writeMarker(name: string, content: string): void {
  const path = markerPath(name);
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
}

export function removeMarker(name: string): void {
  rmSync(markerPath(name), { force: true });
}
