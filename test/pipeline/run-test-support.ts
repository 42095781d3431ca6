/**
 * Test support for whole-run tests of the pipeline (`nightshift run` and `runSpecHeadless`): a
 * fixture repository (a tiny Node project tested with `node --test`), a spec that scores ≥ 70,
 * and a "team" script for the fake LLM server that answers as the role whose system prompt is
 * asking (`Role: <role>`), turn by turn within each agent run.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Turn } from '../fake-llm/server';

export const exec = promisify(execFile);

export const CART_JS = `/** Sum of price × quantity over the cart lines. */
export function subtotal(items) {
  let total = 0;
  for (const item of items) total += item.price * item.quantity;
  return total;
}
`;

const FIXTURE_FILES: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'cart-fixture', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test test/' } }, null, 2)}\n`,
  'src/cart.js': CART_JS,
  'src/format.js': `/** A price in cents as dollars. */
export function formatPrice(cents) {
  return '$' + (cents / 100).toFixed(2);
}
`,
  'test/cart.test.js': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subtotal } from '../src/cart.js';

test('subtotal sums price × quantity', () => {
  assert.equal(subtotal([{ price: 2, quantity: 3 }, { price: 1, quantity: 1 }]), 7);
});
`,
};

const created: string[] = [];

/** Removes every fixture made so far (call from afterAll). */
export function removeFixtures(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A git repository on `main` with one commit, in a fresh temp dir; plus a data dir beside it. */
export async function makeFixtureRepo(): Promise<{ repo: string; dataDir: string; root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'ns-run-'));
  // As root, the embedded PostgreSQL a CLI run starts under <root>/data runs as the postgres user,
  // which must be able to enter this folder (mkdtemp makes it 0700).
  chmodSync(root, 0o711);
  created.push(root);
  const repo = join(root, 'repo');
  for (const [path, text] of Object.entries(FIXTURE_FILES)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  const g = (...args: string[]) => exec('git', args, { cwd: repo });
  await g('init', '--quiet', '-b', 'main');
  await g('add', '.');
  await g('-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', 'commit', '--quiet', '-m', 'cart fixture');
  return { repo, dataDir: join(root, 'data'), root };
}

/** What the user's checkout looks like; a run must leave all three as they were. */
export async function checkoutState(repo: string): Promise<{ head: string; branch: string; status: string }> {
  const g = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
  return { head: (await g('rev-parse', 'HEAD')).trim(), branch: (await g('symbolic-ref', '--short', 'HEAD')).trim(), status: await g('status', '--porcelain', '--untracked-files=all') };
}

export const SPEC = `# Cart discounts

## What to build
Add an \`applyDiscount(total, percent)\` function to \`src/cart.js\` so the checkout can take a
percentage off a cart total. It returns the discounted total rounded to two decimals and is
exported next to \`subtotal\`, with unit tests in \`test/discount.test.js\`.

## What not to build
- No coupon codes or stacking of several discounts.
- No change to the \`subtotal\` function or its tests.

## Acceptance criteria
1. \`applyDiscount(100, 10)\` returns 90.
2. \`applyDiscount(80, 0)\` returns 80 unchanged.
3. \`applyDiscount(100, 150)\` throws a RangeError because the percent is outside 0 to 100.

## Dependencies and contracts
- Exported from \`src/cart.js\` as a named ES module export \`applyDiscount(total: number, percent: number): number\`.
- No new npm packages; only Node 20 built-ins.

## Test expectations
- Unit tests with \`node --test\` in \`test/discount.test.js\` cover each acceptance criterion.
- \`npm test\` exits 0 with every existing test still passing.

## UI/UX
None: this is a library function without any user interface; the checkout page is out of scope.
`;

export const VAGUE_SPEC = `# Make it better

## What to build
Improve the cart somehow, TBD.
`;

// ---- the scripted team -------------------------------------------------------------------

export type Role = 'planner' | 'architect' | 'developer' | 'qa' | 'reviewer';

/** What a role handler sees: which run of that role this is (1-based), the turn in the run (0-based). */
export type TurnContext = {
  run: number;
  step: number;
  /** The first user message: the objective the role was given (task, findings, contests…). */
  objective: string;
  /** The output of the last tool call, if any. */
  lastToolOutput: string;
};

export type TeamScript = Partial<Record<Role, (ctx: TurnContext) => Turn>>;

type Message = { role: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));

export function roleOf(body: Record<string, unknown>): string {
  const messages = (body.messages ?? []) as Message[];
  const system = [text(body.system), ...messages.filter((m) => m.role === 'system').map((m) => text(m.content))].join('\n');
  return /Role: (\w+)/.exec(system)?.[1] ?? 'unknown';
}

/**
 * A fake-LLM script function: routes each request to the handler of the role asking. A request
 * with no assistant message opens a new run of that role (runs are sequential in a headless run).
 */
export function teamScript(team: TeamScript): (body: Record<string, unknown>) => Turn {
  const runs: Record<string, number> = {};
  return (body) => {
    const role = roleOf(body);
    const messages = (body.messages ?? []) as Message[];
    const step = messages.filter((m) => m.role === 'assistant').length;
    if (step === 0) runs[role] = (runs[role] ?? 0) + 1;
    const handler = team[role as Role];
    if (!handler) return { text: `no scripted behaviour for role ${role}` };
    const tools = messages.filter((m) => m.role === 'tool');
    return handler({
      run: runs[role] ?? 1,
      step,
      objective: text(messages.find((m) => m.role === 'user')?.content),
      lastToolOutput: tools.length ? text(tools[tools.length - 1].content) : '',
    });
  };
}

export const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });

/** The plan the planner submits for the discount spec (after fixing the empty `files`). */
export const DISCOUNT_TASK = {
  id: 'T1',
  title: 'Add applyDiscount to the cart',
  description: 'Add applyDiscount(total, percent) to src/cart.js with tests in test/discount.test.js; see the acceptance criteria.',
  files: ['src/cart.js', 'test/discount.test.js'],
  dependsOn: [],
};

/** Planner: first a plan with a task without files (rejected), then the fixed plan, then finish. */
export function plannerSubmittingTwice(ctx: TurnContext): Turn {
  if (ctx.step === 0) return call('submit_plan', { tasks: [{ ...DISCOUNT_TASK, files: [] }] });
  if (ctx.step === 1) return call('submit_plan', { tasks: [DISCOUNT_TASK] });
  return call('finish', { summary: 'One task: T1 adds applyDiscount with its tests.' });
}

export function architectDesign(ctx: TurnContext): Turn {
  if (ctx.step === 0) return call('read_file', { path: 'src/cart.js' });
  return call('finish', {
    summary: 'Approach: add applyDiscount next to subtotal in src/cart.js; validate percent in [0, 100] with a RangeError; round to cents. Files: src/cart.js, test/discount.test.js. Steps: 1) function 2) tests for each criterion 3) npm test. Risk: float rounding.',
  });
}

/** The developer's first version: criteria 1 and 2 hold, the range check (criterion 3) is missing. */
export const FIRST_VERSION = {
  path: 'src/cart.js',
  mode: 'replace',
  search: '  return total;\n}\n',
  replace: '  return total;\n}\n\n/** The total with `percent` taken off, rounded to cents. */\nexport function applyDiscount(total, percent) {\n  return Math.round(total * (100 - percent)) / 100;\n}\n',
};
export const DISCOUNT_TESTS = {
  path: 'test/discount.test.js',
  mode: 'create',
  content: "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { applyDiscount } from '../src/cart.js';\n\ntest('10% off 100 is 90', () => assert.equal(applyDiscount(100, 10), 90));\ntest('0% off leaves the total', () => assert.equal(applyDiscount(80, 0), 80));\n",
};
/** QA's missing test for criterion 3. */
export const RANGE_TEST = {
  path: 'test/discount-range.test.js',
  mode: 'create',
  content: "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { applyDiscount } from '../src/cart.js';\n\ntest('a percent above 100 is a RangeError', () => assert.throws(() => applyDiscount(100, 150), RangeError));\n",
};
export const RANGE_FIX = {
  path: 'src/cart.js',
  mode: 'replace',
  search: 'export function applyDiscount(total, percent) {\n',
  replace: 'export function applyDiscount(total, percent) {\n  if (percent < 0 || percent > 100) throw new RangeError(`percent must be between 0 and 100, got ${percent}`);\n',
};

/**
 * QA's verdict follows what `npm test` really did in the sandbox, and its evidence cites that run
 * (with the exit code it gave): the harness checks each citation against the recording.
 */
export function qaVerdict(ctx: TurnContext, extraFindings: Array<Record<string, unknown>> = []): Turn {
  const passed = /exit code 0/.test(ctx.lastToolOutput);
  const exit = Number(/exit code (\d+)/.exec(ctx.lastToolOutput)?.[1] ?? -1);
  const ran = (shows: string) => [{ command: 'npm test', ...(exit === 0 ? {} : { exit_code: exit }), shows }];
  return call('finish', {
    summary: passed ? 'npm test passes in the sandbox; every criterion is covered by a test.' : 'npm test fails in the sandbox: applyDiscount accepts a percent above 100.',
    verdict: passed ? 'pass' : 'fail',
    findings: [
      ...(passed ? [] : [{ id: 'F1', category: 'bug', severity: 'blocker', file: 'src/cart.js', criterion: 3, message: 'applyDiscount(100, 150) returns -50 instead of throwing a RangeError', evidence: `npm test → exit code ${exit}` }]),
      ...extraFindings,
    ],
    criteria: [
      { criterion: 1, met: passed || /# pass [1-9]/.test(ctx.lastToolOutput), evidence: ran('test/discount.test.js "10% off 100 is 90"') },
      { criterion: 2, met: passed || /# pass [1-9]/.test(ctx.lastToolOutput), evidence: ran('test/discount.test.js "0% off leaves the total"') },
      { criterion: 3, met: passed, evidence: ran('test/discount-range.test.js "a percent above 100 is a RangeError"') },
    ],
  });
}
