// Which port publications may live side by side, and how publishing stays safe when two ADDs
// race: add first, check after, back out on an overlap, so both may fail but never both stay.
import { ErrorCode } from '../../cni/core/errors';
import type { PortMapping } from '../../cni/plugin/config';
import type { PublishedPort } from '../../cni/plugin/firewall-types';
import { firstConflict, overlaps, publicationsOf, publishChecked, type PublishBackend } from '../../cni/plugin/publish';
import { failure } from '../helpers/failure';

const p = (o: Partial<PublishedPort>): PublishedPort => ({ family: 4, protocol: 'tcp', hostPort: 8181, tag: 'a', ...o });

describe('overlaps', () => {
  test.each([
    ['every address, twice', p({}), p({ tag: 'b' }), true],
    ['every address and one address', p({}), p({ hostIP: '10.0.0.1' }), true],
    ['one address and every address', p({ hostIP: '10.0.0.1' }), p({}), true],
    ['the same address', p({ hostIP: '10.0.0.1' }), p({ hostIP: '10.0.0.1' }), true],
    ['localhost and every address', p({ hostIP: '127.0.0.1' }), p({}), true],
    ['two addresses', p({ hostIP: '10.0.0.1' }), p({ hostIP: '10.0.0.2' }), false],
    ['two protocols', p({}), p({ protocol: 'udp' }), false],
    ['two ports', p({}), p({ hostPort: 8182 }), false],
    ['two families', p({}), p({ family: 6 }), false],
    ['an IPv6 address and the IPv4 wildcard', p({ family: 6, hostIP: 'fd00::1' }), p({ family: 4 }), false],
  ])('%s: %s', (_name, a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });
});

describe('publicationsOf and firstConflict', () => {
  const mappings: PortMapping[] = [
    { hostPort: 80, containerPort: 8080, protocol: 'tcp' },
    { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '10.0.0.1' },
  ];

  test('a mapping is published in each family the pod has, narrowed by hostIP', () => {
    expect(publicationsOf(mappings, { ipv4: '10.22.0.5', ipv6: 'fd00::5' }, 't')).toEqual([
      { index: 0, family: 4, protocol: 'tcp', hostPort: 80, tag: 't' },
      { index: 0, family: 6, protocol: 'tcp', hostPort: 80, tag: 't' },
      { index: 1, family: 4, protocol: 'udp', hostPort: 53, tag: 't', hostIP: '10.0.0.1' },
    ]);
  });

  test('the pod\'s own publications never conflict; another\'s overlapping one does', () => {
    const mine = publicationsOf(mappings, { ipv4: '10.22.0.5' }, 'me');
    expect(firstConflict(mine, [p({ tag: 'me', hostPort: 80 })])).toBeUndefined();
    expect(firstConflict(mine, [p({ tag: 'other', hostPort: 53, protocol: 'udp' })])).toEqual({ mine: mine[1], theirs: p({ tag: 'other', hostPort: 53, protocol: 'udp' }) });
  });
});

/** A firewall in memory: a set of publications, `create` semantics on exact keys. */
class FakeTable {
  entries: PublishedPort[] = [];
  key = (e: PublishedPort) => `${e.family}/${e.protocol}/${e.hostPort}/${e.hostIP ?? '*'}`;
  backend(mine: PublishedPort[], between?: () => void): PublishBackend {
    return {
      tryPublish: () => {
        if (mine.some((m) => this.entries.some((e) => this.key(e) === this.key(m)))) return false;
        this.entries.push(...mine);
        between?.();
        return true;
      },
      published: () => [...this.entries],
      removeOwn: () => {
        this.entries = this.entries.filter((e) => e.tag !== mine[0].tag);
      },
    };
  }
}

describe('publishChecked', () => {
  const mineOf = (tag: string, hostIP?: string) => publicationsOf([{ hostPort: 8181, containerPort: 80, protocol: 'tcp', ...(hostIP ? { hostIP } : {}) }], { ipv4: '10.22.0.5' }, tag);

  test('publishes when nothing overlaps', () => {
    const t = new FakeTable();
    publishChecked(t.backend(mineOf('a')), mineOf('a'));
    expect(t.entries.map((e) => e.tag)).toEqual(['a']);
  });

  test('an overlapping publication of another pod: 104, and nothing of ours stays', () => {
    const t = new FakeTable();
    publishChecked(t.backend(mineOf('a')), mineOf('a'));
    const err = failure(() => publishChecked(t.backend(mineOf('b', '10.0.0.1')), mineOf('b', '10.0.0.1')));
    expect(err.code).toBe(ErrorCode.portInUse);
    expect(err.message).toBe('runtimeConfig.portMappings[0]: host port 10.0.0.1:8181/tcp is already published by another pod (*:8181/tcp)');
    expect(t.entries.map((e) => e.tag)).toEqual(['a']);
  });

  test('the same key held by the pod itself (a leftover of an earlier ADD) is replaced', () => {
    const t = new FakeTable();
    t.entries.push(...mineOf('a'));
    publishChecked(t.backend(mineOf('a')), mineOf('a'));
    expect(t.entries).toEqual(mineOf('a'));
  });

  test('two ADDs racing with overlapping ports: never both stay', () => {
    const t = new FakeTable();
    // b adds its entry while a is between its add and its check.
    let bResult: unknown;
    const raceB = () => {
      try {
        publishChecked(t.backend(mineOf('b', '10.0.0.1')), mineOf('b', '10.0.0.1'));
        bResult = 'ok';
      } catch (err) {
        bResult = err;
      }
    };
    let aResult: unknown = 'ok';
    try {
      publishChecked(t.backend(mineOf('a'), raceB), mineOf('a'));
    } catch (err) {
      aResult = err;
    }
    const survivors = new Set(t.entries.map((e) => e.tag));
    expect(survivors.size).toBeLessThanOrEqual(1);
    expect([aResult, bResult].filter((r) => r === 'ok').length).toBe(survivors.size);
  });
});
