import { describe, expect, it } from 'vitest';
import { unmatchedClosers } from './bracket-balance';

describe('unmatchedClosers', () => {
  it('counts closers without an opener in the block', () => {
    expect(unmatchedClosers(['if (a) {', '  b();', '}'])).toBe(0);
    expect(unmatchedClosers(['  b();', '}', '}', 'if (c) {'])).toBe(2);
    expect(unmatchedClosers(['foo(bar[0]))'])).toBe(1);
  });

  it('ignores brackets inside quotes', () => {
    expect(unmatchedClosers(['s = "}" + \'])\' + `}`;'])).toBe(0);
    expect(unmatchedClosers(['s = "\\"}";', '}'])).toBe(1);
  });
});
