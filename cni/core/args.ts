import { CniError, ErrorCode } from './errors';

/** CNI_ARGS keys every twill binary understands; others need IgnoreUnknown=1, as in the reference plugins. */
const KNOWN_KEYS = new Set(['IgnoreUnknown', 'K8S_POD_NAMESPACE', 'K8S_POD_NAME', 'K8S_POD_INFRA_CONTAINER_ID', 'K8S_POD_UID', 'IP', 'MAC']);

export type CniArgs = Record<string, string>;

/** Parses "K=V;K=V". */
export function parseCniArgs(raw: string): CniArgs {
  const out: CniArgs = {};
  if (!raw) return out;
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(ErrorCode.invalidEnvironment, `CNI_ARGS: "${pair}" is not KEY=VALUE`, `CNI_ARGS=${raw}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const ignoreUnknown = /^(1|true)$/i.test(out.IgnoreUnknown ?? '');
  const unknown = Object.keys(out).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length && !ignoreUnknown) {
    throw new CniError(ErrorCode.invalidEnvironment, `CNI_ARGS: unknown key ${unknown.join(', ')}`, 'set IgnoreUnknown=1 to pass keys twill does not use');
  }
  return out;
}
