import type { AsyncRunner } from '../host/run-async';
import type { Runner } from '../host/run';
import { DEFAULT_PATHS, type Io } from './context';
import type { CtxFactory } from './program';
import { CTL_VERSION } from './version';

/** Builds each command's Ctx from the parsed options (defaults: the standard node paths). */
export function ctxFactory(io: Io, run: Runner, runAsync: AsyncRunner): CtxFactory {
  return (o) => ({
    paths: {
      confDir: (o.confDir as string) ?? DEFAULT_PATHS.confDir,
      binDir: (o.binDir as string) ?? DEFAULT_PATHS.binDir,
      runDir: (o.runDir as string) ?? DEFAULT_PATHS.runDir,
      ipamDir: o.ipamDir as string | undefined,
    },
    json: o.json === true,
    run,
    runAsync,
    io,
    version: CTL_VERSION,
  });
}
