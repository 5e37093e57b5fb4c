// Bad input never half-configures a node: each row gets the right CNI code and a message naming
// the field or variable, and the node's links, addresses, routes and nft ruleset are exactly as
// before (a healthy pod is already on the network, so there is state to disturb).
import { describeRoot } from '../helpers/netns';
import { TestNode } from '../helpers/node';
import { netConf, type Json } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

interface Row {
  name: string;
  /** Changes to a valid ADD config (undefined removes the key); or the raw stdin. */
  conf?: Json | ((base: Json) => Json | string);
  command?: string;
  /** CNI_* overrides; undefined unsets. */
  env?: Record<string, string | undefined>;
  code: number;
  msg: RegExp;
}

const ROWS: Row[] = [
  { name: 'stdin is not JSON', conf: () => '{"cniVersion": "1.1.0",', code: 6, msg: /not valid JSON/ },
  { name: 'stdin is a JSON array', conf: () => '[]', code: 6, msg: /must be a JSON object/ },
  { name: 'cniVersion unsupported', conf: { cniVersion: '0.2.0' }, code: 1, msg: /^cniVersion: "0.2.0" is not supported/ },
  { name: 'cniVersion missing', conf: { cniVersion: undefined }, code: 7, msg: /^cniVersion: required/ },
  { name: 'network name invalid', conf: { name: 'bad name' }, code: 7, msg: /^name: / },
  { name: 'ipam missing', conf: { ipam: undefined }, code: 7, msg: /^ipam: required but missing/ },
  { name: 'ipam.type missing', conf: (b) => ({ ...b, ipam: { ...b.ipam, type: undefined } }), code: 7, msg: /^ipam\.type: required/ },
  { name: 'ipam type not in CNI_PATH', conf: (b) => ({ ...b, ipam: { ...b.ipam, type: 'no-such-ipam' } }), code: 7, msg: /^ipam\.type: plugin "no-such-ipam" not found in CNI_PATH/ },
  { name: 'ipam type is a path', conf: (b) => ({ ...b, ipam: { ...b.ipam, type: '/usr/lib/cni/host-local' } }), code: 7, msg: /^ipam\.type: .* must be a plugin name/ },
  { name: 'ipam ranges missing', conf: (b) => ({ ...b, ipam: { ...b.ipam, ranges: undefined } }), code: 7, msg: /^ipam\.ranges: required/ },
  { name: 'ipam subnet invalid', conf: (b) => ({ ...b, ipam: { ...b.ipam, ranges: [[{ subnet: '10.250.1.0/33' }]] } }), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet/ },
  { name: 'bridge name too long', conf: { bridge: 'twill-bridge-name-too-long' }, code: 7, msg: /^bridge: "twill-bridge-name-too-long" is longer than 15 bytes/ },
  { name: 'bridge name with a slash', conf: { bridge: 'tw/br' }, code: 7, msg: /^bridge: / },
  { name: 'bridge is not a bridge', conf: { bridge: 'lo' }, code: 7, msg: /^bridge: "lo" exists and is not a bridge/ },
  { name: 'mtu too small', conf: { mtu: 20 }, code: 7, msg: /^mtu: must be >= 68/ },
  { name: 'mtu not a number', conf: { mtu: '1500' }, code: 7, msg: /^mtu: must be integer/ },
  { name: 'isGateway not a boolean', conf: { isGateway: 'yes' }, code: 7, msg: /^isGateway: must be boolean/ },
  { name: 'config mac invalid', conf: { mac: 'not-a-mac' }, code: 7, msg: /^mac: "not-a-mac" is not a unicast MAC/ },
  { name: 'runtimeConfig.mac multicast', conf: { runtimeConfig: { mac: '01:00:5e:00:00:01' } }, code: 7, msg: /^runtimeConfig\.mac: "01:00:5e:00:00:01" is not a unicast MAC/ },
  { name: 'CNI_ARGS MAC invalid', env: { CNI_ARGS: 'IgnoreUnknown=1;MAC=zz:zz' }, code: 4, msg: /^CNI_ARGS MAC: "zz:zz" is not a unicast MAC/ },
  { name: 'portMappings protocol sctp', conf: { runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'sctp' }] } }, code: 7, msg: /^runtimeConfig\.portMappings\[0\]\.protocol: "sctp" is not supported/ },
  { name: 'portMappings hostIP invalid', conf: { runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, hostIP: '10.0.0.256' }] } }, code: 7, msg: /^runtimeConfig\.portMappings\[0\]\.hostIP: "10.0.0.256" is not an IP address/ },
  { name: 'portMappings hostPort out of range', conf: { runtimeConfig: { portMappings: [{ hostPort: 70000, containerPort: 80 }] } }, code: 7, msg: /^runtimeConfig\.portMappings\[0\]\.hostPort: must be <= 65535/ },
  { name: 'portMappings containerPort missing', conf: { runtimeConfig: { portMappings: [{ hostPort: 8080 }] } }, code: 7, msg: /^runtimeConfig\.portMappings\[0\]\.containerPort: required/ },
  { name: 'portMappings host port twice', conf: { runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }, { hostPort: 8080, containerPort: 81 }] } }, code: 7, msg: /^runtimeConfig\.portMappings\[1\]: host port tcp\/8080 is mapped twice/ },
  { name: 'CNI_NETNS does not exist', env: { CNI_NETNS: '/run/netns/twill-no-such-pod' }, code: 4, msg: /^CNI_NETNS: \/run\/netns\/twill-no-such-pod does not exist/ },
  { name: 'CNI_NETNS not absolute', env: { CNI_NETNS: 'twill-pod' }, code: 4, msg: /^CNI_NETNS: "twill-pod" is not an absolute path/ },
  { name: 'CNI_NETNS a regular file', env: { CNI_NETNS: '/etc/hostname' }, code: 4, msg: /^CNI_NETNS: \/etc\/hostname is not a network namespace/ },
  { name: 'CNI_NETNS a directory', env: { CNI_NETNS: '/run/netns' }, code: 4, msg: /^CNI_NETNS: \/run\/netns is not a network namespace/ },
  { name: 'CNI_NETNS /dev/null', env: { CNI_NETNS: '/dev/null' }, code: 4, msg: /^CNI_NETNS: \/dev\/null is not a network namespace/ },
  { name: 'CNI_NETNS another kind of namespace', env: { CNI_NETNS: '/proc/self/ns/mnt' }, code: 4, msg: /^CNI_NETNS: \/proc\/self\/ns\/mnt is not a network namespace/ },
  { name: 'CNI_NETNS unset on ADD', env: { CNI_NETNS: undefined }, code: 4, msg: /^CNI_NETNS: required but not set/ },
  { name: 'CNI_IFNAME too long', env: { CNI_IFNAME: 'eth0123456789abc' }, code: 4, msg: /^CNI_IFNAME: .* longer than 15 bytes/ },
  { name: 'CNI_IFNAME with a slash', env: { CNI_IFNAME: 'eth/0' }, code: 4, msg: /^CNI_IFNAME: / },
  { name: 'CNI_CONTAINERID invalid', env: { CNI_CONTAINERID: '-bad id' }, code: 4, msg: /^CNI_CONTAINERID: / },
  { name: 'CNI_COMMAND unknown', env: { CNI_COMMAND: 'FROB' }, code: 4, msg: /^CNI_COMMAND: unknown command "FROB"/ },
  { name: 'CNI_ARGS unknown key', env: { CNI_ARGS: 'FOO=bar' }, code: 4, msg: /^CNI_ARGS: unknown key FOO/ },
  { name: 'requested IP outside the range', conf: { runtimeConfig: { ips: ['10.99.0.5'] } }, code: 7, msg: /^runtimeConfig\.ips: 10\.99\.0\.5 is in none of the configured ranges/ },
  { name: 'CHECK in 0.3.1', command: 'CHECK', conf: { cniVersion: '0.3.1' }, code: 1, msg: /^CHECK is not defined for cniVersion 0.3.1/ },
];

describeRoot('twill plugin: bad input', () => {
  let node: TestNode;
  let base: Json;
  let pod: string;
  let before: Json;

  beforeAll(() => {
    requireTools(['ip', 'nft']);
    node = new TestNode();
    base = netConf(node, { subnet6: 'fd00:250:1::/64', extra: { ipMasq: true, isDefaultGateway: true }, runtimeConfig: { portMappings: [{ hostPort: 18200, containerPort: 80 }] } });
    const healthy = node.add(base);
    expect(healthy.run.code).toBe(0);
    pod = node.pod();
    before = { node: node.snapshot(), ipam: node.reservations('twt-net') };
  });

  afterAll(() => {
    if (!node) return; // requireTools failed: nothing was set up
    try {
      expect(node.delAll()).toEqual([]);
      expect(node.leftovers()).toEqual({});
    } finally {
      node.cleanup();
    }
  });

  function input(row: Row): Json | string {
    if (typeof row.conf === 'function') return row.conf({ ...base, runtimeConfig: undefined });
    const conf: Json = { ...base, runtimeConfig: undefined, ...row.conf };
    for (const [k, v] of Object.entries(conf)) if (v === undefined) delete conf[k];
    return conf;
  }

  test('the table has at least 15 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(15);
  });

  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const r = node.run(row.command ?? 'ADD', input(row), { pod, containerId: 'bad-1', ifname: 'eth0', env: row.env });
    expect(r.code).toBe(1);
    expect(r.json?.code).toBe(row.code);
    expect(r.json.msg).toMatch(row.msg);
    expect(r.json.cniVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect({ node: node.snapshot(), ipam: node.reservations('twt-net') }).toEqual(before);
    expect(node.links(pod).map((l) => l.ifname)).toEqual(['lo']);
  });
});
