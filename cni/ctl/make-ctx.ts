import type { AsyncRunner } from '../host/run-async';
import type { Runner } from '../host/run';
import type { Io } from './context';
import { pathsFrom } from './path-options';
import type { CtxFactory } from './program';
import { CTL_VERSION } from './version';

/** Builds each command's Ctx from the parsed options (defaults: the standard node paths). */
export function ctxFactory(io: Io, run: Runner, runAsync: AsyncRunner): CtxFactory {
  return (o) => ({
    paths: pathsFrom(o),
    json: o.json === true,
    run,
    runAsync,
    io,
    version: CTL_VERSION,
  });
}
