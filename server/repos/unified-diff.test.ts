import { describe, expect, it } from 'vitest';
import { createTwoFilesPatch } from 'diff';
import { parseUnifiedDiff } from './unified-diff';

describe('parseUnifiedDiff', () => {
  it('reads git diffs and plain patches into per-file before/after hunks', () => {
    const git = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1..2 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,3 +1,3 @@',
      ' keep',
      '-old',
      '+new',
      ' tail',
    ].join('\n');
    expect(parseUnifiedDiff(git)).toEqual([{ path: 'src/a.ts', original: 'keep\nold\ntail', modified: 'keep\nnew\ntail', added: 1, removed: 1 }]);

    const plain = [createTwoFilesPatch('/dev/null', 'b/src/new.js', '', 'one\ntwo\n'), createTwoFilesPatch('a/x.txt', 'b/x.txt', 'a\nb\n', 'a\nc\n')].join('\n');
    const files = parseUnifiedDiff(plain);
    expect(files.map((f) => [f.path, f.added, f.removed])).toEqual([
      ['src/new.js', 2, 0],
      ['x.txt', 1, 1],
    ]);
    expect(files[0].modified).toBe('one\ntwo');
    expect(files[1].original).toBe('a\nb');
    expect(files[1].modified).toBe('a\nc');
  });
});
