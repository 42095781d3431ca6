import { describe, expect, it } from 'vitest';
import { ThinkTagSplitter, type ThinkSegment } from './think-tag-splitter';

function run(pieces: string[]): { text: string; reasoning: string } {
  const s = new ThinkTagSplitter();
  const segs: ThinkSegment[] = [];
  for (const p of pieces) segs.push(...s.push(p));
  segs.push(...s.end());
  return {
    text: segs.filter((x) => x.kind === 'text').map((x) => x.value).join(''),
    reasoning: segs.filter((x) => x.kind === 'reasoning').map((x) => x.value).join(''),
  };
}

describe('ThinkTagSplitter', () => {
  const input = '  <think>plan: read <b> tags</think>\n\nAnswer with </think> inside.';
  it('moves a leading think block to reasoning at every split point', () => {
    for (let cut = 0; cut <= input.length; cut++) {
      expect(run([input.slice(0, cut), input.slice(cut)])).toEqual({ reasoning: 'plan: read <b> tags', text: 'Answer with </think> inside.' });
    }
  });

  it('leaves text alone when it does not start with a think block', () => {
    expect(run(['Hello <think>x</think>'])).toEqual({ text: 'Hello <think>x</think>', reasoning: '' });
    expect(run(['<', 'thin'])).toEqual({ text: '<thin', reasoning: '' });
  });

  it('an unclosed block (truncated output) is all reasoning', () => {
    expect(run(['<think>still going</th'])).toEqual({ text: '', reasoning: 'still going</th' });
  });
});
