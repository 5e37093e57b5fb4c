import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** The first executable regular file called `name` in `dirs`: a few stat calls instead of exec'ing to find out. */
export function findInPath(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when `name` is an executable on a PATH-style variable. */
export function onPath(name: string, pathVar: string | undefined): boolean {
  return findInPath(name, (pathVar ?? '').split(':')) !== undefined;
}
