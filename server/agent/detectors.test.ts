import { afterEach, describe, expect, it } from 'vitest';
import { monologueTurn, repeatedCallTurns, toolTurn } from '../../test/fake-llm/turns';
import type { FakeLlm, Script } from '../../test/fake-llm/server';
import { toolsForRole } from '../tools/registry';
import { createMemoryContextCache } from './context-cache';
import { driftAnchors, driftScore, judgeCall } from './detectors/drift';
import { runAgent } from './run-agent';
import { fakeModel, makeWorkspace, requestText } from '../../test/agent/test-support';
import type { AgentEvent } from './types';

const FILES = {
  'src/cart.js': 'export const TAX_RATE = 0.2;\nexport function total(items) {\n  return items.reduce((s, i) => s + i.price, 0);\n}\n',
  'src/other.js': 'export const A = 1;\n',
  'README.md': '# shop\n',
  '.eslintrc.json': '{ "rules": {} }\n',
  'docs/style.md': '# Style guide\nUse two spaces.\n',
};
const finish = toolTurn('finish', { summary: 'done' });

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

async function run(script: Script, extra: Partial<Parameters<typeof runAgent>[0]> = {}) {
  const f = await fakeModel(script);
  llm = f.llm;
  const events: AgentEvent[] = [];
  const result = await runAgent({
    role: 'developer',
    objective: 'Fix the total function in src/cart.js so that it applies TAX_RATE to the cart total.',
    acceptanceCriteria: ['total([{price: 10}]) returns 12'],
    model: f.model,
    tools: toolsForRole('developer'),
    workspace: makeWorkspace(FILES),
    cache: createMemoryContextCache(),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { result, events, requests: f.llm.requests };
}

describe('misbehaviour detectors (fake LLM server)', () => {
  it('monologue: a tool-less answer earns a nudge restating the objective and the tools, then the run continues', async () => {
    const { result, requests } = await run([monologueTurn(), finish]);
    expect(result.status).toBe('done');
    expect(result.detectorCounts.monologue).toBe(1);
    expect(result.nudges).toBe(1);
    const second = requestText(requests[1]);
    expect(second).toContain('[harness] You answered with text only');
    expect(second).toContain('Objective: Fix the total function');
    expect(second).toContain('apply_code_changes');
  });

  it('refusal: a run never ends on a bare text answer; repeated refusals fail the run with a reason', async () => {
    const refusal = { text: "I'm sorry, I can't modify files in your repository." };
    const { result, requests } = await run([refusal, refusal, refusal, refusal]);
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/without calling a tool/);
    expect(result.detectorCounts.monologue).toBe(4);
    expect(result.nudges).toBe(3);
    expect(requestText(requests[1])).toContain('You said you cannot do this, but you can');
  });

  it('doom loop: the same call 3× → nudge with what was learned → forced strategy change → failed run', async () => {
    const { result, requests, events } = await run(repeatedCallTurns('read_file', { path: 'src/cart.js' }, 5));
    expect(requestText(requests[3])).toContain('What you already learned from it');
    expect(requestText(requests[3])).toContain('TAX_RATE');
    expect(requestText(requests[4])).toContain('Forced change of strategy');
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^doom loop: read_file .*src\/cart\.js.* kept repeating after a nudge and a forced change of strategy/);
    expect(result.detectorCounts['doom-loop']).toBe(3);
    expect(result.nudges).toBe(2);
    expect(events.filter((e) => e.type === 'nudge').map((e) => (e as { detector: string }).detector)).toEqual(['doom-loop', 'doom-loop']);
  });

  it('doom loop: a blocked call is refused after the forced strategy change', async () => {
    const script = [...repeatedCallTurns('read_file', { path: 'src/cart.js' }, 4), toolTurn('read_file', { path: 'src/other.js' }), finish];
    const { result, events } = await run(script);
    // Fourth identical call → forced change (the call itself still ran), then the model moved on.
    expect(result.status).toBe('done');
    expect(result.detectorCounts['doom-loop']).toBe(2);
    expect(result.workingState.failedApproaches.join('\n')).toMatch(/repeating read_file/);
    expect(events.some((e) => e.type === 'phase' && e.to === 'recovering')).toBe(true);
  });

  it('doom loop: A-B-A-B alternation is caught too', async () => {
    const a = toolTurn('read_file', { path: 'src/cart.js' });
    const b = toolTurn('list_files', { path: 'src' });
    const { result, requests } = await run([a, b, a, b, finish]);
    expect(result.status).toBe('done');
    expect(result.detectorCounts['doom-loop']).toBe(1);
    expect(requestText(requests[4])).toContain('an alternation of these calls');
  });

  it('doom loop covers finish: a model repeating a refused finish ends the role by the doom-loop limits, not the turn budget', async () => {
    // The reviewer must give a verdict; this finish is refused every time, for as long as it is asked (80-turn budget).
    const refused: Script = () => toolTurn('finish', { summary: 'Looks fine to me.' });
    const { result, requests, events } = await run(refused, { role: 'reviewer', tools: toolsForRole('reviewer') });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^doom loop: finish/);
    // 3 repeats → nudge; the 4th → forced change; the 5th → failure. Five requests, not 80.
    expect(requests).toHaveLength(5);
    expect(result.turns).toBe(5);
    expect(events.filter((e) => e.type === 'nudge').map((e) => (e as { detector: string }).detector)).toEqual(['doom-loop', 'doom-loop']);
    expect(requestText(requests[3])).toContain('What you already learned from it');
    expect(requestText(requests[3])).toContain('verdict');
    expect(requestText(requests[4])).toContain('Forced change of strategy');
  });

  it('doom loop: the same refusal counts as a repeat even when the refused arguments vary', async () => {
    const refused: Script = (_body, i) => toolTurn('finish', { summary: `Reviewed the change (attempt ${i + 1}).` });
    const { result, requests } = await run(refused, { role: 'reviewer', tools: toolsForRole('reviewer') });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^doom loop: finish/);
    expect(requests).toHaveLength(5);
  });

  it('malformed tool JSON: the parse error comes back as the tool result, asking to resend only that call', async () => {
    const bad = { toolCalls: [{ name: 'read_file', args: '{{{:::' }, { name: 'list_files', args: { path: 'src' } }] };
    const { result, requests, events } = await run([bad, finish]);
    expect(result.status).toBe('done');
    expect(result.detectorCounts['malformed-tool-call']).toBe(1);
    const toolResults = (requests[1].messages as any[]).filter((m) => m.role === 'tool').map((m) => String(m.content));
    expect(toolResults[0]).toMatch(/could not be used: they are not valid JSON/);
    expect(toolResults[0]).toContain('Resend only this call');
    expect(toolResults[0]).toContain('{{{:::');
    expect(toolResults[1]).toContain('cart.js');
    expect(events.some((e) => e.type === 'tool-result' && e.toolName === 'list_files' && !e.isError)).toBe(true);
  });

  it('invalid arguments (missing a required field) are answered the same way', async () => {
    const { result, requests } = await run([toolTurn('read_file', { start_line: 1 }), finish]);
    expect(result.detectorCounts['malformed-tool-call']).toBe(1);
    expect(requestText(requests[1])).toContain('missing required field \\"path\\"');
  });

  it('repairable tool JSON (split chunks, single quotes, trailing comma) is repaired and counted', async () => {
    const turn = { toolCalls: [{ name: 'read_file', args: { path: 'src/cart.js' } }], faults: { malformedToolJson: true, splitBytes: 7 } };
    const { result, events } = await run([turn, finish]);
    expect(result.repairedToolCalls).toBe(1);
    expect(events.some((e) => e.type === 'repair')).toBe(true);
    expect(events.some((e) => e.type === 'tool-result' && e.toolName === 'read_file' && e.output.includes('TAX_RATE'))).toBe(true);
  });

  it('unknown tool: the result lists the valid tools', async () => {
    const { result, requests } = await run([toolTurn('edit_file', { path: 'a' }), finish]);
    expect(result.detectorCounts['unknown-tool']).toBe(1);
    const text = requestText(requests[1]);
    expect(text).toContain('there is no tool named \\"edit_file\\"');
    expect(text).toMatch(/Valid tools: read_file, list_files, search_code, apply_code_changes.*finish/);
  });

  it('empty response: retried once without counting a turn', async () => {
    const { result, requests } = await run([{ text: '' }, finish]);
    expect(result.status).toBe('done');
    expect(result.detectorCounts['empty-response']).toBe(1);
    expect(result.turns).toBe(1);
    expect(result.nudges).toBe(0);
    expect(requests).toHaveLength(2);
  });

  it('two empty responses in a row: one retry, then treated as a tool-less answer', async () => {
    const { result } = await run([{ text: '' }, { text: '' }, finish]);
    expect(result.detectorCounts['empty-response']).toBe(1);
    expect(result.detectorCounts.monologue).toBe(1);
    expect(result.status).toBe('done');
  });

  it('context overflow: compacts harder and retries', async () => {
    const big = Array.from({ length: 600 }, (_, i) => `export function f${i}() { return ${i}; } // filler line for size`).join('\n');
    const script: Script = [
      toolTurn('read_file', { path: 'src/big1.js' }),
      toolTurn('read_file', { path: 'src/big2.js' }),
      // Content first: an error before any content is retried by the LLM layer itself.
      { text: 'Let me look.', faults: { errorEvent: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens (context_length_exceeded)" } },
      finish,
    ];
    const f = await fakeModel(script);
    llm = f.llm;
    const result = await runAgent({
      role: 'developer',
      objective: 'Summarise the big files.',
      model: f.model,
      tools: toolsForRole('developer'),
      workspace: makeWorkspace({ 'src/big1.js': big, 'src/big2.js': big.replace(/f(\d)/g, 'g$1') }),
      cache: createMemoryContextCache(),
      budgets: { contextTokens: 12_000 },
    });
    expect(result.status).toBe('done');
    expect(result.detectorCounts['context-overflow']).toBe(1);
    expect(result.turns).toBe(3);
    const sizes = f.llm.requests.map((r) => JSON.stringify(r.messages).length);
    expect(sizes[3]).toBeLessThan(sizes[2] * 0.8);
    expect(JSON.stringify(f.llm.requests[3].messages)).toMatch(/recall ctx:[0-9a-f]{16}/);
  });

  it('drift: actions unrelated to the objective earn a re-focus nudge', async () => {
    const script = [
      toolTurn('read_file', { path: '.eslintrc.json' }),
      toolTurn('read_file', { path: 'docs/style.md' }),
      toolTurn('read_file', { path: 'README.md' }),
      finish,
    ];
    const { result, requests } = await run(script, { scope: ['src/cart.js'] });
    expect(result.detectorCounts.drift).toBe(1);
    expect(result.drift.length).toBe(3);
    expect(result.drift[2]).toBeGreaterThan(0.8);
    expect(requestText(requests[3])).toContain('[harness] Re-focus');
  });

  it('drift: a run that wanders off mid-task is nudged within 3 off-task turns', async () => {
    const script = [
      toolTurn('read_file', { path: 'src/cart.js' }),
      toolTurn('apply_code_changes', { changes: [{ path: 'src/cart.js', mode: 'replace', search: '  return items.reduce((s, i) => s + i.price, 0);', replace: '  return items.reduce((s, i) => s + i.price, 0) * (1 + TAX_RATE);' }] }),
      // Off task from here: the style guide, an unrelated module, the docs folder.
      toolTurn('read_file', { path: 'docs/style.md' }),
      toolTurn('read_file', { path: 'src/other.js' }),
      toolTurn('list_files', { path: 'docs' }),
      finish,
    ];
    const { result, requests, events } = await run(script, { scope: ['src/cart.js'] });
    expect(result.detectorCounts.drift).toBe(1);
    const nudgeTurn = events.find((e) => e.type === 'nudge' && e.detector === 'drift');
    expect(nudgeTurn && 'turn' in nudgeTurn && nudgeTurn.turn).toBe(5);
    expect(requestText(requests[5])).toContain('[harness] Re-focus');
    expect(requestText(requests[5])).toContain('You touched `docs/style.md`, `src/other.js`, `docs`');
    expect(requestText(requests[5])).toContain('Files in scope: src/cart.js');
    expect(result.drift.slice(0, 2)).toEqual([0, 0]);
  });

  it('drift: orientation (listing the root, reading manifests), bookkeeping and work on the task are never nudged', async () => {
    const script = [
      toolTurn('list_files', {}),
      toolTurn('read_file', { path: 'package.json' }),
      toolTurn('update_working_state', { plan: ['read cart', 'apply tax', 'verify'] }),
      toolTurn('read_file', { path: 'src/cart.js' }),
      toolTurn('update_working_state', { discoveries: ['TAX_RATE is 0.2'] }),
      toolTurn('read_file', { path: 'src/cart.test.js' }),
      toolTurn('search_code', { pattern: 'TAX_RATE' }),
      finish,
    ];
    const { result } = await run(script, { scope: ['src/cart.js'] });
    expect(result.detectorCounts.drift).toBe(0);
    expect(Math.max(...result.drift)).toBe(0);
  });

  it('on-topic work scores low drift and earns no nudge', async () => {
    const script = [toolTurn('read_file', { path: 'src/cart.js' }), toolTurn('search_code', { pattern: 'TAX_RATE' }), toolTurn('read_file', { path: 'src/cart.js', start_line: 2 }), finish];
    const { result } = await run(script, { scope: ['src/cart.js'] });
    expect(result.detectorCounts.drift).toBe(0);
    expect(Math.max(...result.drift)).toBeLessThan(0.5);
  });
});

describe('drift judgement (what the agent touches and names)', () => {
  const anchors = driftAnchors('Fix the total function in src/cart.js so that it applies TAX_RATE to the cart total.', ['total([{price: 10}]) returns 12'], ['src/cart.js']);
  const judge = (toolName: string, args: Record<string, unknown>, output = '') => judgeCall(anchors, { toolName, args, output, isError: false });

  it('files: in scope, siblings named by the task, and paths sharing the task\'s words are on task; others are off', () => {
    expect(judge('read_file', { path: 'src/cart.js' })).toMatchObject({ on: 1, off: 0 });
    expect(judge('read_file', { path: 'src/cart.test.js' })).toMatchObject({ on: 1, off: 0 });
    expect(judge('read_file', { path: 'lib/tax/rates.js' })).toMatchObject({ on: 1, off: 0 });
    expect(judge('read_file', { path: 'src/other.js' })).toMatchObject({ on: 0, off: 1, offTargets: ['src/other.js'] });
    expect(judge('apply_code_changes', { changes: [{ path: 'src/cart.js' }, { path: 'docs/style.md' }] })).toMatchObject({ on: 1, off: 1 });
  });

  it('searches are judged by the name searched for, else by where it was found', () => {
    expect(judge('search_code', { pattern: 'TAX_RATE' })).toMatchObject({ on: 1 });
    expect(judge('search_code', { pattern: 'reduce\\(' }, 'src/cart.js:3:  return items.reduce(')).toMatchObject({ on: 1, off: 0 });
    expect(judge('search_code', { pattern: 'two spaces' }, 'docs/style.md:2:Use two spaces.')).toMatchObject({ on: 0, off: 1 });
    expect(judgeCall(anchors, { toolName: 'search_code', args: { pattern: 'x(' }, output: 'bad regex', isError: true })).toMatchObject({ on: 0, off: 0 });
  });

  it('commands are judged by the paths they name; bare verification and bookkeeping are neutral', () => {
    expect(judge('run_command', { command: 'npm test' })).toMatchObject({ on: 0, off: 0 });
    expect(judge('run_command', { command: 'npx vitest run src/cart.test.js' })).toMatchObject({ on: 1, off: 0 });
    expect(judge('run_command', { command: 'cat docs/style.md' })).toMatchObject({ on: 0, off: 1 });
    expect(judge('update_working_state', { discoveries: ['anything at all'] })).toMatchObject({ on: 0, off: 0 });
    expect(judge('read_file', { path: 'package.json' })).toMatchObject({ on: 0, off: 0 });
    expect(judge('list_files', {})).toMatchObject({ on: 0, off: 0 });
  });

  it('the window score is the off share of the judged targets', () => {
    expect(driftScore([{ on: 1, off: 0 }, { on: 0, off: 0 }])).toBe(0);
    expect(driftScore([{ on: 1, off: 3 }])).toBe(0.75);
    expect(driftScore([])).toBe(0);
  });
});
