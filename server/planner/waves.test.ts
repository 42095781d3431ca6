import { describe, expect, it } from 'vitest';
import { planWaves } from './waves';
import { fileKey, type PlanEdge, type PlanTask, type WavePlan } from './types';

function expectValidPlan(tasks: PlanTask[], plan: WavePlan, edges: PlanEdge[] = []) {
  expect(plan.waves.flat().sort()).toEqual(tasks.map((t) => t.id).sort());
  for (const t of tasks) {
    for (const d of t.dependsOn ?? []) expect(plan.waveOf[d]).toBeLessThan(plan.waveOf[t.id]);
  }
  for (const e of edges) expect(plan.waveOf[e.dependsOn]).toBeLessThan(plan.waveOf[e.task]);
  for (const wave of plan.waves) {
    const owner = new Map<string, string>();
    for (const id of wave) {
      const t = tasks.find((x) => x.id === id)!;
      for (const key of new Set(t.files.map((f) => fileKey(t.repo, f)))) {
        const f = key.split('\u0000')[1];
        expect(owner.get(key), `${id} and ${owner.get(key)} share ${f} in one wave`).toBeUndefined();
        owner.set(key, id);
      }
    }
  }
  for (const e of plan.edges) expect(e.reason.length).toBeGreaterThan(0);
}

describe('planWaves', () => {
  it('splits tasks touching the same file into separate waves, with a reason', () => {
    const tasks: PlanTask[] = [
      { id: 'a', files: ['src/x.ts'] },
      { id: 'b', files: ['src/x.ts', 'src/y.ts'] },
      { id: 'c', files: ['./src/y.ts'] },
      { id: 'd', files: ['src/z.ts'] },
    ];
    const plan = planWaves(tasks);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.waves).toEqual([['a', 'c', 'd'], ['b']]);
    expect(plan.edges).toEqual(
      expect.arrayContaining([
        { task: 'b', dependsOn: 'a', kind: 'same-file', reason: 'same file src/x.ts' },
        { task: 'b', dependsOn: 'c', kind: 'same-file', reason: 'same file src/y.ts' },
      ]),
    );
    expectValidPlan(tasks, plan);
  });

  it('puts dependencies in earlier waves and keeps independent work parallel', () => {
    const tasks: PlanTask[] = [
      { id: 'api', files: ['api.ts'], dependsOn: ['db'] },
      { id: 'db', files: ['db.ts'] },
      { id: 'ui', files: ['ui.tsx'], dependsOn: ['api'] },
      { id: 'docs', files: ['README.md'] },
    ];
    const plan = planWaves(tasks);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.waves).toEqual([['db', 'docs'], ['api'], ['ui']]);
    expectValidPlan(tasks, plan);
  });

  it('treats the same path in different repos as different files', () => {
    const tasks: PlanTask[] = [
      { id: 'be', repo: 'backend', files: ['src/index.ts'] },
      { id: 'fe', repo: 'frontend', files: ['src/index.ts'] },
    ];
    const plan = planWaves(tasks);
    expect(plan.ok && plan.waves).toEqual([['be', 'fe']]);
  });

  it('refuses a cycle and names its tasks', () => {
    const plan = planWaves([
      { id: 'a', files: ['a'], dependsOn: ['b'] },
      { id: 'b', files: ['b'], dependsOn: ['c'] },
      { id: 'c', files: ['c'], dependsOn: ['a'] },
      { id: 'd', files: ['d'], dependsOn: ['a'] },
      { id: 'e', files: ['e'] },
    ]);
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.error.kind).toBe('cycle');
    if (plan.error.kind !== 'cycle') return;
    expect([...plan.error.cycle].sort()).toEqual(['a', 'b', 'c']);
    expect(plan.error.message).toMatch(/"a" waits for "b"/);
    expect(plan.error.message).not.toMatch(/"d"|"e"/);
  });

  it('refuses a self-dependency, an unknown dependency and a duplicate id', () => {
    const self = planWaves([{ id: 'a', files: ['x'], dependsOn: ['a'] }]);
    expect(!self.ok && self.error.kind === 'cycle' && self.error.cycle).toEqual(['a']);
    const unknown = planWaves([{ id: 'a', files: ['x'], dependsOn: ['ghost'] }]);
    expect(!unknown.ok && unknown.error).toMatchObject({ kind: 'unknown-dependency', dependsOn: 'ghost' });
    const dup = planWaves([{ id: 'a', files: ['x'] }, { id: 'a', files: ['y'] }]);
    expect(!dup.ok && dup.error).toMatchObject({ kind: 'duplicate-id', task: 'a' });
  });

  it('uses extra edges with their reasons', () => {
    const tasks: PlanTask[] = [{ id: 'a', files: ['a.ts'] }, { id: 'b', files: ['b.ts'] }];
    const edges: PlanEdge[] = [{ task: 'a', dependsOn: 'b', kind: 'import', reason: 'a.ts imports b.ts, which b changes' }];
    const plan = planWaves(tasks, edges);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.waves).toEqual([['b'], ['a']]);
    expect(plan.edges).toEqual(edges);
  });

  it('holds its invariants on a random plan of 400 tasks', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const tasks: PlanTask[] = Array.from({ length: 400 }, (_, i) => ({
      id: `t${i}`,
      files: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `f${Math.floor(rand() * 150)}.ts`),
      dependsOn: i > 0 && rand() < 0.5 ? [`t${Math.floor(rand() * i)}`] : [],
    }));
    const plan = planWaves(tasks);
    if (!plan.ok) throw new Error(plan.error.message);
    expectValidPlan(tasks, plan);
  });
});
