import * as fs from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../cni/core/errors';
import {
  FILE_MODE, accessWritable, fsyncDir, inode, listDir, makeDirs, readIfExists, removeDir, removeFile, writeFileAtomic,
} from './store-fs';

/**
 * The on-disk store, the only code that touches IPAM files. Layout under `dataDir/<network>/`:
 *
 *   10.22.0.5                  reservation: "containerID\nifname\n10.22.0.5\n"
 *   attachments/<cid>:<if>/0   the same file (a hard link), one per range set
 *   last_reserved_ip.0         round-robin hint per range set
 *
 * A reservation is created by link(2) of a fully written, fsynced attachment entry, so it is
 * atomic (EEXIST means taken), never torn, and needs no lock across processes. An entry owns
 * its address only while both names are the same inode; anything else is debris of a crash.
 */

export interface Attachment {
  containerId: string;
  ifname: string;
}

export interface Holding {
  set: number;
  ip: string;
}

const ATTACHMENTS = 'attachments';

const WHY: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'a component is not a directory',
};

export function attachmentKey(a: Attachment): string {
  // ':' appears in neither a container ID nor an interface name, so the key is unambiguous.
  return `${a.containerId}:${a.ifname}`;
}

function writeDurable(path: string, content: string): void {
  const fd = fs.openSync(path, 'w', FILE_MODE);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function storeError(code: number, what: string, err: unknown): CniError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code && WHY[e.code] ? ` (${WHY[e.code]})` : '';
  return new CniError(code, `ipam.dataDir: cannot ${what} ${e.path ?? ''}: ${e.code ?? e.message}${why}`, e.message);
}

function entryIp(content: string): string | undefined {
  return content.split('\n')[2] || undefined;
}

export class Store {
  readonly dir: string;
  private readonly attachmentsDir: string;

  constructor(dataDir: string, network: string) {
    this.dir = join(dataDir, network);
    this.attachmentsDir = join(this.dir, ATTACHMENTS);
  }

  /** Creates the network's directories (owner-only); fails with code 5 naming the path and the reason. */
  ensure(): void {
    try {
      makeDirs(this.attachmentsDir);
    } catch (err) {
      throw storeError(ErrorCode.io, 'create', err);
    }
  }

  private entryDir(a: Attachment): string {
    return join(this.attachmentsDir, attachmentKey(a));
  }

  /** Addresses this attachment really holds (entry and reservation are one inode), by range set. */
  holdings(a: Attachment): Holding[] {
    const dir = this.entryDir(a);
    const held: Holding[] = [];
    for (const name of listDir(dir)) {
      if (!/^\d+$/.test(name)) continue;
      const path = join(dir, name);
      const ip = entryIp(readIfExists(path) ?? '');
      if (ip && inode(join(this.dir, ip)) === inode(path)) held.push({ set: Number(name), ip });
    }
    return held.sort((x, y) => x.set - y.set);
  }

  /** True when some attachment holds the address (the cheap pre-check before trying to reserve it). */
  isTaken(ip: string): boolean {
    return inode(join(this.dir, ip)) !== undefined;
  }

  /** Who holds an address, for error messages. */
  holder(ip: string): Attachment | undefined {
    const [containerId, ifname] = (readIfExists(join(this.dir, ip)) ?? '').split('\n');
    return containerId ? { containerId, ifname } : undefined;
  }

  /** Tries to reserve `ip` for the attachment's range set `set`; false when another attachment has it. */
  reserve(a: Attachment, set: number, ip: string): boolean {
    const dir = this.entryDir(a);
    makeDirs(dir);
    const entry = join(dir, String(set));
    // Rewriting in place is safe: an entry is only rewritten while it owns no reservation.
    writeDurable(entry, `${a.containerId}\n${a.ifname}\n${ip}\n`);
    try {
      fs.linkSync(entry, join(this.dir, ip));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  /** Makes the reservations made so far survive a power loss. */
  commit(a: Attachment): void {
    fsyncDir(this.dir);
    fsyncDir(this.entryDir(a));
  }

  /** Releases everything the attachment holds; idempotent, and leaves others' reservations alone. */
  release(a: Attachment): Holding[] {
    const dir = this.entryDir(a);
    const held = this.holdings(a);
    for (const h of held) removeFile(join(this.dir, h.ip));
    removeDir(dir);
    if (held.length) fsyncDir(this.dir);
    return held;
  }

  /** Releases one range set's entry (used when a request asks for a different address). */
  releaseSet(a: Attachment, set: number): void {
    const entry = join(this.entryDir(a), String(set));
    const ip = entryIp(readIfExists(entry) ?? '');
    if (ip && inode(join(this.dir, ip)) === inode(entry)) removeFile(join(this.dir, ip));
    removeFile(entry);
  }

  lastReserved(set: number): string | undefined {
    return readIfExists(join(this.dir, `last_reserved_ip.${set}`))?.trim() || undefined;
  }

  /** A hint only, so no fsync; losing one costs a slightly longer search next time, never a wrong allocation. */
  setLastReserved(set: number, ip: string): void {
    writeFileAtomic(join(this.dir, `last_reserved_ip.${set}`), ip);
  }

  /** Every attachment with an entry directory. */
  attachments(): Attachment[] {
    return listDir(this.attachmentsDir).map((n) => {
      const i = n.lastIndexOf(':');
      return { containerId: n.slice(0, i), ifname: n.slice(i + 1) };
    });
  }

  /** Names in the network's directory that pass `filter` (reservations are the names that parse as addresses). */
  names(filter: (name: string) => boolean): string[] {
    return listDir(this.dir).filter(filter);
  }

  /** A reservation whose entry is gone (only possible if someone deleted entries by hand). */
  isOrphan(ip: string): boolean {
    try {
      return fs.lstatSync(join(this.dir, ip)).nlink < 2;
    } catch {
      return false;
    }
  }

  removeReservation(ip: string): void {
    removeFile(join(this.dir, ip));
  }

  /** Removes temp files a killed process left (hint writes in flight); they never hold an address. */
  removeDebris(): void {
    for (const name of this.names((n) => n.startsWith('.last_reserved_ip.'))) removeFile(join(this.dir, name));
  }

  /** Checks the store can take writes (for STATUS: code 50, an ADD could not succeed now). */
  checkWritable(): void {
    try {
      makeDirs(this.attachmentsDir);
    } catch (err) {
      throw storeError(ErrorCode.notAvailable, 'create', err);
    }
    try {
      accessWritable(this.dir);
    } catch (err) {
      throw new CniError(ErrorCode.notAvailable, `ipam.dataDir: ${this.dir} is not writable`, (err as Error).message);
    }
  }
}
