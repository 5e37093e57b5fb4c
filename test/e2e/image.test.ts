// The node image (`make image`: daemonset/image/) built into a podman store of the test's own,
// then run as the DaemonSet runs it: `twilld --version`; the init container's `twilld install`
// into a hostPath, whose files are dist/'s and run on the host; and the agent in a harness node's
// network namespace (root, NET_ADMIN and NET_RAW only) against the test API server, until
// /readyz answers 200, the conflist is written and a pod ADDed with the image's plugins pings.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodes } from '../kube/apiserver';
import { withCluster } from '../helpers/cluster/with-cluster';
import { inNs, link, ManagedProcess, readConflist, sleep, tryRun, type Cluster, type ClusterNode } from '../helpers/cluster';
import { DIST } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import { requireTools } from '../helpers/os-packages';
import { PodmanStore } from '../helpers/podman-store';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = `localhost/twill:${VERSION}`;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const PROGRAMS = ['bridge', 'conntrack', 'ethtool', 'ip', 'ip6tables', 'ip6tables-restore', 'ip6tables-save', 'iptables', 'iptables-restore', 'iptables-save', 'nft', 'xtables-nft-multi'];

describeRoot('the node image', () => {
  let store: PodmanStore;
  let built: { code: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    requireTools(['podman', 'runc', 'unshare', 'ldd', 'ip', 'curl', 'socat', 'ping']);
    store = new PodmanStore();
    // The script `make image` runs, into the test's store (podman reads CONTAINERS_*_CONF).
    const r = spawnSync(join(ROOT, 'daemonset/image/build.sh'), [], { encoding: 'utf8', env: { ...store.env, VERSION }, timeout: 300_000 });
    built = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }, 320_000);

  afterAll(async () => {
    expect(await store?.teardown()).toEqual([]);
  });

  const runImage = (args: string[]) => store.podman(['run', '--rm', '--network', 'none', IMAGE, ...args]);

  test('built FROM scratch, nothing pulled; its size printed; inside only twill, its runtimes and its programs', async () => {
    expect({ code: built.code, stderr: built.stderr.match(/^(Error|WARN).*$/gm) }).toEqual({ code: 0, stderr: null });
    expect(built.stdout).toMatch(new RegExp(`^${IMAGE}: \\d+ MB \\(\\d+ bytes; \\d+ shared libraries\\)\\n$`));
    const inspect = JSON.parse(await store.podmanOk(['image', 'inspect', IMAGE]))[0];
    expect({ user: inspect.Config.User, cmd: inspect.Config.Cmd, layers: inspect.RootFS.Layers.length }).toEqual({ user: '0:0', cmd: ['/opt/twill/twilld'], layers: 1 });
    // No ls in the image: the shell's own globbing lists the directories.
    const listing = await runImage(['sh', '-c', 'echo /opt/twill/*; echo /usr/sbin/*; echo /usr/bin/*']);
    const [twill, sbin, bin] = listing.stdout.trim().split('\n').map((l) => l.split(' ').map((p) => p.replace(/^.*\//, '')).sort());
    expect({ twill, sbin, bin }).toEqual({ twill: readdirSync(DIST).sort(), sbin: PROGRAMS, bin: ['dash', 'sh'] });
    const versions = await runImage(['sh', '-c', 'ip -V && bridge -V && nft -V && iptables -V && ip6tables-save -V && ethtool --version && conntrack --version']);
    expect({ code: versions.code, stderr: versions.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('twilld --version', async () => {
    expect(await runImage(['twilld', '--version'])).toMatchObject({ code: 0, stdout: `twilld ${VERSION}\n` });
  });

  test('the init container: twilld install into a hostPath puts dist/ plugins there, and they run on the host', async () => {
    // The hostPath is the node's root here; the installer creates the missing /opt/cni/bin below it.
    const hostRoot = join(store.dir, 'host');
    mkdirSync(hostRoot);
    const host = join(hostRoot, 'opt/cni/bin');
    const r = await store.podman(['run', '--rm', '--network', 'none', '-v', `${hostRoot}:/host`, IMAGE, 'twilld', 'install', '--cni-bin-dir', '/host/opt/cni/bin']);
    expect({ code: r.code, stderr: r.stderr, last: r.stdout.trim().split('\n').at(-1) }).toEqual({ code: 0, stderr: '', last: 'twill installed in /host/opt/cni/bin' });
    const files = readdirSync(host).sort();
    expect(files).toEqual(expect.arrayContaining(['twill', 'twill-ipam']));
    expect(files.filter((f) => f.startsWith('twilld'))).toEqual([]);
    for (const f of files) expect({ f, sha: sha256(join(host, f)) }).toEqual({ f, sha: sha256(join(DIST, f)) });
    const v = spawnSync(join(host, 'twill'), [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION' } });
    expect({ code: v.status, stdout: JSON.parse(v.stdout).cniVersion }).toEqual({ code: 0, stdout: '1.1.0' });
  });

  /** The DaemonSet's agent container: the node's network namespace, root with NET_ADMIN and NET_RAW only, the node's files mounted. */
  function agentContainer(cluster: Cluster, node: ClusterNode, name: string): ManagedProcess {
    writeFileSync(node.paths.agentConfig, JSON.stringify(cluster.agentConfig(node)));
    const args = [
      'run', '--rm', '--name', name, '--network', `ns:/run/netns/${node.ns}`, '--cap-drop', 'all', '--cap-add', 'NET_ADMIN,NET_RAW',
      '-v', `${cluster.root}:${cluster.root}`, '-e', `NODE_NAME=${node.name}`, '-e', `KUBECONFIG=${node.paths.kubeconfig}`,
      IMAGE, 'twilld', '--config', node.paths.agentConfig,
    ];
    return new ManagedProcess(name, store.argv(args), { env: store.env });
  }

  async function waitReady(node: ClusterNode, agent: ManagedProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline && agent.running) {
      const r = await tryRun(inNs(node.ns, ['curl', '-sS', '--max-time', '3', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:9765/readyz']));
      if (r.stdout === '200') return;
      last = r.stdout || r.stderr;
      await sleep(250);
    }
    throw new Error(`agent container not ready (last ${last}; ${agent.running ? 'running' : 'exited'})\n${agent.output(60)}`);
  }

  test('the agent container reaches readiness against the test API server; pods get the image-installed plugins', async () => {
    // install: false: the bin dir is the image's installer's alone.
    await withCluster({ nodes: 1, install: false }, async (cluster) => {
      const node = cluster.nodes[0];
      const install = await store.podman(['run', '--rm', '--network', 'none', '-v', `${node.paths.cniBinDir}:/host/bin`, IMAGE, 'twilld', 'install', '--cni-bin-dir', '/host/bin']);
      expect({ code: install.code, stderr: install.stderr }).toEqual({ code: 0, stderr: '' });
      const agent = agentContainer(cluster, node, `twill-e2e-agent-${process.pid}`);
      try {
        await waitReady(node, agent);
        const conflist = readConflist(node.paths.cniConfDir, 'twill');
        expect(conflist.plugins.map((p) => p.type)).toEqual(['twill']);
        expect(await link(node, 'twill.1')).toMatchObject({ linkinfo: { info_kind: 'vxlan' } });
        expect((cluster.api.get(nodes, node.name) as any).metadata.annotations['twill.dev/vtep-mac']).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        const pod = await cluster.addPod({ node, name: 'p' });
        expect(await cluster.ping({ from: node.ns, to: pod.ipv4! })).toBe(true);
        await cluster.delPod(pod);
      } finally {
        const exit = await agent.stop('SIGTERM', 15_000);
        expect(exit).toEqual({ code: 0, signal: null });
      }
      // And off again, from the same image with the same rights: the README's uninstall.
      const { cniConfDir, cniBinDir, runDir } = node.paths;
      const un = await store.podman([
        'run', '--rm', '--network', `ns:/run/netns/${node.ns}`, '--cap-drop', 'all', '--cap-add', 'NET_ADMIN,NET_RAW', '-v', `${cluster.root}:${cluster.root}`,
        IMAGE, 'twilld', 'uninstall', '--cni-conf-dir', cniConfDir, '--cni-bin-dir', cniBinDir, '--run-dir', runDir,
      ]);
      expect({ code: un.code, stderr: un.stderr, last: un.stdout.trim().split('\n').at(-1) }).toEqual({ code: 0, stderr: '', last: 'twill uninstalled' });
      expect(await link(node, 'twill.1')).toBeUndefined();
      expect(await link(node, 'twill0')).toBeUndefined();
      expect([readdirSync(cniConfDir), readdirSync(cniBinDir), existsSync(runDir)]).toEqual([[], [], false]);
      expect((await tryRun(inNs(node.ns, ['nft', 'list', 'table', 'inet', 'twill']))).code).not.toBe(0);
    });
  });
});
