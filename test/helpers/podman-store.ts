// podman with a store of its own for the node image's tests: its configuration and its storage
// (vfs: no overlay mounts to leak) in a temp dir, every call in a private mount namespace
// (`unshare --mount --propagation slave`: the shm and netns bind mounts podman makes for a
// container vanish with that call), runc with cgroupfs (crun refuses these machines' cgroups).
// Calls are asynchronous: the e2e test serves the API from its own event loop meanwhile.
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PATH, tryRun, type Outcome } from './cluster/exec';
import { HOST_PATHS, PODMAN } from './podman';

function containersConf(dir: string): string {
  return `# Written by test/helpers/podman-store.ts
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
tmp_dir = "${dir}/engine/tmp"
volume_path = "${dir}/engine/volumes"
image_copy_tmp_dir = "${dir}/tmp"
`;
}

export class PodmanStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'twill-image-store-'));
  readonly env: Record<string, string>;
  private readonly newHostPaths = HOST_PATHS.filter((p) => !existsSync(p));

  constructor() {
    for (const d of ['engine/tmp', 'engine/volumes', 'tmp', 'storage']) mkdirSync(join(this.dir, d), { recursive: true });
    writeFileSync(join(this.dir, 'containers.conf'), containersConf(this.dir));
    writeFileSync(join(this.dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${this.dir}/storage/graph"\nrunroot = "${this.dir}/storage/run"\n`);
    this.env = { PATH, HOME: this.dir, TMPDIR: join(this.dir, 'tmp'), CONTAINERS_CONF: join(this.dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf') };
  }

  /** argv that runs `podman args` against this store (for a long-running ManagedProcess). */
  argv(args: string[]): string[] {
    return ['unshare', '--mount', '--propagation', 'slave', PODMAN, ...args];
  }

  /** A podman command; its outcome, never a throw. */
  podman(args: string[], timeoutMs = 120_000): Promise<Outcome> {
    return tryRun(this.argv(args), { env: this.env, timeoutMs });
  }

  async podmanOk(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.podman(args, timeoutMs);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Removes containers, images and the store, and the host paths podman created; returns what it could not. */
  async teardown(): Promise<string[]> {
    const problems: string[] = [];
    for (const args of [['rm', '--all', '--force', '--time', '0'], ['rmi', '--all', '--force']]) {
      const r = await this.podman(args);
      if (r.code !== 0) problems.push(`podman ${args.join(' ')}: ${r.stderr.trim()}`);
    }
    rmSync(this.dir, { recursive: true, force: true });
    for (const p of this.newHostPaths) {
      try {
        if (statSync(p).isDirectory()) rmdirSync(p);
        else rmSync(p);
      } catch {
        // absent, or not empty
      }
    }
    const kept = this.newHostPaths.filter((p) => existsSync(p));
    if (kept.length) problems.push(`host paths created by podman and not removable: ${kept.join(', ')}`);
    return problems;
  }
}
