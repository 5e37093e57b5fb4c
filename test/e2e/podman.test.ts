// A real runtime: podman 4.3 with its CNI backend runs busybox containers on a twill network.
// podman, its CNI plugins and everything they create live in a test-owned node namespace and a
// temp dir (test/helpers/podman.ts); the host's interfaces, routes and rules are never touched.
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { isRoot, uniqueName } from '../helpers/netns';
import { IMAGE, PODMAN, PodmanNode } from '../helpers/podman';
import { requireTools } from '../helpers/os-packages';

const describePodman = isRoot() ? describe : describe.skip;

// podman 4.3 vendors libcni v1.1, which knows spec versions up to 1.0.0 (not 1.1.0).
const CNI_VERSION = '1.0.0';
const PREFIX = '10.254.90';
const GATEWAY = `${PREFIX}.1`;
const HOST_PORT = 18080;
const PAGE = 'hello from a twill pod';
const HOST_VETH = /^tw[0-9a-f]{12}$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true (or the time is up); returns its last answer. */
async function eventually(probe: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (probe()) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

interface NftElement {
  map: string;
  key: string;
  comment?: string;
}

describePodman('podman 4.3 (CNI backend) on a twill network', () => {
  const network = uniqueName('twe2e'); // also the bridge name: ≤ 15 characters
  let pn: PodmanNode;
  let dataDir: string;
  const sandboxes: string[] = [];

  beforeAll(async () => {
    requireTools([PODMAN, '/usr/sbin/runc', '/bin/busybox', 'nsenter', 'unshare', 'ip', 'nft', 'curl']);
    pn = await PodmanNode.start();
    dataDir = join(pn.dir, 'ipam');
    pn.writeConflist({
      cniVersion: CNI_VERSION,
      name: network,
      plugins: [
        {
          type: 'twill',
          bridge: network,
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'twill-ipam', ranges: [[{ subnet: `${PREFIX}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
          capabilities: { portMappings: true },
        },
      ],
    });
    pn.importBusybox(PAGE);
  }, 120_000);

  afterAll(async () => {
    await pn?.teardown();
  }, 120_000);

  function run(name: string, args: string[]): string {
    return pn.podmanOk(['run', '-d', '--pull=never', '--name', name, '--network', network, ...args]).trim();
  }

  function attachment(name: string): { IPAddress: string; IPPrefixLen: number; Gateway: string } {
    return JSON.parse(pn.podmanOk(['inspect', '--format', '{{json .NetworkSettings.Networks}}', name]))[network];
  }

  function sandboxOf(name: string): string {
    return pn.podmanOk(['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', name]).trim();
  }

  function nodeLinks(): Array<{ ifname: string; master?: string }> {
    return JSON.parse(pn.inNode(['ip', '-j', 'link', 'show']).stdout);
  }

  function hostVeths(): string[] {
    return nodeLinks().map((l) => l.ifname).filter((n) => HOST_VETH.test(n)).sort();
  }

  function reservations(): string[] {
    const list = (d: string) => {
      try {
        return readdirSync(d);
      } catch {
        return [];
      }
    };
    const dir = join(dataDir, network);
    return [...list(dir).filter((n) => isIP(n) !== 0), ...list(join(dir, 'attachments')).map((a) => `attachment ${a}`)].sort();
  }

  /** Port-mapping elements of the node's `table inet twill` (maps hostports*). */
  function portMappings(): NftElement[] {
    const r = pn.inNode(['nft', '-j', 'list', 'table', 'inet', 'twill']);
    if (r.code !== 0) return [];
    const render = (v: any): string => (typeof v === 'object' && v?.concat ? v.concat.map(render).join(' . ') : String(v));
    return (JSON.parse(r.stdout).nftables as Array<{ map?: { name: string; elem?: Array<[any, any]> } }>)
      .filter((i) => i.map?.name.startsWith('hostports'))
      .flatMap((i) => (i.map!.elem ?? []).map(([k]) => ({ map: i.map!.name, key: render(k.elem?.val ?? k), comment: k.elem?.comment })));
  }

  /** What an HTTP client in the node's namespace reads from host:port ('' when it cannot). */
  function httpGet(host: string, port: number): string {
    return pn.inNode(['curl', '-sS', '--noproxy', '*', '--max-time', '3', `http://${host}:${port}/`]).stdout.trim();
  }

  test('each container gets an address in the subnet and a veth on the node bridge', () => {
    run('c1', [IMAGE, 'sleep', '300']);
    run('c2', [IMAGE, 'sleep', '300']);
    const [a1, a2] = [attachment('c1'), attachment('c2')];
    for (const a of [a1, a2]) {
      expect(a.IPAddress.startsWith(`${PREFIX}.`)).toBe(true);
      expect(a.IPPrefixLen).toBe(24);
      expect(a.Gateway).toBe(GATEWAY);
    }
    expect(a1.IPAddress).not.toBe(a2.IPAddress);

    const veths = hostVeths();
    expect(veths).toHaveLength(2);
    expect(nodeLinks().filter((l) => veths.includes(l.ifname)).map((l) => l.master)).toEqual([network, network]);
    expect(reservations().filter((r) => isIP(r))).toEqual([a1.IPAddress, a2.IPAddress].sort());

    // podman keeps its container namespaces under /run/netns (bind-mounted in the node's mount namespace).
    for (const name of ['c1', 'c2']) {
      const sandbox = sandboxOf(name);
      expect(sandbox).toMatch(/^\/run\/netns\//);
      sandboxes.push(sandbox);
    }
  });

  test('one container reaches the other by IP', async () => {
    const ip2 = attachment('c2').IPAddress;
    expect(await eventually(() => pn.podman(['exec', 'c1', 'ping', '-c1', '-W2', ip2]).code === 0, 8_000)).toBe(true);
  });

  test('a published port answers on localhost and the gateway address of the node, and from a pod', async () => {
    run('web', ['-p', `${HOST_PORT}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www']);
    sandboxes.push(sandboxOf('web'));
    const ip = attachment('web').IPAddress;
    expect(portMappings()).toEqual([expect.objectContaining({ map: 'hostports4', key: `tcp . ${HOST_PORT}` })]);
    expect(portMappings()[0].comment).toMatch(new RegExp(`^tw[0-9a-f]{12} ${network}$`));

    expect(await eventually(() => httpGet('127.0.0.1', HOST_PORT) === PAGE, 8_000)).toBe(true);
    expect(httpGet(GATEWAY, HOST_PORT)).toBe(PAGE);
    expect(httpGet(ip, 80)).toBe(PAGE);
    // Hairpin: a pod reaching the published port through the node, answered back through it.
    const hairpin = pn.podman(['exec', 'c1', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${GATEWAY} ${HOST_PORT}`]);
    expect(hairpin.stdout).toContain(PAGE);
  });

  test("stopping a container detaches it (conmon's cleanup runs DEL); starting it again re-attaches it", async () => {
    const before = hostVeths();
    const ip = attachment('web').IPAddress;
    pn.podmanOk(['stop', '--time', '0', 'web']);
    const detached = () => hostVeths().length === before.length - 1 && portMappings().length === 0 && !reservations().includes(ip);
    expect(await eventually(detached)).toBe(true);

    pn.podmanOk(['start', 'web']);
    expect(hostVeths()).toHaveLength(before.length);
    expect(portMappings()).toHaveLength(1);
    expect(await eventually(() => httpGet('127.0.0.1', HOST_PORT) === PAGE, 8_000)).toBe(true);
    sandboxes.push(sandboxOf('web'));
  });

  test('after the node ruleset is flushed (as restarting nftables.service does), a new container still publishes its port', async () => {
    expect(pn.inNode(['nft', 'flush', 'ruleset']).code).toBe(0);
    run('web2', ['-p', `${HOST_PORT + 1}:80`, IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www']);
    sandboxes.push(sandboxOf('web2'));
    expect(portMappings().map((e) => e.key)).toContain(`tcp . ${HOST_PORT + 1}`);
    expect(await eventually(() => httpGet('127.0.0.1', HOST_PORT + 1) === PAGE, 8_000)).toBe(true);
  });

  test('podman rm -f leaves no veth, address, port mapping, cache entry or namespace behind', () => {
    pn.podmanOk(['rm', '--force', '--time', '0', 'c1', 'c2', 'web', 'web2']);
    expect(pn.podmanOk(['ps', '--all', '--quiet']).trim()).toBe('');
    expect(hostVeths()).toEqual([]);
    expect(reservations()).toEqual([]);
    expect(portMappings()).toEqual([]);
    expect(pn.cniCacheEntries(network)).toEqual([]);
    expect(sandboxes.filter((s) => existsSync(s))).toEqual([]);
  });

  test('teardown leaves no process, mount, namespace or temp file behind', async () => {
    expect(await pn.teardown()).toEqual([]);
    expect(existsSync(`/run/netns/${pn.node}`)).toBe(false);
    expect(existsSync(pn.dir)).toBe(false);
  });
});
