// Names and values reach `ip -batch`, `nft -f` and `iptables-restore` scripts, whose parsers give
// "#", quotes, backslashes and newlines a meaning: "br0#x" would attach the pod to br0, "eth0#"
// would put the gateway on the node's uplink, ".../ns#x" would wire another namespace. Every field
// that can carry such a character is refused up front with its own code (7 config, 4 environment,
// 6 bytes that are not UTF-8) and a message naming it, and the node, the pod namespace, a decoy
// namespace and the IPAM store stay exactly as they were.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniEnv, DIST, execPlugin, pluginRunOf, type PluginRun } from '../helpers/exec-plugin';
import { describeRoot, sh } from '../helpers/netns';
import { TestNode } from '../helpers/node';
import { netConf, type Json } from './plugin-support';

/** Stands for the byte 0xff: replaced on the wire (stdin) or by the shell (environment). */
const FF = '\uE0FF';
const BAD: Array<[string, string]> = [
  ['#', '#'],
  ['double quote', '"'],
  ['single quote', "'"],
  ['backslash', '\\'],
  ['semicolon', ';'],
  ['newline', '\n'],
  ['NUL', '\0'],
  ['non-UTF-8 byte', FF],
];

interface StdinField {
  field: string;
  set: (conf: Json, bad: string) => void;
  /** Characters that are legitimate in this field (a path may hold "#"). */
  allows?: string[];
}

const mapping = (conf: Json): Json => conf.runtimeConfig.portMappings[0];

const STDIN_FIELDS: StdinField[] = [
  { field: 'bridge', set: (c, b) => (c.bridge = `twbr0${b}x`) },
  { field: 'name', set: (c, b) => (c.name = `twt-net${b}`) },
  { field: 'runtimeConfig.portMappings[0].hostIP', set: (c, b) => (mapping(c).hostIP = `127.0.0.1${b}`) },
  { field: 'runtimeConfig.portMappings[0].protocol', set: (c, b) => (mapping(c).protocol = `tcp${b}`) },
  { field: 'runtimeConfig.mac', set: (c, b) => (c.runtimeConfig.mac = `0a:58:0a:fa:01:63${b}`) },
  { field: 'mac', set: (c, b) => (c.mac = `0a:58:0a:fa:01:63${b}`) },
  { field: 'args.cni.mac', set: (c, b) => (c.args = { cni: { mac: `0a:58:0a:fa:01:63${b}` } }) },
  { field: 'runtimeConfig.ips', set: (c, b) => (c.runtimeConfig.ips = [`10.250.1.99${b}`]) },
  { field: 'ipam.ranges[0][0].subnet', set: (c, b) => (c.ipam.ranges[0][0].subnet = `10.250.1.0/24${b}`) },
  { field: 'ipam.type', set: (c, b) => (c.ipam.type = `twill-ipam${b}`) },
  { field: 'ipam.dataDir', set: (c, b) => (c.ipam.dataDir = `${c.ipam.dataDir}${b}`), allows: ['#', '"', "'", '\\', ';', '\n'] },
];

const ENV_FIELDS: Array<{ variable: string; value: (bad: string) => string }> = [
  { variable: 'CNI_IFNAME', value: (b) => `eth0${b}` },
  { variable: 'CNI_CONTAINERID', value: (b) => `ctr${b}` },
  // Inside the value: at its end, ";" only ends the pair and whitespace is trimmed.
  { variable: 'CNI_ARGS', value: (b) => `IgnoreUnknown=1;MAC=0a:58:0a${b}:fa:01:63` },
  { variable: 'CNI_ARGS', value: (b) => `IgnoreUnknown=1;IP=10.250${b}.1.99` },
];

/** UTF-8 text with each FF placeholder turned into the single byte 0xff. */
function withRawBytes(text: string): Buffer {
  const parts = text.split(FF).map((p) => Buffer.from(p, 'utf8'));
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from([0xff]), p])));
}

describeRoot('twill plugin: unsafe characters in every field', () => {
  let node: TestNode;
  let base: Json;
  let pod: string;
  let decoy: string;
  let dir: string;
  let before: Json;

  beforeAll(() => {
    node = new TestNode();
    base = netConf(node, { extra: { ipMasq: true, isDefaultGateway: true }, runtimeConfig: { portMappings: [{ hostPort: 18680, containerPort: 80 }] } });
    expect(node.add(base).run.code).toBe(0);
    pod = node.pod();
    decoy = node.pod();
    dir = mkdtempSync(join(tmpdir(), 'twill-netns-'));
    // Where ".../ns#x" is cut at the "#": a namespace that must stay untouched.
    writeFileSync(join(dir, 'ns'), '');
    sh('mount', ['--bind', `/run/netns/${decoy}`, join(dir, 'ns')]);
  });

  // Per row, so a row that fails (before a fix) cannot make the rows after it fail too.
  beforeEach(() => {
    before = state();
  });

  afterAll(() => {
    try {
      spawnSync('sh', ['-c', 'for f in "$1"/ns*; do umount "$f"; done', 'sh', dir]);
      rmSync(dir, { recursive: true, force: true });
      expect(node.delAll()).toEqual([]);
      expect(node.leftovers()).toEqual({});
    } finally {
      node.cleanup();
    }
  });

  function state(): Json {
    return { node: node.snapshot(), ipam: node.reservations('twt-net'), pod: node.links(pod).map((l) => l.ifname), decoy: node.links(decoy).map((l) => l.ifname), stores: node.networks() };
  }

  function rowConf(): Json {
    const conf = JSON.parse(JSON.stringify(base)) as Json;
    mapping(conf).hostPort = 18681;
    return conf;
  }

  /** ADD, and should it wrongly succeed, a DEL of the same, so one broken row does not spoil the next. */
  function add(stdin: string | Buffer, env: Record<string, string> = {}, netns = `/run/netns/${pod}`): PluginRun {
    const r = run('ADD', stdin, env, netns);
    if (r.code === 0) run('DEL', stdin, env, netns);
    return r;
  }

  /** Runs a verb with the environment overrides; values holding FF go through sh, the only way to put a raw byte in a variable. */
  function run(command: string, stdin: string | Buffer, env: Record<string, string>, netns: string): PluginRun {
    const call = { ...node.call(command, stdin, { containerId: 'esc-1', ifname: 'eth0', netns }), env };
    const raw = Object.entries(call.env).filter(([, v]) => v.includes(FF));
    if (!raw.length) return execPlugin(call);
    const vars = Object.fromEntries(raw.flatMap(([, v], i) => [[`TW_PRE${i}`, v.split(FF)[0]], [`TW_SUF${i}`, v.split(FF)[1]]]));
    const script = raw.map(([k], i) => `export ${k}="$TW_PRE${i}$(printf '\\377')$TW_SUF${i}"; `).join('') + 'exec "$0"';
    const envAll = { ...cniEnv({ ...call, env: Object.fromEntries(Object.entries(call.env).filter(([, v]) => !v.includes(FF))) }), ...vars };
    const r = spawnSync('ip', ['netns', 'exec', node.name, 'sh', '-c', script, join(DIST, 'twill')], { env: envAll, input: stdin, encoding: 'utf8', timeout: 30_000 });
    return pluginRunOf(r);
  }

  function expectRefused(r: PluginRun, code: number, field: string): void {
    const prefix = field.replace(/[.[\]]/g, '\\$&');
    expect({ exit: r.code, code: r.json?.code, msg: r.json?.msg }).toEqual({ exit: 1, code, msg: expect.stringMatching(new RegExp(`^${prefix}[ :[]`)) });
    expect(state()).toEqual(before);
  }

  const stdinRows = STDIN_FIELDS.flatMap((f) => BAD.filter(([, b]) => !f.allows?.includes(b)).map(([name, b]) => [`${f.field}: ${name}`, f, b] as const));
  test.each(stdinRows)('%s', (_name, f, bad) => {
    const conf = rowConf();
    f.set(conf, bad);
    const text = JSON.stringify(conf);
    const r = add(bad === FF ? withRawBytes(text) : text);
    expectRefused(r, bad === FF ? 6 : 7, f.field);
  });

  // NUL cannot be put in an environment variable at all.
  const envRows = ENV_FIELDS.flatMap((f) => BAD.filter(([n]) => n !== 'NUL').map(([name, b]) => [`${f.variable} (${f.value('')}…): ${name}`, f, b] as const));
  test.each(envRows)('%s', (_name, f, bad) => {
    expectRefused(add(JSON.stringify(rowConf()), { [f.variable]: f.value(bad) }), 4, f.variable);
  });

  // CNI_NETNS: an existing bind mount of the pod's namespace whose path holds the character.
  test.each(BAD.filter(([n]) => n !== 'NUL'))('CNI_NETNS: %s', (_name, bad) => {
    const path = `${dir}/ns${bad}x`;
    const made = spawnSync('sh', ['-c', 'p="$1/ns$2$3"; [ "$2" = RAW ] && p="$1/ns$(printf "\\377")$3"; : > "$p" && mount --bind "$4" "$p"', 'sh', dir, bad === FF ? 'RAW' : bad, 'x', `/run/netns/${pod}`]);
    expect(made.status).toBe(0);
    expectRefused(add(JSON.stringify(rowConf()), { CNI_NETNS: path }, path), 4, 'CNI_NETNS');
  });
});
