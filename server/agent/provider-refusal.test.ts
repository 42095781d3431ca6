import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { toolTurn } from '../../test/fake-llm/turns';
import { createModel } from '../llm';
import { toolsForRole } from '../tools/registry';
import { createMemoryContextCache } from './context-cache';
import { runAgent } from './run-agent';
import { makeWorkspace, requestText } from '../../test/agent/test-support';
import type { AgentEvent } from './types';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

async function run(provider: 'openai' | 'anthropic', turns: Turn[]) {
  llm = await startFakeLlm({ script: turns });
  const model = createModel(`${provider}:fake-model`, { baseUrl: llm.url, apiKey: 'test-key-not-secret', retry: { maxRetries: 0 } });
  const events: AgentEvent[] = [];
  const result = await runAgent({
    role: 'developer',
    objective: 'Rename the helper in src/util.js to formatPrice.',
    model,
    tools: toolsForRole('developer'),
    workspace: makeWorkspace({ 'src/util.js': 'export function fmt(n) { return n.toFixed(2); }\n' }),
    cache: createMemoryContextCache(),
    onEvent: (e) => events.push(e),
  });
  return { result, events, requests: llm.requests };
}

describe.each(['openai', 'anthropic'] as const)('a provider refusal (%s wire protocol) reaches the refusal detector', (provider) => {
  // Worded so the text alone would not read as a refusal: the provider's signal decides.
  const REFUSAL = 'This request falls outside what this deployment may do.';

  it('the refusal part and finish come through, the turn is not an empty answer, and the model is nudged with its text in the history', async () => {
    const { result, events, requests } = await run(provider, [{ refusal: REFUSAL }, toolTurn('finish', { summary: 'renamed' })]);

    const parts = events.flatMap((e) => (e.type === 'stream' && e.turn === 1 ? [e.part] : []));
    expect(parts.filter((p) => p.type === 'refusal')).toEqual([{ type: 'refusal', text: REFUSAL }]);
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ reason: 'refusal' });

    expect(result.detectorCounts['empty-response']).toBe(0);
    expect(result.detectorCounts.monologue).toBe(1);
    const nudges = events.filter((e) => e.type === 'nudge');
    expect(nudges).toHaveLength(1);
    expect(nudges[0].type === 'nudge' && nudges[0].message).toMatch(/^\[harness\] You said you cannot do this, but you can/);

    // The second request shows the model its refusal, then the nudge.
    const second = requestText(requests[1]);
    expect(second).toContain(REFUSAL);
    expect(second).toContain('You said you cannot do this');
    expect(result.status).toBe('done');
  });
});
