import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The file-system primitives under the IPAM store (store.ts is the only other code that touches
 * IPAM files). Every loop here is bounded by the length of a path, so a strange file system
 * (/proc, a read-only mount, a symlink loop) ends in an error, never in a spin.
 */

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Symlinks followed while resolving a path that does not exist yet (the kernel's own limit). */
const MAX_SYMLINKS = 40;

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** The file's inode, or undefined when it does not exist. */
export function inode(path: string): number | undefined {
  try {
    return fs.lstatSync(path).ino;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export interface FileRead {
  content: string;
  ino: number;
  nlink: number;
}

/** Content and inode of one file, read through one descriptor so both describe the same file. */
export function readFile(path: string): FileRead | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    // ELOOP: a symlink planted under the name, which never holds an address.
    if (['ENOENT', 'ELOOP'].includes(errorCode(err) ?? '')) return undefined;
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    // A FIFO or device planted in the store would block the read: it holds nothing.
    if (!st.isFile()) return undefined;
    return { content: fs.readFileSync(fd, 'utf8'), ino: st.ino, nlink: st.nlink };
  } finally {
    fs.closeSync(fd);
  }
}

export function readIfExists(path: string): string | undefined {
  return readFile(path)?.content;
}

/** A directory's names; a missing directory has none. */
export function listDir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes(errorCode(err) ?? '')) return [];
    throw err;
  }
}

export function fsyncDir(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates a new file (never opens an existing one) with all of `content` on disk; returns its inode. */
export function writeNewDurable(path: string, content: string): number {
  const fd = fs.openSync(path, 'wx', FILE_MODE);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
    return fs.fstatSync(fd).ino;
  } catch (err) {
    removeFile(path);
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `path` through a temp file beside it (".name.<random>") and rename(2), so a reader never sees half a write; best effort. */
export function writeFileAtomic(path: string, content: string): void {
  const tempPath = join(dirname(path), `.${basename(path)}.${Math.random().toString(36).slice(2)}`);
  try {
    fs.writeFileSync(tempPath, content, { mode: FILE_MODE, flag: 'wx' });
    fs.renameSync(tempPath, path);
  } catch {
    removeFile(tempPath);
  }
}

/** rename(2); false when `from` does not exist. */
export function moveIfExists(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** link(2); false when `to` exists already. */
export function linkUnlessExists(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  }
}

// unlink/rmdir rather than fs.rmSync: Node 24's rmSync reports errors with an empty code
// (", Unknown error: Read-only file system"), which would reach the runtime as such.

/** unlink(2); a missing file is fine. */
export function removeFile(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/** Removes a directory of plain files (an attachment's); a missing one is fine. */
export function removeDir(path: string): void {
  for (const name of listDir(path)) removeFile(join(path, name));
  try {
    fs.rmdirSync(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/** rmdir(2) that leaves a directory with anything in it (or none at all) alone. */
export function removeEmptyDir(path: string): void {
  try {
    fs.rmdirSync(path);
  } catch (err) {
    if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(errorCode(err) ?? '')) throw err;
  }
}

export function accessWritable(path: string): void {
  fs.accessSync(path, fs.constants.W_OK);
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * mkdir -p, one mkdir per missing component from the top down. Node's recursive mkdir loops for
 * ever where mkdir says ENOENT for a parent that exists (/proc), and reports a read-only file
 * system as ENOENT of the deepest directory; here the first failing mkdir is the error.
 */
export function makeDirs(path: string): void {
  try {
    fs.mkdirSync(path, { mode: DIR_MODE });
    return;
  } catch (err) {
    if (errorCode(err) === 'EEXIST' && isDirectory(path)) return;
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  const missing: string[] = [];
  for (let dir = path; !isDirectory(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir, { mode: DIR_MODE });
    } catch (err) {
      if (errorCode(err) !== 'EEXIST' || !isDirectory(dir)) throw err;
    }
  }
}

/** A symlink's target, absolute; undefined when `path` is not a symlink. */
function linkTarget(path: string): string | undefined {
  try {
    return resolve(dirname(path), fs.readlinkSync(path));
  } catch {
    return undefined;
  }
}

/**
 * Where `path` really is: the real path of its longest existing prefix plus the rest as written,
 * following dangling symlinks too (mkdir would create their target). Gives up on a symlink
 * loop or an unreadable component by returning what it has resolved so far.
 */
export function realPathOf(path: string, hops = 0): string {
  const rest: string[] = [];
  for (let head = path; ; head = dirname(head)) {
    try {
      return join(fs.realpathSync.native(head), ...rest);
    } catch (err) {
      if (!['ENOENT', 'ENOTDIR'].includes(errorCode(err) ?? '') || dirname(head) === head) return join(head, ...rest);
    }
    const target = linkTarget(head);
    if (target !== undefined) return hops < MAX_SYMLINKS ? realPathOf(join(target, ...rest), hops + 1) : join(head, ...rest);
    rest.unshift(basename(head));
  }
}

/** statfs magic numbers of the kernel's own file systems (linux/magic.h): no place for a store. */
const KERNEL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
};

/** The kernel file system the path's longest existing prefix lies on, if any (bind mounts of /proc too). */
export function kernelFsOf(path: string): string | undefined {
  for (let head = path; ; head = dirname(head)) {
    try {
      return KERNEL_FS[fs.statfsSync(head).type];
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' || dirname(head) === head) return undefined;
    }
  }
}
