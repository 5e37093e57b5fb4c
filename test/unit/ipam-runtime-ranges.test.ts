// runtimeConfig.ipRanges: range sets as CONVENTIONS.md spells them ([[range, …], …]), or go-cni's
// flat list of ranges ([range, …]), read as one range set per family in order of appearance.
import { rangeSetsOf } from '../../ipam/config';

describe('rangeSetsOf', () => {
  const r = (subnet: string) => ({ subnet });

  test('range sets pass through', () => {
    expect(rangeSetsOf([[r('10.0.0.0/24'), r('10.0.1.0/24')], [r('fd00::/64')]])).toEqual([[r('10.0.0.0/24'), r('10.0.1.0/24')], [r('fd00::/64')]]);
  });

  test('a flat list: one set per family', () => {
    expect(rangeSetsOf([r('fd00::/64'), r('10.0.0.0/24'), r('10.0.1.0/24')])).toEqual([[r('fd00::/64')], [r('10.0.0.0/24'), r('10.0.1.0/24')]]);
  });

  test('an unparsable subnet stays in a set, for the range parser to name', () => {
    expect(rangeSetsOf([r('nonsense')])).toEqual([[r('nonsense')]]);
  });
});
