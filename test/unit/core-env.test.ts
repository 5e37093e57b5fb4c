import { loadEnv, validateContainerId, validateIfname, type Command } from '../../cni/core/env';
import { ErrorCode } from '../../cni/core/errors';
import { failure } from '../helpers/failure';

const FULL = {
  CNI_CONTAINERID: 'abc123',
  CNI_NETNS: '/var/run/netns/pod1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
} as const;

type Var = keyof typeof FULL;

function envFor(command: string, overrides: Partial<Record<Var | 'CNI_ARGS', string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CNI_COMMAND: command, ...FULL };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const REQUIRED: Record<Command, Var[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  VERSION: [],
  STATUS: ['CNI_PATH'],
  GC: ['CNI_PATH'],
};
const ALL_VARS = Object.keys(FULL) as Var[];

describe('loadEnv: required variables per verb', () => {
  const missingCases = Object.entries(REQUIRED).flatMap(([cmd, vars]) => vars.map((v) => [cmd, v] as const));

  test.each(missingCases)('%s without %s is code 4 naming the variable', (cmd, variable) => {
    for (const absent of [undefined, '']) {
      const err = failure(() => loadEnv(envFor(cmd, { [variable]: absent })));
      expect(err.code).toBe(ErrorCode.invalidEnvironment);
      expect(err.message).toBe(`${variable}: required but not set`);
      expect(err.details).toContain(cmd);
    }
  });

  const optionalCases = Object.entries(REQUIRED).flatMap(([cmd, vars]) =>
    ALL_VARS.filter((v) => !vars.includes(v)).map((v) => [cmd, v] as const),
  );

  test.each(optionalCases)('%s accepts a missing %s', (cmd, variable) => {
    expect(() => loadEnv(envFor(cmd, { [variable]: undefined }))).not.toThrow();
  });

  test.each(Object.keys(REQUIRED))('%s with only its required variables succeeds', (cmd) => {
    const env: NodeJS.ProcessEnv = { CNI_COMMAND: cmd };
    for (const v of REQUIRED[cmd as Command]) env[v] = FULL[v];
    expect(loadEnv(env).command).toBe(cmd);
  });

  test('DEL accepts an empty CNI_NETNS', () => {
    const env = loadEnv(envFor('DEL', { CNI_NETNS: '' }));
    expect(env.netns).toBe('');
    expect(env.containerId).toBe('abc123');
  });

  test('DEL still rejects a relative CNI_NETNS when one is given', () => {
    const err = failure(() => loadEnv(envFor('DEL', { CNI_NETNS: 'netns/pod1' })));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toMatch(/^CNI_NETNS: /);
  });

  test.each(['ADD', 'CHECK'])('%s rejects a relative CNI_NETNS', (cmd) => {
    const err = failure(() => loadEnv(envFor(cmd, { CNI_NETNS: 'pod1' })));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toBe('CNI_NETNS: "pod1" is not an absolute path');
  });

  test('VERSION needs nothing at all', () => {
    expect(loadEnv({ CNI_COMMAND: 'VERSION' })).toEqual({ command: 'VERSION', containerId: '', netns: '', ifname: '', args: '', path: [] });
  });

  test('STATUS and GC ignore invalid container IDs and interface names they do not need', () => {
    for (const cmd of ['STATUS', 'GC']) {
      expect(() => loadEnv(envFor(cmd, { CNI_CONTAINERID: '-bad', CNI_IFNAME: 'a/b', CNI_NETNS: 'relative' }))).not.toThrow();
    }
  });
});

describe('loadEnv: CNI_COMMAND', () => {
  test.each([
    [undefined, 'CNI_COMMAND: required but not set'],
    ['', 'CNI_COMMAND: required but not set'],
    ['add', 'CNI_COMMAND: unknown command "add"'],
    ['DELETE', 'CNI_COMMAND: unknown command "DELETE"'],
  ])('%p is code 4: %s', (command, message) => {
    const env = envFor('ADD');
    if (command === undefined) delete env.CNI_COMMAND;
    else env.CNI_COMMAND = command;
    const err = failure(() => loadEnv(env));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toBe(message);
    expect(err.details).toContain('ADD, DEL, CHECK, VERSION, STATUS, GC');
  });
});

describe('loadEnv: parsed values', () => {
  test('returns every variable, CNI_PATH split on ":" with empty entries dropped', () => {
    const env = loadEnv(envFor('ADD', { CNI_PATH: '/opt/cni/bin::/usr/lib/cni:', CNI_ARGS: 'IgnoreUnknown=1' }));
    expect(env).toEqual({
      command: 'ADD',
      containerId: 'abc123',
      netns: '/var/run/netns/pod1',
      ifname: 'eth0',
      args: 'IgnoreUnknown=1',
      path: ['/opt/cni/bin', '/usr/lib/cni'],
    });
  });

  test('CNI_ARGS defaults to the empty string', () => {
    expect(loadEnv(envFor('ADD')).args).toBe('');
  });
});

describe('interface name rules', () => {
  test.each([
    ['eth0'],
    ['a'],
    ['net1.100'],
    ['veth-pod_1'],
    ['x'.repeat(15)],
  ])('accepts %j', (name) => {
    expect(validateIfname(name)).toBeUndefined();
    expect(loadEnv(envFor('ADD', { CNI_IFNAME: name })).ifname).toBe(name);
  });

  // The kernel takes these, and DEL does (what it never created it finds nothing of); ADD and
  // CHECK write the name into `ip -batch` scripts, so they take only what those read literally.
  test.each([
    ['é'.repeat(7)], // 14 bytes
    ['...'],
    ['eth0#'],
    ['"eth1"'],
    ["'eth1'"],
    ['eth\\1'],
    ['eth;1'],
    ['-eth1'],
    ['eth*'],
    ['eth+'],
    ['eth\uFFFD'],
  ])('%j: the kernel allows it, DEL takes it, ADD and CHECK refuse it with code 4', (name) => {
    expect(validateIfname(name)).toBeUndefined();
    expect(loadEnv(envFor('DEL', { CNI_IFNAME: name })).ifname).toBe(name);
    for (const verb of ['ADD', 'CHECK']) {
      const err = failure(() => loadEnv(envFor(verb, { CNI_IFNAME: name })));
      expect(err.code).toBe(ErrorCode.invalidEnvironment);
      expect(err.message).toMatch(/^CNI_IFNAME: .*(may hold only letters|not UTF-8)/);
    }
  });

  test.each([
    ['x'.repeat(16), 'longer than 15 bytes'],
    ['é'.repeat(8), 'longer than 15 bytes'], // 8 characters, 16 bytes
    ['.', 'not a valid interface name'],
    ['..', 'not a valid interface name'],
    ['eth/0', 'contains "/", ":" or whitespace'],
    ['eth:0', 'contains "/", ":" or whitespace'],
    ['eth 0', 'contains "/", ":" or whitespace'],
    ['eth\t0', 'contains "/", ":" or whitespace'],
    ['eth0\n', 'contains "/", ":" or whitespace'],
  ])('rejects %j (%s) with code 4 on CNI_IFNAME', (name, problem) => {
    expect(validateIfname(name)).toContain(problem);
    const err = failure(() => loadEnv(envFor('ADD', { CNI_IFNAME: name })));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toMatch(/^CNI_IFNAME: /);
    expect(err.message).toContain(problem);
  });

  test('empty name is reported as empty', () => {
    expect(validateIfname('')).toBe('is empty');
  });

  test.each(['ADD', 'CHECK', 'DEL'])('%s validates the interface name', (cmd) => {
    expect(failure(() => loadEnv(envFor(cmd, { CNI_IFNAME: 'bad/name' }))).message).toMatch(/^CNI_IFNAME: /);
  });
});

describe('container ID rules', () => {
  test.each([
    ['abc123'],
    ['A'],
    ['0'],
    ['a.b-c_d'],
    ['f'.repeat(64)],
    ['x'.repeat(200)],
  ])('accepts %#: %j', (id) => {
    expect(validateContainerId(id)).toBeUndefined();
    expect(loadEnv(envFor('ADD', { CNI_CONTAINERID: id })).containerId).toBe(id);
  });

  test.each([
    ['-abc'],
    ['.abc'],
    ['_abc'],
    ['abc/def'],
    ['abc:def'],
    ['abc def'],
    ['abc\n'],
    ['abc$'],
    ['ä'],
    ['x'.repeat(201)],
  ])('rejects %#: %j with code 4 on CNI_CONTAINERID', (id) => {
    expect(validateContainerId(id)).toBeDefined();
    const err = failure(() => loadEnv(envFor('DEL', { CNI_CONTAINERID: id })));
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toMatch(/^CNI_CONTAINERID: /);
  });
});
