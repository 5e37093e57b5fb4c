// BatchSession with the real `ip` and `bridge` in a test namespace: groups report their own
// failed lines, several groups in flight resolve in order, a child that dies (ip exits on a
// malformed argument) fails only the groups in flight and the next group gets a fresh child,
// and nothing outlives the test (namespace, children).
import { BatchSession } from '../../cni/host/batch-session';
import { CommandError } from '../../cni/host/errors';
import { describeRoot, Namespaces, sh } from '../helpers/netns';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

describeRoot('BatchSession (real ip and bridge, test namespace)', () => {
  const spaces = new Namespaces();
  let ns: string;
  const sessions: BatchSession[] = [];
  const session = (program: string) => {
    const s = new BatchSession({ argv: [program, '-n', ns], env });
    sessions.push(s);
    return s;
  };
  const ip = (args: string[]) => sh('ip', ['-n', ns, ...args]);

  beforeAll(() => {
    ns = spaces.create('twbs');
    ip(['link', 'set', 'lo', 'up']);
    ip(['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '8472', 'nolearning']);
    ip(['link', 'set', 'vx0', 'up']);
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    spaces.cleanup();
    expect(sh('ip', ['netns', 'list'])).not.toContain(ns);
  });

  it('applies a group and reports only that group\'s failed lines, by index', async () => {
    const s = session('ip');
    expect(await s.run(['neigh replace 10.9.1.0 lladdr 02:00:00:00:00:01 dev vx0 nud permanent'])).toEqual([]);
    const failures = await s.run(['neigh replace 10.9.2.0 lladdr 02:00:00:00:00:02 dev vx0 nud permanent', 'route add 10.9.3.0/24 dev nosuch0', 'route add 10.9.1.0/24 via 10.9.1.0 dev vx0 onlink']);
    expect(failures).toEqual([{ index: 1, line: 'route add 10.9.3.0/24 dev nosuch0', message: expect.stringContaining('nosuch0') }]);
    expect(ip(['route', 'show', 'dev', 'vx0'])).toContain('10.9.1.0/24');
    expect(ip(['neigh', 'show', 'dev', 'vx0', 'nud', 'permanent'])).toContain('10.9.2.0');
  });

  it('keeps groups written back to back apart and resolves them in order', async () => {
    const s = session('bridge');
    const runs = await Promise.all([0, 1, 2].map((i) => s.run([`fdb replace 02:00:00:00:01:0${i} dev vx0 dst 192.0.2.${i + 1} self permanent`, ...(i === 1 ? ['fdb del 02:00:00:00:09:09 dev vx0 dst 192.0.2.9 self'] : [])])));
    expect(runs[0]).toEqual([]);
    expect(runs[1]).toEqual([{ index: 1, line: 'fdb del 02:00:00:00:09:09 dev vx0 dst 192.0.2.9 self', message: expect.any(String) }]);
    expect(runs[2]).toEqual([]);
    const fdb = sh('bridge', ['-n', ns, 'fdb', 'show', 'dev', 'vx0']);
    for (const i of [0, 1, 2]) expect(fdb).toContain(`02:00:00:00:01:0${i} dst 192.0.2.${i + 1}`);
  });

  it('fails the group whose line kills the child, and runs the next group on a fresh child', async () => {
    const s = session('ip');
    await expect(s.run(['route add not-a-prefix dev vx0'])).rejects.toBeInstanceOf(CommandError);
    expect(await s.run(['route add 10.9.4.0/24 via 10.9.1.0 dev vx0 onlink'])).toEqual([]);
    expect(ip(['route', 'show', 'dev', 'vx0'])).toContain('10.9.4.0/24');
  });

  it('times a stuck group out (killing the child) and refuses lines that would split', async () => {
    const s = new BatchSession({ argv: ['sh', '-c', 'exec sleep 5', 'stuck'], env, timeoutMs: 200 });
    sessions.push(s);
    await expect(s.run(['x'])).rejects.toMatchObject({ timedOut: true });
    await expect(session('ip').run(['link show dev lo\nlink del lo'])).rejects.toThrow('newline');
  });
});
