// Shared by the ctl-*.test.ts files: dist/twillctl run inside a test node's namespace, exactly
// as an operator runs it on a node, with its paths pointed at the test's own directories.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from '../helpers/exec-plugin';
import type { Json } from './plugin-support';

export interface CtlRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** A conf dir and a run dir of the test's own; bin dir = dist/. */
export class CtlDirs {
  readonly root = mkdtempSync(join(tmpdir(), 'twill-ctl-'));
  readonly confDir = join(this.root, 'net.d');
  readonly runDir = join(this.root, 'run');

  constructor() {
    mkdirSync(this.confDir);
    mkdirSync(this.runDir);
  }

  /** Writes a conflist holding one plugin configuration (a netConf) as `file`. */
  conflist(file: string, plugin: Json, o: { cniVersion?: string; cniVersions?: string[] } = {}): string {
    const { cniVersion: _v, name, ...rest } = plugin;
    const doc = { cniVersion: o.cniVersion ?? '1.0.0', ...(o.cniVersions === undefined ? { cniVersions: ['1.0.0', '1.1.0'] } : o.cniVersions.length ? { cniVersions: o.cniVersions } : {}), name, plugins: [{ ...rest, capabilities: { portMappings: true } }] };
    const path = join(this.confDir, file);
    writeFileSync(path, JSON.stringify(doc, null, 2));
    return path;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `twillctl ARGS` inside the node namespace (PATH: `path`, also the plugins'); --json output parsed. */
export function ctl(node: string, dirs: CtlDirs, args: string[], path = NODE_PATH): CtlRun {
  const argv = ['netns', 'exec', node, join(DIST, 'twillctl'), '--cni-conf-dir', dirs.confDir, '--cni-bin-dir', DIST, '--run-dir', dirs.runDir, ...args];
  const r = spawnSync('ip', argv, { encoding: 'utf8', timeout: 30_000, env: { PATH: path } });
  let json: any;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** Every line of a table fits an 80-column terminal. */
export function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => l.length));
}
