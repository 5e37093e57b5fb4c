import { readlinkSync, statSync, type Stats } from 'node:fs';

export type NetnsKind = 'netns' | 'missing' | 'other' | 'unknown';

function statOf(path: string): Stats | NetnsKind {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
}

/**
 * What a CNI_NETNS path names, in two stat calls and a readlink, no exec. Every namespace file
 * (a /proc/PID/ns/net link, or a bind mount of one under /run/netns or a runtime's directory)
 * lives on nsfs, the file system /proc/self/ns/net is on; a regular file, a directory or
 * /dev/null does not. A /proc link also names its kind ("mnt:[4026531841]"); a bind mount of
 * another kind of namespace is left for `ip` to refuse. Unreadable (EACCES): "unknown".
 */
export function netnsKind(path: string): NetnsKind {
  const st = statOf(path);
  if (typeof st === 'string') return st;
  if (st.dev !== statSync('/proc/self/ns/net').dev) return 'other';
  try {
    const kind = /^(\w+):\[\d+\]$/.exec(readlinkSync(path))?.[1];
    if (kind !== undefined && kind !== 'net') return 'other';
  } catch {
    // Not a link: a bind mount, whose kind stat cannot tell.
  }
  return 'netns';
}
