import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch, type Context, type Plugin } from '../../cni/core/dispatch';
import { CniError, DelegatedError, ErrorCode } from '../../cni/core/errors';
import type { Io } from '../../cni/core/io';
import type { Result } from '../../cni/core/result';
import { LATEST_VERSION, SUPPORTED_VERSIONS } from '../../cni/core/versions';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed (it must be exactly one JSON document followed by a newline, or empty). */
  json: any;
  calls: Array<{ verb: keyof Plugin; ctx: Context }>;
}

const RESULT: Result = {
  interfaces: [{ name: 'eth0', mac: '0a:58:0a:16:00:05', mtu: 1450, sandbox: '/var/run/netns/pod1' }],
  ips: [{ address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.22.0.1', priority: 10 }],
};

type Behaviour = Partial<Record<keyof Plugin, (ctx: Context) => unknown>>;

function fakePlugin(calls: Run['calls'], behaviour: Behaviour): Plugin {
  const verb = (name: keyof Plugin) => async (ctx: Context): Promise<any> => {
    calls.push({ verb: name, ctx });
    const fn = behaviour[name];
    if (fn) return fn(ctx);
    return name === 'add' ? RESULT : undefined;
  };
  return { add: verb('add'), del: verb('del'), check: verb('check'), status: verb('status'), gc: verb('gc') };
}

const BASE_ENV = {
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/var/run/netns/pod1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
};

function conf(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: version, name: 'testnet', type: 'fake', ...extra };
}

async function run(
  command: string | undefined,
  stdin: unknown,
  behaviour: Behaviour = {},
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const calls: Run['calls'] = [];
  const fullEnv: NodeJS.ProcessEnv = { ...BASE_ENV, CNI_COMMAND: command };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  if (command === undefined) delete fullEnv.CNI_COMMAND;
  const io: Io = {
    env: fullEnv,
    stdin: typeof stdin === 'string' ? stdin : JSON.stringify(stdin),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  const code = await dispatch(fakePlugin(calls, behaviour), io);
  let json: any;
  if (stdout !== '') {
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.indexOf('\n')).toBe(stdout.length - 1);
    json = JSON.parse(stdout);
  }
  return { code, stdout, stderr, json, calls };
}

function expectError(r: Run, version: string, code: number, msg?: string | RegExp): void {
  expect(r.code).toBe(1);
  expect(Object.keys(r.json).sort()).toEqual(expect.arrayContaining(['cniVersion', 'code', 'msg']));
  for (const k of Object.keys(r.json)) expect(['cniVersion', 'code', 'msg', 'details']).toContain(k);
  expect(r.json.cniVersion).toBe(version);
  expect(r.json.code).toBe(code);
  expect(typeof r.json.msg).toBe('string');
  if (typeof msg === 'string') expect(r.json.msg).toBe(msg);
  else if (msg) expect(r.json.msg).toMatch(msg);
  if ('details' in r.json) expect(typeof r.json.details).toBe('string');
}

describe('VERSION', () => {
  const reply = { cniVersion: LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] };

  test.each([
    ['with a config on stdin', conf('0.4.0')],
    ['with empty stdin', ''],
    ['with garbage on stdin', '{not json'],
  ])('replies with the supported versions %s', async (_label, stdin) => {
    const r = await run('VERSION', stdin, {}, { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined, CNI_PATH: undefined });
    expect(r.code).toBe(0);
    expect(r.json).toEqual(reply);
    expect(r.calls).toEqual([]);
  });
});

describe('ADD', () => {
  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('prints the result in the requested version %s', async (v) => {
    const r = await run('ADD', conf(v));
    expect(r.code).toBe(0);
    expect(r.json.cniVersion).toBe(v);
    const pre10 = ['0.3.0', '0.3.1', '0.4.0'].includes(v);
    const pre11 = v !== '1.1.0';
    expect(r.json.ips).toEqual([{ ...(pre10 ? { version: '4' } : {}), address: '10.22.0.5/24', gateway: '10.22.0.1', interface: 0 }]);
    expect(r.json.interfaces[0].mtu).toBe(pre11 ? undefined : 1450);
    expect(r.json.routes[0].priority).toBe(pre11 ? undefined : 10);
    expect(r.json.dns).toEqual({});
  });

  test('prints the result in the version negotiated from cniVersions', async () => {
    const r = await run('ADD', { name: 'testnet', type: 'fake', cniVersions: ['0.4.0', '1.0.0', '9.0.0'] });
    expect(r.code).toBe(0);
    expect(r.json.cniVersion).toBe('1.0.0');
    expect(r.calls[0].ctx.version).toBe('1.0.0');
  });

  test('hands the plugin the parsed env, conf and version', async () => {
    const stdin = conf('1.0.0', { ipam: { type: 'twill-ipam' } });
    const r = await run('ADD', stdin, {}, { CNI_ARGS: 'IgnoreUnknown=1' });
    expect(r.calls).toHaveLength(1);
    const { verb, ctx } = r.calls[0];
    expect(verb).toBe('add');
    expect(ctx.version).toBe('1.0.0');
    expect(ctx.conf).toEqual(stdin);
    expect(ctx.env).toEqual({ command: 'ADD', containerId: 'ctr1', netns: '/var/run/netns/pod1', ifname: 'eth0', args: 'IgnoreUnknown=1', path: ['/opt/cni/bin'] });
  });

  test('plugin logs never reach stdout', async () => {
    const r = await run('ADD', conf('1.1.0'), {
      add: (ctx) => {
        ctx.log.error('an error line');
        ctx.log.warn('a warning line');
        ctx.log.info('an info line');
        ctx.log.debug('a debug line');
        return RESULT;
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/line/);
    expect(r.stderr).toContain('an error line');
    expect(r.stderr).toContain('a warning line');
    expect(r.stderr).not.toContain('an info line');
    expect(r.stderr).toContain('ADD testnet ctr1/eth0');
  });

  test('logFile receives lines at or above logLevel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twill-unit-log-'));
    try {
      const logFile = join(dir, 'twill.log');
      const r = await run('ADD', conf('1.1.0', { logFile, logLevel: 'debug' }), {
        add: (ctx) => {
          ctx.log.info('info for the file');
          ctx.log.debug('debug for the file');
          return RESULT;
        },
      });
      expect(r.code).toBe(0);
      const text = readFileSync(logFile, 'utf8');
      expect(text).toContain('info for the file');
      expect(text).toContain('debug for the file');
      expect(r.stdout).not.toContain('for the file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verbs without output', () => {
  test.each([
    ['DEL', 'del', '0.3.0'],
    ['DEL', 'del', '1.1.0'],
    ['CHECK', 'check', '0.4.0'],
    ['CHECK', 'check', '1.0.0'],
    ['STATUS', 'status', '1.1.0'],
    ['GC', 'gc', '1.1.0'],
  ] as const)('%s at %s calls plugin.%s and prints nothing', async (command, verb, version) => {
    const r = await run(command, conf(version));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.calls.map((c) => c.verb)).toEqual([verb]);
  });

  test('DEL works with an empty CNI_NETNS', async () => {
    const r = await run('DEL', conf('1.0.0'), {}, { CNI_NETNS: '' });
    expect(r.code).toBe(0);
    expect(r.calls[0].ctx.env.netns).toBe('');
  });
});

describe('verbs gated by version', () => {
  test.each([
    ['CHECK', '0.3.0', '0.4.0'],
    ['CHECK', '0.3.1', '0.4.0'],
    ['STATUS', '0.3.1', '1.1.0'],
    ['STATUS', '0.4.0', '1.1.0'],
    ['STATUS', '1.0.0', '1.1.0'],
    ['GC', '0.4.0', '1.1.0'],
    ['GC', '1.0.0', '1.1.0'],
  ])('%s at %s is code 1 and never reaches the plugin', async (command, version, since) => {
    const r = await run(command, conf(version));
    expectError(r, version, ErrorCode.incompatibleVersion, `${command} is not defined for cniVersion ${version}`);
    expect(r.json.details).toBe(`${command} needs ${since} or newer`);
    expect(r.calls).toEqual([]);
  });
});

describe('errors', () => {
  test('a plugin CniError is printed with its code, msg and details', async () => {
    const r = await run('ADD', conf('0.4.0'), {
      add: () => {
        throw new CniError(ErrorCode.rangeExhausted, 'no free address', 'widen the range');
      },
    });
    expect(r.json).toEqual({ cniVersion: '0.4.0', code: 100, msg: 'no free address', details: 'widen the range' });
    expect(r.code).toBe(1);
  });

  test('details is left out when the error has none', async () => {
    const r = await run('DEL', conf('1.0.0'), {
      del: () => {
        throw new CniError(ErrorCode.tryAgainLater, 'busy');
      },
    });
    expect(r.json).toEqual({ cniVersion: '1.0.0', code: 11, msg: 'busy' });
  });

  test('an unexpected exception is code 999', async () => {
    const r = await run('CHECK', conf('1.0.0'), {
      check: () => {
        throw new TypeError('x is undefined');
      },
    });
    expectError(r, '1.0.0', ErrorCode.internal, 'x is undefined');
  });

  test('an errno exception is code 5', async () => {
    const r = await run('GC', conf('1.1.0'), {
      gc: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open', path: '/var/lib/x' });
      },
    });
    expectError(r, '1.1.0', ErrorCode.io, 'open /var/lib/x: EACCES');
  });

  test('a delegated plugin error is passed through unchanged', async () => {
    const raw = { cniVersion: '0.4.0', code: 7, msg: 'delegate says no', details: 'd', extra: true };
    const r = await run('ADD', conf('1.0.0'), {
      add: () => {
        throw new DelegatedError(raw);
      },
    });
    expect(r.code).toBe(1);
    expect(r.json).toEqual(raw);
  });

  test.each([
    ['missing CNI_CONTAINERID', { CNI_CONTAINERID: undefined }, 'CNI_CONTAINERID: required but not set'],
    ['missing CNI_IFNAME', { CNI_IFNAME: undefined }, 'CNI_IFNAME: required but not set'],
    ['bad CNI_IFNAME', { CNI_IFNAME: 'a/b' }, /^CNI_IFNAME: /],
    ['missing CNI_COMMAND', { CNI_COMMAND: undefined }, 'CNI_COMMAND: required but not set'],
    ['unknown CNI_COMMAND', { CNI_COMMAND: 'UP' }, 'CNI_COMMAND: unknown command "UP"'],
  ])('%s is code 4 in the requested version', async (_label, env, msg) => {
    for (const v of SUPPORTED_VERSIONS) {
      const r = await run('ADD', conf(v), {}, env);
      expectError(r, v, ErrorCode.invalidEnvironment, msg);
      expect(r.calls).toEqual([]);
    }
  });

  test('an early error follows the top-level cniVersion, not a nested one', async () => {
    const stdin = `{"prevResult":{"cniVersion":"0.4.0","ips":[]},"cniVersion":"1.0.0","name":"testnet","type":"fake"}`;
    const r = await run('ADD', stdin, {}, { CNI_IFNAME: undefined });
    expectError(r, '1.0.0', ErrorCode.invalidEnvironment, 'CNI_IFNAME: required but not set');
  });

  test('an early error with undecodable stdin still follows a cniVersion found in it', async () => {
    const r = await run('ADD', '{"cniVersion": "0.3.1", "name": ', {}, { CNI_IFNAME: undefined });
    expectError(r, '0.3.1', ErrorCode.invalidEnvironment);
  });

  test.each([
    ['{"cniVersion":"0.4.0",', '0.4.0'],
    ['', LATEST_VERSION],
    ['[]', LATEST_VERSION],
  ])('undecodable stdin %j is code 6 in version %s', async (stdin, version) => {
    const r = await run('ADD', stdin);
    expectError(r, version, ErrorCode.decode);
  });

  test('an unsupported cniVersion is code 1, reported in the latest version', async () => {
    const r = await run('ADD', conf('0.2.0'));
    expectError(r, LATEST_VERSION, ErrorCode.incompatibleVersion, 'cniVersion: "0.2.0" is not supported');
  });

  test('a missing cniVersion is code 7', async () => {
    const r = await run('DEL', { name: 'testnet', type: 'fake' });
    expectError(r, LATEST_VERSION, ErrorCode.invalidConfig, 'cniVersion: required but missing');
  });

  test('a bad network name is code 7 in the requested version', async () => {
    const r = await run('ADD', conf('0.3.1', { name: 'bad name' }));
    expectError(r, '0.3.1', ErrorCode.invalidConfig, /^name: /);
    expect(r.calls).toEqual([]);
  });

  test('an error after the plugin wrote to stderr leaves stdout with the error alone', async () => {
    const r = await run('ADD', conf('1.1.0'), {
      add: (ctx) => {
        ctx.log.error('about to fail');
        throw new CniError(ErrorCode.hostSetup, 'ip link add failed');
      },
    });
    expect(r.stdout).toBe(JSON.stringify({ cniVersion: '1.1.0', code: 102, msg: 'ip link add failed' }) + '\n');
    expect(r.stderr).toContain('about to fail');
  });
});
