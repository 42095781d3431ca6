import { describe, expect, it } from 'vitest';
import { tidyBlankJunctions } from './blank-junctions';

const apply = (lines: string[], start: number, end: number, repl: string[], search = { lead: 0, trail: 0 }) => {
  const e = tidyBlankJunctions(lines, { start, end, lines: repl }, search);
  return [...lines.slice(0, e.start), ...e.lines, ...lines.slice(e.end)];
};

describe('tidyBlankJunctions', () => {
  it('drops the echo of a search edge blank line the file does not have there', () => {
    expect(apply(['a', 'b', 'c'], 1, 2, ['x', ''], { lead: 0, trail: 1 })).toEqual(['a', 'x', 'c']);
    expect(apply(['a', 'b', 'c'], 1, 2, ['', 'x'], { lead: 1, trail: 0 })).toEqual(['a', 'x', 'c']);
    // Only the echoes: a second blank line the replacement adds is its own.
    expect(apply(['a', 'b', 'c'], 1, 2, ['x', '', ''], { lead: 0, trail: 1 })).toEqual(['a', 'x', '', 'c']);
  });

  it('keeps an echo the region found holds', () => {
    expect(apply(['a', 'b', '', 'c'], 1, 3, ['x', ''], { lead: 0, trail: 1 })).toEqual(['a', 'x', '', 'c']);
  });

  it('never drops a blank line the replacement writes, whatever the file has next to it', () => {
    expect(apply(['a', 'b', '', 'c'], 1, 2, ['x', ''])).toEqual(['a', 'x', '', '', 'c']);
    expect(apply(['a', '', 'b', 'c'], 2, 3, ['', 'x'])).toEqual(['a', '', '', 'x', 'c']);
    expect(apply(['a', 'b'], 1, 2, ['b', 'c', ''])).toEqual(['a', 'b', 'c', '']);
    expect(apply(['a', '', 'b', '', 'c'], 2, 3, [''])).toEqual(['a', '', '', '', 'c']);
  });

  it('never touches the file\'s own blank lines: a deletion between blank lines leaves them as a string replace would', () => {
    expect(apply(['a', '', 'b', '', 'c'], 2, 3, [])).toEqual(['a', '', '', 'c']);
    expect(apply(['a', '', 'b'], 0, 1, [])).toEqual(['', 'b']);
    expect(apply(['f() {', 'x()', '', 'y()', '}'], 1, 2, [])).toEqual(['f() {', '', 'y()', '}']);
  });
});
