import { version as packageVersion } from '../../package.json';

/** Set by the agent's esbuild `define` (e.g. a git describe); unset under jest and tsc. */
declare const TWILL_VERSION: string | undefined;

/** twilld's version: the build's TWILL_VERSION, else package.json's (esbuild keeps only that key). */
export function agentVersion(): string {
  return typeof TWILL_VERSION === 'string' ? TWILL_VERSION : packageVersion;
}

export function versionText(): string {
  return `twilld ${agentVersion()}`;
}
