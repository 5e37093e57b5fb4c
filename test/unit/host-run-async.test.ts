// The host seam's runners: the async one the agent will use (argv, stdin, one error type,
// timeout), the sync one the plugin uses, and how the plugin's edge maps their errors to CNI codes.
import { CniError, ErrorCode } from '../../cni/core/errors';
import { CommandError } from '../../cni/host/errors';
import { createAsyncRunner } from '../../cni/host/run-async';
import { createRunner } from '../../cni/host/run';
import { cniErrorOf, withCniErrors } from '../../cni/plugin/host-errors';

const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const run = createAsyncRunner(ENV);

async function rejection(p: Promise<unknown>): Promise<CommandError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CommandError);
    return err as CommandError;
  }
  throw new Error('expected a CommandError, the command succeeded');
}

describe('createAsyncRunner', () => {
  it('runs argv without a shell and feeds stdin', async () => {
    expect(await run(['echo', '$HOME', '*', 'a;b'])).toEqual({ stdout: '$HOME * a;b\n', stderr: '' });
    expect((await run(['cat'], { input: 'line 1\nline 2\n' })).stdout).toBe('line 1\nline 2\n');
  });

  it('passes extra variables on top of its environment', async () => {
    const { stdout } = await run(['sh', '-c', 'echo "$PATH $EXTRA"'], { env: { EXTRA: 'x' } });
    expect(stdout).toBe(`${ENV.PATH} x\n`);
  });

  it('keeps a large output whole, multi-byte characters across chunk borders included', async () => {
    const text = 'ü✓'.repeat(100_000);
    expect((await run(['cat'], { input: text })).stdout).toBe(text);
  });

  it('rejects a failed command with argv, exit code, stdout and stderr', async () => {
    const err = await rejection(run(['sh', '-c', 'echo out; echo "bad thing" >&2; exit 3']));
    expect(err).toMatchObject({ argv: ['sh', '-c', 'echo out; echo "bad thing" >&2; exit 3'], exitCode: 3, signal: null, stdout: 'out\n', stderr: 'bad thing\n', timedOut: false });
    expect(err.message).toBe('sh failed: bad thing');
    expect(err.details).toBe('sh -c echo out; echo "bad thing" >&2; exit 3 (exit 3): bad thing');
    expect(err).not.toBeInstanceOf(CniError);
  });

  it('rejects a program that does not exist as "command not found"', async () => {
    const err = await rejection(run(['twill-no-such-program']));
    expect(err).toMatchObject({ exitCode: null, stderr: 'twill-no-such-program: command not found' });
  });

  it('kills a command that outlives its timeout', async () => {
    const started = Date.now();
    const err = await rejection(run(['sleep', '10'], { timeoutMs: 100 }));
    expect(err).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(err.message).toBe('sleep failed: timed out');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not fail when the command exits without reading its input', async () => {
    expect((await run(['true'], { input: 'x'.repeat(1 << 20) })).stdout).toBe('');
  });

  it('runs many commands at once', async () => {
    const outs = await Promise.all(Array.from({ length: 50 }, (_, i) => run(['echo', String(i)])));
    expect(outs.map((o) => o.stdout)).toEqual(Array.from({ length: 50 }, (_, i) => `${i}\n`));
  });
});

describe('createRunner (sync) raises the same error type', () => {
  it('with argv, exit code and stderr', () => {
    const runSync = createRunner(ENV);
    expect(runSync(['cat'], { input: 'x' }).stdout).toBe('x');
    let caught: unknown;
    try {
      runSync(['sh', '-c', 'echo nope >&2; exit 2']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CommandError);
    expect(caught).toMatchObject({ exitCode: 2, stderr: 'nope\n', message: 'sh failed: nope' });
  });
});

describe("the plugin's edge", () => {
  it('maps a CommandError to code 102 with its details, and leaves other errors alone', () => {
    const err = new CommandError({ argv: ['ip', 'link', 'add'], exitCode: 2, stderr: 'RTNETLINK answers: File exists\n' });
    expect(cniErrorOf(err)).toEqual(new CniError(ErrorCode.hostSetup, 'ip failed: RTNETLINK answers: File exists', 'ip link add (exit 2): RTNETLINK answers: File exists'));
    expect((cniErrorOf(err) as CniError).code).toBe(102);
    const other = new CniError(ErrorCode.invalidConfig, 'bridge: bad');
    expect(cniErrorOf(other)).toBe(other);
    const verb = withCniErrors(() => {
      throw err;
    });
    expect(() => verb()).toThrow(CniError);
  });
});
