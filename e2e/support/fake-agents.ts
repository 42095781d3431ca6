/**
 * The model for the browser journey: a fake LLM server (the project's own, speaking OpenAI's wire
 * protocol) whose answers depend on the role in the system prompt and on what the agent already
 * did in the conversation — a tiny, deterministic team of planner, architect, developer, QA and
 * reviewer that builds `src/greet.js` in the fixture repository.
 *
 *   npx tsx e2e/support/fake-agents.ts --port 3299
 */
import { parseArgs } from 'node:util';
import { startFakeLlm, type Turn } from '../../test/fake-llm/server';

type Msg = { role: string; content?: unknown; tool_calls?: Array<{ function?: { name?: string } }> };
type Body = { messages?: Msg[]; tools?: Array<{ function?: { name?: string } }> };

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === 'string' ? c : (c as { text?: string }).text ?? '')).join('');
  return '';
}

/** How many acceptance criteria the role was given (the task's "Acceptance criteria:" list). */
function criteriaCount(messages: Msg[]): number {
  const task = messages.filter((m) => m.role === 'user').map((m) => text(m.content)).join('\n');
  const list = /Acceptance criteria:\n((?:- .*\n?)+)/.exec(task)?.[1] ?? '';
  return list.split('\n').filter((l) => l.startsWith('- ')).length;
}

function calledBefore(messages: Msg[], name: string): boolean {
  return messages.some((m) => m.role === 'assistant' && (m.tool_calls ?? []).some((c) => c.function?.name === name));
}

export const GREET_SOURCE = `export function greet(name) {\n  if (!name) throw new Error('name is required');\n  return \`Hello, \${name}!\`;\n}\n`;
/** The first, wrong version the developer writes when QA is to fail once (no "!"). */
export const GREET_SOURCE_WRONG = `export function greet(name) {\n  if (!name) throw new Error('name is required');\n  return \`Hello, \${name}\`;\n}\n`;
/**
 * A spec carrying one of these markers is built the long way. `qa-fails-once`: the developer's
 * first version fails its test, QA fails it (exit 1, one failing test), the developer fixes it in
 * cycle 2 and QA passes. `qa-never-passes`: the developer never fixes it, QA fails every cycle
 * and the task stops at the cap of QA cycles with a draft pull request.
 */
export const QA_FAILS_ONCE = 'nightshift-e2e: qa-fails-once';
export const QA_NEVER_PASSES = 'nightshift-e2e: qa-never-passes';
const SCENARIO_TAGS = { [QA_FAILS_ONCE]: '[e2e: QA fails once]', [QA_NEVER_PASSES]: '[e2e: QA never passes]' } as const;

export const GREET_TEST = `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { greet } from '../src/greet.js';\n\ntest('greets by name', () => {\n  assert.equal(greet('Ada'), 'Hello, Ada!');\n});\n`;

export function agentTurn(body: Body): Turn {
  const messages = body.messages ?? [];
  const offered = new Set((body.tools ?? []).map((t) => t.function?.name));
  const system = messages.filter((m) => m.role === 'system').map((m) => text(m.content)).join('\n');
  const role = /Role: (\w+)/.exec(system)?.[1] ?? 'developer';
  const conversation = messages.map((m) => text(m.content)).join('\n');
  // The planner reads the marker in the spec; the task's description carries the tag to the roles.
  const scenario = (Object.keys(SCENARIO_TAGS) as Array<keyof typeof SCENARIO_TAGS>).find((m) => conversation.includes(SCENARIO_TAGS[m]) || (role === 'planner' && conversation.includes(m)));
  const loop = scenario !== undefined;
  const neverPasses = scenario === QA_NEVER_PASSES;
  /** The developer on a rework cycle, QA on a later pass (role-runner.ts words these). */
  const rework = /fix these findings from QA or review|Your findings from the previous pass/.test(conversation);
  const call = (name: string, args: Record<string, unknown>, say?: string): Turn => ({ text: say, toolCalls: [{ name, args }] });
  switch (role) {
    case 'planner':
      if (!calledBefore(messages, 'list_files')) return call('list_files', { path: '.' }, 'Looking at the repository first.');
      if (!calledBefore(messages, 'submit_plan'))
        return call('submit_plan', {
          tasks: [
            {
              id: 'T1',
              title: 'Add a greet function',
              description: `Create src/greet.js exporting greet(name) with a test.${scenario ? ` ${SCENARIO_TAGS[scenario]}` : ''}`,
              files: ['src/greet.js', 'test/greet.test.js'],
              dependsOn: [],
            },
          ],
        });
      return call('finish', { summary: 'One task: add greet() with its test.' });
    case 'architect':
      return call('finish', { summary: 'Create src/greet.js exporting greet(name) that returns "Hello, <name>!" and throws without a name; add test/greet.test.js run by node --test.' });
    case 'developer':
      if (loop && !rework) {
        // Cycle 1 of the long way: a wrong greeting, a failing test run, a confident finish.
        if (!calledBefore(messages, 'apply_code_changes'))
          return call('apply_code_changes', { changes: [{ path: 'src/greet.js', mode: 'create', content: GREET_SOURCE_WRONG }, { path: 'test/greet.test.js', mode: 'create', content: GREET_TEST }] }, 'Writing greet() and its test.');
        if (!calledBefore(messages, 'run_command')) return call('run_command', { command: 'node --test' });
        return call('finish', { summary: 'Added greet() in src/greet.js with a test.' });
      }
      if (loop && rework) {
        if (neverPasses) {
          if (!calledBefore(messages, 'run_command')) return call('run_command', { command: 'node --test' }, 'Checking the failure again.');
          return call('finish', { summary: 'I believe the greeting is right as it is.' });
        }
        if (!calledBefore(messages, 'apply_code_changes'))
          return call('apply_code_changes', { changes: [{ path: 'src/greet.js', mode: 'replace', search: 'return `Hello, ${name}`;', replace: 'return `Hello, ${name}!`;' }] }, 'QA is right: the greeting lacks its "!".');
        if (!calledBefore(messages, 'run_command')) return call('run_command', { command: 'node --test' });
        return call('finish', { summary: 'Fixed the greeting; node --test passes.' });
      }
      if (!calledBefore(messages, 'apply_code_changes'))
        return {
          reasoning: 'The design is clear: one module and one test.',
          text: 'Creating the module and its test.',
          toolCalls: [
            {
              name: 'apply_code_changes',
              args: { changes: [{ path: 'src/greet.js', mode: 'create', content: GREET_SOURCE }, { path: 'test/greet.test.js', mode: 'create', content: GREET_TEST }] },
            },
          ],
        };
      if (!calledBefore(messages, 'run_command')) return call('run_command', { command: 'node --test' });
      return call('finish', { summary: 'Added greet() in src/greet.js with a test; node --test passes.' });
    case 'qa':
      // With a UI to check, QA first looks at the app in the sandboxed browser.
      if (offered.has('browser_open') && !calledBefore(messages, 'browser_open')) return call('browser_open', { url: '/' }, 'Opening the app.');
      if (offered.has('browser_screenshot') && !calledBefore(messages, 'browser_screenshot')) return call('browser_screenshot', { name: 'home' });
      if (!calledBefore(messages, 'run_command')) return call('run_command', { command: 'node --test' }, 'Running the test suite.');
      if (loop && (!rework || neverPasses))
        return call('finish', {
          summary: 'node --test fails: greet("Ada") returns "Hello, Ada" without the "!".',
          verdict: 'fail',
          findings: [{ message: 'greet("Ada") returns "Hello, Ada" — the spec wants "Hello, Ada!"', category: 'bug', file: 'src/greet.js' }],
          criteria: [{ criterion: 1, met: false, evidence: [{ command: 'node --test', exit_code: 1, shows: 'greets by name — not ok' }] }],
        });
      // Every criterion cites the command that really ran (the harness checks it against the recording).
      return call('finish', {
        summary: 'node --test passes; greet returns the greeting.',
        verdict: 'pass',
        criteria: Array.from({ length: criteriaCount(messages) }, (_, i) => ({ criterion: i + 1, met: true, evidence: [{ command: 'node --test', shows: 'greets by name — ok' }] })),
      });
    case 'reviewer':
      return call('finish', {
        summary: 'Small, tested and matches the spec.',
        steelman: 'The change adds exactly the function the spec asks for, with a test that would fail if it broke.',
        verdict: 'approve',
      });
    default:
      return call('finish', { summary: 'Nothing to do.' });
  }
}

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'api-key': { type: 'string' } } });
  // Its model list answers only the key the server was given ("Test connection" in Settings → Models).
  const llm = await startFakeLlm({
    port: Number(values.port),
    script: (body) => agentTurn(body),
    models: { ids: ['fake', 'fake-large'], ...(values['api-key'] ? { apiKey: values['api-key'] } : {}) },
  });
  process.stdout.write(`${JSON.stringify({ url: llm.url, port: llm.port })}\n`);
  const stop = async () => {
    await llm.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) void main();
