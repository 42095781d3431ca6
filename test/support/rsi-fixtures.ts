/**
 * The self-improvement acceptance fixture: a two-task eval suite (`add`, `clamp`) and a scripted
 * model for the fake LLM server that plays both the developer and the reporter agent.
 *
 * The developer's behaviour depends on what its system prompt says — which is the point: a prompt
 * change must change what the agent does for calibration to see it.
 *  - `add`: without GUIDANCE in its prompt it edits from memory (a search text the file does not
 *    hold: apply_code_changes refuses) and finishes without a fix, so the hidden test fails; with
 *    GUIDANCE it re-reads the file and fixes it.
 *  - `clamp`: solved right, unless the prompt says SABOTAGE (then only the lower bound).
 * The reporter reads observations.md and makes the proposals the test queues in `reporterPlan`.
 */
import { writeTree } from './eval-fixtures';
import type { Turn } from '../fake-llm/server';

/** Sentence a good proposal adds to the developer's prompt; the developer script reacts to it. */
export const GUIDANCE = 'Before an edit, read the file again: a search text copied from memory does not match.';
/** Sentence a harmful proposal adds; it makes the developer write clamp wrongly. */
export const SABOTAGE = 'Keep lower bounds only: upper bounds are the caller’s job.';
/** Sentence a broken proposal adds; with it every developer model call is refused (HTTP 400), so the eval errors. */
export const BREAKS = 'Answer in the legacy completion format only.';
/** What the developer searches for when it edits from memory (the file does not hold it). */
export const MISREMEMBERED = 'return difference(a, b);';

const PKG = `${JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test test/' } }, null, 2)}\n`;

export function rsiSuite(dir: string): void {
  writeTree(dir, {
    'suite.json': JSON.stringify({ name: 'rsi-acceptance', description: 'one task an agent misedits without guidance, one it solves' }),
    'tasks/add/task.json': JSON.stringify({ title: 'Fix add', prompt: 'add(a, b) in src/math.js returns the wrong number. Make it return the sum.', verify: 'node --test test/', timeoutSec: 60 }),
    'tasks/add/repo/package.json': PKG,
    'tasks/add/repo/src/math.js': 'export function add(a, b) {\n  return a - b;\n}\n',
    'tasks/add/hidden/test/add.hidden.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('add sums', () => {\n  assert.equal(add(2, 3), 5);\n});\n",
    'tasks/clamp/task.json': JSON.stringify({ title: 'Write clamp', prompt: 'Implement clamp(x, lo, hi) in src/clamp.js: x limited to [lo, hi].', verify: 'node --test test/', timeoutSec: 60 }),
    'tasks/clamp/repo/package.json': PKG,
    'tasks/clamp/repo/src/clamp.js': "export function clamp(x, lo, hi) {\n  throw new Error('not implemented');\n}\n",
    'tasks/clamp/hidden/test/clamp.hidden.test.js':
      "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { clamp } from '../src/clamp.js';\n\ntest('clamp limits both ends', () => {\n  assert.equal(clamp(-5, 0, 10), 0);\n  assert.equal(clamp(50, 0, 10), 10);\n});\n",
  });
}

type Msg = { role: string; content?: unknown; tool_calls?: unknown[] };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));
const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });

/** One reporter proposal, as the scripted reporter sends it; `observation` picks the O-id by a phrase of its pattern. */
export type ScriptedProposal = { observation: string; args: Record<string, unknown> };

/**
 * The scripted model. `reporterPlan()` is asked at the start of each reporter conversation for the
 * proposals of that cycle, in order.
 */
export function rsiScript(reporterPlan: () => ScriptedProposal[]): (body: Record<string, unknown>) => Turn {
  // Reporter conversations run one at a time: the plan is taken when one reads observations.md.
  let plan: ScriptedProposal[] = [];
  return (body) => {
    const messages = (body.messages ?? []) as Msg[];
    const tools = ((body.tools ?? []) as Array<{ function?: { name?: string } }>).map((t) => t.function?.name);
    const system = text(messages.find((m) => m.role === 'system')?.content);
    const step = messages.filter((m) => m.role === 'assistant').length;
    const objective = text(messages.find((m) => m.role === 'user')?.content);

    if (tools.includes('propose_improvement')) {
      // ---- the reporter ----
      if (step === 0) return call('read_file', { path: 'observations.md' });
      if (step === 1) plan = reporterPlan();
      const observations = messages
        .filter((m) => m.role === 'tool')
        .map((m) => text(m.content))
        .find((t) => t.includes('# Observations'))
        ?.replace(/\\n/g, '\n') ?? '';
      const next = plan[step - 1];
      if (!next) return call('finish', { summary: `proposed ${plan.length} change(s)` });
      const phrase = next.observation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const id = new RegExp(`(O\\d+) — [^\\n]*${phrase}`).exec(observations)?.[1] ?? 'O-not-found';
      return call('propose_improvement', { ...next.args, observations: [id] });
    }

    // ---- the developer ----
    if (system.includes(BREAKS)) return { faults: { status: 400 } };
    const isAdd = objective.includes('Fix add');
    if (step === 0) return call('read_file', { path: isAdd ? 'src/math.js' : 'src/clamp.js' });
    if (step === 1) {
      if (isAdd) {
        const search = system.includes(GUIDANCE) ? 'return a - b;' : MISREMEMBERED;
        return call('apply_code_changes', { changes: [{ path: 'src/math.js', mode: 'replace', search, replace: 'return a + b;' }] });
      }
      const body = system.includes(SABOTAGE) ? 'return Math.max(lo, x);' : 'return Math.min(hi, Math.max(lo, x));';
      return call('apply_code_changes', { changes: [{ path: 'src/clamp.js', mode: 'replace', search: "throw new Error('not implemented');", replace: body }] });
    }
    return call('finish', { summary: isAdd ? 'add done' : 'clamp done' });
  };
}
