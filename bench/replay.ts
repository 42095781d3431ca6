/**
 * npm run bench:replay — a 200-turn scripted run is recorded (the real loop against the fake LLM
 * server over HTTP, every model exchange, tool call and request text written as NDJSON), then
 * replayed from the file with no model server. Compared: the replay's wall time excluding tools
 * against the recorded run's harness time (its wall time minus model and tool time), both per
 * turn; the difference is what replay adds per turn (goal < 2 ms). Also: recording size per turn.
 */
import { performance } from 'node:perf_hooks';
import { createMemoryContextCache } from '../server/agent/context-cache';
import { longRunScenario } from '../test/agent/long-run-scenario';
import { runAgent } from '../server/agent/run-agent';
import { fakeModel, makeWorkspace } from '../test/agent/test-support';
import type { AgentEvent, AgentTool } from '../server/agent/types';
import type { LanguageModel } from '../server/llm';
import { parseRecording } from '../server/recording/ndjson';
import { createTaskRecording, type TaskRecording } from '../server/recording/recorder';
import type { RecordEntry, RecordingLine, RecordingSink } from '../server/recording/types';
import { toolsForRole } from '../server/tools/registry';

const TURNS = 200;
const ROUNDS = 3;
const GOAL_MS = 2;
const MODEL = 'openai:fake';

/** An NDJSON sink into memory (the file sink's lines, without the disk). */
function memorySink(): RecordingSink & { text(): string } {
  const lines: string[] = [];
  const add = (l: RecordingLine) => lines.push(JSON.stringify(l));
  return {
    name: 'memory',
    async open(h) {
      add(h);
    },
    async write(ls) {
      for (const l of ls) add(l);
    },
    async close(e) {
      if (e) add(e);
    },
    text: () => `${lines.join('\n')}\n`,
  };
}

function timedTools(counter: { ms: number }): AgentTool[] {
  return toolsForRole('developer').map((t) => ({
    ...t,
    async execute(args: unknown, ctx: Parameters<AgentTool['execute']>[1]) {
      const t0 = performance.now();
      try {
        return await t.execute(args, ctx);
      } finally {
        counter.ms += performance.now() - t0;
      }
    },
  }));
}

async function session(model: LanguageModel, recording: TaskRecording, files: Record<string, string>) {
  const tools = { ms: 0 };
  await recording.begin({ runId: 'bench-run', taskId: 'bench-task', taskKey: 'T1', title: 'Review', description: 'Review every module', criteria: ['Every module reviewed'], mode: 'agent', model: MODEL, baseCommit: '0'.repeat(40), baseTree: '0'.repeat(40) });
  const wrapped = recording.model(model, { role: 'developer', cycle: 1, modelName: MODEL });
  const workspace = makeWorkspace(files);
  const t0 = performance.now();
  const result = await runAgent({
    role: 'developer',
    objective: 'Review every feature module and record the configured limits for the operations handbook.',
    acceptanceCriteria: ['Every module reviewed', 'Limits recorded'],
    model: wrapped,
    modelName: MODEL,
    tools: timedTools(tools),
    workspace,
    cache: createMemoryContextCache(),
    budgets: { maxTurns: TURNS + 50 },
    taskKey: 'bench-task:c1',
    onEvent: (e: AgentEvent) => recording.agentEvent('developer', 1, e),
  });
  const wallMs = performance.now() - t0;
  await recording.end({ status: result.status, commit: null, tree: null });
  if (result.status !== 'done') throw new Error(`the run did not finish: ${result.status} ${result.reason}`);
  const modelMs = recording.entries.filter((e): e is Extract<RecordEntry, { kind: 'model' }> => e.kind === 'model').reduce((a, e) => a + e.durationMs, 0);
  return { wallMs, toolMs: tools.ms, modelMs, turns: result.turns };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  const scenario = longRunScenario({ turns: TURNS });
  const rows: Array<{ recHarness: number; repNoTools: number; overhead: number; repWall: number; recWall: number; bytes: number; turns: number }> = [];
  let breakdown: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const { llm, model } = await fakeModel((_body, i) => scenario.turn(i + 1));
    const sink = memorySink();
    const recorded = await session(model, createTaskRecording({ sinks: [sink] }), scenario.files);
    await llm.close();
    const text = sink.text();
    const loaded = parseRecording(text, 'bench recording');
    // The model server is gone: every answer comes from the recording.
    const offline: LanguageModel = { ...model, stream: () => { throw new Error('the replay contacted the model'); } };
    const replay = createTaskRecording({ replay: { recording: loaded, label: 'bench recording' } });
    const replayed = await session(offline, replay, scenario.files);
    if (replay.replay?.divergence) throw new Error(replay.replay.divergence);
    if (replay.replay?.answered !== recorded.turns) throw new Error(`replayed ${replay.replay?.answered} of ${recorded.turns} model calls`);
    const recHarness = recorded.wallMs - recorded.modelMs - recorded.toolMs;
    const repNoTools = replayed.wallMs - replayed.toolMs;
    rows.push({ recHarness: recHarness / recorded.turns, repNoTools: repNoTools / replayed.turns, overhead: (repNoTools - recHarness) / replayed.turns, repWall: replayed.wallMs, recWall: recorded.wallMs, bytes: Buffer.byteLength(text), turns: recorded.turns });
    breakdown = {};
    for (const line of text.trim().split('\n')) {
      const kind = (JSON.parse(line) as { kind: string }).kind;
      breakdown[kind] = (breakdown[kind] ?? 0) + Buffer.byteLength(line) + 1;
    }
  }
  const pick = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
  const turns = rows[0].turns;
  const overhead = pick('overhead');
  const perTurnBytes = pick('bytes') / turns;
  console.log(`${ROUNDS} rounds of a ${turns}-turn scripted run, medians:`);
  console.log('                                         per turn');
  console.log(`recorded run, wall                      ${(pick('recWall') / turns).toFixed(2).padStart(8)} ms`);
  console.log(`recorded run, harness (− model, tools)  ${pick('recHarness').toFixed(2).padStart(8)} ms`);
  console.log(`replay, wall                            ${(pick('repWall') / turns).toFixed(2).padStart(8)} ms`);
  console.log(`replay, wall − tools                    ${pick('repNoTools').toFixed(2).padStart(8)} ms`);
  console.log(`replay overhead (replay − harness)      ${overhead.toFixed(2).padStart(8)} ms   (goal < ${GOAL_MS} ms)`);
  console.log(`replay wall − tools / recorded harness  ${(pick('repNoTools') / pick('recHarness')).toFixed(2).padStart(8)} ×`);
  console.log(`recording size                          ${(perTurnBytes / 1024).toFixed(1).padStart(8)} KiB per turn, ${(pick('bytes') / 1024 / 1024).toFixed(2)} MiB in all`);
  console.log(`  by line kind: ${Object.entries(breakdown).map(([k, b]) => `${k} ${(b / 1024).toFixed(0)} KiB`).join(', ')}`);
  const ok = overhead < GOAL_MS;
  console.log(ok ? 'PASS' : 'FAIL');
  console.log(
    JSON.stringify({
      bench: 'replay',
      turns,
      recordedHarnessMsPerTurn: round2(pick('recHarness')),
      replayMsPerTurnExcludingTools: round2(pick('repNoTools')),
      replayOverheadMsPerTurn: round2(overhead),
      ratio: round2(pick('repNoTools') / pick('recHarness')),
      recordingBytesPerTurn: Math.round(perTurnBytes),
      goalMs: GOAL_MS,
      pass: ok,
    }),
  );
  return ok ? 0 : 1;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
