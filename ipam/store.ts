import { dirname, join } from 'node:path';
import { CniError, ErrorCode } from '../cni/core/errors';
import {
  type FileRead, accessWritable, fsyncDir, inode, linkUnlessExists, listDir, makeDirs, moveIfExists, readFile,
  readIfExists, removeDir, removeEmptyDir, removeFile, writeFileAtomic, writeNewDurable,
} from './store-fs';

/**
 * The on-disk store, the only code that touches IPAM files. Layout under `dataDir/<network>/`:
 *
 *   10.22.0.5                         reservation: "containerID\nifname\n10.22.0.5\n" then, when
 *                                     the runtime gave them, "namespace/pod\nnetns\n" (read by twillctl)
 *   attachments/<cid>:<if>/0          entry: the same file (a hard link), one per range set
 *   attachments/<cid>:<if>/.0.<rand>  pending: a reservation on its way to becoming the entry
 *   last_reserved_ip.0                round-robin hint per range set
 *
 * Every reservation is a new file, written and fsynced under a pending name, then linked (link(2))
 * to the address's name: atomic (EEXIST means taken), never torn, no lock across processes. A
 * second link(2) makes the pending file the entry; it fails when the attachment already has an
 * entry for that set, so of several concurrent ADDs of one attachment (the spec forbids them,
 * runtimes still send them) one wins each set and the others give their own reservation back and
 * return the winner's address. A file is never rewritten once linked.
 *
 * An entry owns its address only while both names are the same inode; anything else is debris of
 * a crash, and a process killed at any point leaves only such debris: a pending file (holding an
 * address or not) or an entry that holds nothing. A retried ADD takes over the pending reservation
 * a killed ADD left and moves a stale entry aside; DEL releases whatever an attachment's directory
 * holds; GC frees every reservation that no valid attachment's entry is, whatever its link count.
 * commit() fsyncs both directories before ADD returns, so a result once given survives power loss.
 */

export interface Attachment {
  containerId: string;
  ifname: string;
  /** Who the attachment is for, kept in its reservation file so twillctl can name pods without the API server. */
  owner?: AttachmentOwner;
}

/** CNI_ARGS' K8S_POD_NAMESPACE/K8S_POD_NAME (empty when absent) and CNI_NETNS, as ADD saw them. */
export interface AttachmentOwner {
  pod: string;
  netns: string;
}

/** The reservation file's bytes; the owner lines come after the three that DEL, GC and ADD read. */
export function reservationContent(a: Attachment, ip: string): string {
  const owner = a.owner ? `${a.owner.pod}\n${a.owner.netns}\n` : '';
  return `${a.containerId}\n${a.ifname}\n${ip}\n${owner}`;
}

export interface Holding {
  set: number;
  ip: string;
}

/** What a reservation attempt ended with: `own` when this call made it, false when a concurrent ADD of the attachment won. */
export interface Claim {
  ip: string;
  own: boolean;
}

interface Pending {
  path: string;
  ip: string;
  ino: number;
}

const ATTACHMENTS = 'attachments';
const ENTRY_NAME = /^\d+$/;
const PENDING_NAME = /^\.(\d+)\.[a-z0-9]+$/;
/** Rounds of "claim, find a crash's stale entry in the way, move it aside" before giving up. */
const CLAIM_ATTEMPTS = 4;

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

function entryIp(content: string): string | undefined {
  return content.split('\n')[2] || undefined;
}

function pendingName(set: number): string {
  return `.${set}.${Math.random().toString(36).slice(2, 14)}`;
}

function pendingSet(name: string): number | undefined {
  const m = PENDING_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

function storeError(code: number, what: string, err: unknown): CniError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code && WHY[e.code] ? ` (${WHY[e.code]})` : '';
  return new CniError(code, `ipam.dataDir: cannot ${what} ${e.path ?? ''}: ${e.code ?? e.message}${why}`, e.message);
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

  /** The address a file under attachments/ holds: the one its content names, if that name is the same inode. */
  private heldIp(file: FileRead | undefined): string | undefined {
    const ip = file && entryIp(file.content);
    return ip && inode(join(this.dir, ip)) === file!.ino ? ip : undefined;
  }

  /** The address the attachment holds in range set `set`. */
  holding(a: Attachment, set: number): string | undefined {
    return this.heldIp(readFile(join(this.entryDir(a), String(set))));
  }

  /** Addresses this attachment really holds (entry and reservation are one inode), by range set. */
  holdings(a: Attachment): Holding[] {
    const held: Holding[] = [];
    for (const name of listDir(this.entryDir(a))) {
      const ip = ENTRY_NAME.test(name) ? this.holding(a, Number(name)) : undefined;
      if (ip) held.push({ set: Number(name), ip });
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

  /** A reservation as its file names it: holder, and the pod and netns its ADD recorded (for twillctl). */
  reservation(ip: string): Required<Attachment> | undefined {
    const lines = (readIfExists(join(this.dir, ip)) ?? '').split('\n');
    if (!lines[0]) return undefined;
    return { containerId: lines[0], ifname: lines[1] ?? '', owner: { pod: lines[3] ?? '', netns: lines[4] ?? '' } };
  }

  /** Tries to reserve `ip` for the attachment's range set `set`; undefined when another attachment has it. */
  reserve(a: Attachment, set: number, ip: string): Claim | undefined {
    const dir = this.entryDir(a);
    makeDirs(dir);
    const path = join(dir, pendingName(set));
    const pending = { path, ip, ino: writeNewDurable(path, reservationContent(a, ip)) };
    let reserved = false;
    try {
      reserved = linkUnlessExists(path, join(this.dir, ip));
      return reserved ? this.claim(a, set, pending) : undefined;
    } catch (err) {
      if (reserved) this.dropPending(pending);
      throw err;
    } finally {
      if (!reserved) removeFile(path);
    }
  }

  /**
   * Makes a pending reservation the attachment's entry for `set`. When a concurrent ADD of the same
   * attachment got there first, gives this reservation back and returns the winner's address.
   */
  private claim(a: Attachment, set: number, pending: Pending): Claim {
    const entry = join(this.entryDir(a), String(set));
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const linked = this.linkEntry(pending.path, entry);
      const held = linked === 'linked' ? pending.ip : this.holding(a, set);
      if (held === pending.ip) {
        removeFile(pending.path);
        return { ip: held, own: true };
      }
      if (held !== undefined) {
        this.dropPending(pending);
        return { ip: held, own: false };
      }
      if (linked === 'gone') break; // neither ours nor anyone's: a concurrent DEL or GC is at work
      this.moveStaleAside(entry, set);
    }
    this.dropPending(pending);
    throw new CniError(ErrorCode.tryAgainLater, `network store ${this.dir}: range set ${set} of ${a.containerId}/${a.ifname} keeps changing under concurrent operations on the same attachment`);
  }

  /** link(2) of a pending file to the entry name: 'gone' when the pending file vanished (another ADD claimed it). */
  private linkEntry(pending: string, entry: string): 'linked' | 'exists' | 'gone' {
    try {
      return linkUnlessExists(pending, entry) ? 'linked' : 'exists';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw err;
    }
  }

  /** Gives back a pending reservation: its address name only if it is still this very file. */
  private dropPending(p: Pending): void {
    if (inode(join(this.dir, p.ip)) === p.ino) removeFile(join(this.dir, p.ip));
    removeFile(p.path);
  }

  /** Moves aside an entry that holds nothing (a crash's debris) without ever dropping a live one. */
  private moveStaleAside(entry: string, set: number): void {
    const beside = join(dirname(entry), pendingName(set));
    if (!moveIfExists(entry, beside)) return;
    if (!this.heldIp(readFile(beside))) return removeFile(beside);
    // A concurrent ADD claimed the set in between: put its entry back. If a third took the name
    // meanwhile, what lies beside is a pending reservation that a later ADD, DEL or GC settles.
    if (linkUnlessExists(beside, entry)) removeFile(beside);
  }

  /** Makes the reservation a killed ADD of this attachment left pending for `set` the entry: a retried ADD keeps that address. */
  adoptPending(a: Attachment, set: number): string | undefined {
    const dir = this.entryDir(a);
    for (const name of listDir(dir)) {
      if (pendingSet(name) !== set) continue;
      const path = join(dir, name);
      const file = readFile(path);
      const ip = this.heldIp(file);
      if (ip) return this.claim(a, set, { path, ip, ino: file!.ino }).ip;
    }
    return undefined;
  }

  /** Makes the reservations made so far survive a power loss. */
  commit(a: Attachment): void {
    fsyncDir(this.dir);
    fsyncDir(this.entryDir(a));
  }

  /**
   * Releases everything the attachment's directory holds (entries, and pending reservations a
   * killed ADD left); idempotent, and leaves others' reservations alone.
   */
  release(a: Attachment): Holding[] {
    const dir = this.entryDir(a);
    const files = listDir(dir).map((name) => ({ name, file: readFile(join(dir, name)) }));
    const held = files.map(({ name, file }) => ({ name, file, ip: this.heldIp(file) }));
    const namesHere = new Map<number, number>();
    for (const { file } of files) if (file) namesHere.set(file.ino, (namesHere.get(file.ino) ?? 0) + 1);
    const strays = new Set<number>();
    for (const { file, ip } of held) {
      if (ip) removeFile(join(this.dir, ip));
      // More links than this directory and the address account for: names an older twill left.
      if (file && file.nlink > namesHere.get(file.ino)! + (ip ? 1 : 0)) strays.add(file.ino);
    }
    if (strays.size) this.removeNamesOf(strays);
    removeDir(dir);
    if (held.some((h) => h.ip) || strays.size) fsyncDir(this.dir);
    return held.flatMap(({ name, ip }) => (ip && ENTRY_NAME.test(name) ? [{ set: Number(name), ip }] : []));
  }

  /** Removes every name in the network's directory that is one of these files. */
  private removeNamesOf(inodes: Set<number>): void {
    for (const name of listDir(this.dir)) {
      if (name === ATTACHMENTS) continue;
      const ino = inode(join(this.dir, name));
      if (ino !== undefined && inodes.has(ino)) removeFile(join(this.dir, name));
    }
  }

  /** Releases one range set's entry (used when a request asks for a different address, and on rollback). */
  releaseSet(a: Attachment, set: number): void {
    const entry = join(this.entryDir(a), String(set));
    const ip = this.heldIp(readFile(entry));
    if (ip) removeFile(join(this.dir, ip));
    removeFile(entry);
  }

  /** Removes the attachment's directory if nothing is left in it. */
  removeIfEmpty(a: Attachment): void {
    removeEmptyDir(this.entryDir(a));
  }

  /** Removes pending files killed ADDs left in an attachment's directory, with the reservations only they hold. */
  clearPending(a: Attachment): string[] {
    const dir = this.entryDir(a);
    const names = listDir(dir);
    const entries = new Set(names.filter((n) => ENTRY_NAME.test(n)).map((n) => inode(join(dir, n))));
    const freed: string[] = [];
    for (const name of names.filter((n) => pendingSet(n) !== undefined)) {
      const file = readFile(join(dir, name));
      const ip = file && !entries.has(file.ino) ? this.heldIp(file) : undefined;
      if (ip) freed.push(ip);
      if (ip) removeFile(join(this.dir, ip));
      removeFile(join(dir, name));
    }
    return freed;
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

  /**
   * Of these reservation names (listed before the call), the ones no file under attachments/ is:
   * nobody holds them, whatever their link count. An ADD in flight is safe: its pending file or
   * entry exists from before its reservation until after.
   */
  unshared(reservations: string[]): string[] {
    const shared = new Set<number>();
    for (const key of listDir(this.attachmentsDir)) {
      for (const name of listDir(join(this.attachmentsDir, key))) shared.add(inode(join(this.attachmentsDir, key, name)) ?? -1);
    }
    return reservations.filter((ip) => {
      const ino = inode(join(this.dir, ip));
      return ino !== undefined && !shared.has(ino);
    });
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
