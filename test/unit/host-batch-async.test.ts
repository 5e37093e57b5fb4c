// The agent's batch helpers in cni/host: `-force -batch` failures matched to their lines, a
// read batch's JSON paired with the commands that succeeded, `ethtool -k` parsing. Real
// processes where cheap (sh stands in for ip), no root needed.
import { batchFailures, forceBatch, ipReadBatch, jsonLine } from '../../cni/host/batch-async';
import { CommandError } from '../../cni/host/errors';
import { parseFeatures } from '../../cni/host/ethtool';
import { createAsyncRunner, type AsyncRunner } from '../../cni/host/run-async';

const run = createAsyncRunner({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });

/** A fake `ip`: prints `stdout`, `stderr`, exits with `code`, whatever argv says. */
function fakeIp(stdout: string, stderr: string, code: number): AsyncRunner {
  return (argv, opts) => run(['sh', '-c', `printf '%s' "$1"; printf '%s' "$2" >&2; exit ${code}`, 'fake', stdout, stderr], opts).then((r) => ({ ...r, argv }));
}

describe('batchFailures', () => {
  it('pairs each "Command failed -:N" with the message before it and the line it names', () => {
    const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "x"\nmore detail\nCommand failed -:4\n';
    expect(batchFailures(stderr, ['a', 'b', 'c', 'd'])).toEqual([
      { index: 1, line: 'b', message: 'RTNETLINK answers: File exists' },
      { index: 3, line: 'd', message: 'Cannot find device "x"; more detail' },
    ]);
    expect(batchFailures('', ['a'])).toEqual([]);
  });
});

describe('forceBatch', () => {
  it('runs nothing for no lines', async () => {
    const never: AsyncRunner = () => Promise.reject(new Error('should not run'));
    expect(await forceBatch(never, ['ip'], [])).toEqual({ stdout: '', failures: [] });
  });

  it('turns a non-zero exit with failed lines into failures, keeping stdout', async () => {
    const r = await forceBatch(fakeIp('ok\n', 'boom\nCommand failed -:1\n', 1), ['ip'], ['x', 'y']);
    expect(r).toEqual({ stdout: 'ok\n', failures: [{ index: 0, line: 'x', message: 'boom' }] });
  });

  it('rethrows any other failure', async () => {
    await expect(forceBatch(fakeIp('', 'Object "x" is unknown\n', 255), ['ip'], ['x'])).rejects.toBeInstanceOf(CommandError);
  });

  it('feeds the lines on stdin with -force -batch -', async () => {
    const seen: string[][] = [];
    const spy: AsyncRunner = (argv, opts) => {
      seen.push([...argv, opts?.input ?? '']);
      return Promise.resolve({ stdout: '', stderr: '' });
    };
    await forceBatch(spy, ['bridge'], ['fdb del a', 'fdb del b']);
    expect(seen).toEqual([['bridge', '-force', '-batch', '-', 'fdb del a\nfdb del b\n']]);
  });
});

describe('ipReadBatch', () => {
  it('pairs output lines with the commands that did not fail', async () => {
    const fake = fakeIp('[{"a":1}]\n[]\n', 'Cannot find device "twill.1"\nCommand failed -:2\n', 1);
    const lines = await ipReadBatch(fake, ['route show', 'neigh show dev twill.1', 'addr show']);
    expect(lines).toEqual(['[{"a":1}]', undefined, '[]']);
    expect(lines.map(jsonLine)).toEqual([[{ a: 1 }], undefined, []]);
  });

  it('refuses output it cannot pair', async () => {
    await expect(ipReadBatch(fakeIp('[]\n', '', 0), ['a', 'b'])).rejects.toThrow('ip -batch printed 1 results for 2 successful commands');
  });
});

describe('parseFeatures', () => {
  it('reads `ethtool -k` lines, indented ones and [fixed] included', () => {
    const text = 'Features for twill.1:\nrx-checksumming: on\ntx-checksumming: off\n\ttx-checksum-ipv4: off [fixed]\n\ttx-checksum-ip-generic: off\nhighdma: on [fixed]\n';
    const f = parseFeatures(text);
    expect(f.get('tx-checksum-ip-generic')).toEqual({ on: false, fixed: false });
    expect(f.get('tx-checksum-ipv4')).toEqual({ on: false, fixed: true });
    expect(f.get('rx-checksumming')).toEqual({ on: true, fixed: false });
    expect(f.has('Features for twill.1')).toBe(false);
  });
});
