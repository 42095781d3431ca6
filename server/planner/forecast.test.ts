import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ESTIMATE, fitEstimator, forecastPlan } from './forecast';
import type { PlanTask } from './types';

const TASKS: PlanTask[] = [
  { id: 'a', files: ['src/x.ts', 'src/y.ts'] },
  { id: 'b', files: ['src/x.ts'] },
  { id: 'c', files: ['src/z.ts'], dependsOn: ['a'] },
];
const PRICES = { 'anthropic:test-model': { input: 3, output: 15 } };

describe('forecastPlan', () => {
  it('previews waves, predicted conflicts and default estimates by file count', async () => {
    const f = await forecastPlan(TASKS, { model: 'anthropic:test-model', prices: PRICES });
    if (!f.ok) throw new Error(f.error.message);
    expect(f.waves).toEqual([['a'], ['b', 'c']]);
    expect(f.conflicts).toEqual([{ tasks: ['a', 'b'], files: ['src/x.ts'], separatedBy: '"a" in wave 1, "b" in wave 2' }]);
    const a = f.tasks.find((t) => t.id === 'a')!;
    expect(a.basis).toBe('default');
    // Without the repository, both files count as small ones.
    expect(a.fileTokens).toBe(2 * DEFAULT_ESTIMATE.unknownFileTokens);
    expect(a.inputTokens).toBe(DEFAULT_ESTIMATE.requestsPerTask * DEFAULT_ESTIMATE.inputPerRequest + DEFAULT_ESTIMATE.fileReadsPerTask * 2 * DEFAULT_ESTIMATE.unknownFileTokens);
    expect(a.outputTokens).toBe(DEFAULT_ESTIMATE.outputBase + 2 * DEFAULT_ESTIMATE.outputPerFile);
    expect(a.costUsd).toBeCloseTo((a.inputTokens * 3 + a.outputTokens * 15) / 1e6, 4);
    expect(f.totals.inputTokens).toBe(f.tasks.reduce((s, t) => s + t.inputTokens, 0));
  });

  it('estimates from history when there is enough of it', async () => {
    const history = [
      { files: 1, inputTokens: 20_000, outputTokens: 2_000 },
      { files: 2, inputTokens: 30_000, outputTokens: 3_000 },
      { files: 4, inputTokens: 50_000, outputTokens: 5_000 },
    ];
    const est = fitEstimator(history);
    if (est.basis !== 'history') throw new Error('expected a fitted line');
    expect(est.inputPerFile).toBeCloseTo(10_000);
    expect(est.inputBase).toBeCloseTo(10_000);
    const f = await forecastPlan(TASKS, { model: 'anthropic:test-model', prices: PRICES, history });
    expect(f.ok && f.tasks.find((t) => t.id === 'b')).toMatchObject({ inputTokens: 20_000, outputTokens: 2_000, basis: 'history' });
  });

  it('leaves cost empty and warns for a model without a price', async () => {
    const f = await forecastPlan(TASKS, { model: 'ollama:unknown', prices: PRICES });
    expect(f.ok && f.tasks.every((t) => t.costUsd === null)).toBe(true);
    expect(f.ok && f.warnings[0]).toBe('Cost not estimated: no price is known for ollama:unknown.');
  });

  it('a one-line fix in a small file is forecast near what the pipeline spends, a large file costs more, paths outside the repository count as unknown', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-forecast-'));
    fs.mkdirSync(path.join(dir, 'src'));
    const small = 'export const add = (a, b) => a + b;\n'.repeat(10);
    fs.writeFileSync(path.join(dir, 'src', 'math.js'), small);
    fs.writeFileSync(path.join(dir, 'src', 'big.js'), 'x'.repeat(40_000));
    fs.writeFileSync(path.join(os.tmpdir(), 'ns-forecast-outside.js'), 'y'.repeat(400_000));
    const f = await forecastPlan(
      [
        { id: 'fix', files: ['src/math.js'] },
        { id: 'big', files: ['src/big.js'] },
        { id: 'escape', files: ['../ns-forecast-outside.js'] },
      ],
      { model: 'anthropic:test-model', prices: PRICES, repoDir: dir },
    );
    if (!f.ok) throw new Error(f.error.message);
    const [fix, big, escape] = f.tasks;
    expect(fix.fileTokens).toBe(Math.ceil(small.length / 4));
    // ~60k: eleven requests and one small file, not the ~90k–120k a per-file guess gave.
    expect(fix.inputTokens + fix.outputTokens).toBeGreaterThan(50_000);
    expect(fix.inputTokens + fix.outputTokens).toBeLessThan(70_000);
    expect(big.fileTokens).toBe(10_000);
    expect(big.inputTokens - fix.inputTokens).toBe(DEFAULT_ESTIMATE.fileReadsPerTask * (10_000 - Math.ceil(small.length / 4)));
    expect(escape.fileTokens).toBe(DEFAULT_ESTIMATE.unknownFileTokens);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), 'ns-forecast-outside.js'), { force: true });
  });

  it('refuses a cyclic plan', async () => {
    const f = await forecastPlan([{ id: 'a', files: ['a'], dependsOn: ['a'] }], { model: 'm', prices: {} });
    expect(!f.ok && f.error.kind).toBe('cycle');
  });
});
