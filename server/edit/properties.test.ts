import { describe, expect, it } from 'vitest';
import { planChanges } from './apply-changes';
import { isElisionMarker } from './elision';
import { replaceInText } from './replace-in-text';
import { seededRandom as rng } from '../../test/support/seeded-random';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'x', 'y', 'return', 'if', '(', ')', '{', '}', '=', '+', ';', '"s"', "'q'", '...', '//'];
/** Cases per property; raise with EDIT_PROPERTY_RUNS for a longer soak. */
const RUNS = Number(process.env.EDIT_PROPERTY_RUNS ?? 400);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/**
 * A random source-like line: indentation, a few words; never blank (see `withBlanks`) and never an
 * elision marker like `// ...` (a replacement holding one is refused on purpose).
 */
function line(r: Rand): string {
  for (;;) {
    const indent = pick(r, ['', '  ', '    ', '\t', '\t\t']);
    const n = int(r, 1, 5);
    const text = indent + Array.from({ length: n }, () => pick(r, WORDS)).join(' ');
    if (!isElisionMarker(text)) return text;
  }
}

function file(r: Rand, withBlanks: boolean): string {
  const lines = Array.from({ length: int(r, 1, 40) }, () => (withBlanks && r() < 0.15 ? '' : line(r)));
  const eol = r() < 0.3 ? '\r\n' : '\n';
  const bom = r() < 0.1 ? '\uFEFF' : '';
  const finalNewline = r() < 0.8;
  return bom + lines.join(eol) + (finalNewline ? eol : '');
}

/** A substring of `text` made of whole lines (with their endings), or a fragment inside one line. */
function randomSearch(r: Rand, text: string): string {
  const body = text.replace(/^\uFEFF/, '');
  if (r() < 0.3) {
    const lines = body.split(/\r?\n/);
    const one = pick(r, lines);
    const start = int(r, 0, Math.max(0, one.length - 1));
    return one.slice(start, start + int(r, 1, 12));
  }
  const starts = [0];
  for (let i = 0; i < body.length; i++) if (body[i] === '\n' && i + 1 < body.length) starts.push(i + 1);
  const a = int(r, 0, starts.length - 1);
  const b = Math.min(starts.length, a + int(r, 1, 4));
  return body.slice(starts[a], b < starts.length ? starts[b] : body.length);
}

/**
 * A search that starts right after a line's indentation and runs to the end of that line is, by
 * design, a whole line quoted without its indentation: the engine re-indents every replacement line
 * (see the unit tests). Those searches are not plain string replaces, so the exactness property
 * leaves them out.
 */
function quotesIndentedLine(text: string, search: string): boolean {
  const at = text.indexOf(search);
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const prefix = text.slice(lineStart, at).replace(/^\uFEFF/, '');
  const rest = text.slice(at + search.length);
  const reachesEnd = search.endsWith('\n') || rest === '' || rest.startsWith('\n') || rest.startsWith('\r\n');
  return prefix !== '' && prefix.trim() === '' && !search.replace(/\r?\n$/, '').includes('\n') && reachesEnd;
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

describe('properties (random files × random edits)', () => {
  it('an exact, unique search always applies exactly like a string replace', () => {
    let checked = 0;
    for (let seed = 1; checked < RUNS; seed++) {
      const r = rng(seed);
      const text = file(r, false);
      const search = randomSearch(r, text);
      if (search.trim() === '' || count(text, search) !== 1 || quotesIndentedLine(text, search)) continue;
      // New lines are written with the file's own line ending, so the expectation uses it too.
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const replace = r() < 0.2 ? '' : Array.from({ length: int(r, 1, 3) }, () => line(r)).join(eol) + (search.endsWith('\n') ? eol : '');
      if (replace === search) continue;
      const out = replaceInText(text, search, replace);
      expect(out.ok, `seed ${seed}`).toBe(true);
      if (out.ok) expect(out.content, `seed ${seed}`).toBe(text.replace(search, () => replace));
      checked++;
    }
  });

  it('with blank lines around, an exact edit matches a string replace except for dropped blank lines', () => {
    let checked = 0;
    for (let seed = 10_000; checked < RUNS; seed++) {
      const r = rng(seed);
      const text = file(r, true);
      const search = randomSearch(r, text);
      if (search.trim() === '' || count(text, search) !== 1 || quotesIndentedLine(text, search)) continue;
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const replace = r() < 0.3 ? '' : `${line(r)}${search.endsWith('\n') ? eol : ''}`;
      const out = replaceInText(text, search, replace);
      if (!out.ok) continue; // no-op refusals: the edit changes nothing
      const plain = text.replace(search, () => replace);
      // Junction tidying may only drop blank lines: every other line is as a string replace gives.
      const solid = (s: string) => s.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
      const blanks = (s: string) => s.split(/\r?\n/).length - solid(s).length;
      expect(solid(out.content), `seed ${seed}`).toEqual(solid(plain));
      expect(blanks(out.content), `seed ${seed}`).toBeLessThanOrEqual(blanks(plain));
      checked++;
    }
  });

  it('a failed apply leaves the input bytes identical (and all-or-nothing plans write nothing)', () => {
    let checked = 0;
    for (let seed = 20_000; checked < RUNS; seed++) {
      const r = rng(seed);
      const text = file(r, true);
      const copy = `${text}`;
      // A search that is certainly absent, or certainly ambiguous.
      const search = r() < 0.5 ? `${line(r)} zz${seed}\n` : text.length > 0 && count(text, text.slice(0, 1)) > 1 ? text.slice(0, 1) : `zz${seed}`;
      const other = 'first\nsecond\n';
      const plan = planChanges(
        [
          { path: 'g', mode: 'replace', search: 'first\n', replace: 'CHANGED\n' },
          { path: 'f', mode: 'replace', search, replace: 'x' },
        ],
        (p) => (p === 'f' ? text : other),
      );
      const direct = replaceInText(text, search, 'x');
      expect(direct.ok, `seed ${seed}`).toBe(false);
      expect(plan.ok, `seed ${seed}`).toBe(false);
      expect(plan).not.toHaveProperty('files');
      expect(text).toBe(copy);
      expect(other).toBe('first\nsecond\n');
      checked++;
    }
  });

  it('apply then revert (search and replace swapped) restores the file', () => {
    let checked = 0;
    for (let seed = 30_000; checked < RUNS; seed++) {
      const r = rng(seed);
      const text = file(r, false);
      const search = randomSearch(r, text);
      if (search.trim() === '' || count(text, search) !== 1 || quotesIndentedLine(text, search)) continue;
      const replace = `${line(r)} #${seed}${search.endsWith('\n') ? '\n' : ''}`;
      const forward = replaceInText(text, search, replace);
      expect(forward.ok, `seed ${seed}`).toBe(true);
      if (!forward.ok) continue;
      const back = replaceInText(forward.content, replace, search);
      expect(back.ok, `seed ${seed}`).toBe(true);
      if (back.ok) expect(back.content, `seed ${seed}`).toBe(text);
      checked++;
    }
  });
});
