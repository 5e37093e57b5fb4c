// Every program the tests, the demo, the bench and the bundles start comes from a package in
// packages/debian.txt or from Debian's base system (Priority: required), so a new machine that
// installs the list runs everything: a new `socat` in a test without socat in the list fails here,
// not later as "nothing listens" on a machine that never had it.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { executedPrograms, programsInCode, programsInShell, type ProgramUse } from '../helpers/executed-programs';
import { MACHINE, locate, packageFor, readPackageList, requireTools, type ListedPackage } from '../helpers/os-packages';

const ROOT = join(__dirname, '..', '..');
const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
const describeDebian = hasDpkg ? describe : describe.skip;

/** The path itself, its target, and each with /usr added or dropped (dpkg knows /bin/ping, PATH finds /usr/bin/ping). */
function candidatePaths(path: string): string[] {
  const both = [path, realpathSync(path)];
  return [...both, ...both.map((p) => (p.startsWith('/usr/') ? p.slice(4) : `/usr${p}`))];
}

/** Debian packages owning each path (`dpkg -S`, one call). */
function owners(paths: string[]): Map<string, string[]> {
  const out = spawnSync('dpkg', ['-S', ...paths], { encoding: 'utf8' }).stdout;
  const owned = new Map<string, string[]>();
  for (const m of out.matchAll(/^([^:\n]+(?::[a-z0-9]+)?(?:, [^:\n]+)*): (\/.*)$/gm)) {
    if (m[1].startsWith('diversion by')) continue;
    owned.set(m[2], m[1].split(', ').map((p) => p.replace(/:.*/, '')));
  }
  return owned;
}

function priorities(packages: string[]): Map<string, string> {
  const out = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${Priority}\n', ...packages], { encoding: 'utf8' }).stdout;
  return new Map(out.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
}

/** Packages owning each program found on this machine (absent: not installed here). */
function packagesOf(programs: string[]): Map<string, string[]> {
  const paths = new Map(programs.flatMap((p) => (locate(p) ? [[p, candidatePaths(locate(p)!)] as const] : [])));
  const owned = owners([...new Set([...paths.values()].flat())]);
  return new Map([...paths].map(([p, cands]) => [p, [...new Set(cands.flatMap((c) => owned.get(c) ?? []))]]));
}

/** Why programs the sources start would be missing on a new machine that installed the list (none: they would not). */
function problems(uses: ProgramUse[], list: ListedPackage[]): string[] {
  const pkgs = packagesOf(uses.map((u) => u.program));
  const prio = priorities([...new Set([...pkgs.values()].flat())]);
  const listed = new Set(list.map((p) => p.name));
  return uses.flatMap(({ program, at }) => {
    const declared = packageFor(program, list);
    const from = pkgs.get(program);
    if (declared === MACHINE) return [];
    if (!from) return declared ? [] : [`${program} (${at}): not on this machine, and no package in packages/debian.txt provides it`];
    if (!from.length) return [`${program} (${at}): from no Debian package; list its package, or the machine's own under (machine)`];
    if (from.some((p) => listed.has(p) || prio.get(p) === 'required')) return [];
    return [`${program} (${at}) comes from Debian package ${from.join(', ')}, which packages/debian.txt does not list`];
  });
}

describe('packages/debian.txt', () => {
  const list = readPackageList();

  test('every line names a package and the programs of it the project runs', () => {
    expect(list.length).toBeGreaterThan(5);
    expect(list.filter((p) => !p.programs.length).map((p) => p.name)).toEqual([]);
    expect(list.filter((p) => p.name !== MACHINE && !/^[a-z0-9][a-z0-9.+-]+$/.test(p.name)).map((p) => p.name)).toEqual([]);
    expect(packageFor('/usr/bin/socat', list)).toBe('socat');
    expect(packageFor('/usr/lib/cni', list)).toBe('containernetworking-plugins');
  });

  test('requireTools names each missing program and its package, and passes when all are there', () => {
    const probe: ListedPackage[] = [...list, { name: 'twill-probe-pkg', programs: ['twill-probe-tool'] }];
    expect(() => requireTools(['sh', '/bin/sh'], probe)).not.toThrow();
    expect(() => requireTools(['sh', 'twill-probe-tool', 'twill-unlisted-tool'], probe)).toThrow(
      'needs twill-probe-tool (Debian package twill-probe-pkg), twill-unlisted-tool (no package in packages/debian.txt provides it: add one)',
    );
  });
});

describe('the scan for programs the sources start', () => {
  const tool = 'twill-probe-tool';

  test('finds them in code wherever an argv starts', () => {
    const code = [
      `spawnSync('${tool}1', [])`,
      `node.tryExec(ns, ['${tool}2', '-x'])`,
      `run.runner(['${tool}3'])`,
      `sh('ip', ['netns', 'exec', name, '${tool}4'])`,
      `['timeout', '4', '${tool}5', '-t2']`,
      `namespaces.exec(pod, '${tool}6', ['-c1'])`,
      `const P = '/usr/sbin/${tool}7';`,
      `['addr', 'show']`,
    ].join('\n');
    expect(programsInCode(code).map((f) => f.program).sort()).toEqual([`/usr/sbin/${tool}7`, 'ip', ...[1, 2, 3, 4, 5, 6].map((i) => `${tool}${i}`)].sort());
  });

  test('finds them in shell: pipelines, $(…) in quotes, wrappers; not in comments, strings, here-documents, case labels', () => {
    const script = [
      '#!/bin/sh',
      `X=$(${tool}1 -a | ${tool}2) # ${tool}0`,
      `echo "$(${tool}3 "$X")" '${tool}0' >&2`,
      `ip netns exec ns env -i PATH=/bin timeout 4 ${tool}4 \\`,
      '  --flag',
      `cat <<EOF\n${tool}0 here\nEOF`,
      `case $1 in a|b) ${tool}5 ;; esac`,
      `f() { ${tool}6; }; f`,
    ].join('\n');
    const found = programsInShell(script).map((f) => f.program);
    expect([...new Set(found)].sort()).toEqual(['cat', 'echo', 'env', 'ip', 'timeout', ...[1, 2, 3, 4, 5, 6].map((i) => `${tool}${i}`)].sort());
    expect(programsInShell(`all:\n\t@$(NODE) x.mjs\n\t${tool}1 --y\n# ${tool}0:\n`, { makefile: true }).map((f) => f.program)).toEqual([`${tool}1`]);
  });
});

describeDebian('programs the project starts, on a machine that installed packages/debian.txt', () => {
  const list = readPackageList();

  test('each comes from a listed package or from the base system', () => {
    const uses = executedPrograms(ROOT);
    // The scan sees the programs every kind of source starts (a scan that finds nothing proves nothing).
    expect(uses.map((u) => u.program)).toEqual(expect.arrayContaining(['ip', 'nft', 'socat', 'ping', 'busybox', 'make', '/usr/bin/podman', '/usr/lib/cni']));
    expect(problems(uses, list)).toEqual([]);
  });

  test('each program the list names comes from the package it is listed under (where installed)', () => {
    const programs = list.filter((p) => p.name !== MACHINE).flatMap((p) => p.programs);
    const pkgs = packagesOf(programs);
    const wrong = programs.filter((p) => pkgs.get(p)?.length && !pkgs.get(p)!.includes(packageFor(p, list)!));
    expect(wrong.map((p) => `${p}: listed under ${packageFor(p, list)}, dpkg says ${pkgs.get(p)!.join(', ')}`)).toEqual([]);
  });
});
