import { z } from 'zod';
import { EDGE_KINDS, normalizePath, type PlanEdge, type PlanTask } from './types';

/**
 * Cross-repo contracts: a project registers the files that form an interface between
 * repositories (an OpenAPI document, a JSON Schema). A task that changes one in the producer repo
 * holds every task of the consumer repos until the producer's branch has landed, so a frontend
 * agent never codes against an API that is not merged yet.
 */
export const CONTRACT_KINDS = { openapi: 'openapi', jsonSchema: 'json-schema', other: 'other' } as const;
export type ContractKind = (typeof CONTRACT_KINDS)[keyof typeof CONTRACT_KINDS];

export const ZContractFile = z.object({
  path: z.string().min(1).describe('Path of the contract file inside the producer repository, e.g. "api/openapi.yaml"'),
  producer: z.string().min(1).describe('Repository that owns and changes the contract'),
  consumers: z.array(z.string().min(1)).min(1).describe('Repositories whose code depends on the contract'),
  kind: z.enum([CONTRACT_KINDS.openapi, CONTRACT_KINDS.jsonSchema, CONTRACT_KINDS.other]).optional(),
});
export type ContractFile = z.infer<typeof ZContractFile>;

export type ContractRegistryResult = { ok: true; contracts: ContractFile[] } | { ok: false; errors: string[] };

/** Validates a project's contract registrations; errors say which entry is wrong and how. */
export function parseContractRegistry(input: unknown): ContractRegistryResult {
  const parsed = z.array(ZContractFile).safeParse(input);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `contracts${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${i.message}`) };
  }
  const errors: string[] = [];
  const seen = new Set<string>();
  parsed.data.forEach((c, i) => {
    const key = `${c.producer}\u0000${normalizePath(c.path)}`;
    if (seen.has(key)) errors.push(`contracts[${i}]: "${c.path}" in "${c.producer}" is registered twice; keep one entry and list all consumers there.`);
    seen.add(key);
    if (c.consumers.includes(c.producer)) errors.push(`contracts[${i}]: the producer "${c.producer}" is also listed as a consumer; a repo does not wait for itself, remove it from consumers.`);
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, contracts: parsed.data.map((c) => ({ ...c, path: normalizePath(c.path), kind: c.kind ?? contractKindOf(c.path) })) };
}

/** Guesses the kind from the file name, or from the content when given (`openapi:` / `"$schema"`). */
export function contractKindOf(path: string, content?: string): ContractKind {
  if (content !== undefined) {
    if (/^\s*["']?(?:openapi|swagger)["']?\s*:/m.test(content)) return CONTRACT_KINDS.openapi;
    if (/"\$schema"\s*:|^\s*\$schema\s*:/m.test(content)) return CONTRACT_KINDS.jsonSchema;
  }
  if (/openapi|swagger/i.test(path)) return CONTRACT_KINDS.openapi;
  if (/\.schema\.json$|schema\.(?:ya?ml|json)$/i.test(path)) return CONTRACT_KINDS.jsonSchema;
  return CONTRACT_KINDS.other;
}

export type ContractEdgeOptions = {
  /** Repo of tasks that name none (single-repo projects); tasks with no repo at all match no contract. */
  defaultRepo?: string;
};

/**
 * Edges `consumer task → producer task` with reason `contract <path>` and `blockedUntilMerged`:
 * the scheduler must wait for the producer's branch to be merged, not merely for its task to end.
 */
export function contractEdges(tasks: readonly PlanTask[], contracts: readonly ContractFile[], options: ContractEdgeOptions = {}): PlanEdge[] {
  const repoOf = (t: PlanTask) => t.repo ?? options.defaultRepo;
  const byRepo = new Map<string, PlanTask[]>();
  for (const t of tasks) {
    const repo = repoOf(t);
    if (repo === undefined) continue;
    let list = byRepo.get(repo);
    if (!list) byRepo.set(repo, (list = []));
    list.push(t);
  }
  const edges: PlanEdge[] = [];
  for (const contract of contracts) {
    const path = normalizePath(contract.path);
    const producers = (byRepo.get(contract.producer) ?? []).filter((t) => t.files.some((f) => normalizePath(f) === path));
    if (producers.length === 0) continue;
    for (const consumerRepo of contract.consumers) {
      for (const consumer of byRepo.get(consumerRepo) ?? []) {
        for (const producer of producers) {
          if (producer.id === consumer.id) continue;
          edges.push({ task: consumer.id, dependsOn: producer.id, kind: EDGE_KINDS.contract, reason: `contract ${path}`, blockedUntilMerged: true });
        }
      }
    }
  }
  return edges;
}
