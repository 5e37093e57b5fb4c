// ObjectMeta validation as k8s.io/apimachinery's ValidateObjectMeta(Update) does it, with the
// same messages: names, labels, annotations, ownerReferences. Kind-specific rules live with
// each kind under resources/.
import type { FieldError, KubeObject, ObjectMeta } from './types';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  `end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`;
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
  `an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`;
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  `character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  `end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`;

const whole = (re: string) => new RegExp(`^${re}$`);
const SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN);
const LABEL_RE = whole(DNS1123_LABEL);
const QUALIFIED_NAME_RE = whole(QUALIFIED_NAME);
const LABEL_VALUE_RE = whole(LABEL_VALUE);

/** Messages for a DNS-1123 subdomain (most object names); empty when valid. */
export function dnsSubdomainErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push('must be no more than 253 characters');
  if (!SUBDOMAIN_RE.test(value)) out.push(SUBDOMAIN_MSG);
  return out;
}

/** Messages for a DNS-1123 label (namespace names). */
export function dnsLabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_RE.test(value)) out.push(LABEL_MSG);
  return out;
}

function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) return [`a qualified name ${NAME_PART_MSG.slice('name part '.length)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const name = parts[parts.length - 1];
  const out: string[] = [];
  if (parts.length === 2) out.push(...dnsSubdomainErrors(parts[0]).map((m) => `prefix part ${m}`));
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  if (name.length && !QUALIFIED_NAME_RE.test(name)) out.push(NAME_PART_MSG);
  return out;
}

function keyErrors(field: string, keys: string[]): FieldError[] {
  return keys.flatMap((key) => qualifiedNameErrors(key).map((detail) => ({ type: 'FieldValueInvalid' as const, field, detail, value: key })));
}

function labelErrors(labels: Record<string, string> = {}): FieldError[] {
  const out = keyErrors('metadata.labels', Object.keys(labels));
  for (const value of Object.values(labels)) {
    if (value.length > 63) out.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value, detail: 'must be no more than 63 characters' });
    if (!LABEL_VALUE_RE.test(value)) out.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value, detail: LABEL_VALUE_MSG });
  }
  return out;
}

function annotationErrors(annotations: Record<string, string> = {}): FieldError[] {
  const keys = Object.keys(annotations).map((k) => k.toLowerCase());
  const out = keyErrors('metadata.annotations', keys);
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > ANNOTATIONS_MAX_BYTES) out.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: `must have at most ${ANNOTATIONS_MAX_BYTES} bytes` });
  return out;
}

function ownerReferenceErrors(meta: ObjectMeta): FieldError[] {
  const refs = meta.ownerReferences ?? [];
  const out: FieldError[] = [];
  for (const ref of refs) {
    const field = 'metadata.ownerReferences';
    if (!ref.apiVersion) out.push({ type: 'FieldValueInvalid', field: `${field}.apiVersion`, value: '', detail: 'version must not be empty' });
    if (!ref.kind) out.push({ type: 'FieldValueInvalid', field: `${field}.kind`, value: '', detail: 'kind must not be empty' });
    if (!ref.name) out.push({ type: 'FieldValueInvalid', field: `${field}.name`, value: '', detail: 'name must not be empty' });
    if (!ref.uid) out.push({ type: 'FieldValueInvalid', field: `${field}.uid`, value: '', detail: 'uid must not be empty' });
  }
  if (refs.filter((r) => r.controller).length > 1) {
    out.push({ type: 'FieldValueInvalid', field: 'metadata.ownerReferences', value: refs, detail: 'Only one reference can have Controller set to true.' });
  }
  return out;
}

export interface MetaRules {
  namespaced: boolean;
  nameErrors: (name: string) => string[];
}

export function validateObjectMeta(obj: KubeObject, rules: MetaRules): FieldError[] {
  const meta = obj.metadata;
  const out: FieldError[] = [];
  if (!meta.name) out.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  else out.push(...rules.nameErrors(meta.name).map((detail) => ({ type: 'FieldValueInvalid' as const, field: 'metadata.name', value: meta.name, detail })));
  if (rules.namespaced && !meta.namespace) out.push({ type: 'FieldValueRequired', field: 'metadata.namespace', detail: '' });
  out.push(...labelErrors(meta.labels), ...annotationErrors(meta.annotations), ...ownerReferenceErrors(meta));
  return out;
}

const IMMUTABLE = ['name', 'namespace', 'uid', 'creationTimestamp'] as const;

export function validateObjectMetaUpdate(next: KubeObject, old: KubeObject): FieldError[] {
  return IMMUTABLE.filter((f) => (next.metadata[f] ?? '') !== (old.metadata[f] ?? '')).map((f) => ({
    type: 'FieldValueInvalid' as const,
    field: `metadata.${f}`,
    value: next.metadata[f] ?? '',
    detail: 'field is immutable',
  }));
}
