import { twilldKeys } from '../../cni/generated/twilld-keys';
import type { ValidationError } from '../../cni/generated/validators';
import type { KeyShape } from '../../cni/core/keys';
import { fieldPath } from '../../cni/core/validate';
import { AgentConfigError } from './errors';

/** Keys people put in the file that belong elsewhere. */
const NOT_FILE_KEYS: Record<string, string> = {
  nodeName: 'is not a config file key: set NODE_NAME (the downward API\'s spec.nodeName) or --node-name',
  kubeconfig: 'is not a config file key: set KUBECONFIG or --kubeconfig',
};

function pointerSteps(pointer: string): string[] {
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The keys the schema allows at a JSON pointer (array indexes step into items). */
function keysAt(pointer: string): string[] {
  const shape = pointerSteps(pointer).reduce<KeyShape | undefined>((s, step) => (/^\d+$/.test(step) ? s?.items : s?.keys?.[step]), twilldKeys);
  return Object.keys(shape?.keys ?? {});
}

/** Edit distance, to suggest "vni" for "vnii" (small strings only). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function unknownKey(pointer: string, key: string): string {
  if (pointer === '' && NOT_FILE_KEYS[key]) return NOT_FILE_KEYS[key];
  const known = keysAt(pointer);
  const near = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return near ? `unknown key (did you mean "${near}"?)` : `unknown key (known here: ${known.join(', ')})`;
}

function valueAt(data: unknown, pointer: string): unknown {
  return pointerSteps(pointer).reduce<unknown>((node, step) => (node as Record<string, unknown> | undefined)?.[step], data);
}

function describe(e: ValidationError, data: unknown): { field: string; detail: string } {
  if (e.keyword === 'additionalProperties') {
    const key = String(e.params.additionalProperty);
    return { field: fieldPath(e.instancePath, key), detail: unknownKey(e.instancePath, key) };
  }
  const field = fieldPath(e.instancePath);
  if (e.keyword === 'enum') return { field, detail: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}, not ${JSON.stringify(valueAt(data, e.instancePath))}` };
  if (e.keyword === 'type') return { field, detail: `must be ${e.params.type === 'integer' ? 'an integer' : `a ${e.params.type}`}, not ${JSON.stringify(valueAt(data, e.instancePath))}` };
  return { field, detail: e.message ?? e.keyword };
}

/**
 * The schema's complaints as one AgentConfigError: the first names the field, the rest follow
 * in the message so one run shows every typo (fieldPath is the plugin's, so both print
 * "networks[1].vni").
 */
export function schemaError(errors: readonly ValidationError[], data: unknown): AgentConfigError {
  const [first, ...rest] = errors.map((e) => describe(e, data));
  const more = rest.length ? `; also ${rest.map((p) => `${p.field}: ${p.detail}`).join('; ')}` : '';
  return new AgentConfigError({ field: first?.field ?? '(config file)', detail: `${first?.detail ?? 'invalid'}${more}` });
}
