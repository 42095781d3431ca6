/**
 * Eval fixtures shared by the eval tests: a two-task suite (`add` and `clamp`, hidden tests marked
 * with MARKER) and a scripted developer for the fake LLM server that looks around the worktree,
 * then solves `add` and solves `clamp` rightly or wrongly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Turn } from '../fake-llm/server';

/** In every hidden file; must never appear in anything sent to the model. */
export const MARKER = 'HIDDEN-ORACLE-5c1e9a';

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

const PKG = `${JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test test/' } }, null, 2)}\n`;

/** Two tasks: `add` (the model fixes it) and `clamp` (the model's fix ignores the upper bound). */
export function twoTaskSuite(dir: string): void {
  writeTree(dir, {
    'suite.json': JSON.stringify({ name: 'acceptance-two', description: 'one solved, one solved wrongly' }),
    'tasks/add/task.json': JSON.stringify({ title: 'Fix add', prompt: 'add(a, b) in src/math.js returns the wrong number. Make it return the sum.', verify: 'node --test test/', tags: ['bugfix', 'js'] }),
    'tasks/add/repo/package.json': PKG,
    'tasks/add/repo/src/math.js': 'export function add(a, b) {\n  return a - b;\n}\n',
    'tasks/add/repo/test/smoke.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('add is a function', () => assert.equal(typeof add, 'function'));\n",
    'tasks/add/hidden/test/add.hidden.test.js': `// ${MARKER}\nimport { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/math.js';\n\ntest('add sums', () => {\n  assert.equal(add(2, 3), 5);\n  assert.equal(add(-1, 1), 0);\n});\n`,
    'tasks/clamp/task.json': JSON.stringify({ title: 'Write clamp', prompt: 'Implement clamp(x, lo, hi) in src/clamp.js: x limited to [lo, hi].', verify: 'node --test test/', timeoutSec: 60 }),
    'tasks/clamp/repo/package.json': PKG,
    'tasks/clamp/repo/src/clamp.js': "export function clamp(x, lo, hi) {\n  throw new Error('not implemented');\n}\n",
    'tasks/clamp/hidden/test/clamp.hidden.test.js': `// ${MARKER}\nimport { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { clamp } from '../src/clamp.js';\n\ntest('clamp limits both ends', () => {\n  assert.equal(clamp(5, 0, 10), 5);\n  assert.equal(clamp(-5, 0, 10), 0);\n  assert.equal(clamp(50, 0, 10), 10);\n});\n`,
  });
}

type Msg = { role: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));

/**
 * The scripted developer: looks around (lists every file, greps for the marker, reads the test
 * folder), then edits and finishes. `clampRight` decides whether clamp is solved right.
 */
export function developerScript(opts: { clampRight: boolean }): (body: Record<string, unknown>) => Turn {
  return (body) => {
    const messages = (body.messages ?? []) as Msg[];
    const step = messages.filter((m) => m.role === 'assistant').length;
    const objective = text(messages.find((m) => m.role === 'user')?.content);
    const isAdd = objective.includes('Fix add');
    const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });
    if (step === 0) return call('list_files', { path: '.', depth: 6 });
    if (step === 1) return call('run_command', { command: `ls -laR . | grep -v '^total'; grep -rn "${MARKER.slice(0, 6)}" . || echo no-match` });
    if (step === 2) return call('search_code', { query: 'hidden' });
    if (step === 3) {
      return isAdd
        ? call('apply_code_changes', { changes: [{ path: 'src/math.js', mode: 'replace', search: 'return a - b;', replace: 'return a + b;' }] })
        : call('apply_code_changes', {
            changes: [{ path: 'src/clamp.js', mode: 'replace', search: "throw new Error('not implemented');", replace: opts.clampRight ? 'return Math.min(hi, Math.max(lo, x));' : 'return Math.max(lo, x);' }],
          });
    }
    if (step === 4) return call('run_command', { command: 'npm test' });
    return call('finish', { summary: isAdd ? 'add returns a + b' : 'clamp implemented' });
  };
}
