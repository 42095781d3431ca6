import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { toolTurn } from '../../test/fake-llm/turns';
import { createModel } from '../llm';
import { toolsForRole } from '../tools/registry';
import { createMemoryContextCache } from './context-cache';
import { runAgent } from './run-agent';
import { makeWorkspace, requestText } from '../../test/agent/test-support';
import type { AgentEvent } from './types';

const ORIGINAL = 'export const LIMIT = 10;\nexport function clamp(n) {\n  return Math.min(n, LIMIT);\n}\n';

/**
 * Two cuts the output limit makes in real streams: a replace edit whose new text stops mid-line,
 * and a new file whose content stops mid-function. `jsonrepair` turns both into well-formed
 * arguments that apply_code_changes would accept — which is exactly why they must not run.
 */
const CUT_REPLACE = '{"changes":[{"path":"src/limits.js","mode":"replace","search":"export const LIMIT = 10;","replace":"export const LIMIT = 20;\\nexport const FLOOR';
const CUT_CREATE = '{"changes":[{"path":"src/new-module.js","mode":"create","content":"export function area(w, h) {\\n  return w * ';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

async function run(provider: 'openai' | 'anthropic', turns: Turn[]) {
  llm = await startFakeLlm({ script: turns });
  const model = createModel(`${provider}:fake-model`, { baseUrl: llm.url, apiKey: 'test-key-not-secret', retry: { maxRetries: 0 } });
  const workspace = makeWorkspace({ 'src/limits.js': ORIGINAL });
  const events: AgentEvent[] = [];
  const result = await runAgent({
    role: 'developer',
    objective: 'Raise LIMIT in src/limits.js to 20 and add a FLOOR constant.',
    model,
    tools: toolsForRole('developer'),
    workspace,
    cache: createMemoryContextCache(),
    onEvent: (e) => events.push(e),
  });
  return { result, events, workspace, requests: llm.requests };
}

describe.each(['openai', 'anthropic'] as const)('truncated tool call (%s wire protocol, real agent loop)', (provider) => {
  it('a replace edit cut by the output limit never touches the file; the model is told to split the change', async () => {
    const cut: Turn = { text: 'Updating the limits.', toolCalls: [{ name: 'apply_code_changes', args: CUT_REPLACE }], finishReason: 'length' };
    const { result, events, workspace, requests } = await run(provider, [cut, toolTurn('finish', { summary: 'stopped' })]);

    expect(readFileSync(join(workspace, 'src/limits.js'), 'utf8')).toBe(ORIGINAL);
    const call = events.find((e) => e.type === 'tool-call');
    expect(call?.type === 'tool-call' && call.call).toMatchObject({ toolName: 'apply_code_changes', truncated: true, rawArgs: CUT_REPLACE });
    const finish = events.find((e) => e.type === 'stream' && e.part.type === 'finish');
    expect(finish?.type === 'stream' && finish.part).toMatchObject({ type: 'finish', reason: 'length' });
    const toolResult = events.find((e) => e.type === 'tool-result');
    expect(toolResult).toMatchObject({ isError: true, toolName: 'apply_code_changes' });
    expect(toolResult?.type === 'tool-result' && toolResult.output).toContain('cut off by the output-token limit');
    expect(toolResult?.type === 'tool-result' && toolResult.output).toContain('NOT executed');

    expect(result.status).toBe('done');
    expect(result.detectorCounts['truncated-tool-call']).toBe(1);
    const nudges = events.filter((e) => e.type === 'nudge');
    expect(nudges.map((n) => n.type === 'nudge' && n.detector)).toEqual(['truncated-tool-call']);
    const next = requestText(requests[1]);
    expect(next).toContain('hit the output limit');
    expect(next).toContain('split the change into several calls');
    expect(next).toContain('NOT executed');
  });

  it('a new file cut mid-content is not created, while a complete call before it in the same answer runs', async () => {
    const cut: Turn = {
      toolCalls: [
        { name: 'read_file', args: { path: 'src/limits.js' } },
        { name: 'apply_code_changes', args: CUT_CREATE },
      ],
      finishReason: 'length',
    };
    const { result, events, workspace } = await run(provider, [cut, toolTurn('finish', { summary: 'stopped' })]);

    expect(existsSync(join(workspace, 'src/new-module.js'))).toBe(false);
    const results = events.filter((e) => e.type === 'tool-result' && e.turn === 1);
    expect(results.map((r) => r.type === 'tool-result' && [r.toolName, r.isError])).toEqual([
      ['read_file', false],
      ['apply_code_changes', true],
    ]);
    expect(results[0].type === 'tool-result' && results[0].output).toContain('LIMIT = 10');
    expect(result.detectorCounts['truncated-tool-call']).toBe(1);
  });

  it('a call whose arguments were complete when the limit hit still runs (length alone is not a cut)', async () => {
    const whole = JSON.stringify({ changes: [{ path: 'src/limits.js', mode: 'replace', search: 'export const LIMIT = 10;', replace: 'export const LIMIT = 20;' }] });
    const turn: Turn = { toolCalls: [{ name: 'apply_code_changes', args: whole }], finishReason: 'length' };
    const { result, workspace } = await run(provider, [turn, toolTurn('finish', { summary: 'done' })]);
    expect(readFileSync(join(workspace, 'src/limits.js'), 'utf8')).toContain('export const LIMIT = 20;');
    expect(result.detectorCounts['truncated-tool-call']).toBe(0);
  });
});
