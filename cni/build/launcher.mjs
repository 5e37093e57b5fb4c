// The two lines in front of every bundle, and the bundle's first statement.
//
// Line 2 is valid sh and a JS comment (`":" //`), so the file is both at once. As sh it:
// 1. drops every NODE_*, BUN_* and JSC_* variable: runtimes pass their environment through,
//    and the JS runtimes read these before any of our code runs (NODE_OPTIONS and BUN_OPTIONS
//    can load code, JSC_* sets JavaScriptCore's options);
// 2. checks the runtime file beside it with `[ -x ] && [ -s ]` (builtins, no fork: the hot
//    path pays two stat calls). Missing, empty or not executable: the CNI error JSON on stdout
//    (code 50, "plugin not available"), naming the file, exit 1 — never a shell error;
// 3. relaunches itself once first, in case an installer replaced this bundle and removed the
//    runtime it names between the kernel reading this file and this check: $0 is then the new
//    bundle, naming the new runtime (installers put runtimes in before bundles);
// 4. sets the runtime's own variables and execs it with the bundle.
// As JS, the bundle's first statement checks the runtime's version (free: it is already
// running): a wrong binary under the runtime's name is the same code 50, naming the file
// (after one retry through the launcher: versionGuard says why).
//
// cniVersion in these two errors is 1.0.0: the launcher does not read stdin (the runtime must
// get it untouched), and runtimes read an error's code and msg whatever its version.

const DETAILS =
  "the bundles in dist/ run on the runtime file beside them: install dist/ whole (make install, or copy every file of dist/)";

/** The sh launcher for a bundle run by `rt` (from resolveRuntime). */
export function launcher(rt) {
  const scrub =
    'for v in $(export -p); do case ${v%%=*} in ' +
    'NODE_*[!A-Za-z0-9_]*|BUN_*[!A-Za-z0-9_]*|JSC_*[!A-Za-z0-9_]*) ;; NODE_*|BUN_*|JSC_*) unset "${v%%=*}" ;; esac; done';
  const error =
    `{"cniVersion":"1.0.0","code":50,"msg":"twill runtime %s is missing, empty or not executable","details":"${DETAILS}"}`;
  const line = [
    '":" //',
    'set -f',
    't=${TWILL_RELAUNCHED-}',
    'unset TWILL_RELAUNCHED',
    scrub,
    'd=${0%/*}',
    '[ "$d" = "$0" ] && d=.',
    `r=$d/${rt.file}`,
    `if [ -x "$r" ] && [ -s "$r" ]; then ${rt.env}; exec "$r" "$0" "$@"; fi`,
    'if [ -z "$t" ]; then export TWILL_RELAUNCHED=1; exec "$0" "$@"; fi',
    // a path that would need JSON escaping is named by its file name alone
    `case $r in *[!A-Za-z0-9/._+-]*) r=${rt.file} ;; esac`,
    `printf '${error}\\n' "$r"`,
    'exit 1',
  ].join('; ');
  return `#!/bin/sh\n${line}`;
}

/**
 * The bundle's first statement: the runtime that runs it must be `rt`, at its version. A
 * mismatch is usually a race, not a wrong install: the launcher read an old bundle and exec'd
 * the old runtime, which then opened the path ($0) after an installer had renamed the new
 * bundle over it. So the first mismatch runs the bundle again through its own launcher (a
 * child with stdin, stdout and stderr inherited: nothing has been read yet), which picks the
 * runtime the new bundle names; TWILL_GUARD_RETRY makes sure that happens once. Only a
 * mismatch that persists is the error. The hot path pays one property read and one delete.
 */
export function versionGuard(rt) {
  const want = JSON.stringify(`${rt.label} ${rt.version}`);
  const error =
    `{cniVersion:"1.0.0",code:50,msg:"twill runtime "+process.argv0+" is "+h+", want "+${want},` +
    `details:${JSON.stringify(DETAILS)}}`;
  const retry =
    'if(!e.TWILL_GUARD_RETRY){e.TWILL_GUARD_RETRY="1";' +
    'const r=require("node:child_process").spawnSync(process.argv[1],process.argv.slice(2),{stdio:"inherit"});' +
    'process.exit(r.status===null?1:r.status)}';
  return (
    `{const e=process.env,v=process.versions,h=v.bun?"Bun "+v.bun:"Node "+v.node;` +
    `if(h!==${want}){${retry}require("node:fs").writeSync(1,JSON.stringify(${error})+"\\n");process.exit(1)}` +
    'delete e.TWILL_GUARD_RETRY}'
  );
}

/**
 * The agent's launcher (dist/twilld): the same two-line shape, so the installer tells it and
 * its runtime apart like a plugin's, but not a CNI plugin's contract: it keeps NODE_* (an
 * operator may set NODE_OPTIONS=--max-old-space-size on the DaemonSet) and reports a missing
 * runtime as a plain message on stderr, exit 127 as a shell does for a missing command.
 */
/** A 1 MB young generation (default 16 MB: the agent's garbage is small and short-lived) and a heap cap far above its ~20 MB live heap. */
export const AGENT_NODE_OPTIONS = '--max-semi-space-size=1 --max-old-space-size=128';

/**
 * glibc malloc for the agent only (the plugins' launchers leave it alone). Measured at 5,000
 * nodes: Node's many arenas (8 × cores by default, one per thread that mallocs: libuv's pool, V8's
 * GC helpers) and a heap top glibc never gave back were ~20 MB of RSS. One arena, blocks of 16 KiB
 * and more in their own mappings (returned to the kernel on free) and a trim as soon as 16 KiB
 * are free at the top cost no measurable CPU: the agent's native allocations are few and large
 * (JSON buffers, V8's own pages). An operator's own MALLOC_* on the DaemonSet wins.
 */
export const AGENT_MALLOC = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '16384', MALLOC_TRIM_THRESHOLD_: '16384', MALLOC_TOP_PAD_: '0' };

export function agentLauncher(rt) {
  const line = [
    '":" //',
    'set -f',
    'd=${0%/*}',
    '[ "$d" = "$0" ] && d=.',
    `r=$d/${rt.file}`,
    // Heap defaults measured at 5,000 nodes (RSS 180 → 140 MB after convergence, 320 → 160 MB after
    // churn; every exec forks a copy of the agent's page tables, so RSS is also exec latency). The
    // operator's NODE_OPTIONS come after ours: V8 takes a flag's last value.
    `export NODE_OPTIONS="${AGENT_NODE_OPTIONS}\${NODE_OPTIONS:+ $NODE_OPTIONS}"`,
    `export ${Object.entries(AGENT_MALLOC).map(([k, v]) => `${k}=\${${k}-${v}}`).join(' ')}`,
    'if [ -x "$r" ] && [ -s "$r" ]; then exec "$r" "$0" "$@"; fi',
    `echo "twilld: its runtime $r is missing, empty or not executable (install dist/ whole)" >&2`,
    'exit 127',
  ].join('; ');
  return `#!/bin/sh\n${line}`;
}
