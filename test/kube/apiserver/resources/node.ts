// core/v1 Node: schema, strategy and validation as pkg/registry/core/node and
// pkg/apis/core/validation (ValidateNode, ValidateNodeUpdate) have them.
import { isIP } from 'node:net';
import { leaf, list, map, obj } from '../schema';
import type { FieldError, KubeObject, ResourceDef, Subresource } from '../types';
import { dnsSubdomainErrors, validateObjectMeta, validateObjectMetaUpdate } from '../validation';
import { topLevel } from './meta';

const condition = obj({
  type: leaf('string', true),
  status: leaf('string', true),
  lastHeartbeatTime: leaf('time'),
  lastTransitionTime: leaf('time'),
  reason: leaf('string'),
  message: leaf('string'),
});

const taint = obj({ key: leaf('string', true), value: leaf('string'), effect: leaf('string', true), timeAdded: leaf('time') });

const nodeSchema = topLevel({
  spec: obj(
    {
      podCIDR: leaf('string'),
      podCIDRs: list(leaf('string'), {}),
      providerID: leaf('string'),
      unschedulable: leaf('bool'),
      taints: list(taint),
      configSource: leaf('any'),
      externalID: leaf('string'),
    },
    true,
  ),
  status: obj(
    {
      capacity: map(leaf('string')),
      allocatable: map(leaf('string')),
      phase: leaf('string'),
      conditions: list(condition, { mergeKey: 'type' }),
      addresses: list(obj({ type: leaf('string', true), address: leaf('string', true) }), { mergeKey: 'type' }),
      daemonEndpoints: leaf('any'),
      nodeInfo: leaf('any'),
      images: leaf('any'),
      volumesInUse: list(leaf('string')),
      volumesAttached: leaf('any'),
      config: leaf('any'),
      runtimeHandlers: leaf('any'),
      features: leaf('any'),
    },
    true,
  ),
});

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
}

const specOf = (node: KubeObject) => (node.spec ?? {}) as NodeSpec;

/**
 * v1 -> internal -> v1 conversion: podCIDR wins when both are set and differ, podCIDR alone
 * fills podCIDRs, and podCIDR is always podCIDRs[0] on the way out.
 */
function normalize(node: KubeObject): KubeObject {
  const spec = { ...specOf(node) };
  if (spec.podCIDR && (!spec.podCIDRs?.length || spec.podCIDRs[0] !== spec.podCIDR)) spec.podCIDRs = [spec.podCIDR];
  if (spec.podCIDRs?.length) spec.podCIDR = spec.podCIDRs[0];
  return { ...node, spec };
}

function isCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function podCidrErrors(node: KubeObject): FieldError[] {
  const cidrs = specOf(node).podCIDRs ?? [];
  const out: FieldError[] = cidrs
    .map((value, i) => ({ value, i }))
    .filter(({ value }) => !isCidr(value))
    .map(({ value, i }) => ({ type: 'FieldValueInvalid', field: `spec.podCIDRs[${i}]`, value, detail: 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' }));
  if (out.length === 0 && cidrs.length > 1) {
    const families = new Set(cidrs.map((c) => isIP(c.split('/')[0])));
    if (cidrs.length > 2 || families.size !== 2) {
      out.push({ type: 'FieldValueInvalid', field: 'spec.podCIDRs', value: cidrs, detail: 'may specify no more than one CIDR for each IP family' });
    }
  }
  return out;
}

function validateNode(node: KubeObject): FieldError[] {
  return [...validateObjectMeta(node, { namespaced: false, nameErrors: dnsSubdomainErrors }), ...podCidrErrors(node)];
}

const CIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid';
const PROVIDER_CHANGE = 'node updates may not change providerID except from "" to valid';

/** ValidateNodeUpdate: podCIDRs and providerID may only change from empty. */
function validateNodeUpdate(next: KubeObject, old: KubeObject): FieldError[] {
  const out = [...validateObjectMetaUpdate(next, old), ...validateNode(next)];
  const [was, now] = [specOf(old).podCIDRs ?? [], specOf(next).podCIDRs ?? []];
  if (was.length > 0) {
    if (was.length !== now.length) out.push({ type: 'FieldValueForbidden', field: 'spec.podCIDRs', detail: CIDR_CHANGE });
    else was.forEach((cidr, i) => cidr !== now[i] && out.push({ type: 'FieldValueForbidden', field: 'spec.podCIDRs', detail: CIDR_CHANGE }));
  }
  const oldProvider = specOf(old).providerID ?? '';
  if (oldProvider && oldProvider !== (specOf(next).providerID ?? '')) {
    out.push({ type: 'FieldValueForbidden', field: 'spec.providerID', detail: PROVIDER_CHANGE });
  }
  return out;
}

/** nodeStrategy keeps the old status; nodeStatusStrategy keeps the old spec. Metadata passes both. */
function prepareForUpdate(next: KubeObject, old: KubeObject, subresource: Subresource): KubeObject {
  return subresource === 'status' ? { ...next, spec: old.spec } : { ...next, status: old.status };
}

export const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  subresources: ['status'],
  fields: (node) => ({
    'metadata.name': node.metadata.name ?? '',
    'spec.unschedulable': String((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable ?? false),
  }),
  schema: nodeSchema,
  strategy: {
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForUpdate,
    normalize,
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
  },
};
