// A network removed from twilld's config leaves its readiness and peers files behind unless the
// agent removes them at start: the plugin would keep accepting ADDs for a network nobody programs.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanStaleNetworkFiles, removeStaleNetworkFiles } from '../../daemonset/agent/stale-files';
import type { AgentConfig } from '../../daemonset/config/types';
import { peersStatePath } from '../../daemonset/agent/peers-state';
import { readinessPath } from '../../daemonset/cni-config/readiness';

describe('twilld start: files of networks no longer configured', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'twill-stale-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('ready-/peers- files of removed networks go; the configured networks and every other file stay', async () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    mkdirSync(join(runDir, 'ns-4026531840')); // the plugin's rule markers
    const files = [
      readinessPath(runDir, 'pods'), peersStatePath(runDir, 'pods'),
      readinessPath(runDir, 'old.net'), peersStatePath(runDir, 'old.net'), peersStatePath(runDir, 'gone'),
      join(runDir, 'pods.cache'), join(runDir, 'ready-pods.json.tmp'), join(runDir, 'readiness-old.json'),
    ];
    for (const f of files) writeFileSync(f, '{}\n');

    const removed = await removeStaleNetworkFiles({ runDir, networks: ['pods', 'storage'] });
    expect(removed).toEqual([peersStatePath(runDir, 'gone'), peersStatePath(runDir, 'old.net'), readinessPath(runDir, 'old.net')]);
    expect(readdirSync(runDir).sort()).toEqual(['ns-4026531840', 'peers-pods.json', 'pods.cache', 'readiness-old.json', 'ready-pods.json', 'ready-pods.json.tmp']);
    expect(await removeStaleNetworkFiles({ runDir, networks: ['pods', 'storage'] })).toEqual([]);
  });

  test('no run directory yet (first start): nothing to do', async () => {
    expect(await removeStaleNetworkFiles({ runDir: join(root, 'absent'), networks: ['pods'] })).toEqual([]);
  });

  test('at start: what went is logged; a run dir that cannot be read is a warning, not a failed start', async () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    writeFileSync(readinessPath(runDir, 'old'), '{}\n');
    const lines: Array<[string, string, unknown]> = [];
    const log = (level: string) => (event: string, fields?: unknown) => void lines.push([level, event, fields]);
    const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
    const config = (dir: string) => ({ paths: { runDir: dir }, networks: [{ name: 'pods' }] }) as unknown as AgentConfig;
    await cleanStaleNetworkFiles(config(runDir), logger);
    expect(lines).toEqual([['info', 'removed the files of networks no longer configured', { files: readinessPath(runDir, 'old') }]]);
    writeFileSync(join(root, 'file'), '');
    await cleanStaleNetworkFiles(config(join(root, 'file')), logger);
    expect(lines.slice(1).map(([level, event]) => [level, event])).toEqual([['warn', 'cannot clean the run directory']]);
  });
});
