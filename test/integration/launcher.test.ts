import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, execPlugin } from '../helpers/exec-plugin';

// Runtimes pass their whole environment to plugins. Node reads NODE_* before any JS runs, so the
// bundles' sh launcher must drop them: a NODE_OPTIONS that loads code or a broken
// NODE_EXTRA_CA_CERTS must change nothing.
const hostile = {
  NODE_OPTIONS: '--require /nonexistent/hook.js',
  NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem',
  NODE_PATH: '/nonexistent',
  NODE_DEBUG: 'module,fs',
  NODE_V8_COVERAGE: '/nonexistent/coverage',
};

describe.each(['twill', 'twill-ipam'])('%s launcher', (plugin) => {
  it('answers VERSION with hostile NODE_* variables set', () => {
    const r = execPlugin({ plugin, command: 'VERSION', config: { cniVersion: '1.0.0' }, env: hostile });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.supportedVersions).toContain('1.1.0');
  });

  it('is one file: a two-line sh launcher in front of the bundle, run by the pinned Node beside it', () => {
    const text = readFileSync(join(DIST, plugin), 'utf8');
    const [shebang, launcher] = text.split('\n');
    expect(shebang).toBe('#!/bin/sh');
    expect(launcher).toMatch(/unset/);
    expect(launcher).toMatch(/twill-node/);
  });

  it('runs on the pinned Node 24 beside it, whatever node is first on PATH', () => {
    expect(execFileSync(join(DIST, 'twill-node'), ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^v24\./);
  });
});
