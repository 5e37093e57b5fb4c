// Names and addresses of one harness run. Every namespace a run creates starts with
// `twe-<run>-`, so the leak check can tell exactly what this run left behind (and a parallel or
// crashed run's leftovers never collide with it). The underlay ranges are test-only and live only
// inside the run's namespaces: the host never sees them.

/** Every namespace of every harness run starts with this. */
export const PREFIX = 'twe-';

/** A short id unique to this test process and run. */
export function newRunId(): string {
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

/** The namespace names of one run. */
export function runNames(run: string) {
  const base = `${PREFIX}${run}-`;
  return {
    prefix: base,
    underlay: `${base}ul`,
    node: (node: string) => `${base}${node}`,
    pod: (node: string, pod: string) => `${base}${node}-${pod}`,
  } as const;
}

export type RunNames = ReturnType<typeof runNames>;

/** Underlay links: link 0 is 192.168.77.0/24 + fd77::/64, link 1 192.168.78.0/24 + fd78::/64. */
export const LINKS = [
  { v4: '192.168.77', v6: 'fd77:' },
  { v4: '192.168.78', v6: 'fd78:' },
] as const;

export type LinkIndex = 0 | 1;

/** The underlay namespace's own address on each link: the nodes' default gateway. */
export function gateway(link: LinkIndex): { ipv4: string; ipv6: string } {
  return { ipv4: `${LINKS[link].v4}.254`, ipv6: `${LINKS[link].v6}:fe` };
}

/** Node i (from 1) on a link: 192.168.77.1x/24 and fd77::1x/64 ("x" the index, up to 200 nodes). */
export function nodeAddresses(i: number, link: LinkIndex): { ipv4: string; ipv6: string } {
  if (!Number.isInteger(i) || i < 1 || i > 200) throw new Error(`node index: ${i} is not in 1..200`);
  return { ipv4: `${LINKS[link].v4}.${10 + i}`, ipv6: `${LINKS[link].v6}:${10 + i}` };
}

export const PREFIX_LEN = { ipv4: 24, ipv6: 64 } as const;
