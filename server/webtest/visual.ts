import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';

/** Pixel colour distance under which two pixels count as equal (pixelmatch's threshold). */
export const PIXEL_THRESHOLD = 0.1;
/** Share of differing pixels above which a component counts as visually changed. */
export const MAX_DIFF_RATIO = 0.001;

export type VisualResult =
  | { status: 'baseline-created'; baseline: string }
  | { status: 'match' | 'changed'; baseline: string; diffPixels: number; ratio: number; diffImage?: string }
  | { status: 'size-changed'; baseline: string; expected: string; actual: string };

/**
 * Compares a component screenshot with its baseline. A first run records the baseline; a
 * difference writes a diff image (changed pixels in red) for the verification report.
 */
export function compareWithBaseline(actualPng: Buffer, baselinePath: string, diffDir: string): VisualResult {
  if (!fs.existsSync(baselinePath)) {
    fs.mkdirSync(path.dirname(baselinePath), { recursive: true });
    fs.writeFileSync(baselinePath, actualPng);
    return { status: 'baseline-created', baseline: baselinePath };
  }
  const expected = PNG.sync.read(fs.readFileSync(baselinePath));
  const actual = PNG.sync.read(actualPng);
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { status: 'size-changed', baseline: baselinePath, expected: `${expected.width}×${expected.height}`, actual: `${actual.width}×${actual.height}` };
  }
  const diff = new PNG({ width: expected.width, height: expected.height });
  const diffPixels = pixelmatch(expected.data, actual.data, diff.data, expected.width, expected.height, { threshold: PIXEL_THRESHOLD });
  const ratio = diffPixels / (expected.width * expected.height);
  if (ratio <= MAX_DIFF_RATIO) return { status: 'match', baseline: baselinePath, diffPixels, ratio };
  fs.mkdirSync(diffDir, { recursive: true });
  const diffImage = path.join(diffDir, `${path.basename(baselinePath, '.png')}.diff.png`);
  fs.writeFileSync(diffImage, PNG.sync.write(diff));
  return { status: 'changed', baseline: baselinePath, diffPixels, ratio, diffImage };
}
