import { loadTwillConfig } from '../../cni/plugin/config';
import { rangeSubnets, readinessProblem, type ReadinessInput } from '../../cni/plugin/readiness';

const PATH = '/run/twill/ready-twill.json';
const file = (doc: unknown) => ({ text: typeof doc === 'string' ? doc : JSON.stringify(doc) });
const ready = { network: 'twill', subnets: ['10.244.3.0/24'], mtu: 1450 };

function problem(o: Partial<ReadinessInput>): string | undefined {
  return readinessProblem({ network: 'twill', path: PATH, read: file(ready), rangeSubnets: ['10.244.3.0/24'], ...o });
}

const notSetUp = (why: string) => `network twill is not ready: twilld has not set up this node yet (${PATH} ${why})`;

describe('readinessProblem', () => {
  test.each([
    ['the file names the same subnet', {}],
    ['the same subnets in another order and spelling', { read: file({ ...ready, subnets: ['fd00::/64', '10.244.3.7/24'] }), rangeSubnets: ['10.244.3.0/24', 'fd00:0::/64'] }],
    ['fields the plugin does not use may change or be added', { read: file({ ...ready, mtu: 9000, agentVersion: '0.2.0', extra: true }) }],
  ])('ready: %s', (_, o) => {
    expect(problem(o)).toBeUndefined();
  });

  test.each([
    ['missing', { read: { error: 'ENOENT' } }, notSetUp('missing')],
    ['unreadable', { read: { error: 'EACCES' } }, notSetUp('unreadable: EACCES')],
    ['a directory', { read: { error: 'EISDIR' } }, notSetUp('unreadable: EISDIR')],
    ['empty (a half-written file from a non-atomic writer)', { read: file('') }, notSetUp('garbled: not JSON')],
    ['truncated JSON', { read: file('{"network":"twill","sub') }, notSetUp('garbled: not JSON')],
    ['a JSON array', { read: file([ready]) }, notSetUp('garbled: not a JSON object')],
    ['null', { read: file('null') }, notSetUp('garbled: not a JSON object')],
    ['another network', { read: file({ ...ready, network: 'blue' }) }, notSetUp('garbled: written for network "blue"')],
    ['no network', { read: file({ subnets: ready.subnets }) }, notSetUp('garbled: written for network undefined')],
    ['no subnets', { read: file({ network: 'twill', mtu: 1450 }) }, notSetUp('garbled: subnets: not a list of CIDRs')],
    ['empty subnets', { read: file({ ...ready, subnets: [] }) }, notSetUp('garbled: subnets: not a list of CIDRs')],
    ['a subnet that is no CIDR', { read: file({ ...ready, subnets: ['10.244.3.0'] }) }, notSetUp('garbled: subnets: not a list of CIDRs')],
  ])('not ready: %s', (_, o, msg) => {
    expect(problem(o as Partial<ReadinessInput>)).toBe(msg);
  });

  test.each([
    ['another subnet', ['10.244.9.0/24'], ['10.244.3.0/24']],
    ['one family missing from the file', ['10.244.3.0/24'], ['10.244.3.0/24', 'fd00::/64']],
    ['one family more in the file', ['10.244.3.0/24', 'fd00::/64'], ['10.244.3.0/24']],
    ['another prefix length', ['10.244.3.0/25'], ['10.244.3.0/24']],
  ])('not ready: %s; the message names both', (_, inFile, inConf) => {
    const msg = problem({ read: file({ ...ready, subnets: inFile }), rangeSubnets: inConf });
    expect(msg).toBe(`network twill is not ready: twilld set this node up for ${inFile.join(', ')} (${PATH}) but ipam.ranges holds ${inConf.join(', ')}`);
  });

  test('a configuration without ranges is never ready', () => {
    expect(problem({ rangeSubnets: [] })).toMatch(/but ipam.ranges holds no subnet$/);
  });
});

describe('rangeSubnets', () => {
  test.each([
    [{ type: 'twill-ipam', ranges: [[{ subnet: '10.1.0.0/24' }, { subnet: '10.2.0.0/24' }], [{ subnet: 'fd00::/64' }]] }, ['10.1.0.0/24', '10.2.0.0/24', 'fd00::/64']],
    [{ type: 'host-local', subnet: '10.3.0.0/24' }, ['10.3.0.0/24']],
    [{ type: 'twill-ipam', ranges: [[{ subnet: '10.1.0.0/24' }]], subnet: '10.3.0.0/24' }, ['10.1.0.0/24']],
    [{ type: 'dhcp' }, []],
    [undefined, []],
    [{ ranges: 'nonsense' }, []],
  ])('%j → %j', (ipam, want) => {
    expect(rangeSubnets(ipam)).toEqual(want);
  });
});

describe('the readiness key in the plugin config', () => {
  const conf = (readiness: unknown) => ({ cniVersion: '1.1.0', name: 'twill', type: 'twill', ipam: { type: 'twill-ipam' }, ...(readiness === undefined ? {} : { readiness }) });

  test('absent: no gate', () => {
    expect(loadTwillConfig(conf(undefined), {}).readiness).toBeUndefined();
  });

  test('an absolute path is taken as it is', () => {
    expect(loadTwillConfig(conf(PATH), {}).readiness).toBe(PATH);
  });

  test.each([
    ['relative', 'ready.json', 'readiness: "ready.json" must be an absolute path'],
    ['NUL', '/run/twill/\0', 'readiness: "/run/twill/\\u0000" holds NUL or bytes that are not UTF-8'],
    ['empty', '', 'readiness: must NOT have fewer than 1 characters'],
    ['not a string', 5, 'readiness: must be string'],
  ])('%s: code 7 naming the field', (_, value, msg) => {
    expect(() => loadTwillConfig(conf(value), {})).toThrow(expect.objectContaining({ code: 7, message: msg }));
  });
});
