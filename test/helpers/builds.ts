// Other builds of dist/ for install and upgrade tests: the same sources bundled again on the
// other runtime (another runtime file, other bundles), optionally made to say an older version,
// as the release before this one would: each bundle's version line (`// twill-version: X`, what
// `twillctl status` reads) and the version string twilld and twillctl print.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_BYTES, launcherRuntime } from '../../daemonset/install/layout';
import { DIST } from './exec-plugin';

const ROOT = join(__dirname, '..', '..');
const BUNDLES = ['twill', 'twill-ipam', 'twillctl', 'twilld'] as const;

/** The runtime file the plugins of a build directory run on (dist/ also holds the agent's, when that is another one). */
export function pluginRuntime(dir = DIST): string {
  return launcherRuntime(readFileSync(join(dir, 'twill'), 'latin1').slice(0, HEAD_BYTES))!;
}

/** The runtime the plugins of dist/ do not run on. */
export function otherRuntime(): 'node' | 'bun' {
  return pluginRuntime().startsWith('twill-node') ? 'bun' : 'node';
}

/** The version on line 3 of a bundle (`// twill-version: X`). */
export function bundleVersion(path: string): string | undefined {
  return /^\/\/ twill-version: (\S+)$/m.exec(readFileSync(path, 'latin1').split('\n', 3).join('\n'))?.[1];
}

/** Builds the sources into `out` with the plugins on `runtime` (cni/build/build.mjs). */
export function buildInto(out: string, runtime: 'node' | 'bun'): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'cni/build/build.mjs'), '--runtime', runtime, '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build into ${out} failed: ${r.stderr}`);
}

/** Rewrites the build in `dir` to say `version` wherever it says its own; fails if a bundle does not say it where expected. */
export function restampVersion(dir: string, version: string): void {
  for (const name of BUNDLES) {
    const path = join(dir, name);
    const text = readFileSync(path, 'latin1');
    const was = bundleVersion(path);
    if (!was) throw new Error(`${path}: no version line`);
    const next = text.replace(`// twill-version: ${was}\n`, `// twill-version: ${version}\n`).split(JSON.stringify(was)).join(JSON.stringify(version));
    writeFileSync(path, next, { encoding: 'latin1', mode: 0o755 });
    if (bundleVersion(path) !== version) throw new Error(`${path}: version line not rewritten`);
  }
}
