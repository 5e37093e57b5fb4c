import { parseCniArgs } from '../../cni/core/args';
import { CniError, ErrorCode } from '../../cni/core/errors';

function failure(raw: string): CniError {
  try {
    parseCniArgs(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return err as CniError;
  }
  throw new Error(`parseCniArgs(${JSON.stringify(raw)}) did not throw`);
}

describe('parseCniArgs: well-formed input', () => {
  test.each([
    ['', {}],
    [';', {}],
    [';;', {}],
    ['IP=10.22.0.5', { IP: '10.22.0.5' }],
    ['IP=10.22.0.5;', { IP: '10.22.0.5' }],
    [';IP=10.22.0.5', { IP: '10.22.0.5' }],
    [
      'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=1234-5678',
      { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web-0', K8S_POD_INFRA_CONTAINER_ID: 'abc', K8S_POD_UID: '1234-5678' },
    ],
    ['MAC=0a:58:0a:16:00:05', { MAC: '0a:58:0a:16:00:05' }],
    ['IP=10.22.0.5,fd00::5', { IP: '10.22.0.5,fd00::5' }],
    ['IP=', { IP: '' }],
    ['IP=a=b', { IP: 'a=b' }],
    ['IP=1.1.1.1;IP=2.2.2.2', { IP: '2.2.2.2' }],
  ])('%j → %j', (raw, expected) => {
    expect(parseCniArgs(raw)).toEqual(expected);
  });
});

describe('parseCniArgs: malformed pairs', () => {
  test.each([
    ['IP', 'IP'],
    ['=10.0.0.1', '=10.0.0.1'],
    ['IP=10.0.0.1;junk', 'junk'],
    ['IP=10.0.0.1; ;', ' '],
    ['IgnoreUnknown=1;novalue', 'novalue'],
  ])('%j is code 4 naming the pair %j', (raw, pair) => {
    const err = failure(raw);
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toBe(`CNI_ARGS: "${pair}" is not KEY=VALUE`);
    expect(err.details).toBe(`CNI_ARGS=${raw}`);
  });
});

describe('parseCniArgs: unknown keys and IgnoreUnknown', () => {
  test.each([
    ['FOO=bar', 'FOO'],
    ['IP=10.0.0.1;FOO=bar', 'FOO'],
    ['FOO=1;BAR=2', 'FOO, BAR'],
    ['ip=10.0.0.1', 'ip'],
    ['IgnoreUnknown=0;FOO=bar', 'FOO'],
    ['IgnoreUnknown=false;FOO=bar', 'FOO'],
    ['IgnoreUnknown=;FOO=bar', 'FOO'],
    ['IgnoreUnknown=yes;FOO=bar', 'FOO'],
  ])('%j is code 4 listing %s', (raw, keys) => {
    const err = failure(raw);
    expect(err.code).toBe(ErrorCode.invalidEnvironment);
    expect(err.message).toBe(`CNI_ARGS: unknown key ${keys}`);
    expect(err.details).toContain('IgnoreUnknown=1');
  });

  test.each(['1', 'true', 'TRUE', 'True'])('IgnoreUnknown=%s lets unknown keys through, kept in the result', (value) => {
    expect(parseCniArgs(`IgnoreUnknown=${value};FOO=bar;IP=10.0.0.1`)).toEqual({ IgnoreUnknown: value, FOO: 'bar', IP: '10.0.0.1' });
  });

  test('IgnoreUnknown may come after the unknown key', () => {
    expect(parseCniArgs('FOO=bar;IgnoreUnknown=1')).toEqual({ FOO: 'bar', IgnoreUnknown: '1' });
  });

  test('IgnoreUnknown does not excuse a malformed pair', () => {
    expect(failure('IgnoreUnknown=1;FOO').message).toBe('CNI_ARGS: "FOO" is not KEY=VALUE');
  });

  test('known keys alone need no IgnoreUnknown', () => {
    expect(() => parseCniArgs('K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;K8S_POD_INFRA_CONTAINER_ID=c;K8S_POD_UID=d;IP=e;MAC=f')).not.toThrow();
  });
});
