// The e2e upgrade test asserts that a ping across the agents' roll lost nothing: it counts
// replies missing below the last one, not the request in flight when ping was stopped.
import { missingReplies } from '../helpers/cluster/ping-loop';

const reply = (seq: number) => `64 bytes from 10.213.2.2: icmp_seq=${seq} ttl=63 time=0.1 ms`;

describe('missingReplies', () => {
  test('no gap: nothing missing, whatever was in flight at the end', () => {
    expect(missingReplies(['PING 10.213.2.2 (10.213.2.2) 56(84) bytes of data.', reply(1), reply(2), reply(3), '--- 10.213.2.2 ping statistics ---', '4 packets transmitted, 3 received, 25% packet loss'])).toEqual([]);
  });

  test('gaps, duplicates and out-of-order replies: the sequence numbers that never came back', () => {
    expect(missingReplies([reply(1), reply(4), reply(2), reply(4), reply(7)])).toEqual([3, 5, 6]);
  });

  test('a loss before the first reply counts; no reply at all is nothing to judge', () => {
    expect(missingReplies([reply(3)])).toEqual([1, 2]);
    expect(missingReplies(['From 192.168.77.11 icmp_seq=1 Destination Host Unreachable'])).toEqual([]);
  });
});
