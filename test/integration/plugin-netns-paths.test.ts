// CNI_NETNS as runtimes pass it: not only /run/netns/NAME, but any path to a namespace file
// (/proc/PID/ns/net, a runtime's own bind mount). ADD, CHECK and DEL must all work with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeRoot, sh } from '../helpers/netns';
import { netConf, podIp, useNode } from './plugin-support';
import { requireTools } from '../helpers/os-packages';

describeRoot('twill plugin: CNI_NETNS paths', () => {
  beforeAll(() => requireTools(['ip', 'nsenter', 'nft', 'ping']));
  const node = useNode();
  const mounts: string[] = [];

  afterEach(() => {
    for (const m of mounts.splice(0)) {
      try {
        sh('umount', [m]);
      } catch {
        // not mounted
      }
      rmSync(dirname(m), { recursive: true, force: true });
    }
  });

  async function holderPid(pod: string): Promise<number> {
    const child = node().background(pod, ['sleep', '120']);
    // `ip netns exec` execs the command in place: once it has switched, the pid's netns is the pod's.
    const podIno = sh('stat', ['-L', '-c', '%i', `/run/netns/${pod}`]).trim();
    for (let i = 0; i < 100; i++) {
      if (sh('stat', ['-L', '-c', '%i', `/proc/${child.pid}/ns/net`]).trim() === podIno) return child.pid!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('sleep never entered the pod namespace');
  }

  test.each(['/proc/PID/ns/net', 'a bind mount outside /run/netns'])('ADD, CHECK and DEL with CNI_NETNS = %s', async (kind) => {
    const pod = node().pod();
    let netns = `/proc/${await holderPid(pod)}/ns/net`;
    if (kind !== '/proc/PID/ns/net') {
      const dir = mkdtempSync(join(tmpdir(), 'twill-netns-'));
      const file = join(dir, 'cni-0123');
      writeFileSync(file, '');
      sh('mount', ['--bind', `/run/netns/${pod}`, file]);
      mounts.push(file);
      netns = file;
    }
    const conf = netConf(node(), { extra: { isDefaultGateway: true } });
    const { run, att } = node().add(conf, { pod, netns });
    expect(run.code).toBe(0);
    expect(run.json.interfaces[2]).toMatchObject({ name: 'eth0', sandbox: netns });
    expect(node().addrs('eth0', pod)).toContain(`${podIp(run.json)}/24`);
    expect(node().ping(pod, '10.250.1.1')).toBe(true);
    const check = node().run('CHECK', { ...conf, prevResult: run.json }, { ...att, netns });
    expect({ code: check.code, stdout: check.stdout }).toEqual({ code: 0, stdout: '' });
    node().ipIn(pod, ['addr', 'flush', 'dev', 'eth0']);
    const drift = node().run('CHECK', { ...conf, prevResult: run.json }, { ...att, netns });
    expect(drift.json).toMatchObject({ code: 103, msg: `address ${podIp(run.json)}/24 missing on eth0` });
    expect(node().del(conf, att, { netns }).code).toBe(0);
    expect(node().links(pod).map((l) => l.ifname)).toEqual(['lo']);
  });
});
