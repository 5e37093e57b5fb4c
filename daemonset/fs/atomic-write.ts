/**
 * Replacing a file so that a reader (a runtime loading /etc/cni/net.d, the plugin reading its
 * readiness file, a launcher exec'ing a bundle) sees the old bytes or the new ones, never a part:
 * the new content goes to a temp file in the same directory (a rename cannot cross file
 * systems), is fsynced, renamed over the target, and the directory is fsynced so the rename
 * itself survives a crash. The installer (daemonset/install/atomic-copy.ts) and the conflist and
 * readiness writers (daemonset/cni-config/) share this.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface ReplaceFile {
  dir: string;
  name: string;
  /** The temp file's name beside the target; it must not exist. */
  temp: string;
  /** Writes the complete new content to `tmpPath` and fsyncs it; a throw leaves the target as it was. */
  fill: (tmpPath: string) => Promise<void>;
}

/** temp → fill → rename over the target → fsync the directory; the temp file is removed on any failure. */
export async function replaceFile({ dir, name, temp, fill }: ReplaceFile): Promise<void> {
  const tmp = join(dir, temp);
  try {
    await fill(tmp);
    await rename(tmp, join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * The temp name for a small file written whole: hidden, and ending in neither .conf, .conflist
 * nor .json, so libcni never loads one a crash left behind in the CNI config directory.
 */
export function writeTempName(name: string): string {
  return `.${name}.twill-tmp-${randomBytes(6).toString('hex')}`;
}

async function writeSynced(path: string, content: string | Uint8Array, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode); // open's mode went through the umask
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface WriteAtomic {
  path: string;
  content: string | Uint8Array;
  /** Default 0644. */
  mode?: number;
}

/** Writes `content` to `path` atomically (see the top of this file). */
export async function writeFileAtomic({ path, content, mode = 0o644 }: WriteAtomic): Promise<void> {
  const name = basename(path);
  await replaceFile({ dir: dirname(path), name, temp: writeTempName(name), fill: (tmp) => writeSynced(tmp, content, mode) });
}
