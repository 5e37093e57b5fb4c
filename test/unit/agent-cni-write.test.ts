import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../daemonset/fs/atomic-write';
import { removeConfigFile, syncConfigFile } from '../../daemonset/cni-config/write';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'twill-cniconf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OLD = new Date('2001-01-01T00:00:00Z');

describe('syncConfigFile', () => {
  test('writes a missing file (and its directory) with mode 0644 whatever the umask, then leaves equal content alone', async () => {
    const path = join(dir, 'net.d', '10-twill.conflist');
    const umask = process.umask(0o077);
    try {
      expect(await syncConfigFile({ path, content: '{"a":1}\n' })).toBe(true);
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    // An old mtime makes any rewrite visible, however fast the machine.
    utimesSync(path, OLD, OLD);
    const before = statSync(path);
    expect(await syncConfigFile({ path, content: '{"a":1}\n' })).toBe(false);
    expect(await syncConfigFile({ path, content: Buffer.from('{"a":1}\n') })).toBe(false);
    const after = statSync(path);
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: OLD.getTime() });
    expect(readdirSync(join(dir, 'net.d'))).toEqual(['10-twill.conflist']);
  });

  test('new content replaces the file by rename (a new inode), leaving no temp file', async () => {
    const path = join(dir, '10-twill.conflist');
    writeFileSync(path, 'old\n', { mode: 0o600 });
    const before = statSync(path).ino;
    expect(await syncConfigFile({ path, content: 'new\n' })).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).ino).not.toBe(before);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['10-twill.conflist']);
  });

  test('a reader never sees a partial file while it is rewritten', async () => {
    const path = join(dir, 'big.json');
    const size = 4 << 20;
    const bodies = ['a', 'b'].map((c) => c.repeat(size));
    await syncConfigFile({ path, content: bodies[0] });
    let writing = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        seen.push(text.length === size && (text === bodies[0] || text === bodies[1]) ? 'whole' : `partial (${text.length} bytes)`);
      }
    })();
    for (let i = 1; i <= 12; i++) expect(await syncConfigFile({ path, content: bodies[i % 2] })).toBe(true);
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => s !== 'whole')).toEqual([]);
    expect(readdirSync(dir)).toEqual(['big.json']);
  });

  test('a target it cannot read is an error, and nothing is written', async () => {
    const path = join(dir, 'a-dir.conflist');
    mkdirSync(path);
    await expect(syncConfigFile({ path, content: 'x' })).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir)).toEqual(['a-dir.conflist']);
  });
});

describe('writeFileAtomic', () => {
  test('a failed rename leaves the target as it was and removes the temp file', async () => {
    const path = join(dir, 'target');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    await expect(writeFileAtomic({ path, content: 'x' })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('removeConfigFile', () => {
  test('removes the file once; a second call finds nothing', async () => {
    const path = join(dir, '10-blue.conflist');
    writeFileSync(path, '{}');
    expect(await removeConfigFile(path)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    expect(await removeConfigFile(path)).toBe(false);
  });
});
