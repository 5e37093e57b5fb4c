/**
 * The CNI config directory as libcni reads it: `*.conf`, `*.conflist`, `*.json`, in lexical
 * order (the first one is the runtime's pod network). A file whose plugins include `twill` is
 * one of ours; parsing is pure (parseConfFile), reading is one readdir and a read per file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions } from '../../core/versions';

export const CONF_EXTENSIONS = /\.(conf|conflist|json)$/;
/** The first conflist version runtimes send STATUS and GC for. */
export const STATUS_GC_VERSION = '1.1.0';

export interface TwillPlugin {
  bridge: string;
  mtu?: number;
  ipMasq: boolean;
  readiness?: string;
  ipam: Record<string, unknown>;
  /** The plugin's own object (as the conflist holds it). */
  raw: Record<string, unknown>;
}

export interface ConfFile {
  file: string;
  /** The network's name; undefined when the file does not parse. */
  network?: string;
  cniVersion?: string;
  /** Highest of cniVersion and cniVersions: what libcni negotiates with. */
  highest?: string;
  types: string[];
  /** The twill plugin in the chain, when there is one. */
  twill?: TwillPlugin;
  error?: string;
  /** The whole document (a single .conf is turned into a one-plugin list). */
  doc?: { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };
}

function highestVersion(version: string, versions: unknown): string {
  const all = [version, ...(Array.isArray(versions) ? versions.filter((v): v is string => typeof v === 'string') : [])];
  return all.sort(compareVersions).pop()!;
}

function twillOf(plugins: Array<Record<string, unknown>>): TwillPlugin | undefined {
  const p = plugins.find((x) => x.type === 'twill');
  if (!p) return undefined;
  const ipam = (p.ipam && typeof p.ipam === 'object' ? p.ipam : {}) as Record<string, unknown>;
  return {
    bridge: typeof p.bridge === 'string' ? p.bridge : 'twill0',
    mtu: typeof p.mtu === 'number' ? p.mtu : undefined,
    ipMasq: p.ipMasq === true,
    readiness: typeof p.readiness === 'string' ? p.readiness : undefined,
    ipam,
    raw: p,
  };
}

/** One config file's text, as libcni would load it. */
export function parseConfFile(file: string, text: string): ConfFile {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return { file, types: [], error: `not JSON: ${(err as Error).message}` };
  }
  const plugins = (Array.isArray(doc.plugins) ? doc.plugins : doc.type ? [doc] : []) as Array<Record<string, unknown>>;
  const cniVersion = typeof doc.cniVersion === 'string' ? doc.cniVersion : '';
  const name = typeof doc.name === 'string' ? doc.name : undefined;
  if (!name || !plugins.length) return { file, types: [], error: 'no name or no plugins' };
  return {
    file,
    network: name,
    cniVersion,
    highest: highestVersion(cniVersion, doc.cniVersions),
    types: plugins.map((p) => String(p.type)),
    twill: twillOf(plugins),
    doc: { cniVersion, name, plugins },
  };
}

/** Every config file of the directory, in the order libcni reads them. */
export function loadConfDir(dir: string): ConfFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => CONF_EXTENSIONS.test(n)).sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    try {
      return parseConfFile(join(dir, n), readFileSync(join(dir, n), 'utf8'));
    } catch (err) {
      return { file: join(dir, n), types: [], error: (err as Error).message };
    }
  });
}

export function getsStatusAndGc(highest: string | undefined): boolean {
  return highest !== undefined && compareVersions(highest, STATUS_GC_VERSION) >= 0;
}

/** twill's networks (files with a twill plugin), optionally one by name. */
export function twillNetworks(files: ConfFile[], name?: string): ConfFile[] {
  return files.filter((f) => f.twill && (name === undefined || f.network === name));
}
