import type { AgentConfig } from '../../daemonset/config/types';
import { NodeController } from '../../daemonset/agent/controller';
import { ReconcileLoop } from '../../daemonset/agent/loop';
import { NetworkControllers } from '../../daemonset/agent/networks';
import { diffPeers, peersOf } from '../../daemonset/agent/peers';
import type { AgentPorts, NodeFilesInput } from '../../daemonset/agent/ports';
import type { SubnetKeeper } from '../../daemonset/agent/subnets';
import { NodeSubnetUnavailableError } from '../../daemonset/kube/errors';
import { silentLogger } from '../../daemonset/kube/log';
import type { NodeNetworkInfo } from '../../daemonset/kube/publish';
import type { SlimNode } from '../../daemonset/kube/slim-node';
import type { DesiredOverlay, OverlaySyncReport, SyncScope } from '../../daemonset/overlay';

const config: AgentConfig = {
  nodeName: 'n1',
  namespace: 'twill-system',
  networks: [{ name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: [], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true }],
  vxlanPort: 8472,
  underlay: {},
  directRouting: false,
  checksumOffloadWorkaround: true,
  resyncSeconds: 10,
  listen: '',
  paths: { cniConfDir: '/c', cniBinDir: '/b', runDir: '/r', ipamDataDir: '/d' },
  logLevel: 'info',
};

function node(name: string, i: number, extra: Partial<SlimNode> = {}): SlimNode {
  return { name, uid: `uid-${name}`, resourceVersion: '1', podCIDRs: [`10.244.${i}.0/24`], internalIPs: [`192.168.0.${i}`], annotations: { 'twill.dev/vtep-mac': `0a:00:00:00:00:0${i}` }, ...extra };
}

function report(): OverlaySyncReport {
  const zero = { fdbSet: 0, routesDeleted: 0, neighboursSet: 0, routesAdded: 0, routesReplaced: 0, neighboursDeleted: 0, fdbDeleted: 0 };
  return { device: 'unchanged', vtepMac: '0a:00:00:00:00:01', underlay: { dev: 'eth0', address: '192.168.0.1', family: 4, mtu: 1500 }, mtu: 1450, peers: { programmed: 0, skipped: [] }, changes: zero, offloadChanged: false, batches: 0, failures: [], durationMs: 1, scoped: false, timings: { readMs: 0, planMs: 0, applyMs: 0 } };
}

function fakes(nodes: Map<string, SlimNode>, o: { config?: AgentConfig; network?: AgentConfig['networks'][number] } = {}) {
  const calls = { overlay: [] as Array<{ desired: DesiredOverlay; scope?: SyncScope }>, nat: [] as string[][], files: [] as NodeFilesInput[], publish: [] as NodeNetworkInfo[] };
  const ports: AgentPorts = {
    overlay: async (desired, scope) => (calls.overlay.push({ desired, scope }), report()),
    noMasquerade: async (cidrs) => (calls.nat.push(cidrs), true),
    forwarding: () => undefined,
    writeFiles: async (input) => (calls.files.push(input), { conflist: true, readiness: true }),
    publish: async (_self, info) => (calls.publish.push(info), true),
  };
  const subnets = { ensure: async (self: SlimNode) => ({ source: 'cluster' as const, cidrs: [...self.podCIDRs], claims: [] }) } as unknown as SubnetKeeper;
  const controller = new NodeController({ config: o.config ?? config, network: o.network, nodes: () => nodes, subnets, ports, logger: silentLogger });
  return { calls, controller };
}

describe('peers', () => {
  it('uses the published underlay address, else the InternalIP of the underlay family', () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2, { internalIPs: ['fd00::2', '192.168.0.2'] })], ['n3', node('n3', 3, { annotations: { 'twill.dev/underlay-ip': '192.168.9.3' } })]]);
    const peers = peersOf(nodes, 'n1', 4);
    expect([...peers.keys()]).toEqual(['n2', 'n3']);
    expect(peers.get('n2')).toMatchObject({ underlayIp: '192.168.0.2', vtepMac: '0a:00:00:00:00:02', podCIDRs: ['10.244.2.0/24'] });
    expect(peers.get('n3')?.underlayIp).toBe('192.168.9.3');
  });

  it('diffs added, changed and removed peers, keeping the old state of what goes', () => {
    const a = peersOf(new Map([['n2', node('n2', 2)], ['n3', node('n3', 3)]]), 'n1', 4);
    const b = peersOf(new Map([['n2', node('n2', 2, { internalIPs: ['192.168.0.22'] })], ['n4', node('n4', 4)]]), 'n1', 4);
    const d = diffPeers(a, b);
    expect(d.names.sort()).toEqual(['n2', 'n4']);
    expect(d.removed).toEqual(['n3']);
    expect(d.previous.map((p) => p.underlayIp).sort()).toEqual(['192.168.0.2', '192.168.0.3']);
  });
});

describe('NodeController', () => {
  it('is not ready, and touches nothing, until its Node is in the API', async () => {
    const { calls, controller } = fakes(new Map([['n2', node('n2', 2)]]));
    expect(await controller.reconcile(true)).toEqual({ kind: 'not-ready', reason: expect.stringContaining('node n1 is not in the API server') });
    expect(calls.overlay).toHaveLength(0);
    expect(controller.isReady).toBe(false);
  });

  it('programs everything on a full pass, then only what an event changed', async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    expect((await controller.reconcile(true)).kind).toBe('full');
    expect(calls.overlay[0].scope).toBeUndefined();
    expect(calls.overlay[0].desired.config).toMatchObject({ underlay: { address: '192.168.0.1' }, podCIDRs: ['10.244.1.0/24'], device: 'twill.1' });
    expect(calls.nat[0]).toEqual(['10.244.1.0/24', '10.244.2.0/24']);
    expect(calls.files[0]).toMatchObject({ subnets: ['10.244.1.0/24'], mtu: 1450 });
    expect(calls.publish[0]).toMatchObject({ vtepMac: '0a:00:00:00:00:01', underlayIp: '192.168.0.1', backend: 'vxlan', ready: true, podCidrs: undefined });
    expect(controller.isReady).toBe(true);

    expect(await controller.reconcile(false)).toEqual({ kind: 'unchanged' });
    nodes.set('n3', node('n3', 3));
    nodes.delete('n2');
    expect((await controller.reconcile(false)).kind).toBe('scoped');
    expect(calls.overlay[1].scope?.names).toEqual(['n3']);
    expect(calls.overlay[1].scope?.previous?.map((p) => p.name)).toEqual(['n2']);
    expect(calls.nat[1]).toEqual(['10.244.1.0/24', '10.244.3.0/24']);
  });

  it("skips rewriting the node's files and Node on an event's pass when they would not change", async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    await controller.reconcile(true);
    nodes.set('n3', node('n3', 3));
    expect((await controller.reconcile(false)).kind).toBe('scoped');
    expect([calls.files.length, calls.publish.length]).toEqual([1, 1]);
    await controller.reconcile(true);
    expect([calls.files.length, calls.publish.length]).toEqual([2, 2]);
  });

  it('goes back to a full pass after a failed step, and names the step', async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    await controller.reconcile(true);
    const ports = (controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    const publish = ports.publish;
    ports.publish = async () => { throw new Error('503'); };
    nodes.set('n1', node('n1', 1)); // its Node changed: the event's pass publishes again
    nodes.set('n3', node('n3', 3));
    await expect(controller.reconcile(false)).rejects.toThrow('publish: 503');
    ports.publish = publish;
    expect((await controller.reconcile(false)).kind).toBe('full');
    expect(calls.overlay.map((c) => c.scope === undefined)).toEqual([true, false, true]);
  });

  it("does not hold an event's pass for the NAT update; a failed one makes the next pass full", async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    await controller.reconcile(true);
    const ports = (controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    let fail!: (err: Error) => void;
    ports.noMasquerade = () => new Promise((_, reject) => (fail = reject));
    nodes.set('n3', node('n3', 3));
    expect((await controller.reconcile(false)).kind).toBe('scoped'); // returns with the NAT update still running
    fail(new Error('nft: busy'));
    await new Promise((r) => setImmediate(r));
    ports.noMasquerade = async (cidrs) => (calls.nat.push(cidrs), true);
    expect((await controller.reconcile(false)).kind).toBe('full');
    expect(calls.nat.at(-1)).toEqual(['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24']);
  });

  it('waits without error while no subnet can be had', async () => {
    const nodes = new Map([['n1', node('n1', 1, { podCIDRs: [] })]]);
    const subnets = { ensure: async () => { throw new NodeSubnetUnavailableError({ node: 'n1', detail: 'no pool' }); } } as unknown as SubnetKeeper;
    const c = new NodeController({ config, nodes: () => nodes, subnets, ports: {} as AgentPorts, logger: silentLogger });
    expect(await c.reconcile(true)).toEqual({ kind: 'not-ready', reason: 'no pod subnet for node n1 yet' });
  });

  it('names a failing subnet claim in its not-ready reason (a 403, say), reporting the failure once', async () => {
    const nodes = new Map([['n1', node('n1', 1, { podCIDRs: [] })]]);
    const subnets = { ensure: async () => { throw new Error('leases is forbidden: cannot create'); } } as unknown as SubnetKeeper;
    const failed: string[] = [];
    const c = new NodeController({ config, nodes: () => nodes, subnets, ports: {} as AgentPorts, logger: silentLogger, hooks: { failed: (f) => failed.push(f.stage) } });
    await expect(c.reconcile(true)).rejects.toThrow('forbidden');
    expect(c.notReadyReason).toBe('subnet failed: leases is forbidden: cannot create');
    expect(failed).toEqual(['subnet']);
  });

  it('uses the configured cluster CIDRs for the NAT exemption and publishes claimed subnets', async () => {
    const nodes = new Map([['n1', node('n1', 1, { podCIDRs: [] })]]);
    const cfg = { ...config, networks: [{ ...config.networks[0], clusterCIDRs: ['10.213.0.0/16'] }] };
    const f = fakes(nodes);
    const subnets = { ensure: async () => ({ source: 'claimed' as const, cidrs: ['10.213.7.0/24'], claims: [] }) } as unknown as SubnetKeeper;
    const ports = (f.controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    await new NodeController({ config: cfg, nodes: () => nodes, subnets, ports, logger: silentLogger }).reconcile(true);
    expect(f.calls.nat[0]).toEqual(['10.213.0.0/16']);
    expect(f.calls.publish[0].podCidrs).toEqual(['10.213.7.0/24']);
  });
});

describe('further networks', () => {
  const blue = { name: 'blue', bridge: 'twill1', vni: 42, clusterCIDRs: ['10.215.0.0/16'], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true };
  const two: AgentConfig = { ...config, networks: [config.networks[0], blue] };
  const withBlue = (name: string, i: number, blueSubnet?: string) =>
    node(name, i, { annotations: { 'twill.dev/vtep-mac': `0a:00:00:00:00:0${i}`, ...(blueSubnet ? { 'twill.dev/blue.pod-cidrs': blueSubnet, 'twill.dev/blue.vtep-mac': `0b:00:00:00:00:0${i}` } : {}) } });

  function blueController(nodes: Map<string, SlimNode>) {
    const f = fakes(nodes, { config: two, network: blue });
    const ports = (f.controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    const subnets = { ensure: async () => ({ source: 'claimed' as const, cidrs: ['10.215.1.0/24'], claims: [] }) } as unknown as SubnetKeeper;
    return { ...f, controller: new NodeController({ config: two, network: blue, nodes: () => nodes, subnets, ports, logger: silentLogger }) };
  }

  it("programs its own device from its own annotations only, never spec.podCIDRs, and publishes under its own keys", async () => {
    const nodes = new Map([['n1', withBlue('n1', 1, '10.215.1.0/24')], ['n2', withBlue('n2', 2, '10.215.2.0/24')], ['n3', withBlue('n3', 3)]]);
    const { calls, controller } = blueController(nodes);
    expect((await controller.reconcile(true)).kind).toBe('full');
    const { config: overlay, peers } = calls.overlay[0].desired;
    expect(overlay).toMatchObject({ device: 'twill.42', vni: 42, podCIDRs: ['10.215.1.0/24'], ownership: { index: 1, networks: [{ device: 'twill.1', clusterCIDRs: [] }, { device: 'twill.42', clusterCIDRs: ['10.215.0.0/16'] }] } });
    expect(peers.map((p) => [p.name, p.podCIDRs, p.vtepMac])).toEqual([['n2', ['10.215.2.0/24'], '0b:00:00:00:00:02'], ['n3', [], undefined]]);
    expect(calls.nat[0]).toEqual(['10.215.0.0/16']);
    expect(calls.files[0].network).toBe(blue);
    expect(calls.publish[0]).toMatchObject({ podCidrs: ['10.215.1.0/24'], keys: { network: 'blue', primary: false, vtepMac: 'twill.dev/blue.vtep-mac' } });
  });

  it("wants its own device's neighbours and FDB entries and its peers' routes, not another network's", async () => {
    const nodes = new Map([['n1', withBlue('n1', 1, '10.215.1.0/24')], ['n2', withBlue('n2', 2, '10.215.2.0/24')]]);
    const { controller } = blueController(nodes);
    expect(controller.wants({ kind: 'route', key: '10.215.2.0/24', dev: 'eth0' })).toBe(true);
    expect(controller.wants({ kind: 'route', key: '10.244.2.0/24', dev: 'twill.1' })).toBe(false);
    expect(controller.wants({ kind: 'neigh', key: '10.215.2.0', dev: 'twill.42' })).toBe(true);
    expect(controller.wants({ kind: 'neigh', key: '10.215.2.0', dev: 'twill.1' })).toBe(false);
    expect(controller.wants({ kind: 'fdb', key: '0b:00:00:00:00:02', dev: 'twill.42' })).toBe(true);
    expect(controller.wants({ kind: 'fdb', key: '0a:00:00:00:00:02', dev: 'twill.42' })).toBe(false);
  });

  it('runs every network in a pass: one failing does not stop the next, the pass fails naming it, readiness names who is not ready', async () => {
    const nodes = new Map([['n1', withBlue('n1', 1, '10.215.1.0/24')], ['n2', withBlue('n2', 2, '10.215.2.0/24')]]);
    const pod = fakes(nodes, { config: two });
    const b = blueController(nodes);
    const podPorts = (pod.controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    podPorts.overlay = async () => { throw new Error('ip: busy'); };
    const all = new NetworkControllers([pod.controller, b.controller]);
    expect(all.devices).toEqual(['twill.1', 'twill.42']);
    await expect(all.reconcile(true)).rejects.toThrow('network twill: overlay: ip: busy');
    expect(b.calls.overlay).toHaveLength(1);
    expect(all.isReady).toBe(false);
    expect(all.notReadyReason).toBe('network twill: overlay failed: ip: busy');
    podPorts.overlay = async () => report();
    expect((await all.reconcile(true)).map((o) => o.kind)).toEqual(['full', 'full']);
    expect(all.isReady).toBe(true);
  });
});

describe('ReconcileLoop', () => {
  it('runs events beside a full pass, coalesces what arrives while a lane runs, retries a failure with a full pass', async () => {
    const passes: string[] = [];
    let fail = true;
    let releaseFull!: () => void;
    let releaseEvent!: () => void;
    const fullGate = new Promise<void>((r) => (releaseFull = r));
    const eventGate = new Promise<void>((r) => (releaseEvent = r));
    const loop = new ReconcileLoop({
      periodMs: 60_000,
      logger: silentLogger,
      backoff: { initialMs: 10, maxMs: 20, random: () => 0 },
      reconcile: async (full) => {
        passes.push(full ? 'full' : 'event');
        if (passes.length === 1) await fullGate;
        if (passes.length === 2) await eventGate;
        if (passes.length === 3 && fail) { fail = false; throw new Error('x'); }
      },
    });
    loop.start(); // the first full pass, held
    loop.trigger({}); // runs beside it, held
    loop.trigger({});
    loop.trigger({}); // these two: one more event's pass, which fails
    await new Promise((r) => setTimeout(r, 5));
    expect(passes).toEqual(['full', 'event']);
    releaseEvent();
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toEqual(['full', 'event', 'event']); // its full retry waits behind the held full pass
    releaseFull();
    await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(passes).toEqual(['full', 'event', 'event', 'full']);
  });
});

describe('NodeController full pass beside events', () => {
  /** A pass that says it has reached a point (`started`) and waits there until `release`. */
  function latch() {
    let signal!: () => void;
    let release!: () => void;
    const started = new Promise<void>((r) => (signal = r));
    const gate = new Promise<void>((r) => (release = r));
    return { started, signal, gate, release };
  }

  it("programs events while a full pass reads, then keeps the peers as they are when it commits", async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    await controller.reconcile(true);
    const ports = (controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    const { started, signal: reading, gate, release } = latch();
    const seen: Array<ReturnType<NonNullable<Parameters<AgentPorts['overlay']>[2]>['peersNow']>> = [];
    ports.overlay = async (desired, scope, window) => {
      calls.overlay.push({ desired, scope });
      if (window) {
        await window.unlocked(async () => (reading(), gate));
        seen.push(window.peersNow());
      }
      return report();
    };
    const full = controller.reconcile(true);
    await started;
    nodes.set('n3', node('n3', 3));
    expect((await controller.reconcile(false)).kind).toBe('scoped'); // not held behind the full pass
    release();
    expect((await full).kind).toBe('full');
    expect(seen[0].peers.map((p) => p.name)).toEqual(['n2', 'n3']);
    expect(seen[0].changes.names).toEqual(['n3']);
    // The full pass kept n3: nothing left for an event's pass.
    expect(await controller.reconcile(false)).toEqual({ kind: 'unchanged' });
  });

  it("lets events' passes in while a full pass waits for the NAT exemption's verification", async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    await controller.reconcile(true);
    const ports = (controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    const { started, signal: verifying, gate, release } = latch();
    ports.noMasquerade = async (cidrs, verify) => {
      calls.nat.push(cidrs);
      if (verify) await (verifying(), gate);
      return true;
    };
    const full = controller.reconcile(true);
    await started;
    nodes.set('n3', node('n3', 3));
    expect((await controller.reconcile(false)).kind).toBe('scoped');
    release();
    expect((await full).kind).toBe('full');
  });

  it("holds an event's pass behind the first full pass instead of making it a whole pass of its own", async () => {
    const nodes = new Map([['n1', node('n1', 1)], ['n2', node('n2', 2)]]);
    const { calls, controller } = fakes(nodes);
    const ports = (controller as unknown as { opts: { ports: AgentPorts } }).opts.ports;
    const { gate, release } = latch();
    ports.overlay = async (desired, scope, window) => {
      calls.overlay.push({ desired, scope });
      if (window) {
        await window.unlocked(() => gate);
        window.peersNow();
      }
      return report();
    };
    const full = controller.reconcile(true);
    await new Promise((r) => setImmediate(r));
    nodes.set('n3', node('n3', 3));
    const event = controller.reconcile(false);
    release();
    await full;
    expect(await event).toEqual({ kind: 'unchanged' });
    expect(calls.overlay.map((c) => c.scope === undefined)).toEqual([true]);
  });
});
