/**
 * What an install does, decided from the facts of both directories (pure; install-files.ts
 * gathers the facts and carries the steps out, in this order):
 *
 * 1. remove temp files an interrupted install left behind (older than STALE_TEMP_MS: a younger
 *    one may belong to an install running now);
 * 2. copy the runtimes the source bundles run on;
 * 3. copy the bundles;
 * 4. remove the runtimes no bundle in the directory runs on any more.
 *
 * Why runtimes first: a bundle's launcher names its runtime's versioned file
 * (`twill-bun-1.4.5`), so a new bundle renamed into place must find that file already there,
 * and old bundles keep running on the old runtime (another file) until they are replaced. A
 * pod created during the upgrade gets old bundle + old runtime or new bundle + new runtime,
 * never a mix, never a torn file (each copy is written beside and renamed). The old runtime
 * goes last, once nothing names it; a launcher that read an old bundle just before its rename
 * and finds the old runtime gone relaunches itself, which runs the new bundle (launcher.mjs).
 * A file already identical (size and sha256) is kept, not rewritten.
 */
import { FileKind } from './layout';

export interface FileFacts {
  name: string;
  kind: FileKind;
  size: number;
  mtimeMs: number;
  /** sha256 in hex: always for source files; for a destination file that may equal one. */
  sha256?: string;
  /** Bundles: the runtime file their launcher execs. */
  runtime?: string;
}

export type Step =
  | { op: 'copy'; name: string; kind: FileKind; size: number; sha256: string }
  | { op: 'keep'; name: string; kind: FileKind }
  | { op: 'remove'; name: string; kind: FileKind; why: string };

export interface PlanInput {
  source: FileFacts[];
  dest: FileFacts[];
  /** Milliseconds since the epoch, to age temp files. */
  now: number;
}

/** Bundles in dist/ that are not for the CNI bin dir: the agent runs from its image (and its Node runtime stays out of /opt/cni/bin unless a plugin runs on it). */
export const NOT_FOR_CNI_BIN: ReadonlySet<string> = new Set(['twilld']);

export const STALE_TEMP_MS = 60 * 60 * 1000;

export class InstallError extends Error {
  override name = 'InstallError';
}

/** The runtimes the bundles run on, each present in the source; throws naming what is missing. */
function neededRuntimes(bundles: FileFacts[], source: FileFacts[]): FileFacts[] {
  const byName = new Map(source.filter((f) => f.kind === FileKind.runtime).map((f) => [f.name, f]));
  const needed = new Map<string, FileFacts>();
  for (const b of bundles) {
    const rt = byName.get(b.runtime ?? '');
    if (!rt) throw new InstallError(`bundle ${b.name} runs on ${b.runtime}, which is not in the source directory`);
    needed.set(rt.name, rt);
  }
  return [...needed.values()];
}

function place(file: FileFacts, dest: Map<string, FileFacts>): Step {
  const have = dest.get(file.name);
  if (!file.sha256) throw new InstallError(`${file.name}: no checksum`);
  if (have && have.size === file.size && have.sha256 === file.sha256) return { op: 'keep', name: file.name, kind: file.kind };
  return { op: 'copy', name: file.name, kind: file.kind, size: file.size, sha256: file.sha256 };
}

function staleTemps(dest: FileFacts[], now: number): Step[] {
  return dest
    .filter((f) => f.kind === FileKind.temp && now - f.mtimeMs > STALE_TEMP_MS)
    .map((f) => ({ op: 'remove', name: f.name, kind: f.kind, why: 'left by an interrupted install' }));
}

/** Runtimes in dest that no bundle there after the install names (ours or one we do not replace). */
function staleRuntimes(dest: FileFacts[], bundles: FileFacts[], runtimes: FileFacts[]): Step[] {
  const replaced = new Set(bundles.map((b) => b.name));
  const remaining = [...bundles, ...dest.filter((f) => f.kind === FileKind.bundle && !replaced.has(f.name))];
  const used = new Set([...remaining.map((b) => b.runtime), ...runtimes.map((r) => r.name)]);
  return dest
    .filter((f) => f.kind === FileKind.runtime && !used.has(f.name))
    .map((f) => ({ op: 'remove', name: f.name, kind: f.kind, why: 'no bundle here runs on it any more' }));
}

export function planInstall({ source, dest, now }: PlanInput): Step[] {
  const bundles = source.filter((f) => f.kind === FileKind.bundle && !NOT_FOR_CNI_BIN.has(f.name));
  if (!bundles.length) throw new InstallError('no twill bundle in the source directory (run make build)');
  const runtimes = neededRuntimes(bundles, source);
  const have = new Map(dest.map((f) => [f.name, f]));
  return [
    ...staleTemps(dest, now),
    ...runtimes.map((f) => place(f, have)),
    ...bundles.map((f) => place(f, have)),
    ...staleRuntimes(dest, bundles, runtimes),
  ];
}

/** One line saying what a step did. */
export function describeStep(step: Step): string {
  if (step.op === 'copy') return `installed ${step.name} (${step.kind}, ${step.size} bytes, sha256 ${step.sha256})`;
  if (step.op === 'keep') return `unchanged ${step.name} (${step.kind})`;
  return `removed ${step.name} (${step.why})`;
}
