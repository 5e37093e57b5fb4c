import { readFileSync } from 'node:fs';

/**
 * The links of this process's network namespace, by name. Read from /proc/self/net/dev, which
 * procfs answers for the reading task's namespace: /sys/class/net shows the namespace that
 * mounted sysfs, and a runtime that entered the node's namespace with setns (nsenter --net, a
 * containerised runtime) keeps the host's /sys. A file read, not an exec, on the hot path.
 */
export function linkNames(): Set<string> {
  const text = readFileSync('/proc/self/net/dev', 'utf8');
  // Two header lines, then "  name: counters…"; a name never holds ':' or whitespace.
  return new Set(text.split('\n').slice(2).map((l) => l.slice(0, l.indexOf(':')).trim()).filter(Boolean));
}

export function linkExists(name: string): boolean {
  return linkNames().has(name);
}
