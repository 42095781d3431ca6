import { contractEdges, type ContractFile } from './contracts';
import { diskFileReader, type FileReader } from './repo-reader';
import { stronglyConnected } from './scc';
import { EDGE_KINDS, type PlanEdge, type PlanTask } from './types';

export type AnalyzeOptions = {
  /** Checkout(s) to read imports from: one directory, or one per repo name. Ignored when `readFile` is given. */
  repoDir?: string | Record<string, string>;
  /** Reads a repo-relative file (tests and benchmarks pass an in-memory map). */
  readFile?: FileReader;
  /** Registered cross-repo contracts; changing one blocks the consumers' tasks. */
  contracts?: readonly ContractFile[];
  /** Repo of tasks that name none, for contract matching. */
  defaultRepo?: string;
};

export type DroppedEdge = PlanEdge & { why: string };
export type DependencyAnalysis = {
  /** Every constraint with its reason: explicit, contract and import edges (same-file ones come from planWaves). */
  edges: PlanEdge[];
  /** Import edges left out because they closed a cycle (circular imports are common and not a plan error). */
  dropped: DroppedEdge[];
  warnings: string[];
};

/**
 * Finds the edges between tasks: explicit `dependsOn`, contracts, and the code graph — a task whose
 * files import a file another task changes runs after that task (TS/JS through
 * `ts.preProcessFile`, Python and Go by import scan). Imports are read from the checkout as it is
 * now, before any task runs; direct imports only, not transitive ones.
 *
 * Explicit and contract edges are hard: a cycle among them is the author's to fix and planWaves
 * refuses it. Import edges are inferred, so one that would close a cycle is dropped and reported.
 */
export async function analyzeDependencies(tasks: readonly PlanTask[], options: AnalyzeOptions = {}): Promise<DependencyAnalysis> {
  const edges: PlanEdge[] = [];
  const seen = new Set<string>();
  const add = (e: PlanEdge) => {
    const key = `${e.task}\u0000${e.dependsOn}`;
    if (seen.has(key) || (e.task === e.dependsOn && e.kind !== EDGE_KINDS.explicit)) return;
    seen.add(key);
    edges.push(e);
  };
  // Contract edges first: when an explicit edge duplicates one, the merge-wait flag must survive.
  if (options.contracts?.length) for (const e of contractEdges(tasks, options.contracts, { defaultRepo: options.defaultRepo })) add(e);
  for (const t of tasks) for (const dep of t.dependsOn ?? []) add({ task: t.id, dependsOn: dep, kind: EDGE_KINDS.explicit, reason: 'explicit dependsOn' });

  const warnings: string[] = [];
  const reader = options.readFile ?? (options.repoDir !== undefined ? diskFileReader(options.repoDir) : undefined);
  if (reader) {
    // Loaded on demand: the TypeScript compiler is large, and plans without a checkout never need it.
    const { importEdges } = await import('./import-edges');
    for (const e of await importEdges(tasks, reader, warnings)) add(e);
  }

  const { kept, dropped } = dropCyclicImportEdges(tasks, edges);
  return { edges: kept, dropped, warnings };
}

/**
 * Import edges are inferred, so they must not turn circular imports into a refused plan. Inside a
 * strongly connected component, an import edge is kept only when it follows the order the tasks
 * were listed in (the earlier task first); if a cycle still remains (an explicit edge points the
 * other way), the import edges left in that component are dropped too. Every drop is reported.
 */
function dropCyclicImportEdges(tasks: readonly PlanTask[], edges: PlanEdge[]): { kept: PlanEdge[]; dropped: DroppedEdge[] } {
  if (!edges.some((e) => e.kind === EDGE_KINDS.import)) return { kept: edges, dropped: [] };
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const dropped: DroppedEdge[] = [];
  let kept = edges;
  for (const pass of ['backward', 'all'] as const) {
    const component = componentsOf(tasks.length, index, kept);
    const next: PlanEdge[] = [];
    for (const e of kept) {
      const a = index.get(e.dependsOn);
      const b = index.get(e.task);
      const inCycle = e.kind === EDGE_KINDS.import && a !== undefined && b !== undefined && component[a] === component[b];
      if (inCycle && (pass === 'all' || a > b)) {
        dropped.push({ ...e, why: `"${e.task}" and "${e.dependsOn}" import each other's files (directly or through other tasks); this inferred edge would close a cycle` });
      } else next.push(e);
    }
    kept = next;
  }
  return { kept, dropped };
}

function componentsOf(n: number, index: Map<string, number>, edges: readonly PlanEdge[]): number[] {
  const successors: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const a = index.get(e.dependsOn);
    const b = index.get(e.task);
    if (a !== undefined && b !== undefined) successors[a].push(b);
  }
  return stronglyConnected(n, successors);
}

