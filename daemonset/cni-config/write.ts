/**
 * The agent's files that others read while it runs (the conflist a runtime loads, the readiness
 * file the plugin reads): rewritten only when their bytes change, so a reconcile every few
 * seconds neither churns the runtime's config watcher nor wears the disk, and always replaced
 * atomically (daemonset/fs/atomic-write.ts) so no reader sees half a file.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../fs/atomic-write';

export interface ConfigFile {
  path: string;
  content: string | Uint8Array;
}

/** The file's bytes, or undefined when there is none (a directory or unreadable file is an error). */
async function currentBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Makes `path` hold exactly `content` (mode 0644, its directory created); true when it wrote. */
export async function syncConfigFile({ path, content }: ConfigFile): Promise<boolean> {
  const want = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const have = await currentBytes(path);
  if (have?.equals(want)) return false;
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFileAtomic({ path, content: want, mode: 0o644 });
  return true;
}

/** Removes the file (uninstall, a network removed from the config); true when there was one. */
export async function removeConfigFile(path: string): Promise<boolean> {
  try {
    await rm(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await fsyncDir(dirname(path));
  return true;
}
