import { parseCniArgs } from '../cni/core/args';
import type { NetConf } from '../cni/core/config';
import type { CniEnv } from '../cni/core/env';
import { CniError, ErrorCode } from '../cni/core/errors';
import type { Logger } from '../cni/core/log';
import type { Result } from '../cni/core/result';
import { allocate, checkAvailable, collectGarbage, toIpConfigs, verify } from './allocator';
import { loadDataDir, loadIpamConfig, type IpamSection } from './config';
import { Store, type Attachment } from './store';

/**
 * twill-ipam as a library: the twill plugin calls these in-process, the standalone binary
 * (plugin.ts) wraps them in the CNI verbs. Each takes the whole network configuration.
 */
export interface IpamRequest {
  conf: NetConf;
  env: CniEnv;
}

function attachmentOf(env: CniEnv): Attachment {
  return { containerId: env.containerId, ifname: env.ifname };
}

/** ADD's attachment also names its pod and namespace (written into the reservation, no extra file). */
function ownedAttachment(env: CniEnv, args: Record<string, string>): Attachment {
  const pod = (args.K8S_POD_NAME ? `${args.K8S_POD_NAMESPACE ?? ''}/${args.K8S_POD_NAME}` : '').replace(/\s/g, '');
  return { ...attachmentOf(env), owner: { pod, netns: env.netns } };
}

/**
 * The store DEL and GC work on, checking only the fields that locate it. A malformed `ipam` or
 * `dataDir` is refused rather than read as "default": falling back would release (GC: wipe)
 * allocations in /var/lib/cni/twill-ipam that this configuration never made.
 */
function storeFor(conf: NetConf): Store {
  const section = conf.ipam;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new CniError(ErrorCode.invalidConfig, 'ipam: required object missing');
  }
  const { dataDir } = section as Partial<IpamSection>;
  if (dataDir !== undefined && typeof dataDir !== 'string') throw new CniError(ErrorCode.invalidConfig, 'ipam.dataDir: must be a string');
  return new Store(loadDataDir(dataDir), conf.name);
}

/** ADD: an abbreviated result (ips, routes, dns; no interfaces). */
export function ipamAdd({ conf, env }: IpamRequest): Result {
  const args = parseCniArgs(env.args);
  const cfg = loadIpamConfig(conf, args);
  const store = new Store(cfg.dataDir, cfg.network);
  const allocated = allocate({ store, cfg, attachment: ownedAttachment(env, args) });
  const result: Result = { ips: toIpConfigs(cfg, allocated), routes: cfg.routes };
  const dns = cfg.dns ?? (conf.dns as Result['dns']);
  if (dns) result.dns = dns;
  return result;
}

/** Whether the attachment holds addresses already: an earlier ADD of it whose DEL never came. */
export function ipamHolds({ conf, env }: IpamRequest): boolean {
  return storeFor(conf).holdings(attachmentOf(env)).length > 0;
}

/**
 * DEL needs only the network name and dataDir, so it still releases when the rest of the
 * config has since become invalid (a DEL that fails on config leaks the address for good).
 */
export function ipamDel({ conf, env }: IpamRequest): void {
  storeFor(conf).release(attachmentOf(env));
}

export function ipamCheck({ conf, env }: IpamRequest): void {
  const cfg = loadIpamConfig(conf, parseCniArgs(env.args));
  verify({ store: new Store(cfg.dataDir, cfg.network), cfg, attachment: attachmentOf(env) });
}

/** The runtime's list of attachments still in use (`cni.dev/attachments` from older runtimes). */
export function validAttachments(conf: NetConf): Attachment[] {
  const key = 'cni.dev/valid-attachments' in conf ? 'cni.dev/valid-attachments' : 'cni.dev/attachments';
  // A missing list is a caller's mistake, not "keep nothing": GC would release every pod of the network.
  if (!(key in conf)) throw new CniError(ErrorCode.invalidConfig, 'cni.dev/valid-attachments: required for GC but missing', 'an empty list (or null) releases every attachment');
  const list = conf[key] ?? [];
  if (!Array.isArray(list)) throw new CniError(ErrorCode.invalidConfig, `${key}: must be an array`);
  return list.map((a, i) => {
    const { containerID, ifname } = (a ?? {}) as { containerID?: unknown; ifname?: unknown };
    if (typeof containerID !== 'string' || typeof ifname !== 'string') {
      throw new CniError(ErrorCode.invalidConfig, `${key}[${i}]: needs string "containerID" and "ifname"`);
    }
    return { containerId: containerID, ifname };
  });
}

export function ipamGc(conf: NetConf, log: Logger): void {
  const outcome = collectGarbage(storeFor(conf), validAttachments(conf));
  for (const a of outcome.released) log.info(`gc released ${a.containerId}/${a.ifname}`);
  for (const ip of outcome.orphans) log.info(`gc removed orphan reservation ${ip}`);
  if (outcome.failures.length) {
    throw new CniError(ErrorCode.io, `gc: ${outcome.failures.length} release(s) failed`, outcome.failures.join('; '));
  }
}

export function ipamStatus(conf: NetConf): void {
  const cfg = loadIpamConfig(conf, {});
  checkAvailable(new Store(cfg.dataDir, cfg.network), cfg);
}
