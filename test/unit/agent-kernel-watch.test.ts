// The kernel watch: which monitor lines are deletions of twill's entries, which of those are
// damage (still wanted), and that a monitor's line reaches onDamage.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { deletedEntry, KernelWatch, type KernelEntry } from '../../daemonset/agent/kernel-watch';
import { peersWant } from '../../daemonset/agent/peers';
import { silentLogger } from '../../daemonset/kube/log';

describe('deletedEntry', () => {
  it.each([
    ['Deleted 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink', 'ip', { kind: 'route', key: '10.64.1.0/24', dev: 'twill.1' }],
    ['Deleted 10.64.1.7 via 172.16.0.9 dev eth0 proto 116', 'ip', { kind: 'route', key: '10.64.1.7/32', dev: 'eth0' }],
    ['Deleted 10.64.1.0 dev twill.1 lladdr 0e:9f:15:f2:af:53 PERMANENT', 'ip', { kind: 'neigh', key: '10.64.1.0', dev: 'twill.1' }],
    ['Deleted 0E:9F:15:F2:AF:53 dev twill.1 dst 172.16.0.5 self permanent', 'bridge', { kind: 'fdb', key: '0e:9f:15:f2:af:53', dev: 'twill.1' }],
    ['Deleted 10.65.1.0 dev twill.42 lladdr 0e:9f:15:f2:af:53 PERMANENT', 'ip', { kind: 'neigh', key: '10.65.1.0', dev: 'twill.42' }],
    ['Deleted 0e:9f:15:f2:af:54 dev twill.42 dst 172.16.0.5 self permanent', 'bridge', { kind: 'fdb', key: '0e:9f:15:f2:af:54', dev: 'twill.42' }],
  ] as const)('%s', (line, source, want) => {
    expect(deletedEntry(line, ['twill.1', 'twill.42'], source)).toEqual(want);
  });

  it.each([
    ['10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink', 'ip'],
    ['Deleted 10.64.1.0/24 via 10.0.0.1 dev eth0 proto kernel', 'ip'],
    ['Deleted 10.0.0.9 dev eth0 lladdr 02:00:00:00:00:01 STALE', 'ip'],
    ['Deleted 10.0.0.9 dev twill.10 lladdr 02:00:00:00:00:01 PERMANENT', 'ip'],
    ['Deleted 02:00:00:00:00:01 dev veth1 master twill0', 'bridge'],
  ] as const)('ignores %s', (line, source) => {
    expect(deletedEntry(line, 'twill.1', source)).toBeUndefined();
  });
});

describe('peersWant', () => {
  const peers = [{ name: 'b', podCIDRs: ['10.64.1.0/24', 'fd00:64:1::/64'], underlayIp: '172.16.0.5', vtepMac: '0E:9F:15:F2:AF:53' }];
  it.each<[KernelEntry, boolean]>([
    [{ kind: 'route', key: '10.64.1.0/24' }, true],
    [{ kind: 'route', key: 'fd00:64:1::/64' }, true],
    [{ kind: 'route', key: '10.64.2.0/24' }, false],
    [{ kind: 'neigh', key: '10.64.1.0' }, true],
    [{ kind: 'neigh', key: '10.64.1.1' }, false],
    [{ kind: 'fdb', key: '0e:9f:15:f2:af:53' }, true],
    [{ kind: 'fdb', key: '0e:9f:15:f2:af:54' }, false],
  ])('%j → %s', (entry, want) => {
    expect(peersWant(peers, entry)).toBe(want);
  });
});

describe('KernelWatch', () => {
  function fakeChild() {
    const child = Object.assign(new EventEmitter(), { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), kill: () => true });
    return child as unknown as ChildProcessWithoutNullStreams & { stdout: PassThrough };
  }

  it('reports a wanted entry deleted, and not one that is no longer wanted; unhealthy once a monitor ends', async () => {
    const children: Array<ReturnType<typeof fakeChild>> = [];
    const damage: KernelEntry[] = [];
    const watch = new KernelWatch({
      devices: ['twill.1'],
      wanted: (e) => e.key !== '10.64.9.0/24',
      onDamage: (e) => damage.push(e),
      logger: silentLogger,
      spawnMonitor: () => (children.push(fakeChild()), children.at(-1)!),
    });
    watch.start();
    expect(watch.healthy).toBe(true);
    children[0].stdout.write('Deleted 10.64.9.0/24 via 10.64.9.0 dev twill.1 proto 116 onlink\nDeleted 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink\n');
    children[1].stdout.write('Deleted 0e:9f:15:f2:af:53 dev twill.1 dst 172.16.0.5 self permanent\n');
    await new Promise((r) => setImmediate(r));
    expect(damage).toEqual([{ kind: 'route', key: '10.64.1.0/24', dev: 'twill.1' }, { kind: 'fdb', key: '0e:9f:15:f2:af:53', dev: 'twill.1' }]);
    children[1].emit('close', 1, null);
    expect(watch.healthy).toBe(false);
    watch.stop();
  });
});
