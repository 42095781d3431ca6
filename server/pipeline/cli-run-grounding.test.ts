import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkoutState, makeFixtureRepo, removeFixtures } from '../../test/pipeline/run-test-support';
import { buildRepoIndex } from '../specs/repo-index';
import { scoreSpec } from '../specs/score';
import { runCli } from '../../test/support/cli';

/**
 * `nightshift run --repo DIR --spec FILE` gates on the spec grounded in DIR, like `spec score
 * --repo` and the web gate: a file the spec names that the checkout lacks is a finding of the
 * refusal (exit 2, nothing written), and one the checkout has is not.
 */

afterAll(() => removeFixtures());

describe('nightshift run grounds the spec in --repo', () => {
  it('refuses with the names the checkout lacks among its findings, the same as spec score --repo', async () => {
    const { repo, dataDir } = await makeFixtureRepo();
    const spec = `# Cart totals\n\n## What to build\nKeep the cart total in \`src/cart.js\` and read rounding from \`src/rounding/money.js\`, TBD.\n`;
    const specFile = join(dataDir, '..', 'spec.md');
    writeFileSync(specFile, spec);
    const before = await checkoutState(repo);
    const { code, stdout, stderr } = await runCli(['run', '--repo', repo, '--spec', specFile, '--model', 'openai:gpt-4o-mini', '--base-url', 'http://127.0.0.1:9/v1', '--driver', 'bwrap'], { NIGHTSHIFT_DATA_DIR: dataDir });
    expect(code).toBe(2);
    const grounded = scoreSpec(spec, { repo: await buildRepoIndex(repo) });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { spec: { score: number; findings: Array<{ code?: string; message: string }> } };
    expect(summary.spec.score).toBe(grounded.score);
    const missing = summary.spec.findings.filter((f) => f.code === 'missing-path').map((f) => f.message);
    expect(missing).toEqual(['`src/rounding/money.js` does not exist in the repository. Fix the path, or say the work creates it (“Create `src/rounding/money.js` …”).']);
    expect(stderr).toContain('`src/rounding/money.js` does not exist in the repository');
    expect(existsSync(dataDir)).toBe(false);
    expect(await checkoutState(repo)).toEqual(before);
  });
});
