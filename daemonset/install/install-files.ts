/**
 * Installs twill's bundles and their runtime from a build directory (dist/) into a CNI bin
 * directory: `make install` and, later, the DaemonSet's installer call this. The order and
 * why it is safe while pods are being created: plan.ts; each file's copy: atomic-copy.ts.
 */
import { lstat, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../fs/atomic-write';
import { copyFileAtomic, sha256File } from './atomic-copy';
import { FileKind, HEAD_BYTES, fileKind, launcherRuntime } from './layout';
import { planInstall, type FileFacts, type Step } from './plan';

export interface InstallOptions {
  /** The build directory: bundles and the runtime they name. */
  from: string;
  /** The CNI bin directory (created when missing). */
  to: string;
  /** Told each step as it is done. */
  log?: (step: Step) => void;
  /** How long replaced bundles get before the runtimes they ran on go (SETTLE_MS). */
  settleMs?: number;
}

/**
 * A launcher that read an old bundle checks for its runtime, then execs it: microseconds, unless
 * the machine is very busy. Removing the old runtime this long after the last bundle's rename
 * leaves such a launcher time to get there (one that still finds it gone relaunches the new
 * bundle: launcher.mjs). A launcher preempted longer than this between its check and its exec
 * fails that one call with the shell's "not found"; the runtime retries the ADD.
 */
export const SETTLE_MS = 2000;

async function readHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Facts of one directory entry, or undefined for what an install never touches (directories,
 * devices, an entry that vanished meanwhile). `follow`: a symlink counts as its target
 * (sources); otherwise as itself, never read through (destinations).
 */
async function factsOf(dir: string, name: string, follow: boolean): Promise<FileFacts | undefined> {
  const path = join(dir, name);
  try {
    const st = await (follow ? stat(path) : lstat(path));
    if (!st.isFile() && !st.isSymbolicLink()) return undefined;
    const head = st.isFile() ? await readHead(path) : '';
    const kind = fileKind(name, head);
    const runtime = kind === FileKind.bundle ? launcherRuntime(head) : undefined;
    return { name, kind, size: st.size, mtimeMs: st.mtimeMs, ...(runtime ? { runtime } : {}) };
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}

async function scan(dir: string, follow: boolean): Promise<FileFacts[]> {
  const facts = await Promise.all((await readdir(dir)).sort().map((name) => factsOf(dir, name, follow)));
  return facts.filter((f): f is FileFacts => f !== undefined);
}

/** Bundles and runtimes of the build directory, with their checksums. */
export async function scanSource(dir: string): Promise<FileFacts[]> {
  const files = (await scan(dir, true)).filter((f) => f.kind === FileKind.bundle || f.kind === FileKind.runtime);
  for (const f of files) f.sha256 = await sha256File(join(dir, f.name));
  return files;
}

/** The destination's files; checksums only where a source file of the same name and size may equal one. */
export async function scanDest(dir: string, source: FileFacts[]): Promise<FileFacts[]> {
  const sizes = new Map(source.map((f) => [f.name, f.size]));
  const files = await scan(dir, false);
  for (const f of files) {
    if (sizes.get(f.name) === f.size && f.kind !== FileKind.other) f.sha256 = await sha256File(join(dir, f.name)).catch(() => undefined);
  }
  return files;
}

async function apply(step: Step, { from, to }: InstallOptions): Promise<void> {
  if (step.op === 'copy') await copyFileAtomic({ from: join(from, step.name), dir: to, name: step.name, sha256: step.sha256 });
  if (step.op === 'remove') {
    await rm(join(to, step.name), { force: true });
    await fsyncDir(to);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Plans and carries out the install, one step at a time in the plan's order; returns the steps. */
export async function installFiles(opts: InstallOptions): Promise<Step[]> {
  const source = await scanSource(opts.from);
  await mkdir(opts.to, { recursive: true, mode: 0o755 });
  const steps = planInstall({ source, dest: await scanDest(opts.to, source), now: Date.now() });
  let settle = steps.some((s) => s.op === 'copy' && s.kind === FileKind.bundle);
  for (const step of steps) {
    if (settle && step.op === 'remove' && step.kind === FileKind.runtime) {
      await sleep(opts.settleMs ?? SETTLE_MS);
      settle = false;
    }
    await apply(step, opts);
    opts.log?.(step);
  }
  return steps;
}
