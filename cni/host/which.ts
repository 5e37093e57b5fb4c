import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** True when `name` is an executable on PATH: a few stat calls instead of exec'ing it to find out. */
export function onPath(name: string, pathVar: string | undefined): boolean {
  return (pathVar ?? '').split(':').filter(Boolean).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
