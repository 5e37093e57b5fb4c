// The kubeconfig a client uses to reach the test API server: server URL, the CA to trust (or
// insecure-skip-tls-verify for plain HTTP, which client-node otherwise refuses), a bearer token.
export interface KubeconfigInput {
  url: string;
  token: string;
  caPem?: string;
  namespace?: string;
  name?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const name = input.name ?? 'twill-test';
  const trust = input.caPem
    ? `    certificate-authority-data: ${Buffer.from(input.caPem).toString('base64')}`
    : '    insecure-skip-tls-verify: true';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${input.url}`,
    trust,
    'users:',
    `- name: ${name}`,
    '  user:',
    `    token: ${input.token}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `    namespace: ${input.namespace ?? 'default'}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}
