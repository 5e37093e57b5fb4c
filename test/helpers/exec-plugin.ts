import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const DIST = join(__dirname, '..', '..', 'dist');
export const REFERENCE_PLUGINS = '/usr/lib/cni';
/** Absolute, so spawning does not depend on the PATH given to the plugin. */
const IP = '/usr/sbin/ip';

export interface PluginRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any;
}

export interface PluginCall {
  /** A dist/ binary name ("twill-ipam") or an absolute path. */
  plugin: string;
  command: string;
  config: unknown;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  /** Extra or overriding variables; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  /**
   * A test-owned network namespace standing in for the node: the plugin runs as
   * `ip netns exec NODE plugin`, so whatever it changes on "the host" stays in that namespace.
   */
  node?: string;
  /** Kills the plugin after this long (a hung plugin then fails its test instead of the whole run). */
  timeoutMs?: number;
}

function pluginPath(plugin: string): string {
  return plugin.startsWith('/') ? plugin : join(DIST, plugin);
}

/** argv for the call: the plugin itself, or the plugin inside the node namespace. */
function pluginArgv(call: PluginCall): [string, string[]] {
  const path = pluginPath(call.plugin);
  return call.node ? [IP, ['netns', 'exec', call.node, path]] : [path, []];
}

/** The environment a runtime gives a plugin: CNI_* plus a plain PATH, nothing from the test's process. */
export function cniEnv(call: PluginCall): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    CNI_ARGS: call.args,
    CNI_PATH: call.path ?? `${DIST}:${REFERENCE_PLUGINS}`,
    ...call.env,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** A finished plugin process as a test reads it: exit code, output, stdout as JSON when it is JSON. */
export function pluginRunOf(r: { status: number | null; stdout: string; stderr: string }): PluginRun {
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: parse(r.stdout) };
}

function parse(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** A string or bytes (e.g. deliberately invalid UTF-8) are sent as they are, anything else as JSON. */
function stdinOf(config: unknown): string | Uint8Array {
  return typeof config === 'string' || config instanceof Uint8Array ? config : JSON.stringify(config);
}

/** Runs a plugin as a runtime does: fresh process, env + stdin, result on stdout. */
export function execPlugin(call: PluginCall): PluginRun {
  const [cmd, args] = pluginArgv(call);
  const r = spawnSync(cmd, args, { env: cniEnv(call), input: stdinOf(call.config), encoding: 'utf8', timeout: call.timeoutMs });
  return pluginRunOf(r);
}

/** The same, without blocking: for concurrency tests. */
export function execPluginAsync(call: PluginCall): Promise<PluginRun> {
  return new Promise((resolve, reject) => {
    const [cmd, args] = pluginArgv(call);
    const child = spawn(cmd, args, { env: cniEnv(call), timeout: call.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: parse(stdout) }));
    child.stdin.end(stdinOf(call.config));
  });
}
