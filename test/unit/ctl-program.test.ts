// The command line in-process, with runners that fail if called: usage errors, help and
// completion need no node at all.
import { runCli } from '../../cni/ctl/program';
import { ctxFactory } from '../../cni/ctl/make-ctx';

function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { env: {}, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
  const never = () => {
    throw new Error('no command may run here');
  };
  return runCli(argv, io, ctxFactory(io, never, never)).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

describe('twillctl command line', () => {
  test('exit 2 for usage errors, 0 for help and version', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
    expect((await cli(['ls', '--bogus'])).code).toBe(2);
    expect((await cli(['inspect'])).code).toBe(2);
    expect((await cli(['add', 'net'])).code).toBe(2);
    expect((await cli(['completion', 'zsh'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['status', 'ls', 'inspect', 'ipam', 'gc', 'peers', 'doctor', 'add', 'check', 'del', 'completion']) expect(help.out).toContain(`  ${c}`);
    expect(Math.max(...help.out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect((await cli(['gc', '--help'])).out).toContain('--yes');
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  test('completion bash lists commands and each command options', async () => {
    const { code, out } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(out).toContain('complete -F _twillctl twillctl');
    expect(out).toMatch(/add\) opts="--ports --ip --pod --args --ifname --container-id --help --json --conf-dir/);
    expect(out).toMatch(/gc\) opts="--network --yes --help/);
  });
});
