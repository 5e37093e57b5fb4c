// The last guard before a batch script: a word any of ip -batch, nft -f or iptables-restore would
// read as syntax is refused (code 999: a check upstream is missing), never written.
import { ErrorCode } from '../../cni/core/errors';
import { literal, quoted, scriptLine } from '../../cni/host/script-words';
import { failure } from '../helpers/failure';

describe('script words', () => {
  test.each(['twbr0', 'eth0.100', '10.22.0.5/24', 'fd00::1/64', '0a:58:0a:16:00:05', '/run/netns/cni-1a2b', '/proc/123/ns/net', 1500])('%j is written as is', (word) => {
    expect(literal(word)).toBe(String(word));
  });

  test.each(['br0#x', '"br0"', "'br0'", 'br\\0', 'a b', 'a\nb', 'a\0b', 'br0;x', 'eth*', 'ét', '', 'br\uFFFD'])('%j is refused', (word) => {
    expect(failure(() => literal(word)).code).toBe(ErrorCode.internal);
  });

  test('a line joins its words; a quoted string holds words separated by single spaces', () => {
    expect(scriptLine('link', 'set', 'dev', 'twbr0', 'up')).toBe('link set dev twbr0 up');
    expect(quoted('tw0123456789ab twt-net')).toBe('"tw0123456789ab twt-net"');
    expect(failure(() => quoted('twill net br"0')).code).toBe(ErrorCode.internal);
    expect(failure(() => scriptLine('link', 'set', 'dev', 'br0#', 'up')).code).toBe(ErrorCode.internal);
  });
});
