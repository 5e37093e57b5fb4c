// packages/debian.txt, the one list of Debian packages the project runs programs from, and the
// guard every suite that runs such a program calls first: requireTools() fails the suite at
// once with "needs socat (Debian package socat)" instead of a timeout or "nothing listens".
import { accessSync, constants, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PACKAGES_LIST = join(__dirname, '..', '..', 'packages', 'debian.txt');
/** Not a package: programs the machine itself brings (the list's "(machine)" lines). */
export const MACHINE = '(machine)';
/** Where Debian packages put programs; /usr/local is nobody's package. */
export const DEBIAN_BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const;

export interface ListedPackage {
  name: string;
  /** Program names (looked up in DEBIAN_BIN_DIRS) or absolute paths. */
  programs: string[];
}

export function readPackageList(path = PACKAGES_LIST): ListedPackage[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .filter(([name]) => name)
    .map(([name, ...programs]) => ({ name, programs }));
}

/** A program in a bin directory is known by its name; anything else by its path. */
export function programKey(program: string): string {
  return DEBIAN_BIN_DIRS.some((d) => dirname(program) === d) ? basename(program) : program;
}

/** The package the list names for a program (or a directory holding listed programs), if any. */
export function packageFor(program: string, list = readPackageList()): string | undefined {
  const key = programKey(program);
  return list.find((p) => p.programs.some((q) => q === key || q.startsWith(`${key}/`)))?.name;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a program is: its own path when absolute, else the first Debian bin dir holding it. */
export function locate(program: string): string | undefined {
  if (program.startsWith('/')) return executable(program) ? program : undefined;
  return DEBIAN_BIN_DIRS.map((d) => join(d, program)).find(executable);
}

/** Throws, naming each missing program and its package, unless every one is there. */
export function requireTools(programs: string[], list?: ListedPackage[]): void {
  const missing = programs.filter((p) => !locate(p));
  if (!missing.length) return;
  list ??= readPackageList();
  const needs = missing.map((p) => {
    const pkg = packageFor(p, list);
    if (pkg === MACHINE) return `${p} (the machine's own)`;
    return pkg ? `${p} (Debian package ${pkg})` : `${p} (no package in packages/debian.txt provides it: add one)`;
  });
  throw new Error(`needs ${needs.join(', ')}: as root, run scripts/ensure-packages.sh (make test does)`);
}
