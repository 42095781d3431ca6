import { afterEach, describe, expect, it } from 'vitest';
import type { FakeLlm } from '../../test/fake-llm/server';
import { toolTurn } from '../../test/fake-llm/turns';
import { createMemoryContextCache } from '../agent/context-cache';
import { runAgent } from '../agent/run-agent';
import { fakeModel, makeWorkspace } from '../../test/agent/test-support';
import type { RealtimeEvent } from '../realtime/events';
import { toolsForRole } from '../tools/registry';
import { createStreamRelay, RELAY_CONTEXT_LINES, RELAY_OUTPUT_MAX_CHARS, RELAY_WHOLE_FILE_MAX_CHARS } from './stream-relay';

let llm: FakeLlm | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `export const ${tag}${i} = ${i}; // a line long enough to add up`).join('\n') + '\n';

describe('stream relay', () => {
  it('shows each edit from the tool result metadata: whole files past the 20k characters the model sees, the changed region of a huge file', async () => {
    const big = lines(600, 'a'); // ~33k characters: the model's diff text is cut at 20k
    const huge = lines(5000, 'h'); // ~280k characters: sent as its changed region
    const ws = makeWorkspace({ 'src/huge.ts': huge });
    const f = await fakeModel([
      toolTurn('apply_code_changes', {
        changes: [
          { path: 'src/big.ts', mode: 'create', content: big },
          { path: 'src/huge.ts', mode: 'replace', search: 'export const h2500 = 2500;', replace: 'export const h2500 = -1;' },
        ],
      }),
      toolTurn('finish', { summary: 'done' }),
    ]);
    llm = f.llm;
    const sent: RealtimeEvent[] = [];
    const relay = createStreamRelay({ runId: 'r1', taskId: 't1' }, (e) => sent.push(e));
    const result = await runAgent({
      role: 'developer',
      objective: 'Create src/big.ts and change h2500',
      model: f.model,
      tools: toolsForRole('developer'),
      workspace: ws,
      cache: createMemoryContextCache(),
      onEvent: (e) => relay.onAgentEvent('developer', 1, e),
    });
    expect(result.status).toBe('done');
    const edit = sent.find((e) => e.type === 'agent.tool' && e.toolName === 'apply_code_changes');
    // The model read a diff cut at 20k characters; the viewer gets the files.
    expect(JSON.stringify(f.llm.requests[1].messages)).toContain('diff cut at 20000 characters');
    const diffs = edit?.type === 'agent.tool' ? edit.diffs ?? [] : [];
    expect(diffs.map((d) => d.path)).toEqual(['src/big.ts', 'src/huge.ts']);
    expect(diffs[0]).toEqual({ path: 'src/big.ts', before: '', after: big });
    expect(huge.length * 2).toBeGreaterThan(RELAY_WHOLE_FILE_MAX_CHARS);
    const region = diffs[1];
    expect(region.before.split('\n')).toHaveLength(2 * RELAY_CONTEXT_LINES + 1);
    expect(region.before).toContain('h2500 = 2500;');
    expect(region.after).toContain('h2500 = -1;');
    expect(region.after.split('\n')[0]).toContain(`h${2500 - RELAY_CONTEXT_LINES} =`);
  });

  it('a command carries its exit code, and a long output keeps its end (where a failure is explained)', () => {
    const sent: RealtimeEvent[] = [];
    const relay = createStreamRelay({ runId: 'r1', taskId: 't1' }, (e) => sent.push(e));
    const noise = 'ok - a passing test with a long enough name\n'.repeat(400);
    const output = `$ npm test\nexit code 1\n${noise}not ok 401 - the one that fails\n# fail 1\n`;
    relay.onAgentEvent('qa', 1, { type: 'tool-call', turn: 1, call: { id: 'c1', toolName: 'run_command', args: { command: 'npm test' } } } as never);
    relay.onAgentEvent('qa', 1, { type: 'tool-result', turn: 1, callId: 'c1', toolName: 'run_command', output, isError: true, meta: { exitCode: 1, command: 'npm test', durationMs: 5, timedOut: false } });
    relay.onAgentEvent('qa', 1, { type: 'tool-call', turn: 2, call: { id: 'c2', toolName: 'run_command', args: { command: 'npm start' } } } as never);
    relay.onAgentEvent('qa', 1, { type: 'tool-result', turn: 2, callId: 'c2', toolName: 'run_command', output: '$ npm start\ntimed out after 5s\n', isError: true, meta: { exitCode: 143, command: 'npm start', durationMs: 5000, timedOut: true } });
    const [test, start] = sent.filter((e) => e.type === 'agent.tool');
    expect(output.length).toBeGreaterThan(RELAY_OUTPUT_MAX_CHARS);
    expect(test).toMatchObject({ exitCode: 1, args: { command: 'npm test' } });
    const shown = test.type === 'agent.tool' ? test.output : '';
    expect(shown.startsWith('$ npm test\nexit code 1\n')).toBe(true);
    expect(shown).toContain('not ok 401 - the one that fails\n# fail 1');
    expect(shown).toMatch(/characters not shown/);
    expect(shown.length).toBeLessThan(RELAY_OUTPUT_MAX_CHARS + 100);
    // A command killed at its timeout has no exit code of its own.
    expect(start).not.toHaveProperty('exitCode');
  });
});
