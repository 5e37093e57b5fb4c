// Malformed configurations and environments: each is refused with the spec's error JSON, the
// right code, a msg naming the offending field or variable, and a store left exactly as it was
// (names, contents, inodes, link counts, mtimes) — including one live allocation it holds.
import { expectCniError, expectOk, run, snapshotTree, type Call, IpamFixture, type Json } from './ipam-support';

/** The attachment the pre-populated store holds; DEL and GC rows target it, so a wrongly accepted call would show. */
const EXISTING = 'existing-ctr';
const LONG = 'x'.repeat(201);

interface Row {
  name: string;
  command?: 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC';
  /** Turns the valid base config into the bad one (a string is sent as is). */
  config?: (base: Json, fx: IpamFixture) => unknown;
  call?: Call;
  code: number;
  msg: RegExp;
}

function without(obj: Json, key: string): Json {
  const { [key]: _, ...rest } = obj;
  return rest;
}

/** The base config with `ipam` fields replaced. */
function ipam(fields: Json): (base: Json) => Json {
  return (base) => ({ ...base, ipam: { ...(base.ipam as Json), ...fields } });
}

function ranges(...sets: Json[][]): (base: Json) => Json {
  return ipam({ ranges: sets });
}

const ATTACHMENT_VARIABLES = { CNI_CONTAINERID: 'containerId', CNI_IFNAME: 'ifname', CNI_NETNS: 'netns' } as const;

/** Every variable each verb needs, unset in turn. */
const missingVariables: Row[] = (
  [
    ['ADD', ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS', 'CNI_PATH']],
    ['CHECK', ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS', 'CNI_PATH']],
    ['DEL', ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH']],
    ['STATUS', ['CNI_PATH']],
    ['GC', ['CNI_PATH']],
  ] as const
).flatMap(([command, vars]) =>
  vars.map((v): Row => ({
    name: `${command} without ${v}`,
    command,
    call: v === 'CNI_PATH' ? { env: { CNI_PATH: undefined } } : { [ATTACHMENT_VARIABLES[v]]: undefined },
    code: 4,
    msg: new RegExp(`^${v}: required`),
  })),
);

const rows: Row[] = [
  // --- stdin --------------------------------------------------------------------------------
  { name: 'stdin is not JSON', config: () => '{"cniVersion": "1.1.0", "name": ', code: 6, msg: /stdin is not valid JSON/ },
  { name: 'stdin is empty', config: () => '', code: 6, msg: /stdin is not valid JSON/ },
  { name: 'stdin is a JSON array', config: (b) => JSON.stringify([b]), code: 6, msg: /stdin must be a JSON object/ },
  { name: 'stdin is a JSON string', config: () => '"twt-ipam"', code: 6, msg: /stdin must be a JSON object/ },
  { name: 'stdin is null', config: () => 'null', code: 6, msg: /stdin must be a JSON object/ },
  { name: 'DEL with stdin not JSON', command: 'DEL', config: () => '{', code: 6, msg: /stdin/ },

  // --- versions -----------------------------------------------------------------------------
  { name: 'cniVersion missing', config: (b) => without(b, 'cniVersion'), code: 7, msg: /^cniVersion: required/ },
  { name: 'cniVersion empty', config: (b) => ({ ...b, cniVersion: '' }), code: 7, msg: /^cniVersion: required/ },
  { name: 'cniVersion a number', config: (b) => ({ ...b, cniVersion: 1 }), code: 7, msg: /^cniVersion: must be a string/ },
  { name: 'cniVersion unknown (0.2.0)', config: (b) => ({ ...b, cniVersion: '0.2.0' }), code: 1, msg: /^cniVersion: "0\.2\.0" is not supported/ },
  { name: 'cniVersion unknown (1.2.0) on DEL', command: 'DEL', config: (b) => ({ ...b, cniVersion: '1.2.0' }), code: 1, msg: /^cniVersion: "1\.2\.0"/ },
  { name: 'cniVersions not an array (so no version at all)', config: (b) => ({ ...without(b, 'cniVersion'), cniVersions: '1.0.0' }), code: 7, msg: /^cniVersion: required/ },
  { name: 'cniVersions with nothing supported', config: (b) => ({ ...without(b, 'cniVersion'), cniVersions: ['0.1.0', '2.0.0'] }), code: 1, msg: /^cniVersions: none of/ },
  { name: 'STATUS in 1.0.0', command: 'STATUS', config: (b) => ({ ...b, cniVersion: '1.0.0' }), code: 1, msg: /STATUS is not defined for cniVersion 1\.0\.0/ },
  { name: 'GC in 0.4.0', command: 'GC', config: (b) => ({ ...b, cniVersion: '0.4.0', 'cni.dev/valid-attachments': [] }), code: 1, msg: /GC is not defined for cniVersion 0\.4\.0/ },

  // --- name and type ------------------------------------------------------------------------
  { name: 'name missing', config: (b) => without(b, 'name'), code: 7, msg: /^name: required/ },
  { name: 'name a number', config: (b) => ({ ...b, name: 7 }), code: 7, msg: /^name: required string/ },
  { name: 'name "../x"', config: (b) => ({ ...b, name: '../x' }), code: 7, msg: /^name: "\.\.\/x" must match/ },
  { name: 'name "../x" on DEL', command: 'DEL', config: (b) => ({ ...b, name: '../x' }), code: 7, msg: /^name: "\.\.\/x"/ },
  { name: 'name "a/b" on GC', command: 'GC', config: (b) => ({ ...b, name: 'a/b', 'cni.dev/valid-attachments': [] }), code: 7, msg: /^name: "a\/b"/ },
  { name: 'name ".hidden"', config: (b) => ({ ...b, name: '.hidden' }), code: 7, msg: /^name: "\.hidden"/ },
  { name: 'name longer than 200', config: (b) => ({ ...b, name: LONG }), code: 7, msg: /^name: longer than 200/ },
  { name: 'type a number', config: (b) => ({ ...b, type: 3 }), code: 7, msg: /^type: must be a string/ },

  // --- field types (schema) -----------------------------------------------------------------
  { name: 'ipam missing', config: (b) => without(b, 'ipam'), code: 7, msg: /^ipam: required/ },
  { name: 'ipam a string', config: (b) => ({ ...b, ipam: 'twill-ipam' }), code: 7, msg: /^ipam: must be object/ },
  { name: 'ipam.type missing', config: (b) => ({ ...b, ipam: without(b.ipam as Json, 'type') }), code: 7, msg: /^ipam\.type: required/ },
  { name: 'ipam.type empty', config: ipam({ type: '' }), code: 7, msg: /^ipam\.type: / },
  { name: 'ipam.ranges a string', config: ipam({ ranges: '10.250.1.0/24' }), code: 7, msg: /^ipam\.ranges: must be array/ },
  { name: 'ipam.ranges[0] an object', config: ipam({ ranges: [{ subnet: '10.250.1.0/24' }] }), code: 7, msg: /^ipam\.ranges\[0\]: must be array/ },
  { name: 'range without subnet', config: ranges([{ rangeStart: '10.250.1.5' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: required/ },
  { name: 'subnet a number', config: ranges([{ subnet: 24 }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: must be string/ },
  { name: 'rangeStart a number', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: 5 }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: must be string/ },
  { name: 'rangeEnd a boolean', config: ranges([{ subnet: '10.250.1.0/24', rangeEnd: true }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeEnd: must be string/ },
  { name: 'gateway an object', config: ranges([{ subnet: '10.250.1.0/24', gateway: {} }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.gateway: must be string/ },
  { name: 'ipam.subnet a number', config: ipam({ ranges: undefined, subnet: 10 }), code: 7, msg: /^ipam\.subnet: must be string/ },
  { name: 'ipam.routes an object', config: ipam({ routes: { dst: '0.0.0.0/0' } }), code: 7, msg: /^ipam\.routes: must be array/ },
  { name: 'route without dst', config: ipam({ routes: [{ gw: '10.250.1.1' }] }), code: 7, msg: /^ipam\.routes\[0\]\.dst: required/ },
  { name: 'route gw a number', config: ipam({ routes: [{ dst: '0.0.0.0/0', gw: 1 }] }), code: 7, msg: /^ipam\.routes\[0\]\.gw: must be string/ },
  { name: 'ipam.dataDir a number', config: ipam({ dataDir: 5 }), code: 7, msg: /^ipam\.dataDir: must be string/ },
  { name: 'ipam.dataDir empty', config: ipam({ dataDir: '' }), code: 7, msg: /^ipam\.dataDir: / },
  { name: 'ipam.resolvConf a list', config: ipam({ resolvConf: ['/etc/resolv.conf'] }), code: 7, msg: /^ipam\.resolvConf: must be string/ },
  { name: 'runtimeConfig a string', config: (b) => ({ ...b, runtimeConfig: 'ips' }), code: 7, msg: /^runtimeConfig: must be object/ },
  { name: 'runtimeConfig.ips a string', config: (b) => ({ ...b, runtimeConfig: { ips: '10.250.1.9' } }), code: 7, msg: /^runtimeConfig\.ips: must be array/ },
  { name: 'runtimeConfig.ips[0] a number', config: (b) => ({ ...b, runtimeConfig: { ips: [9] } }), code: 7, msg: /^runtimeConfig\.ips\[0\]: must be string/ },
  { name: 'runtimeConfig.ipRanges range without subnet', config: (b) => ({ ...b, runtimeConfig: { ipRanges: [[{}]] } }), code: 7, msg: /^runtimeConfig\.ipRanges\[0\]\[0\]\.subnet: required/ },
  { name: 'args.cni.ips an object', config: (b) => ({ ...b, args: { cni: { ips: { a: 1 } } } }), code: 7, msg: /^args\.cni\.ips: must be array/ },
  { name: 'dns a list', config: (b) => ({ ...b, dns: ['10.96.0.10'] }), code: 7, msg: /^dns: must be object/ },
  { name: 'dns.nameservers a string', config: (b) => ({ ...b, dns: { nameservers: '10.96.0.10' } }), code: 7, msg: /^dns\.nameservers: must be array/ },
  { name: 'logLevel unknown', config: (b) => ({ ...b, logLevel: 'loud' }), code: 7, msg: /^logLevel: must be one of/ },
  { name: 'logFile a number', config: (b) => ({ ...b, logFile: 1 }), code: 7, msg: /^logFile: must be string/ },

  // --- ranges that make no sense ------------------------------------------------------------
  { name: 'neither ranges nor subnet', config: ipam({ ranges: undefined }), code: 7, msg: /^ipam\.ranges: required/ },
  { name: 'ranges empty', config: ipam({ ranges: [] }), code: 7, msg: /^ipam\.ranges: required/ },
  { name: 'an empty range set', config: ipam({ ranges: [[]] }), code: 7, msg: /^ipam\.ranges\[0\]: a range set needs at least one range/ },
  { name: 'subnet without prefix length', config: ranges([{ subnet: '10.250.1.0' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: "10\.250\.1\.0" is not a CIDR/ },
  { name: 'subnet not an address', config: ranges([{ subnet: 'pods/24' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: "pods\/24"/ },
  { name: 'subnet prefix beyond 32', config: ranges([{ subnet: '10.250.1.0/33' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: / },
  { name: 'a /31 subnet', config: ranges([{ subnet: '10.250.1.0/31' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: 10\.250\.1\.0\/31 is too small/ },
  { name: 'a /32 subnet', config: ranges([{ subnet: '10.250.1.7/32' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: 10\.250\.1\.7\/32 is too small/ },
  { name: 'an IPv6 /127 subnet', config: ranges([{ subnet: 'fd00::/127' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: fd00::\/127 is too small/ },
  { name: 'subnet with host bits set', config: ranges([{ subnet: '10.250.1.1/24' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.subnet: 10\.250\.1\.1\/24 has host bits set/ },
  { name: 'old-form subnet with host bits set', config: ipam({ ranges: undefined, subnet: '10.250.1.1/24' }), code: 7, msg: /^ipam\.subnet: 10\.250\.1\.1\/24 has host bits set/ },
  { name: 'overlapping range sets', config: ranges([{ subnet: '10.250.0.0/16' }], [{ subnet: '10.250.1.0/24' }]), code: 7, msg: /^ipam\.ranges\[1\]\[0\]: range .* overlaps ipam\.ranges\[0\]\[0\]/ },
  { name: 'overlapping ranges within a set', config: ranges([{ subnet: '10.250.1.0/24', rangeEnd: '10.250.1.100' }, { subnet: '10.250.1.0/24', rangeStart: '10.250.1.50' }]), code: 7, msg: /^ipam\.ranges\[0\]\[1\]: range 10\.250\.1\.50-10\.250\.1\.254 overlaps/ },
  { name: 'rangeStart outside the subnet', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: '10.250.2.5' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: 10\.250\.2\.5 is outside subnet 10\.250\.1\.0\/24/ },
  { name: 'rangeEnd outside the subnet', config: ranges([{ subnet: '10.250.1.0/24', rangeEnd: '10.250.9.5' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeEnd: 10\.250\.9\.5 is outside/ },
  { name: 'old-form rangeStart outside the subnet', config: ipam({ ranges: undefined, subnet: '10.250.1.0/24', rangeStart: '10.1.0.1' }), code: 7, msg: /^ipam\.rangeStart: 10\.1\.0\.1 is outside/ },
  { name: 'rangeStart after rangeEnd', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.50', rangeEnd: '10.250.1.40' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: 10\.250\.1\.50 is after rangeEnd 10\.250\.1\.40/ },
  { name: 'rangeStart is the network address', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.0' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: 10\.250\.1\.0 is the network or broadcast/ },
  { name: 'rangeEnd is the broadcast address', config: ranges([{ subnet: '10.250.1.0/24', rangeEnd: '10.250.1.255' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeEnd: 10\.250\.1\.255 is the network or broadcast/ },
  { name: 'rangeStart not an address', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: '10.250.1.x' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: "10\.250\.1\.x" is not an IP address/ },
  { name: 'rangeStart of the other family', config: ranges([{ subnet: '10.250.1.0/24', rangeStart: 'fd00::5' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeStart: fd00::5 is not an IPv4 address/ },
  { name: 'gateway outside the subnet', config: ranges([{ subnet: '10.250.1.0/24', gateway: '10.250.2.1' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.gateway: 10\.250\.2\.1 is outside subnet/ },
  { name: 'gateway not an address', config: ranges([{ subnet: '10.250.1.0/24', gateway: 'router' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.gateway: "router" is not an IP address/ },
  { name: 'mixed families in one range set', config: ranges([{ subnet: '10.250.1.0/24' }, { subnet: 'fd00:250:1::/64' }]), code: 7, msg: /^ipam\.ranges\[0\]\[1\]: mixes IPv4 and IPv6/ },
  { name: 'runtimeConfig.ipRanges overlapping', config: (b) => ({ ...b, runtimeConfig: { ipRanges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: '10.250.1.0/25' }]] } }), code: 7, msg: /^runtimeConfig\.ipRanges\[1\]\[0\]: range .* overlaps/ },
  { name: 'route dst not a CIDR', config: ipam({ routes: [{ dst: 'default' }] }), code: 7, msg: /^ipam\.routes\[0\]\.dst: "default" is not a CIDR/ },
  { name: 'route dst without prefix length', config: ipam({ routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0' }] }), code: 7, msg: /^ipam\.routes\[1\]\.dst: "192\.168\.0\.0"/ },
  { name: 'route gw not an address', config: ipam({ routes: [{ dst: '0.0.0.0/0', gw: '10.250.1' }] }), code: 7, msg: /^ipam\.routes\[0\]\.gw: "10\.250\.1" is not an IP address/ },
  { name: 'STATUS with a range outside its subnet', command: 'STATUS', config: ranges([{ subnet: '10.250.1.0/24', rangeEnd: '10.250.9.5' }]), code: 7, msg: /^ipam\.ranges\[0\]\[0\]\.rangeEnd/ },
  { name: 'CHECK with overlapping range sets', command: 'CHECK', config: ranges([{ subnet: '10.250.1.0/24' }], [{ subnet: '10.250.1.0/24' }]), code: 7, msg: /^ipam\.ranges\[1\]\[0\]/ },

  // --- dataDir and resolvConf -----------------------------------------------------------------
  { name: 'relative dataDir', config: ipam({ dataDir: 'twt-relative-data' }), code: 7, msg: /^ipam\.dataDir: "twt-relative-data" must be an absolute path/ },
  { name: 'relative dataDir on DEL', command: 'DEL', config: ipam({ dataDir: 'twt-relative-data' }), code: 7, msg: /^ipam\.dataDir: .* absolute/ },
  { name: 'relative dataDir on GC', command: 'GC', config: (b) => ({ ...ipam({ dataDir: './data' })(b), 'cni.dev/valid-attachments': [] }), code: 7, msg: /^ipam\.dataDir: .* absolute/ },
  { name: 'dataDir with ".."', config: (b, fx) => ipam({ dataDir: `${fx.root}/x/../data` })(b), code: 7, msg: /^ipam\.dataDir: .* must not contain "\.\."/ },
  { name: 'dataDir with ".." on DEL', command: 'DEL', config: (b, fx) => ipam({ dataDir: `${fx.root}/x/../data` })(b), code: 7, msg: /^ipam\.dataDir: .*"\.\."/ },
  { name: 'dataDir with ".." on GC', command: 'GC', config: (b, fx) => ({ ...ipam({ dataDir: `${fx.root}/x/../data` })(b), 'cni.dev/valid-attachments': [] }), code: 7, msg: /^ipam\.dataDir: .*"\.\."/ },
  { name: 'dataDir a number on DEL', command: 'DEL', config: ipam({ dataDir: 5 }), code: 7, msg: /^ipam\.dataDir: must be a string/ },
  { name: 'dataDir a number on GC', command: 'GC', config: (b) => ({ ...ipam({ dataDir: 5 })(b), 'cni.dev/valid-attachments': [] }), code: 7, msg: /^ipam\.dataDir: must be a string/ },
  { name: 'ipam a string on GC', command: 'GC', config: (b) => ({ ...b, ipam: 'twill-ipam', 'cni.dev/valid-attachments': [] }), code: 7, msg: /^ipam: / },
  { name: 'ipam missing on DEL', command: 'DEL', config: (b) => without(b, 'ipam'), code: 7, msg: /^ipam: / },
  { name: 'dataDir under /proc', config: ipam({ dataDir: '/proc/twill' }), code: 7, msg: /^ipam\.dataDir: "\/proc\/twill" is on a kernel file system/ },
  { name: 'dataDir /sys', config: ipam({ dataDir: '/sys' }), code: 7, msg: /^ipam\.dataDir: .*kernel file system/ },
  { name: 'unreadable resolvConf', config: (b, fx) => ipam({ resolvConf: `${fx.root}/no-such-resolv.conf` })(b), code: 5, msg: /^ipam\.resolvConf: cannot read .*no-such-resolv\.conf/ },
  { name: 'resolvConf is a directory', config: (b, fx) => ipam({ resolvConf: fx.root })(b), code: 5, msg: /^ipam\.resolvConf: cannot read/ },

  // --- environment --------------------------------------------------------------------------
  { name: 'CNI_COMMAND missing', call: { env: { CNI_COMMAND: undefined } }, code: 4, msg: /^CNI_COMMAND: required/ },
  { name: 'CNI_COMMAND empty', call: { env: { CNI_COMMAND: '' } }, code: 4, msg: /^CNI_COMMAND: required/ },
  { name: 'CNI_COMMAND unknown (GET)', call: { env: { CNI_COMMAND: 'GET' } }, code: 4, msg: /^CNI_COMMAND: unknown command "GET"/ },
  { name: 'CNI_COMMAND lower case', call: { env: { CNI_COMMAND: 'add' } }, code: 4, msg: /^CNI_COMMAND: unknown command "add"/ },
  ...missingVariables,
  { name: 'container ID "../etc"', call: { containerId: '../etc' }, code: 4, msg: /^CNI_CONTAINERID: "\.\.\/etc" must match/ },
  { name: 'container ID "../etc" on DEL', command: 'DEL', call: { containerId: '../etc' }, code: 4, msg: /^CNI_CONTAINERID: "\.\.\/etc"/ },
  { name: 'container ID with a slash on CHECK', command: 'CHECK', call: { containerId: 'a/b' }, code: 4, msg: /^CNI_CONTAINERID: "a\/b"/ },
  { name: 'container ID starting with "-"', call: { containerId: '-rf' }, code: 4, msg: /^CNI_CONTAINERID: "-rf"/ },
  { name: 'container ID with ":"', call: { containerId: 'a:b' }, code: 4, msg: /^CNI_CONTAINERID: "a:b"/ },
  { name: 'container ID longer than 200', call: { containerId: LONG }, code: 4, msg: /^CNI_CONTAINERID: is longer than 200/ },
  { name: 'ifname longer than 15 bytes', call: { ifname: 'eth0123456789abc' }, code: 4, msg: /^CNI_IFNAME: "eth0123456789abc" is longer than 15 bytes/ },
  { name: 'ifname of 16 bytes in 8 characters', call: { ifname: 'éééééééé' }, code: 4, msg: /^CNI_IFNAME: .* longer than 15 bytes/ },
  { name: 'ifname "."', call: { ifname: '.' }, code: 4, msg: /^CNI_IFNAME: "\." is not a valid interface name/ },
  { name: 'ifname ".." on DEL', command: 'DEL', call: { ifname: '..' }, code: 4, msg: /^CNI_IFNAME: "\.\." is not a valid/ },
  { name: 'ifname with "/"', call: { ifname: 'eth/0' }, code: 4, msg: /^CNI_IFNAME: "eth\/0" contains/ },
  { name: 'ifname with "/" on DEL', command: 'DEL', call: { ifname: '../x' }, code: 4, msg: /^CNI_IFNAME: "\.\.\/x" contains/ },
  { name: 'ifname with ":"', call: { ifname: 'eth0:1' }, code: 4, msg: /^CNI_IFNAME: "eth0:1" contains/ },
  { name: 'ifname with whitespace', call: { ifname: 'eth 0' }, code: 4, msg: /^CNI_IFNAME: "eth 0" contains/ },
  { name: 'CNI_NETNS relative', call: { netns: 'netns/pod' }, code: 4, msg: /^CNI_NETNS: "netns\/pod" is not an absolute path/ },
  { name: 'CNI_NETNS relative on DEL', command: 'DEL', call: { netns: 'pod' }, code: 4, msg: /^CNI_NETNS: "pod" is not an absolute path/ },
  { name: 'CNI_ARGS pair without "="', call: { args: 'IgnoreUnknown=1;K8S_POD_NAME' }, code: 4, msg: /^CNI_ARGS: "K8S_POD_NAME" is not KEY=VALUE/ },
  { name: 'CNI_ARGS pair with an empty key', call: { args: '=web' }, code: 4, msg: /^CNI_ARGS: "=web" is not KEY=VALUE/ },
  { name: 'CNI_ARGS unknown key without IgnoreUnknown', call: { args: 'K8S_POD_NAME=web;FOO=bar' }, code: 4, msg: /^CNI_ARGS: unknown key FOO/ },
  { name: 'CNI_ARGS unknown key with IgnoreUnknown=0', call: { args: 'IgnoreUnknown=0;FOO=bar' }, code: 4, msg: /^CNI_ARGS: unknown key FOO/ },
  { name: 'CNI_ARGS unknown key on CHECK', command: 'CHECK', call: { args: 'FOO=bar' }, code: 4, msg: /^CNI_ARGS: unknown key FOO/ },
  { name: 'CNI_ARGS IP not an address', call: { args: 'IgnoreUnknown=1;IP=10.250.1.300' }, code: 4, msg: /^CNI_ARGS IP: "10\.250\.1\.300" is not an IP address/ },

  // --- GC's list of valid attachments -----------------------------------------------------
  { name: 'cni.dev/valid-attachments a string', command: 'GC', config: (b) => ({ ...b, 'cni.dev/valid-attachments': EXISTING }), code: 7, msg: /^cni\.dev\/valid-attachments: must be an array/ },
  { name: 'valid attachment without containerID', command: 'GC', config: (b) => ({ ...b, 'cni.dev/valid-attachments': [{ ifname: 'eth0' }] }), code: 7, msg: /^cni\.dev\/valid-attachments\[0\]: needs string "containerID"/ },
  { name: 'valid attachment with a numeric ifname', command: 'GC', config: (b) => ({ ...b, 'cni.dev/valid-attachments': [{ containerID: EXISTING, ifname: 'eth0' }, { containerID: 'b', ifname: 0 }] }), code: 7, msg: /^cni\.dev\/valid-attachments\[1\]/ },
  { name: 'cni.dev/attachments an object', command: 'GC', config: (b) => ({ ...b, 'cni.dev/attachments': { containerID: EXISTING } }), code: 7, msg: /^cni\.dev\/attachments: must be an array/ },
];

const VERB_NEEDS_ATTACHMENT: Record<string, boolean> = { ADD: true, CHECK: true, DEL: true, STATUS: false, GC: false };

describe('malformed input is refused and leaves the store untouched', () => {
  let fx: IpamFixture;
  let base: Json;

  beforeAll(() => {
    fx = new IpamFixture();
    base = fx.conf({ ranges: [[{ subnet: '10.250.1.0/24' }], [{ subnet: 'fd00:250:1::/64' }]] });
    fx.add(base, { containerId: EXISTING });
    expectOk(run('CHECK', base, { containerId: EXISTING }));
  });

  afterAll(() => fx.dispose());

  test('the table is large enough', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const command = row.command ?? 'ADD';
    const config = row.config ? row.config(base, fx) : base;
    // DEL targets the live attachment (a wrongly accepted DEL would release it); ADD and CHECK a new one.
    const attachment: Call = VERB_NEEDS_ATTACHMENT[command] ? { containerId: command === 'DEL' ? EXISTING : 'new-ctr' } : { containerId: undefined, ifname: undefined, netns: undefined };
    const before = snapshotTree(fx.root);
    const r = run(command, config, { ...attachment, ...row.call });
    expectCniError(r, row.code, row.msg);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(snapshotTree(fx.root)).toEqual(before);
  });

  test('afterwards the store holds the live allocation and nothing else', () => {
    expectOk(run('CHECK', base, { containerId: EXISTING }));
    fx.verify();
  });
});
