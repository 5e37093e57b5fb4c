// Builds dist/: each binary bundled into one executable file fronted by the sh launcher
// (launcher.mjs), plus the runtime binary that launcher execs, copied (never linked), so dist/
// holds only real files: `cp dist/* /opt/cni/bin/` on a host without Node, npm or
// node_modules gives a working install.
//
//   node cni/build/build.mjs [--runtime node|bun] [--out DIR]
//
// RUNTIME (environment) is the same as --runtime; the default is DEFAULT_RUNTIME. --out builds
// elsewhere than dist/ (the benchmark builds one directory per runtime). The installer is
// `dist/twilld install` (daemonset/cli/): `make install` and the DaemonSet's init container.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { agentBundleOptions, checkAgentBundle } from './agent/bundle-options.mjs';
import { agentLauncher, launcher, versionGuard } from './launcher.mjs';
import { DEFAULT_RUNTIME, RUNTIME_FILE, resolveRuntime } from './runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const BINARIES = {
  twill: 'cni/plugin/main.ts',
  'twill-ipam': 'ipam/main.ts',
  // the node's debugging tool: installed with the plugins, on the same runtime (it runs on busy nodes)
  twillctl: 'cni/ctl/main.ts',
};

/** Line 3 of every bundle: `twillctl status` reads installed binaries' versions from it without running them. */
const VERSION_LINE = `// twill-version: ${version}`;

/** The node agent: long-running, so it runs on Node whatever runs the per-pod bundles (README, "Install"). */
const AGENT = { name: 'twilld', entry: 'daemonset/main.ts', runtime: 'node' };

const common = { bundle: true, platform: 'node', target: 'node24', format: 'cjs', legalComments: 'none', logLevel: 'warning' };

async function buildBundle(out, name, entry, rt, banner = `${launcher(rt)}\n${VERSION_LINE}\n${versionGuard(rt)}`, extra = {}) {
  const outfile = join(out, name);
  const result = await build({
    ...common,
    ...extra,
    entryPoints: [join(root, entry)],
    outfile,
    minify: true,
    banner: { js: banner },
    define: { TWILL_VERSION: JSON.stringify(version) },
  });
  chmodSync(outfile, 0o755);
  return result;
}

/** Copies the runtime binary unless the same one is there (same size and mtime); drops others. */
function placeRuntime(out, rt, keep = [rt.file]) {
  const src = statSync(rt.source);
  const dest = join(out, rt.file);
  const have = statSync(dest, { throwIfNoEntry: false });
  if (!have || have.size !== src.size || have.mtimeMs !== src.mtimeMs) {
    const tmp = `${dest}.tmp-${process.pid}`;
    copyFileSync(rt.source, tmp);
    chmodSync(tmp, 0o755);
    utimesSync(tmp, src.atime, src.mtime);
    renameSync(tmp, dest);
  }
  for (const f of readdirSync(out)) {
    // other runtimes and versions, and the symlink dist/ used to hold
    if ((RUNTIME_FILE.test(f) && !keep.includes(f)) || f === 'twill-node') rmSync(join(out, f), { force: true });
  }
}

async function main() {
  const { values } = parseArgs({ options: { runtime: { type: 'string' }, out: { type: 'string' } } });
  const rt = resolveRuntime(root, values.runtime ?? (process.env.RUNTIME || DEFAULT_RUNTIME));
  const out = resolve(values.out ?? join(root, 'dist'));
  mkdirSync(out, { recursive: true });
  for (const [name, entry] of Object.entries(BINARIES)) await buildBundle(out, name, entry, rt);
  const agentRt = resolveRuntime(root, AGENT.runtime);
  const agent = await buildBundle(out, AGENT.name, AGENT.entry, agentRt, `${agentLauncher(agentRt)}\n${VERSION_LINE}`, agentBundleOptions);
  checkAgentBundle(agent.metafile);
  placeRuntime(out, agentRt, [rt.file, agentRt.file]);
  placeRuntime(out, rt, [rt.file, agentRt.file]);
  console.log(`built ${out}: ${Object.keys(BINARIES).join(', ')} on ${rt.file}, ${AGENT.name} on ${agentRt.file}`);
}

main().catch((err) => {
  console.error(`build: ${err.message}`);
  process.exitCode = 1;
});
