import { describe, expect, it } from 'vitest';
import { analyzeDependencies } from './analyze';
import { contractEdges, contractKindOf, parseContractRegistry } from './contracts';
import { planWaves } from './waves';
import type { PlanTask } from './types';

const registry = parseContractRegistry([
  { path: './api/openapi.yaml', producer: 'backend', consumers: ['web', 'mobile'] },
  { path: 'schemas/event.schema.json', producer: 'backend', consumers: ['worker'] },
]);

const TASKS: PlanTask[] = [
  { id: 'be-api', repo: 'backend', files: ['api/openapi.yaml', 'src/routes/users.ts'] },
  { id: 'be-other', repo: 'backend', files: ['src/jobs.ts'] },
  { id: 'web-list', repo: 'web', files: ['src/users/list.tsx'] },
  { id: 'web-form', repo: 'web', files: ['src/users/form.tsx'] },
  { id: 'mobile', repo: 'mobile', files: ['app/users.swift'] },
  { id: 'worker', repo: 'worker', files: ['src/consume.ts'] },
];

describe('cross-repo contracts', () => {
  it('validates registrations and guesses their kind', () => {
    expect(registry.ok && registry.contracts.map((c) => [c.path, c.kind])).toEqual([
      ['api/openapi.yaml', 'openapi'],
      ['schemas/event.schema.json', 'json-schema'],
    ]);
    const bad = parseContractRegistry([{ path: 'a.yaml', producer: 'be', consumers: ['be'] }, { path: '', producer: 'be', consumers: [] }]);
    expect(!bad.ok && bad.errors.join('\n')).toMatch(/contracts\[1\]\.path/);
    const self = parseContractRegistry([{ path: 'a.yaml', producer: 'be', consumers: ['be'] }]);
    expect(!self.ok && self.errors[0]).toMatch(/also listed as a consumer/);
    expect(contractKindOf('contract.yaml', 'openapi: 3.1.0\n')).toBe('openapi');
  });

  it('blocks every consumer task until the producer task that changes the contract is merged', () => {
    if (!registry.ok) throw new Error(registry.errors.join('; '));
    const edges = contractEdges(TASKS, registry.contracts);
    expect(edges).toEqual([
      { task: 'web-list', dependsOn: 'be-api', kind: 'contract', reason: 'contract api/openapi.yaml', blockedUntilMerged: true },
      { task: 'web-form', dependsOn: 'be-api', kind: 'contract', reason: 'contract api/openapi.yaml', blockedUntilMerged: true },
      { task: 'mobile', dependsOn: 'be-api', kind: 'contract', reason: 'contract api/openapi.yaml', blockedUntilMerged: true },
    ]);
    // No task changes the event schema, so the worker is not held.
    const plan = planWaves(TASKS, edges);
    expect(plan.ok && plan.waves).toEqual([['be-api', 'be-other', 'worker'], ['web-list', 'web-form', 'mobile']]);
  });

  it('keeps the merge-wait flag when an explicit dependency duplicates a contract edge', async () => {
    if (!registry.ok) throw new Error(registry.errors.join('; '));
    const tasks = TASKS.map((t) => (t.id === 'web-list' ? { ...t, dependsOn: ['be-api'] } : t));
    const { edges } = await analyzeDependencies(tasks, { contracts: registry.contracts });
    expect(edges.filter((e) => e.task === 'web-list')).toEqual([{ task: 'web-list', dependsOn: 'be-api', kind: 'contract', reason: 'contract api/openapi.yaml', blockedUntilMerged: true }]);
  });

  it('matches repo-less tasks through the default repo', () => {
    if (!registry.ok) throw new Error(registry.errors.join('; '));
    const tasks: PlanTask[] = [{ id: 'p', files: ['api/openapi.yaml'] }, { id: 'c', repo: 'web', files: ['x.ts'] }];
    expect(contractEdges(tasks, registry.contracts)).toEqual([]);
    expect(contractEdges(tasks, registry.contracts, { defaultRepo: 'backend' })).toHaveLength(1);
  });
});
