import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import type { FakeLlm, Turn } from '../../test/fake-llm/server';
import { toolTurn } from '../../test/fake-llm/turns';
import { createUsageAccumulator } from '../llm';
import { createPgContextCache } from '../services/context-cache';
import { toolsForRole } from '../tools/registry';
import { createMemoryCheckpointStore } from './checkpoint';
import { createMemoryContextCache } from './context-cache';
import { createExplorerSpawner } from './explorers';
import { longRunScenario } from '../../test/agent/long-run-scenario';
import { runAgent, startAgent } from './run-agent';
import { fakeModel, makeWorkspace, requestText } from '../../test/agent/test-support';
import { estimateTokens } from './token-estimate';

let llm: FakeLlm | undefined;
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('agent');
});
afterAll(async () => tdb?.close());
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

const finish: Turn = toolTurn('finish', { summary: 'done' });

describe('runAgent', () => {
  it('a 200-turn scripted run stays within its budgets and re-anchors the objective every turn', async () => {
    const scenario = longRunScenario({ turns: 200 });
    const f = await fakeModel((_b, i) => scenario.turn(i + 1));
    llm = f.llm;
    const contextTokens = 9_000;
    const result = await runAgent({
      role: 'developer',
      objective: 'Review every feature module and record the configured limits.',
      model: f.model,
      tools: toolsForRole('developer'),
      workspace: makeWorkspace(scenario.files),
      cache: createMemoryContextCache(),
      budgets: { maxTurns: 200, contextTokens },
    });
    expect(result.status).toBe('done');
    expect(result.turns).toBe(200);
    // On task all along: not one drift nudge (the old keyword detector gave 6 here).
    expect(result.detectorCounts.drift).toBe(0);
    const sizes = f.llm.requests.map((b) => estimateTokens(JSON.stringify(b.messages), 'openai') + estimateTokens(JSON.stringify(b.tools), 'openai'));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(contextTokens);
    expect(sizes[199]).toBeLessThanOrEqual(sizes[19] * 1.3);
    for (const b of [f.llm.requests[0], f.llm.requests[150], f.llm.requests[199]]) {
      const last = b.messages[b.messages.length - 1];
      expect(last.role).toBe('user');
      expect(String(last.content)).toMatch(/## Objective \(re-anchored — turn \d+ of at most 200/);
      expect(String(last.content)).toContain('## Working state');
    }
    // Early needles survive in the working state at the end.
    const lastText = requestText(f.llm.requests[199]);
    expect(scenario.needles.every((n) => lastText.includes(`${n.name} = ${n.value}`))).toBe(true);
  }, 60_000);

  it('fails with a clear reason when the turn budget runs out (never on a bare answer)', async () => {
    const f = await fakeModel((_b, i) => toolTurn('list_files', { depth: (i % 5) + 1 }));
    llm = f.llm;
    const r = await runAgent({ role: 'developer', objective: 'List files forever', model: f.model, tools: toolsForRole('developer'), workspace: makeWorkspace({ 'a.txt': 'a' }), cache: createMemoryContextCache(), budgets: { maxTurns: 4 } });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe('turn budget exhausted (4 turns) before finish');
    expect(r.turns).toBe(4);
  });

  it('checkpoints every turn and resumes where it stopped; cancellation ends with stopped', async () => {
    const store = createMemoryCheckpointStore();
    const ws = makeWorkspace({ 'src/a.ts': 'export const PORT_NUMBER = 4817;\n' });
    const f1 = await fakeModel([toolTurn('read_file', { path: 'src/a.ts' }), toolTurn('list_files', {}), toolTurn('list_files', { depth: 2 })]);
    llm = f1.llm;
    const handle = startAgent({
      role: 'developer', objective: 'Find the port', model: f1.model, tools: toolsForRole('developer'), workspace: ws, cache: createMemoryContextCache(), checkpoint: store, taskKey: 'task-1',
      onEvent: (e) => {
        if (e.type === 'checkpoint' && e.turn === 2) handle.abort('operator cancelled');
      },
    });
    const first = await handle.result;
    expect(first.status).toBe('stopped');
    expect(first.reason).toBe('operator cancelled');
    expect(store.saves).toBe(2);
    await f1.llm.close();

    const f2 = await fakeModel([finish]);
    llm = f2.llm;
    const second = await runAgent({ role: 'developer', objective: 'Find the port', model: f2.model, tools: toolsForRole('developer'), workspace: ws, cache: createMemoryContextCache(), checkpoint: store, taskKey: 'task-1' });
    expect(second.status).toBe('done');
    expect(second.turns).toBe(3);
    expect(requestText(f2.llm.requests[0])).toContain('PORT_NUMBER = 4817');
    // The role's usage (and so its budgets and the run's cost) counts the turns before the stop too.
    expect(first.usage.calls).toBe(2);
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(second.usage.calls).toBe(3);
    expect(second.usage.inputTokens).toBeGreaterThan(first.usage.inputTokens);
    expect(second.usage.outputTokens).toBeGreaterThan(first.usage.outputTokens);
  });

  it('keeps the budget across a resume: usage spent before the stop counts against it', async () => {
    const store = createMemoryCheckpointStore();
    const ws = makeWorkspace({ 'a.txt': 'a' });
    const f1 = await fakeModel((_b, i) => toolTurn('list_files', { depth: (i % 5) + 1 }));
    llm = f1.llm;
    const handle = startAgent({
      role: 'developer', objective: 'List files', model: f1.model, tools: toolsForRole('developer'), workspace: ws, cache: createMemoryContextCache(), checkpoint: store, taskKey: 'task-budget',
      onEvent: (e) => {
        if (e.type === 'checkpoint' && e.turn === 3) handle.abort('worker died');
      },
    });
    const first = await handle.result;
    expect(first.status).toBe('stopped');
    const spent = first.usage.inputTokens + first.usage.outputTokens;
    await f1.llm.close();

    // A token budget the first execution alone already used up: the resumed role may not start over.
    const f2 = await fakeModel([finish]);
    llm = f2.llm;
    const second = await runAgent({ role: 'developer', objective: 'List files', model: f2.model, tools: toolsForRole('developer'), workspace: ws, cache: createMemoryContextCache(), checkpoint: store, taskKey: 'task-budget', budgets: { maxTokens: spent } });
    expect(second.status).toBe('failed');
    expect(second.reason).toBe(`token budget exhausted (${spent} of ${spent})`);
    expect(f2.llm.requests).toHaveLength(0);
  });

  it('injectMessage steers the next turn; secrets never reach the prompt', async () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const f = await fakeModel([toolTurn('read_file', { path: '.env' }), toolTurn('list_files', {}), finish]);
    llm = f.llm;
    const handle = startAgent({
      role: 'developer', objective: 'Check the config', model: f.model, tools: toolsForRole('developer'), workspace: makeWorkspace({ '.env': `GITHUB_TOKEN=${secret}\nAPI_KEY=hunter2-very-secret\n` }), cache: createMemoryContextCache(), secrets: ['hunter2-very-secret'],
      onEvent: (e) => {
        if (e.type === 'tool-result' && e.turn === 1) handle.injectMessage('Please also look at the README.');
      },
    });
    const r = await handle.result;
    expect(r.status).toBe('done');
    expect(requestText(f.llm.requests[1])).toContain('[message from the user] Please also look at the README.');
    const all = JSON.stringify(f.llm.requests);
    expect(all).not.toContain(secret);
    expect(all).not.toContain('hunter2-very-secret');
    expect(all).toContain('[redacted]');
  });

  it('explorers run in parallel with read-only tools, report findings, and their cost counts in the parent run', async () => {
    const ws = makeWorkspace({ 'src/db/orders.ts': 'export const ORDERS_TABLE = "orders";\n', 'src/api/orders.ts': 'export function getOrders() {}\n' });
    const f = await fakeModel((body) => {
      const text = JSON.stringify(body.messages);
      if (text.includes('Role: explorer')) {
        const name = /Explorer \\"([a-z-]+)\\"/.exec(text)?.[1] ?? '?';
        const tools = (body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
        if (tools.includes('apply_code_changes') || tools.includes('run_command')) return { text: 'explorers must be read-only' };
        return toolTurn('finish', { summary: `${name} mapped`, findings: [{ title: `${name} lives in src/${name === 'data-layer' ? 'db' : 'api'}/orders.ts`, files: [`src/${name === 'data-layer' ? 'db' : 'api'}/orders.ts`] }] });
      }
      if (text.includes('data-layer mapped')) return finish;
      return toolTurn('spawn_explorers', { explorers: [{ name: 'data-layer', mandate: 'How are orders stored?' }, { name: 'api-layer', mandate: 'Which routes serve orders?' }] });
    });
    llm = f.llm;
    const usage = createUsageAccumulator();
    const cache = createMemoryContextCache();
    const spawn = createExplorerSpawner({ model: f.model, workspace: ws, cache, taskKey: 't-exp', usage });
    const r = await runAgent({ role: 'architect', objective: 'Design order export', model: f.model, tools: toolsForRole('architect', { spawnExplorers: spawn }), workspace: ws, cache, taskKey: 't-exp', usage });
    expect(r.status).toBe('done');
    const parentSecond = requestText(f.llm.requests[f.llm.requests.length - 1]);
    expect(parentSecond).toContain('data-layer lives in src/db/orders.ts');
    expect(parentSecond).toContain('api-layer lives in src/api/orders.ts');
    expect(r.usage.calls).toBe(4); // two parent turns + one per explorer
  });

  it('the Postgres context cache survives a handoff: the next role recalls by reference', async () => {
    const cache = createPgContextCache(tdb.db);
    const ws = makeWorkspace({ 'src/money.ts': 'export const CENTS_PER_UNIT = 100;\n' });
    const f1 = await fakeModel([toolTurn('read_file', { path: 'src/money.ts' }), toolTurn('finish', { summary: 'design: store money in cents' })]);
    llm = f1.llm;
    const architect = await runAgent({ role: 'architect', objective: 'Design money handling', model: f1.model, tools: toolsForRole('architect'), workspace: ws, cache, taskKey: 'task-pg' });
    expect(architect.status).toBe('done');
    // A handoff by reference: the architect's summary filed in the cache, plus the refs of its files.
    const summaryRef = await cache.put({ taskKey: 'task-pg', kind: 'handoff', label: 'handoff from architect', content: JSON.stringify({ summary: architect.finish!.summary, workingState: architect.workingState }, null, 2) });
    const refs = [summaryRef, ...new Set(architect.workingState.activeFiles.map((x) => x.ref).filter((r): r is string => Boolean(r)))];
    expect(refs.length).toBe(2);
    expect((await cache.list('task-pg', 'file')).map((i) => i.label)).toEqual([expect.stringContaining('src/money.ts')]);
    await f1.llm.close();

    const f2 = await fakeModel([toolTurn('recall', { ref: refs[0] }), finish]);
    llm = f2.llm;
    const dev = await runAgent({ role: 'developer', objective: 'Implement money handling', model: f2.model, tools: toolsForRole('developer'), workspace: ws, cache: createPgContextCache(tdb.db), taskKey: 'task-pg', handoffRefs: refs });
    expect(dev.status).toBe('done');
    expect(requestText(f2.llm.requests[0])).toContain(refs[0]);
    const recalled = requestText(f2.llm.requests[1]);
    expect(recalled).toContain('design: store money in cents');
    expect(recalled).toContain('CENTS_PER_UNIT');
    // Content-addressed: storing the same content again keeps one row.
    await cache.put({ taskKey: 'task-pg', kind: 'note', content: 'x', label: 'a' });
    await cache.put({ taskKey: 'task-pg', kind: 'note', content: 'x', label: 'b' });
    expect((await cache.list('task-pg', 'note')).length).toBe(1);
  });

  it('records the prompt ids and versions used, and composes the role prompt', async () => {
    const f = await fakeModel([finish]);
    llm = f.llm;
    const r = await runAgent({ role: 'qa', objective: 'Check the cart', model: f.model, tools: toolsForRole('qa'), workspace: makeWorkspace({ 'package.json': '{"devDependencies":{"vitest":"1"}}' }), cache: createMemoryContextCache() });
    // QA must give a verdict: finish without one is refused, so the script runs out and the run fails.
    expect(r.status).toBe('failed');
    expect(r.prompts.map((p) => p.id)).toEqual(expect.arrayContaining(['base', 'role.qa', 'phase.planning', 'family.openai', 'stack.node']));
    expect(String(f.llm.requests[0].messages[0].content)).toContain('Role: qa');
  });
});
