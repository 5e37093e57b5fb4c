// A network's firewall state (its bridge and subnets in `table inet twill`, or its rules in the
// TWILL-* iptables chains) must not outlive the network: GC with no valid attachment left for
// it, and any ADD or GC that finds a bridge of the sets gone from the node, prune it; a later
// network reusing the name, bridge or subnet inherits nothing.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRoot } from '../helpers/netns';
import { netConf, useNode, type Json } from './plugin-support';

const IPTABLES_TOOLS = ['ip', 'nsenter', 'conntrack', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore'];

describeRoot('twill plugin: network state does not outlive the network', () => {
  const node = useNode();

  const net = (name: string, bridge: string, subnet: string, ipMasq = true): Json => netConf(node(), { name, bridge, subnet, extra: { ipMasq } });

  /** The per-network elements of `table inet twill` (port mappings aside), as "set key". */
  const networkElements = () =>
    node()
      .tableElements()
      .filter((e) => !e.set.startsWith('hostports'))
      .map((e) => `${e.set} ${e.key}`)
      .sort();

  const gc = (conf: Json, valid: Array<{ containerId: string; ifname: string }>, env?: Record<string, string>) =>
    node().run('GC', { ...conf, 'cni.dev/valid-attachments': valid.map((a) => ({ containerID: a.containerId, ifname: a.ifname })) }, { env });

  /** A pod of the network comes and goes, then the network's bridge is removed (`podman network rm`, `ip link del`). */
  function networkThatWasRemoved(conf: Json, env?: Record<string, string>): void {
    const { run, att } = node().add(conf, { env });
    expect(run.code).toBe(0);
    expect(node().del(conf, att, { env }).code).toBe(0);
    node().ipIn(node().name, ['link', 'del', conf.bridge]);
  }

  test('GC of another network prunes the elements of a bridge that is gone', () => {
    const other = net('twt-b', 'twbrb', '10.250.6.0/24');
    const { run, att } = node().add(other);
    expect(run.code).toBe(0);
    networkThatWasRemoved(net('twt-old', 'twbrold', '10.250.5.0/24'));
    expect(networkElements()).toContain('masq4 10.250.5.0/24');
    expect(gc(other, [att]).code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbrb', 'masq4 10.250.6.0/24', 'pods4 10.250.6.0/24', 'same_bridge twbrb . twbrb']);
  });

  test('an ADD that creates its bridge prunes the elements of bridges that are gone', () => {
    networkThatWasRemoved(net('twt-old', 'twbrold', '10.250.5.0/24'));
    expect(node().add(net('twt-b', 'twbrb', '10.250.6.0/24')).run.code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbrb', 'masq4 10.250.6.0/24', 'pods4 10.250.6.0/24', 'same_bridge twbrb . twbrb']);
  });

  test('a network reusing the name, bridge and subnet of a removed one inherits nothing (no masquerade it did not ask for)', () => {
    networkThatWasRemoved(net('twt-a', 'twbra', '10.250.5.0/24', true));
    expect(node().add(net('twt-a', 'twbra', '10.250.5.0/24', false)).run.code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbra', 'pods4 10.250.5.0/24', 'same_bridge twbra . twbra']);
  });

  test('GC with no valid attachment prunes that network only, and a later ADD brings its elements back', () => {
    const a = net('twt-a', 'twbra', '10.250.5.0/24');
    const b = net('twt-b', 'twbrb', '10.250.6.0/24');
    expect([node().add(a).run.code, node().add(b).run.code]).toEqual([0, 0]);
    expect(gc(a, []).code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbrb', 'masq4 10.250.6.0/24', 'pods4 10.250.6.0/24', 'same_bridge twbrb . twbrb']);
    // Within the minute the rule marker is trusted: GC removed it with the elements.
    expect(node().add(a).run.code).toBe(0);
    expect(networkElements()).toContain('masq4 10.250.5.0/24');
    expect(networkElements()).toContain('bridges twbra');
  });

  test('two networks on one bridge: GC of one leaves the bridge and the other network', () => {
    const a = net('twt-a', 'twbrs', '10.250.5.0/24');
    const b = net('twt-b', 'twbrs', '10.250.6.0/24');
    const [podA, podB] = [node().add(a), node().add(b)];
    expect([podA.run.code, podB.run.code]).toEqual([0, 0]);
    expect(gc(a, []).code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbrs', 'masq4 10.250.6.0/24', 'pods4 10.250.6.0/24', 'same_bridge twbrs . twbrs']);
    expect(gc(b, [podB.att]).code).toBe(0);
    expect(networkElements()).toEqual(['bridges twbrs', 'masq4 10.250.6.0/24', 'pods4 10.250.6.0/24', 'same_bridge twbrs . twbrs']);
  });

  test('subnet elements an older twill left untagged get their tag from the next ADD that applies rules, so GC can prune them', () => {
    const a = net('twt-a', 'twbra', '10.250.5.0/24');
    expect(node().add(a).run.code).toBe(0);
    for (const set of ['pods4', 'masq4']) {
      node().exec(node().name, ['nft', `delete element inet twill ${set} { 10.250.5.0/24 }`]);
      node().exec(node().name, ['nft', `add element inet twill ${set} { 10.250.5.0/24 }`]);
    }
    rmSync(`/run/twill/ns-${node().inode}/twbra.rules`); // as after an upgrade: the marker no longer matches
    expect(node().add(a).run.code).toBe(0);
    const tags = node().tableElements().filter((e) => e.key === '10.250.5.0/24').map((e) => e.comment);
    expect(tags).toEqual(['twbra twt-a', 'twbra twt-a']);
    expect(gc(a, []).code).toBe(0);
    expect(networkElements()).toEqual([]);
  });

  describe('iptables backend', () => {
    let bin: string;
    let env: Record<string, string>;
    beforeAll(() => {
      bin = mkdtempSync(join(tmpdir(), 'twill-no-nft-'));
      for (const t of IPTABLES_TOOLS) symlinkSync(`/usr/sbin/${t}`, join(bin, t));
      env = { PATH: `${bin}:/usr/bin:/bin` };
    });
    afterAll(() => rmSync(bin, { recursive: true, force: true }));

    /** twill's per-network rules (the ones with a "twill net" comment), both tables. */
    const networkRules = () =>
      ['nat', 'filter'].flatMap((t) => node().exec(node().name, ['iptables-save', '-t', t]).split('\n').filter((l) => l.includes('twill net')));

    test('GC prunes the rules of a bridge that is gone, and of a network with no attachment left', () => {
      const a = net('twt-a', 'twbra', '10.250.6.0/24');
      const b = net('twt-b', 'twbrb', '10.250.7.0/24');
      expect([node().add(a, { env }).run.code, node().add(b, { env }).run.code]).toEqual([0, 0]);
      networkThatWasRemoved(net('twt-old', 'twbrold', '10.250.5.0/24'), env);
      expect(networkRules().filter((r) => r.includes('twbrold'))).not.toEqual([]);
      expect(gc(a, [], env).code).toBe(0);
      const left = networkRules();
      expect(left.filter((r) => /twbrold|twbra\b|10\.250\.[56]\./.test(r))).toEqual([]);
      expect(left.filter((r) => r.includes('10.250.7.0/24'))).toHaveLength(2);
      expect(left.filter((r) => r.includes('twbrb'))).toHaveLength(4);
    });
  });
});
