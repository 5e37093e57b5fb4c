/**
 * One file replaced atomically (daemonset/fs/atomic-write.ts: temp file beside the target,
 * fsync, rename, fsync the directory), its sha256 checked against the expected one both while
 * copying and by reading the written file back before the rename. A process that execs the
 * target meanwhile opens either the old inode or the new one, never a partly written file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { replaceFile } from '../fs/atomic-write';
import { tempName } from './layout';
import { InstallError } from './plan';

const CHUNK = 1 << 20;

export async function sha256File(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** Copies `from` to the new file `to` (which must not exist); returns the sha256 of what was copied. */
async function copyAndHash(from: string, to: string, mode: number): Promise<string> {
  const src = await open(from, 'r');
  try {
    const dst = await open(to, 'wx', mode);
    try {
      const hash = createHash('sha256');
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let n; (n = (await src.read(buf, 0, CHUNK, null)).bytesRead) > 0; ) {
        hash.update(buf.subarray(0, n));
        for (let off = 0; off < n; ) off += (await dst.write(buf, off, n - off)).bytesWritten;
      }
      await dst.chmod(mode); // open's mode went through the umask
      await dst.sync();
      return hash.digest('hex');
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

export interface AtomicCopy {
  from: string;
  dir: string;
  name: string;
  /** The content the target must end up with. */
  sha256: string;
  mode?: number;
}

/** Copies `from` into `dir/name`, checked against `sha256` before it replaces the old file. */
export async function copyFileAtomic({ from, dir, name, sha256, mode = 0o755 }: AtomicCopy): Promise<void> {
  const fill = async (tmp: string) => {
    const copied = await copyAndHash(from, tmp, mode);
    if (copied !== sha256) throw new InstallError(`${from} changed while it was being installed (sha256 ${copied}, expected ${sha256})`);
    const written = await sha256File(tmp);
    if (written !== sha256) throw new InstallError(`${tmp} does not hold what was written (sha256 ${written}, expected ${sha256})`);
  };
  await replaceFile({ dir, name, temp: tempName(name, randomBytes(6).toString('hex')), fill });
}
