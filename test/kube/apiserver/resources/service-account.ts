// core/v1 ServiceAccount: stored so a test can apply twill's manifests as they are; tokens are
// the server's users (TestApiServerOptions.users), not minted from these.
import { leaf } from '../schema';
import type { ResourceDef } from '../types';
import { dnsSubdomainErrors, validateObjectMeta, validateObjectMetaUpdate } from '../validation';
import { topLevel } from './meta';

const validate = (sa: Parameters<typeof validateObjectMeta>[0]) => validateObjectMeta(sa, { namespaced: true, nameErrors: dnsSubdomainErrors });

export const serviceAccounts: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  subresources: [],
  fields: (sa) => ({ 'metadata.name': sa.metadata.name ?? '', 'metadata.namespace': sa.metadata.namespace ?? '' }),
  schema: topLevel({ secrets: leaf('any'), imagePullSecrets: leaf('any'), automountServiceAccountToken: leaf('bool', true) }),
  strategy: {
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForUpdate: (next) => next,
    validate,
    validateUpdate: (next, old) => [...validateObjectMetaUpdate(next, old), ...validate(next)],
  },
};

