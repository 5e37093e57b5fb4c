// The command line in-process, with runners that fail if called: usage errors, help and
// completion need no node at all.
import { runCli } from '../../cni/ctl/program';
import { ctxFactory } from '../../cni/ctl/make-ctx';
import { PATH_OPTIONS } from '../../cni/ctl/path-options';
import { FLAGS } from '../../daemonset/config/flags';
import type { Ctx } from '../../cni/ctl/context';

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
    expect(await cli(['ipam', '--min-age', 'soon'])).toMatchObject({ code: 2, err: expect.stringContaining('--min-age: not a number of seconds') });
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
    expect(out).toMatch(/add\) opts="--ports --ip --pod --args --ifname --container-id --help --json --cni-conf-dir --cni-bin-dir --run-dir --ipam-data-dir"/);
    expect(out).toMatch(/gc\) opts="--network --min-age --yes --help/);
    expect(out).toMatch(/ls\) opts="--network --wide --help/);
    expect(out).not.toMatch(/--conf-dir|--bin-dir|--ipam-dir/); // the old spellings work but are not offered
  });

  test('the path options are spelled as twilld spells them; the old spellings are hidden aliases', async () => {
    for (const o of PATH_OPTIONS) expect(Object.keys(FLAGS)).toContain(o.flag);
    const help = (await cli(['--help'])).out;
    expect(help).toMatch(/--cni-conf-dir <dir>\s+CNI config directory \(default:\s+\/etc\/cni\/net\.d\)/);
    expect(help).not.toMatch(/--conf-dir|--bin-dir|--ipam-dir/);

    const paths = async (argv: string[]) => {
      const seen: Ctx[] = [];
      const io = { env: {}, stdout: () => undefined, stderr: () => undefined };
      const empty = { stdout: '', stderr: '', code: 0 };
      const base = ctxFactory(io, () => empty, async () => empty);
      const code = await runCli(argv.includes('peers') ? argv : [...argv, 'peers'], io, (o) => {
        const ctx = base(o);
        seen.push(ctx);
        return ctx;
      });
      return { code, paths: seen[seen.length - 1].paths };
    };
    expect(await paths([])).toEqual({ code: 0, paths: { confDir: '/etc/cni/net.d', binDir: '/opt/cni/bin', runDir: '/run/twill' } });
    const twilld = ['--cni-conf-dir', '/c', '--cni-bin-dir', '/b', '--run-dir', '/r', '--ipam-data-dir', '/i'];
    expect(await paths(twilld)).toEqual({ code: 0, paths: { confDir: '/c', binDir: '/b', runDir: '/r', ipamDir: '/i' } });
    expect((await paths(['--conf-dir', '/c', '--bin-dir', '/b', '--ipam-dir', '/i'])).paths).toEqual({ confDir: '/c', binDir: '/b', runDir: '/run/twill', ipamDir: '/i' });
    expect((await paths(['--conf-dir', '/old', '--cni-conf-dir', '/new'])).paths.confDir).toBe('/new');
    expect((await paths(['peers', '--cni-conf-dir', '/after'])).paths.confDir).toBe('/after'); // after the command too
  });
});
