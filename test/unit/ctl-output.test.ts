import { fitWidths, table } from '../../cni/ctl/output';

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

describe('twillctl tables', () => {
  test('narrow tables keep their natural widths', () => {
    expect(fitWidths([['NAME', 'IP'], ['web', '10.0.0.2']])).toEqual([4, 8]);
  });

  test('a wide table is fitted into 80 columns by shrinking its widest columns', () => {
    const rows = [['NETWORK', 'DETAIL'], ['pods', 'x'.repeat(200)], ['other', 'a long sentence '.repeat(12)]];
    const widths = fitWidths(rows);
    expect(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)).toBeLessThanOrEqual(80);
    const text = table(rows[0], rows.slice(1));
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text).toContain('a long sentence');
  });

  test('whole columns are never narrowed: the others give room, else the table grows past 80', () => {
    const rows = [['POD', 'DETAIL'], ['default/' + 'p'.repeat(40), 'a long sentence '.repeat(6)]];
    const widths = fitWidths(rows, { whole: [0] });
    expect(widths[0]).toBe(48);
    expect(widths[0] + 2 + widths[1]).toBe(80);
    expect(fitWidths([['x'.repeat(70), 'y'.repeat(20)]], { whole: [0, 1] })).toEqual([70, 20]);
    expect(fitWidths([['x'.repeat(90)]], { width: Infinity })).toEqual([90]);
  });

  test('multi-line cells are aligned under their column; an empty table says (none)', () => {
    const text = table(['A', 'B'], [['x', '1\n2']]);
    expect(text.split('\n').slice(0, 3)).toEqual(['A  B', 'x  1', '   2']);
    expect(table(['A', 'B'], [])).toBe('A  B\n(none)\n');
  });
});
