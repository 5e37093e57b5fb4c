import { AgentConfigError } from './errors';
import { originOf, type Origins } from './layer';

/** Throws for a config field path, naming what set it (flag, env var or file key). */
export type Fail = (path: string, detail: string) => never;

export function failFor(origins: Origins): Fail {
  return (path, detail) => {
    throw new AgentConfigError({ field: originOf(origins, path), detail });
  };
}

/** An integer in min..max; `why` says where the bounds come from. */
export function checkInteger(fail: Fail, path: string, value: number, range: { min: number; max: number; why?: string }): void {
  if (Number.isInteger(value) && value >= range.min && value <= range.max) return;
  fail(path, `${value} is outside ${range.min}..${range.max}${range.why ? ` (${range.why})` : ''}`);
}

/** Kubernetes object names: an RFC 1123 subdomain (nodes) or label (namespaces). */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
