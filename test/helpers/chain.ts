// A tiny libcni (containernetworking/cni v1.x, libcni/api.go): runs a conflist's plugins the way
// a runtime's libcni does, so tests chain twill with the reference plugins exactly as containerd,
// CRI-O or podman would.
//
//   VERSION  each plugin; the list's cniVersion must be among its supportedVersions
//   ADD      down the list; each plugin gets the previous plugin's result as prevResult
//   CHECK    down the list; every plugin gets the cached (final ADD) result as prevResult
//   DEL      up the list (reverse); every plugin gets the cached result as prevResult
//
// Every plugin config gets the list's `name` and `cniVersion`, and a `runtimeConfig` holding only
// the capabilities it declares (`capabilities: {portMappings: true}`) that the runtime supplies.
// Plugins run as fresh processes with CNI_* variables and stdin; with `node` set they run as
// `ip netns exec NODE plugin`, so whatever they change on "the host" stays in that namespace.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type Json = Record<string, any>;

export interface NetConfList {
  cniVersion: string;
  name: string;
  plugins: Json[];
}

/** libcni's RuntimeConf: who the attachment is, plus the runtime's capability arguments. */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS pairs, in order. */
  args?: Array<[string, string]>;
  /** Offered to every plugin that declares the capability (portMappings, bandwidth, mac, ips …). */
  capabilityArgs?: Record<string, unknown>;
}

/** A plugin that exited non-zero: which one, for which verb, and its error JSON. */
export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${plugin} ${command} failed (exit ${exitCode}): ${stdout.trim() || '(no output)'}${stderr.trim() ? `; stderr: ${stderr.trim().slice(0, 2000)}` : ''}`);
  }
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function cacheKey(list: NetConfList, rt: RuntimeConf): string {
  return `${list.name}/${rt.containerId}/${rt.ifname}`;
}

export class ChainRunner {
  /** Final ADD results, as libcni caches them under /var/lib/cni/results (here: in memory). */
  private readonly cache = new Map<string, Json>();

  constructor(private readonly opts: { path: string[]; node?: string }) {}

  /** invoke.FindInPath: the first CNI_PATH directory holding the plugin. */
  findPlugin(type: string): string {
    for (const dir of this.opts.path) {
      const candidate = join(dir, type);
      if (existsSync(candidate)) return candidate;
    }
    throw new Error(`plugin ${type} not found in ${this.opts.path.join(':')}`);
  }

  /** One plugin call; returns its stdout parsed (undefined when empty), throws PluginError on failure. */
  exec(type: string, command: string, conf: Json | undefined, rt?: RuntimeConf): Json | undefined {
    const env: Record<string, string> = { PATH, CNI_COMMAND: command, CNI_PATH: this.opts.path.join(':') };
    if (rt) {
      Object.assign(env, { CNI_CONTAINERID: rt.containerId, CNI_NETNS: rt.netns, CNI_IFNAME: rt.ifname });
      if (rt.args?.length) env.CNI_ARGS = rt.args.map(([k, v]) => `${k}=${v}`).join(';');
    }
    const plugin = this.findPlugin(type);
    const [cmd, argv] = this.opts.node ? ['ip', ['netns', 'exec', this.opts.node, plugin]] : [plugin, []];
    const r = spawnSync(cmd, argv, { env, input: conf ? JSON.stringify(conf) : '', encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new PluginError(type, command, r.status, r.stdout ?? '', r.stderr ?? r.error?.message ?? '');
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : undefined;
  }

  /** libcni's buildOneConfig + injectRuntimeConfig for one plugin of the list. */
  buildConfig(list: NetConfList, plugin: Json, prevResult: Json | undefined, rt: RuntimeConf): Json {
    const conf: Json = { ...plugin, name: list.name, cniVersion: list.cniVersion };
    if (prevResult) conf.prevResult = prevResult;
    const runtimeConfig: Json = {};
    for (const [capability, enabled] of Object.entries((plugin.capabilities ?? {}) as Record<string, unknown>)) {
      if (enabled === true && rt.capabilityArgs && capability in rt.capabilityArgs) runtimeConfig[capability] = rt.capabilityArgs[capability];
    }
    if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
    return conf;
  }

  /** ValidateNetworkList: every plugin answers VERSION and supports the list's cniVersion. */
  validate(list: NetConfList): void {
    for (const plugin of list.plugins) {
      const info = this.exec(plugin.type, 'VERSION', { cniVersion: list.cniVersion });
      const supported = (info?.supportedVersions ?? []) as string[];
      if (!supported.includes(list.cniVersion)) throw new Error(`${plugin.type} does not support cniVersion ${list.cniVersion} (it supports ${supported.join(', ')})`);
    }
  }

  /** AddNetworkList: down the chain, each plugin fed the previous result; the last one is cached and returned. */
  add(list: NetConfList, rt: RuntimeConf): Json {
    let result: Json | undefined;
    for (const plugin of list.plugins) {
      result = this.exec(plugin.type, 'ADD', this.buildConfig(list, plugin, result, rt), rt);
      if (!result) throw new Error(`${plugin.type} ADD printed no result`);
    }
    this.cache.set(cacheKey(list, rt), result!);
    return result!;
  }

  cached(list: NetConfList, rt: RuntimeConf): Json | undefined {
    return this.cache.get(cacheKey(list, rt));
  }

  /** CheckNetworkList: needs the cached result; every plugin gets it as prevResult. */
  check(list: NetConfList, rt: RuntimeConf): void {
    for (const plugin of list.plugins) this.checkPlugin(list, plugin, rt);
  }

  /** CHECK of one plugin of the list, exactly as CheckNetworkList sends it. */
  checkPlugin(list: NetConfList, plugin: Json, rt: RuntimeConf): void {
    const cached = this.cached(list, rt);
    if (!cached) throw new Error(`no cached result for ${cacheKey(list, rt)}: CHECK needs a previous ADD`);
    this.exec(plugin.type, 'CHECK', this.buildConfig(list, plugin, cached, rt), rt);
  }

  /**
   * DelNetworkList: in reverse, every plugin given the cached result (none when ADD never
   * finished, as after a failed ADD). The cache entry goes only when every plugin succeeded.
   */
  del(list: NetConfList, rt: RuntimeConf): void {
    const cached = this.cached(list, rt);
    for (const plugin of [...list.plugins].reverse()) this.exec(plugin.type, 'DEL', this.buildConfig(list, plugin, cached, rt), rt);
    this.cache.delete(cacheKey(list, rt));
  }
}
