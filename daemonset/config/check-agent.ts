import { isAbsolute } from 'node:path';
import { validateIfname } from '../../cni/core/env';
import { holdsNonUtf8, unsafeIfname } from '../../cni/core/safe-names';
import { parseIp } from '../../ipam/net/ip';
import { checkInteger, DNS_LABEL, DNS_SUBDOMAIN, type Fail } from './check-util';
import { listenProblem } from './listen';
import type { AgentConfig } from './types';

const LOG_LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'] satisfies AgentConfig['logLevel'][];

function checkIdentity(c: AgentConfig, fail: Fail): void {
  if (c.nodeName === '') fail('NODE_NAME', "required: set NODE_NAME (the downward API's spec.nodeName) or --node-name");
  if (!DNS_SUBDOMAIN.test(c.nodeName)) fail('nodeName', `${JSON.stringify(c.nodeName)} is not a Kubernetes node name (lower-case RFC 1123 subdomain)`);
  if (!DNS_LABEL.test(c.namespace)) fail('namespace', `${JSON.stringify(c.namespace)} is not a Kubernetes namespace name (lower-case RFC 1123 label)`);
  if (c.kubeconfig === '') fail('kubeconfig', 'is empty');
}

function checkUnderlay(c: AgentConfig, fail: Fail): void {
  const { interface: iface, address } = c.underlay;
  if (iface !== undefined) {
    const problem = validateIfname(iface) ?? unsafeIfname(iface);
    if (problem) fail('underlay.interface', problem);
  }
  if (address !== undefined && !parseIp(address)) fail('underlay.address', `${JSON.stringify(address)} is not an IP address`);
}

function checkPaths(c: AgentConfig, fail: Fail): void {
  for (const [key, dir] of Object.entries(c.paths)) {
    if (!isAbsolute(dir)) fail(`paths.${key}`, `${JSON.stringify(dir)} is not an absolute path`);
    if (holdsNonUtf8(dir) || dir.includes('\0')) fail(`paths.${key}`, `${JSON.stringify(dir)} holds bytes that are not UTF-8, or a NUL`);
  }
}

/** The node-wide settings (networks are check-network.ts's). */
export function checkAgentSettings(c: AgentConfig, fail: Fail): void {
  checkIdentity(c, fail);
  checkInteger(fail, 'vxlanPort', c.vxlanPort, { min: 1, max: 65535 });
  checkUnderlay(c, fail);
  checkInteger(fail, 'resyncSeconds', c.resyncSeconds, { min: 1, max: 3600, why: 'a full reconcile at least hourly heals what events missed' });
  const listen = listenProblem(c.listen);
  if (listen) fail('listen', listen);
  checkPaths(c, fail);
  if (!LOG_LEVELS.includes(c.logLevel)) fail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(c.logLevel)}`);
}
