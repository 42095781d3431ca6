/**
 * npm run bench:harness — harness overhead per turn, excluding model time: the loop runs a
 * 200-turn scripted session against an in-process model that answers instantly (no HTTP), and
 * the time spent inside tools is subtracted. What remains is prompt composition, compaction,
 * working-state updates, cache writes, detectors and checkpoints. Goal: < 5 ms per turn.
 */
import { performance } from 'node:perf_hooks';
import { createMemoryCheckpointStore } from '../server/agent/checkpoint';
import { createMemoryContextCache } from '../server/agent/context-cache';
import { longRunScenario } from '../test/agent/long-run-scenario';
import { runAgent } from '../server/agent/run-agent';
import { makeWorkspace } from '../test/agent/test-support';
import type { LanguageModel, StreamPart } from '../server/llm';
import { toolsForRole } from '../server/tools/registry';

const GOAL_MS = 5;
const TURNS = 200;
const ROUNDS = 3;

function instantModel(scenario: ReturnType<typeof longRunScenario>): LanguageModel {
  let n = 0;
  return {
    provider: 'openai',
    modelId: 'instant',
    capabilities: { nativeTools: true, reasoning: false, promptCaching: false },
    async *stream(): AsyncIterable<StreamPart> {
      const turn = scenario.turn(++n);
      if (turn.text) yield* [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: turn.text }, { type: 'text-end', id: 't' }] as StreamPart[];
      for (const [i, c] of (turn.toolCalls ?? []).entries()) yield { type: 'tool-call', id: `c${n}_${i}`, toolName: c.name, args: c.args as Record<string, unknown> };
      yield { type: 'usage', inputTokens: 1000, outputTokens: 50 };
      yield { type: 'finish', reason: turn.toolCalls?.length ? 'tool-calls' : 'stop' };
    },
  };
}

async function once(): Promise<{ perTurn: number; toolPerTurn: number; totalPerTurn: number }> {
  const scenario = longRunScenario({ turns: TURNS });
  const workspace = makeWorkspace(scenario.files);
  const tools = toolsForRole('developer').map((t) => ({
    ...t,
    async execute(args: any, ctx: any) {
      const t0 = performance.now();
      try {
        return await t.execute(args, ctx);
      } finally {
        toolMs += performance.now() - t0;
      }
    },
  }));
  let toolMs = 0;
  const start = performance.now();
  const r = await runAgent({
    role: 'developer',
    objective: 'Review every feature module and record the configured limits.',
    model: instantModel(scenario),
    tools,
    workspace,
    cache: createMemoryContextCache(),
    checkpoint: createMemoryCheckpointStore(),
    budgets: { maxTurns: TURNS + 10 },
  });
  const total = performance.now() - start;
  if (r.status !== 'done') throw new Error(`run ended ${r.status}: ${r.reason}`);
  return { perTurn: (total - toolMs) / r.turns, toolPerTurn: toolMs / r.turns, totalPerTurn: total / r.turns };
}

async function main(): Promise<number> {
  await once(); // warm-up: module loading and JIT
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await once());
  const best = runs.reduce((a, b) => (a.perTurn < b.perTurn ? a : b));
  const mean = runs.reduce((s, r) => s + r.perTurn, 0) / runs.length;
  console.log(`${TURNS}-turn run × ${ROUNDS} (after a warm-up), in-process instant model, memory cache + checkpoints`);
  console.log(`harness overhead per turn: mean ${mean.toFixed(2)} ms, best ${best.perTurn.toFixed(2)} ms (goal < ${GOAL_MS} ms)`);
  console.log(`tool time per turn (excluded): ${best.toolPerTurn.toFixed(2)} ms; total per turn: ${best.totalPerTurn.toFixed(2)} ms`);
  const ok = mean < GOAL_MS;
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
