/**
 * What every twillctl command receives: the node's paths (options, so tests point them at test
 * directories), the output mode, the runners (cni/host) and the streams. Only main.ts builds one
 * from `process`.
 */
import type { AsyncRunner } from '../host/run-async';
import type { Runner } from '../host/run';

export interface Paths {
  /** CNI config directory (the runtime's conflists). */
  confDir: string;
  /** CNI bin directory (the installed plugins). */
  binDir: string;
  /** The plugin's and agent's run directory (readiness and peers files, rule markers). */
  runDir: string;
  /** Overrides the conflist's ipam.dataDir when set. */
  ipamDir?: string;
}

export const DEFAULT_PATHS: Paths = { confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin', runDir: '/run/twill' };

export interface Io {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Ctx {
  paths: Paths;
  json: boolean;
  run: Runner;
  runAsync: AsyncRunner;
  io: Io;
  /** twillctl's own version (the build's). */
  version: string;
}

/** What a command found: `data` is its --json (stable keys), `text` its table; problems > 0 exits 1. */
export interface Report {
  data: Record<string, unknown>;
  text: string;
  problems: number;
}

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;
