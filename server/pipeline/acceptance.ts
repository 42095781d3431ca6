import { parseSpec } from '../specs/parse';
import { sectionItems } from '../specs/spec-text';

/** The acceptance criteria of a spec, one string per list item of its Acceptance criteria section. */
export function acceptanceCriteriaOf(markdown: string): string[] {
  const section = parseSpec(markdown).byKey.acceptance;
  return section ? sectionItems(section).map((i) => i.text.trim()).filter(Boolean) : [];
}
