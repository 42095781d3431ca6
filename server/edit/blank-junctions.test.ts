import { describe, expect, it } from 'vitest';
import { tidyBlankJunctions } from './blank-junctions';

const apply = (lines: string[], start: number, end: number, repl: string[]) => {
  const e = tidyBlankJunctions(lines, { start, end, lines: repl });
  return [...lines.slice(0, e.start), ...e.lines, ...lines.slice(e.end)];
};

describe('tidyBlankJunctions', () => {
  it('collapses the blank lines a deletion brings together', () => {
    expect(apply(['a', '', 'b', '', 'c'], 2, 3, [])).toEqual(['a', '', 'c']);
    // Two blank lines on each side (Python top level) stay two.
    expect(apply(['a', '', '', 'b', '', '', 'c'], 3, 4, [])).toEqual(['a', '', '', 'c']);
  });

  it('keeps what the replacement asks for and what was there', () => {
    expect(apply(['a', '', 'b', 'c'], 2, 3, ['x', '', 'y'])).toEqual(['a', '', 'x', '', 'y', 'c']);
    expect(apply(['a', 'b', '', 'c'], 1, 2, ['x', ''])).toEqual(['a', 'x', '', 'c']);
    expect(apply(['a', '', '', 'b'], 1, 3, [])).toEqual(['a', 'b']);
  });

  it('does not leave a blank line at the start or end of the file', () => {
    expect(apply(['a', '', 'b'], 2, 3, [])).toEqual(['a']);
    expect(apply(['a', '', 'b'], 0, 1, [])).toEqual(['b']);
  });

  it('keeps blank lines a replacement itself writes at the start or end of the file', () => {
    expect(apply(['a', 'b'], 1, 2, ['b', 'c', ''])).toEqual(['a', 'b', 'c', '']);
    expect(apply(['a', 'b'], 0, 1, ['', 'a'])).toEqual(['', 'a', 'b']);
  });

  it('does not push a blank line against a block opener or closer, but keeps one that was there', () => {
    expect(apply(['f() {', 'x()', '', 'y()', '}'], 1, 2, [])).toEqual(['f() {', 'y()', '}']);
    expect(apply(['f() {', 'x()', '', 'y()', '}'], 3, 4, [])).toEqual(['f() {', 'x()', '}']);
    expect(apply(['f() {', '', 'x()', '', 'y()', '}'], 2, 3, [])).toEqual(['f() {', '', 'y()', '}']);
  });
});
