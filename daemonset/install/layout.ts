/**
 * What the files of a twill install are, told from their names and first bytes (pure).
 *
 * - bundle: an executable JS file fronted by twill's sh launcher (cni/build/launcher.mjs),
 *   which names the runtime file it execs: `r=$d/twill-bun-1.4.5;`.
 * - runtime: `twill-<runtime>-<version>`, or `twill-node`, the symlink older builds used.
 * - temp: a file this installer writes beside its target before the rename.
 * Anything else in the directory (the other CNI plugins) is never touched.
 */
export const FileKind = { bundle: 'bundle', runtime: 'runtime', temp: 'temp', other: 'other' } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** The start of every bundle: a shebang, then line 2 that is both sh and a JS comment. */
export const BUNDLE_MAGIC = '#!/bin/sh\n":" //;';
/** How many leading bytes identify a bundle and its runtime (the launcher is one line). */
export const HEAD_BYTES = 2048;

const RUNTIME_NAME = /^twill-(node|bun)(-\d+\.\d+\.\d+)?$/;
const LAUNCHER_RUNTIME = /\br=\$d\/([A-Za-z0-9._+-]+);/;
/** Older launchers exec'd a fixed name. */
const LEGACY_LAUNCHER_RUNTIME = /exec "\$d\/(twill-node)"/;
const TEMP_NAME = /^\..+\.twill-install-[0-9a-f]+$/;

export function isRuntimeName(name: string): boolean {
  return RUNTIME_NAME.test(name);
}

export function tempName(name: string, nonce: string): string {
  return `.${name}.twill-install-${nonce}`;
}

/** The runtime file a bundle's launcher execs, or undefined when `head` is not a bundle's. */
export function launcherRuntime(head: string): string | undefined {
  if (!head.startsWith(BUNDLE_MAGIC)) return undefined;
  const line = head.slice(BUNDLE_MAGIC.length).split('\n', 1)[0];
  return (LAUNCHER_RUNTIME.exec(line) ?? LEGACY_LAUNCHER_RUNTIME.exec(line))?.[1];
}

export function fileKind(name: string, head: string): FileKind {
  if (TEMP_NAME.test(name)) return FileKind.temp;
  if (isRuntimeName(name)) return FileKind.runtime;
  return launcherRuntime(head) ? FileKind.bundle : FileKind.other;
}
