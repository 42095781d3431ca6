/**
 * npm run bench:context — prompt size of a long scripted run (the real loop against the fake
 * LLM server) at turns 20, 100 and 200, against the naive full thread; and the share of
 * "needle" facts planted in early tool results still answerable from the turn-200 prompt.
 * Goals: turn-200 prompt ≤ 1.3× turn-20; ≥ 95 % of needles kept.
 */
import { createMemoryContextCache } from '../server/agent/context-cache';
import { naiveThreadTokens } from '../server/agent/compaction';
import type { TurnRecord } from '../server/agent/loop-state';
import { longRunScenario } from '../test/agent/long-run-scenario';
import { runAgent } from '../server/agent/run-agent';
import { fakeModel, makeWorkspace } from '../test/agent/test-support';
import { estimateTokens } from '../server/agent/token-estimate';
import { toolsForRole } from '../server/tools/registry';

const CHECKPOINTS = [20, 100, 200];
const GROWTH_GOAL = 1.3;
const NEEDLE_GOAL = 0.95;

async function main(): Promise<number> {
  const scenario = longRunScenario({ turns: 200, needles: 20 });
  const { llm, model } = await fakeModel((_body, i) => scenario.turn(i + 1));
  const records = new Map<number, TurnRecord>();
  let system = '';
  const result = await runAgent({
    role: 'developer',
    objective: 'Review every feature module and record the configured limits for the operations handbook.',
    acceptanceCriteria: ['Every module reviewed', 'Limits recorded'],
    model,
    tools: toolsForRole('developer'),
    workspace: makeWorkspace(scenario.files),
    cache: createMemoryContextCache(),
    budgets: { maxTurns: 250 },
    onEvent: (e) => {
      if (e.type === 'turn-start') records.set(e.turn, { turn: e.turn, text: '', exchanges: [], notes: [] });
      if (e.type === 'stream' && e.part.type === 'text-delta') records.get(e.turn)!.text += e.part.delta;
      if (e.type === 'tool-call') records.get(e.turn)!.exchanges.push({ callId: e.call.id, toolName: e.call.toolName, args: e.call.args, output: '', isError: false });
      if (e.type === 'tool-result') {
        const x = records.get(e.turn)!.exchanges.find((c) => c.callId === e.callId)!;
        x.output = e.output;
        x.isError = e.isError;
      }
    },
  });
  await llm.close();
  if (result.status !== 'done') throw new Error(`the scripted run did not finish: ${result.status} ${result.reason}`);

  const rows: Array<{ turn: number; prompt: number; naive: number }> = [];
  for (const t of CHECKPOINTS) {
    const body = llm.requests[t - 1];
    system = String(body.messages[0]?.content ?? '');
    const toolTokens = estimateTokens(JSON.stringify(body.tools ?? []), 'openai');
    const prompt = estimateTokens(JSON.stringify(body.messages), 'openai') + toolTokens;
    const turns = [...records.values()].filter((r) => r.turn < t);
    const naive = naiveThreadTokens({ system, task: '', turns, family: 'openai', toolTokens });
    rows.push({ turn: t, prompt, naive });
  }
  const last = JSON.stringify(llm.requests[199].messages);
  const kept = scenario.needles.filter((n) => last.includes(`${n.name} = ${n.value}`)).length;
  const share = kept / scenario.needles.length;
  const growth = rows[2].prompt / rows[0].prompt;

  console.log('turn  prompt tokens  naive thread  ratio');
  for (const r of rows) console.log(`${String(r.turn).padStart(4)}  ${String(r.prompt).padStart(13)}  ${String(r.naive).padStart(12)}  ${(r.prompt / r.naive).toFixed(2)}`);
  console.log(`turn-200 / turn-20 prompt: ${growth.toFixed(2)} (goal ≤ ${GROWTH_GOAL})`);
  console.log(`needles kept at turn 200: ${kept}/${scenario.needles.length} = ${(share * 100).toFixed(1)} % (goal ≥ ${NEEDLE_GOAL * 100} %)`);
  console.log(`run: ${result.turns} turns, nudges ${result.nudges}, detectors ${JSON.stringify(result.detectorCounts)}`);
  console.log(`drift (on-task run): nudges ${result.detectorCounts.drift}, score max ${Math.max(...result.drift).toFixed(2)}, mean ${(result.drift.reduce((a, b) => a + b, 0) / result.drift.length).toFixed(2)}`);
  const ok = growth <= GROWTH_GOAL && share >= NEEDLE_GOAL;
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
