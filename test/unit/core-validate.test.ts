import { ErrorCode } from '../../cni/core/errors';
import { checkSchema, fieldPath } from '../../cni/core/validate';
import { validateIpam } from '../../cni/generated/ipam';
import type { ValidationError, Validator } from '../../cni/generated/validators';
import { failure } from '../helpers/failure';

describe('fieldPath', () => {
  test.each([
    ['', undefined, '(config)'],
    ['', 'ipam', 'ipam'],
    ['/ipam', undefined, 'ipam'],
    ['/ipam', 'type', 'ipam.type'],
    ['/ipam/ranges/0/1/subnet', undefined, 'ipam.ranges[0][1].subnet'],
    ['/ipam/ranges/0/1', 'subnet', 'ipam.ranges[0][1].subnet'],
    ['/ipam/routes/2', 'dst', 'ipam.routes[2].dst'],
    ['/runtimeConfig/ips/10', undefined, 'runtimeConfig.ips[10]'],
    ['/0', undefined, '[0]'],
    ['/0/name', undefined, '[0].name'],
    ['/a~1b/c~0d', undefined, 'a/b.c~d'],
    ['/a~01', undefined, 'a~1'],
    ['/cni.dev~1attachments/0', 'containerID', 'cni.dev/attachments[0].containerID'],
  ])('(%j, %j) → %j', (pointer, child, expected) => {
    expect(fieldPath(pointer, child)).toBe(expected);
  });
});

function fakeValidator(errors: ValidationError[] | null): Validator {
  const v = ((_: unknown) => errors === null) as Validator;
  v.errors = errors;
  return v;
}

describe('checkSchema with a fake validator', () => {
  test('returns when the data is valid', () => {
    expect(() => checkSchema(fakeValidator(null), {})).not.toThrow();
  });

  test.each([
    [{ instancePath: '/ipam', keyword: 'required', params: { missingProperty: 'type' } }, 'ipam.type: required but missing'],
    [{ instancePath: '', keyword: 'required', params: { missingProperty: 'ipam' } }, 'ipam: required but missing'],
    [{ instancePath: '/logLevel', keyword: 'enum', params: { allowedValues: ['error', 'warn'] }, message: 'must be equal to one of the allowed values' }, 'logLevel: must be one of ["error","warn"]'],
    [{ instancePath: '/ipam/dataDir', keyword: 'type', params: { type: 'string' }, message: 'must be string' }, 'ipam.dataDir: must be string'],
    [{ instancePath: '/ipam/ranges/0/0', keyword: 'custom', params: {} }, 'ipam.ranges[0][0]: custom'],
  ])('%j → %j', (error, msg) => {
    const err = failure(() => checkSchema(fakeValidator([error]), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
    expect(err.details).toBe(msg);
  });

  test('the first problem is the message, all of them the details', () => {
    const err = failure(() =>
      checkSchema(
        fakeValidator([
          { instancePath: '/a', keyword: 'type', params: {}, message: 'must be string' },
          { instancePath: '/b/0', keyword: 'required', params: { missingProperty: 'c' } },
        ]),
        {},
      ),
    );
    expect(err.message).toBe('a: must be string');
    expect(err.details).toBe('a: must be string; b[0].c: required but missing');
  });

  test('a failing validator without errors still throws code 7', () => {
    const err = failure(() => checkSchema(fakeValidator([]), {}));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe('invalid configuration');
  });
});

describe('checkSchema with the generated ipam validator', () => {
  const base = { cniVersion: '1.0.0', name: 'n', type: 'twill-ipam' };

  test('accepts a valid section', () => {
    expect(() => checkSchema(validateIpam, { ...base, ipam: { type: 'twill-ipam', ranges: [[{ subnet: '10.0.0.0/24' }]] } })).not.toThrow();
  });

  test.each([
    [{ ...base }, 'ipam: required but missing'],
    [{ ...base, ipam: {} }, 'ipam.type: required but missing'],
    [{ ...base, ipam: { type: '' } }, 'ipam.type: must NOT have fewer than 1 characters'],
    [{ ...base, ipam: { type: 'x', ranges: [[{ rangeStart: '10.0.0.1' }]] } }, 'ipam.ranges[0][0].subnet: required but missing'],
    [{ ...base, ipam: { type: 'x', ranges: [[{ subnet: 10 }]] } }, 'ipam.ranges[0][0].subnet: must be string'],
    [{ ...base, ipam: { type: 'x', ranges: [{ subnet: '10.0.0.0/24' }] } }, 'ipam.ranges[0]: must be array'],
    [{ ...base, ipam: { type: 'x', routes: [{ dst: '0.0.0.0/0' }, {}] } }, 'ipam.routes[1].dst: required but missing'],
    [{ ...base, ipam: { type: 'x', dataDir: 5 } }, 'ipam.dataDir: must be string'],
    [{ ...base, ipam: { type: 'x' }, runtimeConfig: { ips: [1] } }, 'runtimeConfig.ips[0]: must be string'],
    [{ ...base, ipam: { type: 'x' }, args: { cni: { ips: '10.0.0.1' } } }, 'args.cni.ips: must be array'],
    [{ ...base, ipam: { type: 'x' }, logLevel: 'verbose' }, 'logLevel: must be one of ["error","warn","info","debug"]'],
    [[], '(config): must be object'],
  ])('%j → %j', (data, msg) => {
    const err = failure(() => checkSchema(validateIpam, data));
    expect(err.code).toBe(ErrorCode.invalidConfig);
    expect(err.message).toBe(msg);
  });

  test('reports every problem in details', () => {
    const err = failure(() => checkSchema(validateIpam, { ...base, ipam: { type: 'x', dataDir: 5, resolvConf: 6 } }));
    expect(err.details).toBe('ipam.dataDir: must be string; ipam.resolvConf: must be string');
  });
});
