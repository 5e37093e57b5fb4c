import type { NetConf } from '../../cni/core/config';
import { CniError, ErrorCode } from '../../cni/core/errors';
import { validAttachments } from '../../ipam/index';

const base: NetConf = { cniVersion: '1.1.0', name: 'n', type: 'twill-ipam' };

describe('validAttachments (GC input)', () => {
  it('reads cni.dev/valid-attachments, and the older cni.dev/attachments', () => {
    const list = [{ containerID: 'c1', ifname: 'eth0' }];
    expect(validAttachments({ ...base, 'cni.dev/valid-attachments': list })).toEqual([{ containerId: 'c1', ifname: 'eth0' }]);
    expect(validAttachments({ ...base, 'cni.dev/attachments': list })).toEqual([{ containerId: 'c1', ifname: 'eth0' }]);
  });

  it('takes null as an empty list (Go marshals an empty slice so)', () => {
    expect(validAttachments({ ...base, 'cni.dev/valid-attachments': null })).toEqual([]);
  });

  it('refuses a missing list with code 7 instead of releasing every attachment', () => {
    let err: unknown;
    try {
      validAttachments(base);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(ErrorCode.invalidConfig);
    expect((err as CniError).message).toMatch(/cni\.dev\/valid-attachments/);
  });

  it('names a malformed entry', () => {
    expect(() => validAttachments({ ...base, 'cni.dev/valid-attachments': [{ containerID: 1 }] })).toThrow(/\[0\]/);
  });
});
