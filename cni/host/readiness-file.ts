import { readFileSync } from 'node:fs';

/** The readiness file as read: its text, or the errno code (ENOENT, EACCES, EISDIR …) of the failed read. */
export type ReadinessRead = { text: string; error?: undefined } | { error: string; text?: undefined };

/**
 * One read of the agent's readiness file. It sits on every ADD's path, so it is a single
 * readFileSync (open, fstat, read, close), no stat first and no exec.
 */
export function readReadinessFile(path: string): ReadinessRead {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: e.code ?? e.message };
  }
}
