import { fileKind, launcherRuntime, tempName } from '../../daemonset/install/layout';
import { InstallError, STALE_TEMP_MS, describeStep, planInstall, type FileFacts, type Step } from '../../daemonset/install/plan';

const NOW = 1_800_000_000_000;
const launcherHead = (runtime: string) => `#!/bin/sh\n":" //; set -f; d=\${0%/*}; r=$d/${runtime}; if [ -x "$r" ]; then exec "$r" "$0" "$@"; fi\n{const v=1}`;

const bundle = (name: string, runtime: string, sha256 = `${name}@${runtime}`): FileFacts => ({ name, kind: 'bundle', size: 1000, mtimeMs: NOW, sha256, runtime });
const runtime = (name: string, sha256 = name): FileFacts => ({ name, kind: 'runtime', size: 100_000, mtimeMs: NOW, sha256 });
const other = (name: string): FileFacts => ({ name, kind: 'other', size: 5000, mtimeMs: NOW });
const summary = (steps: Step[]) => steps.map((s) => `${s.op} ${s.name}`);

describe('layout: telling bundles, runtimes and temp files apart', () => {
  test('a bundle names the runtime its launcher checks and execs', () => {
    expect(launcherRuntime(launcherHead('twill-bun-1.4.5'))).toBe('twill-bun-1.4.5');
    expect(fileKind('twill', launcherHead('twill-node-24.21.0'))).toBe('bundle');
  });

  test('the launcher of older builds (exec of a fixed twill-node) is still a bundle', () => {
    const old = '#!/bin/sh\n":" //; set -f; for v in $(export -p); do :; done; d=${0%/*}; exec "$d/twill-node" "$0" "$@"\n';
    expect(launcherRuntime(old)).toBe('twill-node');
  });

  test.each([
    ['an ELF binary', '\x7fELF\x02\x01\x01'],
    ['another sh script', '#!/bin/sh\nexec /usr/lib/cni/bridge "$@"\n'],
    ['a launcher-like first line without a runtime', '#!/bin/sh\n":" //; exec node "$0"\n'],
  ])('%s is not a bundle', (_, head) => {
    expect(launcherRuntime(head)).toBeUndefined();
    expect(fileKind('bridge', head)).toBe('other');
  });

  test.each([
    ['twill-node-24.21.0', 'runtime'],
    ['twill-bun-1.4.5', 'runtime'],
    ['twill-node', 'runtime'],
    ['twill-node-24', 'other'],
    ['twill-deno-2.0.0', 'other'],
    [tempName('twill', 'a1b2c3'), 'temp'],
    ['.twill.swp', 'other'],
  ])('%s: %s', (name, kind) => {
    expect(fileKind(name, '')).toBe(kind);
  });
});

describe('planInstall', () => {
  const source = [bundle('twill', 'twill-bun-1.4.5'), bundle('twill-ipam', 'twill-bun-1.4.5'), runtime('twill-bun-1.4.5')];

  test('into an empty directory: the runtime first, then the bundles', () => {
    expect(summary(planInstall({ source, dest: [], now: NOW }))).toEqual(['copy twill-bun-1.4.5', 'copy twill', 'copy twill-ipam']);
  });

  test('an upgrade: new runtime, then bundles, then the old runtime goes once nothing names it', () => {
    const dest = [bundle('twill', 'twill-node-24.21.0'), bundle('twill-ipam', 'twill-node-24.21.0'), runtime('twill-node-24.21.0'), other('bridge')];
    const steps = planInstall({ source, dest, now: NOW });
    expect(summary(steps)).toEqual(['copy twill-bun-1.4.5', 'copy twill', 'copy twill-ipam', 'remove twill-node-24.21.0']);
    expect(steps[3]).toMatchObject({ why: 'no bundle here runs on it any more' });
  });

  test('the same install again changes nothing', () => {
    expect(summary(planInstall({ source, dest: source, now: NOW }))).toEqual(['keep twill-bun-1.4.5', 'keep twill', 'keep twill-ipam']);
  });

  test('a file of the same size but other content is copied again', () => {
    const dest = [runtime('twill-bun-1.4.5', 'torn'), { ...bundle('twill', 'twill-bun-1.4.5'), sha256: undefined }, source[1]];
    expect(summary(planInstall({ source, dest, now: NOW }))).toEqual(['copy twill-bun-1.4.5', 'copy twill', 'keep twill-ipam']);
  });

  test('a runtime a bundle we do not replace still names is kept', () => {
    const dest = [bundle('twillctl', 'twill-node-24.21.0'), runtime('twill-node-24.21.0')];
    expect(summary(planInstall({ source, dest, now: NOW }))).not.toContain('remove twill-node-24.21.0');
  });

  test("the older builds' twill-node link goes when nothing names it", () => {
    const dest = [bundle('twill', 'twill-node'), { ...runtime('twill-node'), size: 40 }];
    expect(summary(planInstall({ source, dest, now: NOW }))).toContain('remove twill-node');
  });

  test('files that are not twill\'s are never touched', () => {
    const dest = [other('bridge'), other('host-local'), other('twill-notes.txt')];
    const touched = planInstall({ source, dest, now: NOW }).map((s) => s.name);
    for (const name of ['bridge', 'host-local', 'twill-notes.txt']) expect(touched).not.toContain(name);
  });

  test('a temp file left by an interrupted install is removed first; a young one may be a running install', () => {
    const stale = { ...other(tempName('twill-bun-1.4.5', 'aa11')), kind: 'temp' as const, mtimeMs: NOW - STALE_TEMP_MS - 1 };
    const young = { ...stale, name: tempName('twill', 'bb22'), mtimeMs: NOW - 1000 };
    const steps = planInstall({ source, dest: [young, stale], now: NOW });
    expect(summary(steps)[0]).toBe(`remove ${stale.name}`);
    expect(summary(steps)).not.toContain(`remove ${young.name}`);
  });

  test('a runtime in the source that no bundle runs on is not installed', () => {
    expect(summary(planInstall({ source: [...source, runtime('twill-node-24.21.0')], dest: [], now: NOW }))).not.toContain('copy twill-node-24.21.0');
  });

  test('a bundle whose runtime is not in the source: an error naming both, before anything is done', () => {
    const bad = [bundle('twill', 'twill-bun-1.4.5'), runtime('twill-node-24.21.0')];
    expect(() => planInstall({ source: bad, dest: [], now: NOW })).toThrow(new InstallError('bundle twill runs on twill-bun-1.4.5, which is not in the source directory'));
  });

  test('a source without bundles is an error', () => {
    expect(() => planInstall({ source: [runtime('twill-bun-1.4.5')], dest: [], now: NOW })).toThrow(/no twill bundle/);
  });

  test('each step reads as one line', () => {
    const lines = planInstall({ source, dest: [runtime('twill-node-24.21.0')], now: NOW }).map(describeStep);
    expect(lines[0]).toBe('installed twill-bun-1.4.5 (runtime, 100000 bytes, sha256 twill-bun-1.4.5)');
    expect(lines[3]).toBe('removed twill-node-24.21.0 (no bundle here runs on it any more)');
  });
});
