// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: stored and
// validated as pkg/apis/rbac/validation does (the parts a manifest can get wrong), so the
// server can authorize a user from them (rbac-authorizer.ts) exactly as the manifests grant.
import { leaf, list, obj } from '../schema';
import type { FieldError, KubeObject, ResourceDef } from '../types';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation';
import { topLevel } from './meta';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const strings = list(leaf('string'));
const policyRule = obj({ verbs: strings, apiGroups: strings, resources: strings, resourceNames: strings, nonResourceURLs: strings });
const roleRef = obj({ apiGroup: leaf('string'), kind: leaf('string'), name: leaf('string') }, true);
const subject = obj({ kind: leaf('string'), apiGroup: leaf('string'), name: leaf('string'), namespace: leaf('string') });

export interface RbacRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface RbacSubject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}
export interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

/** ValidateRBACName: a path segment (no "/" or "%", not "." or ".."). */
function rbacNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const bad = ['/', '%'].find((c) => name.includes(c));
  return bad ? [`may not contain '${bad}'`] : [];
}

function ruleErrors(rules: RbacRule[]): FieldError[] {
  return rules.flatMap((r, i): FieldError[] => {
    const field = `rules[${i}]`;
    if (!r.verbs?.length) return [{ type: 'FieldValueRequired', field: `${field}.verbs`, detail: 'verbs must contain at least one value' }];
    if (r.nonResourceURLs?.length) return [];
    if (!r.apiGroups?.length) return [{ type: 'FieldValueRequired', field: `${field}.apiGroups`, detail: 'resource rules must supply at least one api group' }];
    if (!r.resources?.length) return [{ type: 'FieldValueRequired', field: `${field}.resources`, detail: 'resource rules must supply at least one resource' }];
    return [];
  });
}

function subjectErrors(subjects: RbacSubject[], namespaced: boolean): FieldError[] {
  return subjects.flatMap((s, i): FieldError[] => {
    const field = `subjects[${i}]`;
    if (!s.name) return [{ type: 'FieldValueRequired', field: `${field}.name`, detail: '' }];
    if (!['ServiceAccount', 'User', 'Group'].includes(s.kind ?? '')) {
      return [{ type: 'FieldValueInvalid', field: `${field}.kind`, value: s.kind, detail: 'supported values: "ServiceAccount", "User", "Group"' }];
    }
    if (s.kind === 'ServiceAccount' && !namespaced && !s.namespace) return [{ type: 'FieldValueRequired', field: `${field}.namespace`, detail: '' }];
    return [];
  });
}

function roleRefErrors(ref: RoleRef, kinds: string[]): FieldError[] {
  const out: FieldError[] = [];
  if (ref.apiGroup !== RBAC_GROUP) out.push({ type: 'FieldValueInvalid', field: 'roleRef.apiGroup', value: ref.apiGroup ?? '', detail: `supported values: "${RBAC_GROUP}"` });
  if (!kinds.includes(ref.kind ?? '')) out.push({ type: 'FieldValueInvalid', field: 'roleRef.kind', value: ref.kind ?? '', detail: `supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
  if (!ref.name) out.push({ type: 'FieldValueRequired', field: 'roleRef.name', detail: '' });
  return out;
}

function kindDef(o: { kind: string; plural: string; namespaced: boolean; schema: Parameters<typeof topLevel>[0]; validate: (x: KubeObject) => FieldError[] }): ResourceDef {
  const metaErrors = (x: KubeObject) => validateObjectMeta(x, { namespaced: o.namespaced, nameErrors: rbacNameErrors });
  const validate = (x: KubeObject) => [...metaErrors(x), ...o.validate(x)];
  return {
    group: RBAC_GROUP,
    version: 'v1',
    kind: o.kind,
    listKind: `${o.kind}List`,
    plural: o.plural,
    singular: o.kind.toLowerCase(),
    shortNames: [],
    namespaced: o.namespaced,
    subresources: [],
    fields: (x) => ({ 'metadata.name': x.metadata.name ?? '', ...(o.namespaced ? { 'metadata.namespace': x.metadata.namespace ?? '' } : {}) }),
    schema: topLevel(o.schema),
    strategy: {
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
      prepareForUpdate: (next) => next,
      validate,
      validateUpdate: (next, old) => [...validateObjectMetaUpdate(next, old), ...validate(next), ...roleRefChange(next, old)],
    },
  };
}

/** A binding's roleRef is immutable: "cannot change roleRef". */
function roleRefChange(next: KubeObject, old: KubeObject): FieldError[] {
  if (!old.roleRef || JSON.stringify(next.roleRef) === JSON.stringify(old.roleRef)) return [];
  return [{ type: 'FieldValueInvalid', field: 'roleRef', value: next.roleRef, detail: 'cannot change roleRef' }];
}

const rulesOf = (x: KubeObject) => ruleErrors((x.rules ?? []) as RbacRule[]);
const bindingOf = (namespaced: boolean, kinds: string[]) => (x: KubeObject) => [
  ...roleRefErrors((x.roleRef ?? {}) as RoleRef, kinds),
  ...subjectErrors((x.subjects ?? []) as RbacSubject[], namespaced),
];

export const clusterRoles = kindDef({ kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, schema: { rules: list(policyRule), aggregationRule: leaf('any') }, validate: rulesOf });
export const roles = kindDef({ kind: 'Role', plural: 'roles', namespaced: true, schema: { rules: list(policyRule) }, validate: rulesOf });
export const clusterRoleBindings = kindDef({
  kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, schema: { subjects: list(subject), roleRef }, validate: bindingOf(false, ['ClusterRole']),
});
export const roleBindings = kindDef({
  kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, schema: { subjects: list(subject), roleRef }, validate: bindingOf(true, ['Role', 'ClusterRole']),
});
