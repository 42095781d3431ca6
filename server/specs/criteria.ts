import { collectItems } from './items';
import { outline } from './outline';

/**
 * The acceptance criteria of a spec in any format the completeness model reads: the items of its
 * acceptance sections (Acceptance criteria, Success Criteria, Graduation Criteria, …) and every
 * Given/When/Then scenario wherever it is written, in document order, each kept whole.
 *
 * @example acceptanceCriteriaOf('## Acceptance\n- `x` returns 2') // ['`x` returns 2']
 */
export function acceptanceCriteriaOf(markdown: string): string[] {
  const { items } = collectItems(outline(markdown));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (item.kind === 'code' || item.sig.nonContent) continue;
    if ((item.region.acceptance ?? 0) >= 0.8 || item.sig.gwt === 3) {
      const text = item.text.trim();
      if (text && !seen.has(text)) {
        seen.add(text);
        out.push(text);
      }
    }
  }
  return out;
}
