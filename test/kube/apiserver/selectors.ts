// labelSelector and fieldSelector, parsed and matched as k8s.io/apimachinery's labels and fields
// packages do (the set-based label forms included).
import { badRequest } from './errors';
import type { KubeObject, ResourceDef } from './types';

type Requirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'gt' | 'lt'; key: string; value: number };

export type Selector = (obj: KubeObject) => boolean;

/** Splits on commas outside parentheses: "a in (x,y),b" is two requirements. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseRequirement(term: string): Requirement {
  let m = /^!\s*([^\s!=<>(),]+)$/.exec(term);
  if (m) return { op: '!exists', key: m[1] };
  m = /^([^\s!=<>(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) return { op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()) };
  m = /^([^\s!=<>(),]+)\s*(==|=|!=)\s*([^\s!=<>(),]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'notin' : 'in', key: m[1], values: [m[3]] };
  m = /^([^\s!=<>(),]+)\s*([<>])\s*(-?\d+)$/.exec(term);
  if (m) return { op: m[2] === '>' ? 'gt' : 'lt', key: m[1], value: Number(m[3]) };
  m = /^([^\s!=<>(),]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
    case 'gt':
    case 'lt': {
      const n = Number(labels[r.key]);
      return has && Number.isInteger(n) && (r.op === 'gt' ? n > r.value : n < r.value);
    }
  }
}

export function parseLabelSelector(text: string | null): Selector {
  const reqs = splitTerms(text ?? '').map(parseRequirement);
  return (obj) => reqs.every((r) => matches(r, obj.metadata.labels ?? {}));
}

/** fieldSelector: "=", "==" and "!=" on the fields the kind supports, anything else a 400. */
export function parseFieldSelector(def: ResourceDef, text: string | null): Selector {
  const terms = splitTerms(text ?? '').map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
    return { field: m[1], negate: m[2] === '!=', value: m[3] };
  });
  const probe = def.fields({ metadata: {} });
  for (const t of terms) {
    if (!(t.field in probe)) throw badRequest(`field label not supported: ${t.field}`);
  }
  return (obj) => {
    const fields = def.fields(obj);
    return terms.every((t) => (fields[t.field] === t.value) !== t.negate);
  };
}
