// podman 4.3 with its CNI backend as a real runtime for twill, kept off the host:
//
// - Its whole configuration lives in a temp dir, passed by CONTAINERS_CONF and
//   CONTAINERS_STORAGE_CONF (storage, state, locks, events, network configs).
// - It runs inside a test-owned "node" network namespace, so the CNI plugins it executes create
//   the bridge, veths and nft rules there. Plain `ip netns exec NODE podman` does not work: that
//   remounts /sys for the namespace and so drops the cgroup mounts under /sys/fs/cgroup, and runc
//   then fails with "no cgroup mount found in mountinfo". So a holder process owns one private
//   mount namespace (slave of the host's: nothing mounted there reaches the host) with the node's
//   sysfs and the host's cgroup tree bound back under it; every podman call enters the holder's
//   network and mount namespaces (`nsenter -t PID -m -n`). Overlay mounts and podman's netns bind
//   mounts exist only there and vanish with it.
// - podman 4.3 writes a few things it cannot be told to put elsewhere (libcni's result cache,
//   c/image's blob-info cache, runc's state dir); those it creates are removed at teardown.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, REFERENCE_PLUGINS } from './exec-plugin';
import { sh, uniqueName } from './netns';

export const PODMAN = '/usr/bin/podman';
export const IMAGE = 'localhost/twill-busybox';

/**
 * Host paths podman, runc or libcni create on first use whatever the configuration says,
 * children before parents: removed at teardown when they did not exist before (dirs only if empty).
 */
export const HOST_PATHS = [
  '/var/lib/cni/results',
  '/var/lib/cni',
  '/var/lib/containers/cache/blob-info-cache-v1.boltdb',
  '/var/lib/containers/cache',
  '/var/lib/containers',
  '/run/runc',
  // libmount's state dir, from the holder's mount/umount calls.
  '/run/mount/utab',
  '/run/mount',
];

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function containersConf(dir: string): string {
  return `# Written by test/helpers/podman.ts
[containers]
# Higher limits than these are refused on these machines.
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["${dir}/cni-bin", "${REFERENCE_PLUGINS}"]
network_config_dir = "${dir}/net.d"

[engine]
# crun refuses this machine's hybrid cgroup layout; systemd is not running.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
# File locks under tmp_dir instead of the host-wide /dev/shm/libpod_lock.
lock_type = "file"
tmp_dir = "${dir}/engine/tmp"
volume_path = "${dir}/engine/volumes"
image_copy_tmp_dir = "${dir}/tmp"
# No static_dir: conmon's exit command ("podman container cleanup", which DELs a stopped
# container's network) passes --root but not static_dir, so it would look for the containers in
# <graphroot>/libpod, the default; any other static_dir leaves stopped containers attached.
`;
}

function storageConf(dir: string, driver: string): string {
  return `[storage]\ndriver = "${driver}"\ngraphroot = "${dir}/storage/graph"\nrunroot = "${dir}/storage/run"\n`;
}

/** The holder's script: node sysfs on /sys, with the host's cgroup tree (saved first) bound back under it. */
function holderScript(dir: string): string {
  const saved = join(dir, 'cgroup');
  return [
    'set -e',
    `mkdir -p ${saved}`,
    `mount --rbind /sys/fs/cgroup ${saved}`,
    'mount -t sysfs sysfs /sys',
    `mount --rbind ${saved} /sys/fs/cgroup`,
    `umount -R ${saved}`,
    'echo ready',
    // Bounded, so even a killed test run does not keep the namespace forever.
    'exec sleep 1800',
  ].join('\n');
}

function mountsUnder(dir: string, mountinfo = '/proc/self/mountinfo'): string[] {
  try {
    return fs.readFileSync(mountinfo, 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
  } catch {
    return [];
  }
}

function mountNamespaceOf(pid: number | string): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

export class PodmanNode {
  /** The node's network namespace (under /run/netns). */
  readonly node = uniqueName('twpn');
  readonly dir = fs.mkdtempSync(join(tmpdir(), 'twill-podman-'));
  driver = 'overlay';
  private readonly env: Record<string, string>;
  private readonly newHostPaths: string[];
  private holder?: ChildProcess;
  private holderMnt?: string;
  private nodeInode?: number;
  private tornDown = false;
  private readonly networks: string[] = [];

  private constructor() {
    this.newHostPaths = HOST_PATHS.filter((p) => !fs.existsSync(p));
    for (const d of ['net.d', 'engine/tmp', 'engine/volumes', 'tmp', 'storage', 'cni-bin']) fs.mkdirSync(join(this.dir, d), { recursive: true });
    // podman runs twill from a plain copy of dist/, as an operator installs it: no symlink into
    // node_modules, no Node on the PATH it gives the plugin.
    execFileSync('cp', [...fs.readdirSync(DIST).map((f) => join(DIST, f)), join(this.dir, 'cni-bin')]);
    fs.writeFileSync(join(this.dir, 'containers.conf'), containersConf(this.dir));
    fs.writeFileSync(join(this.dir, 'storage.conf'), storageConf(this.dir, this.driver));
    this.env = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: this.dir,
      TMPDIR: join(this.dir, 'tmp'),
      CONTAINERS_CONF: join(this.dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf'),
    };
  }

  /** Creates the node namespace and the holder, and picks the storage driver (overlay, else vfs). */
  static async start(): Promise<PodmanNode> {
    const pn = new PodmanNode();
    try {
      sh('ip', ['netns', 'add', pn.node]);
      pn.nodeInode = fs.statSync(`/run/netns/${pn.node}`).ino;
      sh('ip', ['-n', pn.node, 'link', 'set', 'lo', 'up']);
      await pn.startHolder();
      if (pn.podman(['info', '--format', '{{.Store.GraphDriverName}}']).code !== 0) {
        // Overlay cannot mount here (e.g. the temp dir is itself on overlayfs): start over with vfs.
        pn.driver = 'vfs';
        fs.rmSync(join(pn.dir, 'storage'), { recursive: true, force: true });
        fs.writeFileSync(join(pn.dir, 'storage.conf'), storageConf(pn.dir, pn.driver));
        pn.podmanOk(['info']);
      }
      return pn;
    } catch (err) {
      await pn.teardown();
      throw err;
    }
  }

  private startHolder(): Promise<void> {
    const child = spawn('nsenter', [`--net=/run/netns/${this.node}`, 'unshare', '--mount', '--propagation', 'slave', 'sh', '-c', holderScript(this.dir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env,
    });
    this.holder = child;
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`holder did not start: ${err}`)), 10_000);
      child.stderr!.on('data', (d) => (err += d));
      child.stdout!.on('data', (d) => {
        out += d;
        if (!out.includes('ready')) return;
        clearTimeout(timer);
        this.holderMnt = mountNamespaceOf(child.pid!);
        resolve();
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`holder exited (${code}): ${err}`));
      });
    });
  }

  /** A podman command inside the node (network + private mount namespace); a failure is returned, not thrown. */
  podman(args: string[], timeoutMs = 60_000): Outcome {
    if (!this.holder?.pid) throw new Error('podman node not started');
    const r = spawnSync('nsenter', ['-t', String(this.holder.pid), '-m', '-n', PODMAN, ...args], { env: this.env, encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
  }

  podmanOk(args: string[], timeoutMs?: number): string {
    const r = this.podman(args, timeoutMs);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Any command in the node's network namespace only (a client, ip, nft); never throws. */
  inNode(argv: string[], timeoutMs = 10_000): Outcome {
    const r = spawnSync('ip', ['netns', 'exec', this.node, ...argv], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  writeConflist(conflist: { name: string; [key: string]: unknown }): void {
    this.networks.push(conflist.name);
    fs.writeFileSync(join(this.dir, 'net.d', `${conflist.name}.conflist`), JSON.stringify(conflist, null, 2));
  }

  /**
   * A busybox image without a registry: /bin/busybox plus relative applet links (busybox
   * --install -s would link to the build path), a page for httpd, imported with a CMD and PATH.
   */
  importBusybox(page: string): void {
    const rootfs = join(this.dir, 'rootfs');
    fs.mkdirSync(join(rootfs, 'bin'), { recursive: true });
    fs.mkdirSync(join(rootfs, 'www'), { recursive: true });
    fs.copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of sh('/bin/busybox', ['--list']).split('\n').filter((a) => a && a !== 'busybox')) {
      fs.symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
    fs.writeFileSync(join(rootfs, 'www', 'index.html'), `${page}\n`);
    const tar = join(this.dir, 'rootfs.tar');
    sh('tar', ['-C', rootfs, '-cf', tar, '.']);
    this.podmanOk(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV PATH=/bin', tar, IMAGE]);
  }

  /** Processes (ours: conmon, containers, the holder) still in the private mount namespace. */
  private processesInMountNs(): number[] {
    if (!this.holderMnt) return [];
    return fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
      .filter((p) => mountNamespaceOf(p) === this.holderMnt)
      .map(Number);
  }

  private async killMountNs(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const pids = this.processesInMountNs();
      if (!pids.length) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Removes every container, the storage, the holder (its mount namespace dies with it), the
   * node namespace, the temp dir and the host paths podman created. Idempotent; returns what
   * it found left over on the host (empty when clean).
   */
  async teardown(): Promise<string[]> {
    if (this.tornDown) return [];
    this.tornDown = true;
    const problems: string[] = [];
    if (this.holder?.pid && this.holder.exitCode === null) {
      const rm = this.podman(['rm', '--all', '--force', '--time', '0']);
      if (rm.code !== 0) problems.push(`podman rm -af: ${rm.stderr.trim()}`);
      const reset = this.podman(['system', 'reset', '--force']);
      if (reset.code !== 0) problems.push(`podman system reset: ${reset.stderr.trim()}`);
    }
    const stragglers = this.processesInMountNs().filter((p) => p !== this.holder?.pid);
    if (stragglers.length) problems.push(`processes left in the node's mount namespace: ${stragglers.join(', ')}`);
    await this.killMountNs();
    try {
      sh('ip', ['netns', 'del', this.node]);
    } catch {
      // never created, or gone already
    }
    const hostMounts = mountsUnder(this.dir);
    if (hostMounts.length) problems.push(`mounts on the host under ${this.dir}: ${hostMounts.join(', ')}`);
    for (const m of hostMounts.reverse()) spawnSync('umount', ['-l', m]);
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.nodeInode) fs.rmSync(`/run/twill/ns-${this.nodeInode}`, { recursive: true, force: true });
    // Left only when a DEL failed or never ran; the tests assert on them before teardown.
    for (const n of this.networks) for (const f of this.cniCacheEntries(n)) fs.rmSync(join('/var/lib/cni/results', f), { force: true });
    const kept = this.removeNewHostPaths();
    if (kept.length) problems.push(`host paths created during the run and not removable: ${kept.join(', ')}`);
    return problems;
  }

  /** Returns those still present (a directory someone else put files in meanwhile). */
  private removeNewHostPaths(): string[] {
    for (const p of this.newHostPaths) {
      try {
        if (fs.statSync(p).isDirectory()) fs.rmdirSync(p);
        else fs.rmSync(p);
      } catch {
        // absent, or not empty
      }
    }
    return this.newHostPaths.filter((p) => fs.existsSync(p));
  }

  /** libcni's cached results for a network (removed by a successful DEL). */
  cniCacheEntries(network: string): string[] {
    try {
      return fs.readdirSync('/var/lib/cni/results').filter((f) => f.startsWith(`${network}-`));
    } catch {
      return [];
    }
  }
}
