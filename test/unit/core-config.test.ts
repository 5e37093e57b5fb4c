import { checkCommonFields, decodeConfig, negotiateVersion } from '../../cni/core/config';
import { ErrorCode } from '../../cni/core/errors';
import { LATEST_VERSION, SUPPORTED_VERSIONS } from '../../cni/core/versions';
import { failure } from '../helpers/failure';

describe('decodeConfig', () => {
  test('returns the parsed object', () => {
    expect(decodeConfig('{"cniVersion":"1.0.0","name":"n","type":"twill","ipam":{"type":"twill-ipam"}}')).toEqual({
      cniVersion: '1.0.0',
      name: 'n',
      type: 'twill',
      ipam: { type: 'twill-ipam' },
    });
  });

  test('accepts surrounding whitespace and an empty object', () => {
    expect(decodeConfig('  \n{}\n')).toEqual({});
  });

  test.each([
    ['', 'not valid JSON'],
    ['{', 'not valid JSON'],
    ['{"name": "x",}', 'not valid JSON'],
    ["{'name': 'x'}", 'not valid JSON'],
    ['null', 'must be a JSON object'],
    ['[]', 'must be a JSON object'],
    ['[{"name":"x"}]', 'must be a JSON object'],
    ['"string"', 'must be a JSON object'],
    ['42', 'must be a JSON object'],
    ['true', 'must be a JSON object'],
  ])('%j is code 6 (%s)', (stdin, msg) => {
    const err = failure(() => decodeConfig(stdin));
    expect(err.code).toBe(ErrorCode.decode);
    expect(err.message).toContain(msg);
  });

  test('a JSON syntax error carries the parser message as details', () => {
    expect(failure(() => decodeConfig('{')).details).toBeTruthy();
  });
});

describe('negotiateVersion', () => {
  test.each(SUPPORTED_VERSIONS.map((v) => [v]))('cniVersion %s is spoken as is', (v) => {
    expect(negotiateVersion({ cniVersion: v })).toBe(v);
  });

  test('cniVersion wins over cniVersions', () => {
    expect(negotiateVersion({ cniVersion: '0.4.0', cniVersions: ['1.0.0', '1.1.0'] })).toBe('0.4.0');
  });

  test.each([
    [['0.3.1', '1.0.0'], '1.0.0'],
    [['1.0.0', '0.3.1'], '1.0.0'],
    [['1.1.0', '0.3.0', '1.0.0'], '1.1.0'],
    [['0.4.0', '2.0.0', '0.3.0'], '0.4.0'],
    [['0.2.0', '0.3.1'], '0.3.1'],
    [['9.9.9', 42, '1.0.0', null], '1.0.0'],
    [['1.0.0', '0.10.0'], '1.0.0'],
  ])('cniVersions %j picks the highest supported: %s', (list, expected) => {
    expect(negotiateVersion({ cniVersions: list })).toBe(expected);
  });

  test('cniVersions is not reordered in the caller\'s object', () => {
    const raw = { cniVersions: ['1.0.0', '0.3.1'] };
    negotiateVersion(raw);
    expect(raw.cniVersions).toEqual(['1.0.0', '0.3.1']);
  });

  test('an empty cniVersion falls back to cniVersions', () => {
    expect(negotiateVersion({ cniVersion: '', cniVersions: ['0.4.0'] })).toBe('0.4.0');
  });

  test.each(['0.1.0', '0.2.0', '1.2.0', '2.0.0', '1.0', 'v1.0.0', '1.0.0 ', 'latest'])('unsupported cniVersion %j is code 1', (v) => {
    const err = failure(() => negotiateVersion({ cniVersion: v }));
    expect(err.code).toBe(ErrorCode.incompatibleVersion);
    expect(err.message).toBe(`cniVersion: "${v}" is not supported`);
    expect(err.details).toBe(`supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  });

  test.each([[[]], [['0.2.0', '2.0.0']], [[1, 0]]])('cniVersions %j with nothing supported is code 1', (list) => {
    const err = failure(() => negotiateVersion({ cniVersions: list }));
    expect(err.code).toBe(ErrorCode.incompatibleVersion);
    expect(err.message).toMatch(/^cniVersions: /);
  });

  test.each([[{}], [{ cniVersion: '' }], [{ cniVersions: '1.0.0' }], [{ cniVersion: undefined }]])('missing version %j is code 7', (raw) => {
    const err = failure(() => negotiateVersion(raw));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe('cniVersion: required but missing');
    expect(err.details).toContain(LATEST_VERSION);
  });

  test.each([[1], [1.1], [null], [['1.0.0']], [{}]])('non-string cniVersion %j is code 7', (v) => {
    const err = failure(() => negotiateVersion({ cniVersion: v }));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe('cniVersion: must be a string');
  });
});

describe('checkCommonFields', () => {
  test.each(['mynet', 'a', '0', 'k8s-pod-network', 'net_1.2', 'A'.repeat(200)])('accepts name %j', (name) => {
    expect(() => checkCommonFields({ name, type: 'twill' })).not.toThrow();
  });

  test('type is optional', () => {
    expect(() => checkCommonFields({ name: 'n' })).not.toThrow();
  });

  test.each([
    [{}, 'name: required string missing'],
    [{ name: '' }, 'name: required string missing'],
    [{ name: 42 }, 'name: required string missing'],
    [{ name: null }, 'name: required string missing'],
    [{ name: '-net' }, 'name: "-net" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: '.net' }, 'name: ".net" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: 'my net' }, 'name: "my net" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: 'a/b' }, 'name: "a/b" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: 'a:b' }, 'name: "a:b" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: 'net\n' }, 'name: "net\n" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    [{ name: 'A'.repeat(201) }, 'name: longer than 200 characters'],
    [{ name: 'n', type: 5 }, 'type: must be a string'],
    [{ name: 'n', type: null }, 'type: must be a string'],
  ])('%j is code 7: %s', (raw, msg) => {
    const err = failure(() => checkCommonFields(raw));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
  });
});
