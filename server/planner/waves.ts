import { FreeSlots } from './free-slots';
import { MinHeap } from './min-heap';
import { EDGE_KINDS, fileKey, type CycleError, type PlanEdge, type PlanTask, type WavePlanResult } from './types';

/**
 * Orders tasks into waves like a package manager resolves dependencies: every dependency sits in
 * an earlier wave, and two tasks that touch the same file (in the same repo) never share a wave —
 * the later one gets a `same-file` edge naming the file, so every separation has a reason.
 *
 * Tasks' own `dependsOn` are honoured even when `edges` omits them. A cycle, an unknown dependency
 * or a duplicate id is returned as an error value, never thrown.
 *
 * Cost: O((n + e) log n + f·α) — a heap picks the ready task with the earliest possible wave, and
 * per-file free-slot finders place it without scanning earlier waves.
 *
 * @example planWaves([{id:'a',files:['x.ts']},{id:'b',files:['x.ts']}], []) // waves [['a'],['b']]
 */
export function planWaves(tasks: readonly PlanTask[], edges: readonly PlanEdge[] = []): WavePlanResult {
  const index = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const id = tasks[i].id;
    if (index.has(id)) return { ok: false, error: { kind: 'duplicate-id', task: id, message: `Task id "${id}" is used more than once; give every task a unique id.` } };
    index.set(id, i);
  }

  // Deduplicate constraints per (task, dependency) pair, keeping the first reason given.
  const allEdges: PlanEdge[] = [];
  const seen = new Set<string>();
  const addEdge = (edge: PlanEdge) => {
    const key = `${edge.task}\u0000${edge.dependsOn}`;
    if (seen.has(key)) return;
    seen.add(key);
    allEdges.push(edge);
  };
  for (const edge of edges) addEdge(edge);
  for (const task of tasks) for (const dep of task.dependsOn ?? []) addEdge({ task: task.id, dependsOn: dep, kind: EDGE_KINDS.explicit, reason: 'explicit dependsOn' });

  const n = tasks.length;
  const dependents: number[][] = Array.from({ length: n }, () => []);
  const dependencies: number[][] = Array.from({ length: n }, () => []);
  const waiting = new Array<number>(n).fill(0);
  for (const edge of allEdges) {
    const t = index.get(edge.task);
    const d = index.get(edge.dependsOn);
    if (t === undefined || d === undefined) {
      const missing = t === undefined ? edge.task : edge.dependsOn;
      return {
        ok: false,
        error: { kind: 'unknown-dependency', task: edge.task, dependsOn: edge.dependsOn, message: `Edge "${edge.task}" → "${edge.dependsOn}" (${edge.reason}) names "${missing}", which is not a task in this plan.` },
      };
    }
    dependents[d].push(t);
    dependencies[t].push(d);
    waiting[t]++;
  }

  const earliest = new Array<number>(n).fill(0);
  const waveOfIdx = new Array<number>(n).fill(-1);
  const heap = new MinHeap<number>((a, b) => earliest[a] < earliest[b] || (earliest[a] === earliest[b] && a < b));
  for (let i = 0; i < n; i++) if (waiting[i] === 0) heap.push(i);

  const slots = new Map<string, FreeSlots>();
  const taskKeys = tasks.map((t) => (t.files.length === 1 ? [fileKey(t.repo, t.files[0])] : [...new Set(t.files.map((f) => fileKey(t.repo, f)))]));
  let placed = 0;
  let waveCount = 0;
  for (let i = heap.pop(); i !== undefined; i = heap.pop()) {
    const keys = taskKeys[i];
    let wave = earliest[i];
    // Move forward until every file of the task is free in that wave; each step only increases.
    for (let moved = true; moved; ) {
      moved = false;
      for (const key of keys) {
        const free = slots.get(key)?.nextFree(wave) ?? wave;
        if (free > wave) {
          wave = free;
          moved = true;
        }
      }
    }
    for (const key of keys) {
      let s = slots.get(key);
      if (!s) slots.set(key, (s = new FreeSlots()));
      s.take(wave);
    }
    waveOfIdx[i] = wave;
    waveCount = Math.max(waveCount, wave + 1);
    placed++;
    for (const t of dependents[i]) {
      earliest[t] = Math.max(earliest[t], wave + 1);
      if (--waiting[t] === 0) heap.push(t);
    }
  }

  if (placed < n) return { ok: false, error: findCycle(tasks, dependencies, waveOfIdx, allEdges) };

  const waves: string[][] = Array.from({ length: waveCount }, () => []);
  const waveOf: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    waves[waveOfIdx[i]].push(tasks[i].id);
    waveOf[tasks[i].id] = waveOfIdx[i];
  }
  for (const edge of sameFileEdges(tasks, taskKeys, waveOfIdx)) addEdge(edge);
  return { ok: true, waves: waves.filter((w) => w.length > 0), edges: allEdges, waveOf: compactWaveOf(waves, waveOf) };
}

/** Same-file separations: along each file, each task waits for the previous one touching it. */
function sameFileEdges(tasks: readonly PlanTask[], taskKeys: string[][], waveOfIdx: number[]): PlanEdge[] {
  const users = new Map<string, number[]>();
  for (let i = 0; i < tasks.length; i++) {
    for (const key of taskKeys[i]) {
      let list = users.get(key);
      if (!list) users.set(key, (list = []));
      list.push(i);
    }
  }
  const edges: PlanEdge[] = [];
  for (const [key, list] of users) {
    if (list.length < 2) continue;
    list.sort((a, b) => waveOfIdx[a] - waveOfIdx[b] || a - b);
    const sep = key.indexOf('\u0000');
    const reason = `same file ${sep > 0 ? `${key.slice(0, sep)}:` : ''}${key.slice(sep + 1)}`;
    for (let j = 1; j < list.length; j++) {
      edges.push({ task: tasks[list[j]].id, dependsOn: tasks[list[j - 1]].id, kind: EDGE_KINDS.sameFile, reason });
    }
  }
  return edges;
}

/** Walks from an unplaced task along unplaced dependencies until a task repeats: that loop is the cycle. */
function findCycle(tasks: readonly PlanTask[], dependencies: number[][], waveOfIdx: number[], edges: PlanEdge[]): CycleError {
  let start = waveOfIdx.findIndex((w) => w < 0);
  const order: number[] = [];
  const position = new Map<number, number>();
  while (!position.has(start)) {
    position.set(start, order.length);
    order.push(start);
    start = dependencies[start].find((d) => waveOfIdx[d] < 0) as number;
  }
  const cycle = order.slice(position.get(start)).map((i) => tasks[i].id);
  const reasonOf = new Map(edges.map((e) => [`${e.task}\u0000${e.dependsOn}`, e.reason]));
  const steps = cycle.map((id, k) => {
    const next = cycle[(k + 1) % cycle.length];
    return `"${id}" waits for "${next}" (${reasonOf.get(`${id}\u0000${next}`) ?? 'dependency'})`;
  });
  return {
    kind: 'cycle',
    cycle,
    message: `Dependency cycle between tasks ${cycle.map((c) => `"${c}"`).join(', ')}: ${steps.join(', ')}. Remove one of these dependencies or merge the tasks.`,
  };
}

/** Wave numbers are already dense (a task only moves to the first free wave), but keep them 0..k-1 regardless. */
function compactWaveOf(waves: string[][], waveOf: Record<string, number>): Record<string, number> {
  let k = 0;
  for (const wave of waves) {
    if (wave.length === 0) continue;
    for (const id of wave) waveOf[id] = k;
    k++;
  }
  return waveOf;
}
