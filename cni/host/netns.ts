import { basename, dirname } from 'node:path';

/** Directories whose entries `ip -n NAME` can open by name (/var/run is /run on every modern distro). */
const NAMED_NETNS_DIRS = new Set(['/run/netns', '/var/run/netns']);

/**
 * The argv prefix that runs `ip` inside a network namespace: `ip -n NAME` for named namespaces,
 * otherwise nsenter on the path (a runtime may pass /proc/PID/ns/net or its own directory).
 */
export function ipIn(netns: string): string[] {
  if (NAMED_NETNS_DIRS.has(dirname(netns))) return ['ip', '-n', basename(netns)];
  return ['nsenter', `--net=${netns}`, 'ip'];
}
