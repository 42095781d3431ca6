import type { LanguageModel, UsageAccumulator } from '../llm';
import { toolsForRole } from '../tools/registry';
import type { ExplorerMandate, ExplorerReport } from '../tools/spawn-explorers';
import { EXPLORER_BUDGETS, type Budgets } from './budgets';
import type { ContextCache } from './context-cache';
import { runAgent } from './run-agent';
import type { AgentEvent } from './types';

export interface ExplorerSpawnerOptions {
  model: LanguageModel;
  modelName?: string;
  workspace: string;
  cache: ContextCache;
  taskKey: string;
  /** The parent's accumulator: explorer spend counts in the parent's run. */
  usage: UsageAccumulator;
  budgets?: Partial<Budgets>;
  secrets?: string[];
  onEvent?: (explorer: string, event: AgentEvent) => void;
}

/**
 * Returns the function `spawn_explorers` calls: 2–5 read-only explorer agents in parallel, each
 * with its own small context and budget, reporting structured findings.
 */
export function createExplorerSpawner(opts: ExplorerSpawnerOptions): (mandates: ExplorerMandate[], signal?: AbortSignal) => Promise<ExplorerReport[]> {
  let batch = 0;
  return async (mandates, signal) => {
    batch++;
    return Promise.all(
      mandates.map(async (m, i): Promise<ExplorerReport> => {
        const r = await runAgent({
          role: 'explorer',
          objective: `Explorer "${m.name}" — mandate: ${m.mandate}${m.paths?.length ? `\nStart from: ${m.paths.join(', ')}` : ''}`,
          acceptanceCriteria: ['Answer the mandate with concrete file paths, names and conventions', 'Finish with findings within a few turns'],
          model: opts.model,
          modelName: opts.modelName,
          tools: toolsForRole('explorer'),
          workspace: opts.workspace,
          cache: opts.cache,
          taskKey: `${opts.taskKey}/explorer-${batch}-${i}-${m.name}`,
          budgets: { ...EXPLORER_BUDGETS, ...opts.budgets },
          usage: opts.usage,
          secrets: opts.secrets,
          signal,
          onEvent: opts.onEvent ? (e) => opts.onEvent!(m.name, e) : undefined,
        });
        return {
          name: m.name,
          status: r.status,
          summary: r.finish?.summary ?? `(no report: ${r.reason ?? r.status})`,
          findings: (r.finish?.findings ?? []).map((f) => ({ title: f.title, detail: f.detail, files: f.files })),
          ...(r.reason ? { reason: r.reason } : {}),
        };
      }),
    );
  };
}
