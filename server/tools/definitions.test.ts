import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import type { Sandbox } from '../../sandbox/types';
import { AGENT_ROLES } from '../agent/types';
import { anthropicRequestBody } from '../llm/dialects/anthropic-request';
import { openAiRequestBody } from '../llm/dialects/openai-request';
import type { McpClientManager } from '../mcp/client-manager';
import { createSubmitPlanTool } from '../pipeline/submit-plan';
import { loadSkillLibrary } from '../skills';
import type { BrowserSession } from '../webtest/session';
import { browserTools } from '../webtest/tools';
import { createMemoryContextCache } from '../agent/context-cache';
import { WorkingStateManager } from '../agent/working-state';
import { applyCodeChangesTool } from './apply-code-changes';
import { defineTool, parseToolArgs, runTool } from './define-tool';
import { finishToolFor } from './finish';
import { createInstallDependenciesTool } from './install-dependencies';
import { listFilesTool } from './list-files';
import { createMcpTools } from './mcp-tools';
import { readFileTool } from './read-file';
import { createRecallTool } from './recall';
import { toolsForRole } from './registry';
import { searchCodeTool } from './search-code';
import type { ToolDefinition } from './types';
import { createUpdateWorkingStateTool } from './update-working-state';

// Only the schemas are read here: the tools' dependencies are never called.
const sandbox = { driver: 'none' } as unknown as Sandbox;
const mcp = { serverNames: () => ['sentry'] } as unknown as McpClientManager;
const session = {} as BrowserSession;

/** Every tool an agent can be offered, from every role's registry and every other factory. */
function everyTool(): ToolDefinition[] {
  const skills = loadSkillLibrary();
  const all: ToolDefinition[] = [];
  for (const role of AGENT_ROLES) all.push(...toolsForRole(role, { sandbox, skills, spawnExplorers: async () => [] }));
  all.push(...createMcpTools(mcp), ...browserTools(session), createSubmitPlanTool({ tasks: null }));
  all.push(createRecallTool(createMemoryContextCache(), 't'), createUpdateWorkingStateTool(new WorkingStateManager(), () => 1));
  all.push(createInstallDependenciesTool({ install: async () => ({ status: 'none', cached: false, command: null, cacheKey: null, durationMs: 0, log: '' }) }));
  return all;
}

/** JSON Schema keywords both OpenAI (non-strict) and Anthropic tool schemas take. */
const KEYWORDS = new Set(['type', 'properties', 'required', 'items', 'enum', 'const', 'description', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'default', 'additionalProperties']);

function walk(node: unknown, at: string, visit: (node: Record<string, unknown>, at: string) => void): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  visit(n, at);
  for (const [name, prop] of Object.entries((n.properties as Record<string, unknown>) ?? {})) walk(prop, `${at}.${name}`, visit);
  if (n.items) walk(n.items, `${at}[]`, visit);
  if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${at}{}`, visit);
}

describe('tool definitions', () => {
  const tools = everyTool();

  it('use the agreed names', () => {
    expect(toolsForRole('developer', { sandbox }).map((t) => t.name)).toEqual(['read_file', 'list_files', 'search_code', 'apply_code_changes', 'run_command', 'finish']);
    expect([readFileTool, listFilesTool, searchCodeTool, applyCodeChangesTool].map((t) => t.name)).toEqual(['read_file', 'list_files', 'search_code', 'apply_code_changes']);
  });

  it('describe themselves and every schema field for the model', () => {
    expect(tools.length).toBeGreaterThan(25);
    for (const tool of tools) {
      expect(tool.description.length, tool.name).toBeGreaterThan(40);
      walk(tool.parameters, tool.name, (node, at) => {
        for (const [name, prop] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {})) {
          expect(typeof prop.description === 'string' && prop.description.length > 10, `${at}.${name} has a description`).toBe(true);
        }
        for (const required of (node.required as string[]) ?? []) expect(node.properties, `${at} requires ${required}`).toHaveProperty(required);
      });
    }
  });

  it('derive schemas OpenAI and Anthropic accept: an object at the top, no $schema or $ref, only portable keywords', () => {
    for (const tool of tools) {
      const p = tool.parameters;
      expect(p.type, tool.name).toBe('object');
      expect(typeof p.properties, tool.name).toBe('object');
      // OpenAI refuses these at the top of a function's parameters.
      for (const k of ['anyOf', 'oneOf', 'allOf', 'not', 'enum', '$schema', '$ref', '$defs', 'definitions']) expect(p, `${tool.name} top-level ${k}`).not.toHaveProperty(k);
      walk(p, tool.name, (node, at) => {
        for (const key of Object.keys(node)) expect(KEYWORDS.has(key), `${at}: keyword ${key}`).toBe(true);
        if (Number.isFinite(node.maximum as number)) expect(Math.abs(node.maximum as number), at).toBeLessThan(Number.MAX_SAFE_INTEGER);
      });
      // What the dialects send is the derived schema itself.
      const req = { messages: [{ role: 'user' as const, content: 'x' }], tools: [{ name: tool.name, description: tool.description, parameters: p }] };
      expect((openAiRequestBody('m', req).tools as any[])[0].function.parameters).toEqual(p);
      expect((anthropicRequestBody('m', req).tools as any[])[0].input_schema).toEqual(p);
    }
  });

  it('an argument-less tool is exactly {type: "object", properties: {}}', () => {
    const snapshot = tools.find((t) => t.name === 'browser_snapshot')!;
    expect(snapshot.parameters).toEqual({ type: 'object', properties: {} });
  });

  it('one schema parses: coercions happen before execute, refusals quote the schema and never reach execute', async () => {
    let seen: unknown;
    const tool = defineTool({
      name: 'probe',
      description: 'A tool that records the arguments it was given, for this test only.',
      parameters: z.object({ path: z.string().describe('A path to record.'), line: z.coerce.number().int().min(1).optional().describe('A line to record.') }),
      async execute(args) {
        seen = args;
        return { output: 'ok' };
      },
    });
    expect(await runTool(tool, { path: 'a.ts', line: '12' }, { workspaceDir: '/' })).toEqual({ output: 'ok' });
    expect(seen).toEqual({ path: 'a.ts', line: 12 });
    // null stands for "not given".
    expect((await runTool(tool, { path: 'b.ts', line: null }, { workspaceDir: '/' })).isError).toBeFalsy();
    expect(seen).toEqual({ path: 'b.ts' });
    seen = undefined;
    const refused = await runTool(tool, { line: 0 }, { workspaceDir: '/' });
    expect(seen).toBeUndefined();
    expect(refused.isError).toBe(true);
    expect(refused.output).toContain('missing required field "path"');
    expect(refused.output).toContain('field "line" must be ≥ 1');
    expect(refused.output).toContain('{"line":"<integer: A line to record.>","path":"<string: A path to record.>"}');
    expect(refused.output).toContain(JSON.stringify(tool.parameters));
  });

  it('apply_code_changes: a change missing its mode-specific field is refused by the schema, naming it', () => {
    const r = parseToolArgs(applyCodeChangesTool, { changes: [{ path: 'a.ts', mode: 'replace', search: 'x' }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toBe('field "changes[0].replace": a "replace" change needs "replace" (the new lines; "" deletes)');
    const bad = parseToolArgs(applyCodeChangesTool, { changes: [{ path: 'a.ts', mode: 'patch' }] });
    expect(!bad.ok && bad.problem).toBe('field "changes[0].mode" must be one of "replace", "create" (got a string ("patch"))');
    expect(parseToolArgs(applyCodeChangesTool, { changes: [] }).ok).toBe(false);
  });
});

describe('finish: one per role, decided in one place', () => {
  const parse = (role: (typeof AGENT_ROLES)[number], args: unknown) => parseToolArgs(finishToolFor(role), args);

  it('every role offers the finish finishToolFor gives it', () => {
    for (const role of AGENT_ROLES) {
      const offered = toolsForRole(role).find((t) => t.name === 'finish')!;
      expect(offered.parameters, role).toEqual(finishToolFor(role).parameters);
    }
    expect(finishToolFor('reviewer').parameters.required).toEqual(['summary', 'steelman', 'verdict']);
    expect(finishToolFor('qa').parameters.required).toEqual(['summary', 'verdict']);
    expect(finishToolFor('developer').parameters.required).toEqual(['summary']);
  });

  it('takes the obvious coercions: a string finding is {message}, {title, detail} is {message, evidence}, one finding is a list, "PASS" is pass', () => {
    const r = parse('qa', { summary: 'Checked.', verdict: 'FAIL', findings: ['total() ignores TAX_RATE', { title: 'no test for tax', detail: 'npm test: 0 tests match /tax/', files: ['src/cart.test.js'] }] });
    expect(r.ok && r.args).toEqual({
      summary: 'Checked.',
      verdict: 'fail',
      findings: [{ message: 'total() ignores TAX_RATE' }, { message: 'no test for tax', evidence: 'npm test: 0 tests match /tax/', file: 'src/cart.test.js' }],
    });
    const one = parse('reviewer', { summary: 'Fine.', steelman: 'Small and tested.', verdict: 'Request changes', findings: 'name the magic numbers' });
    expect(one.ok && one.args).toMatchObject({ verdict: 'request_changes', findings: [{ message: 'name the magic numbers' }] });
    const crit = parse('qa', { summary: 's', verdict: 'pass', criteria: [{ criterion: '1', met: 'true', evidence: '$ npm test' }] });
    expect(crit.ok && crit.args).toMatchObject({ criteria: [{ criterion: 1, met: true, evidence: [{ command: 'npm test' }] }] });
    const ticked = parse('qa', { summary: 's', verdict: 'pass', criteria: [{ criterion: 1, met: true, evidence: ['`node --test`', { file: 'src/a.js' }] }] });
    expect(ticked.ok && ticked.args).toMatchObject({ criteria: [{ evidence: [{ command: 'node --test' }, { file: 'src/a.js' }] }] });
  });

  it("QA's evidence must point at something: prose is refused, saying what to cite", () => {
    const r = parse('qa', { summary: 's', verdict: 'pass', criteria: [{ criterion: 1, met: true, evidence: 'npm test ok' }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe('field "criteria[0].evidence[0]": cite exactly one of "command" (a command you ran), "file" (a file in the change) or "web_step" (a web-tester step)');
    expect(parse('qa', { summary: 's', verdict: 'pass', criteria: [{ criterion: 1, met: true, evidence: [{ command: 'npm test', file: 'a.js' }] }] }).ok).toBe(false);
  });

  it('a missing steelman is still refused, even when the summary argues one: the refusal names the field, quotes the schema and shows the call to send', () => {
    const r = parse('reviewer', { summary: 'Steelman: the change is minimal and every criterion has a passing test. No issues.', verdict: 'approve' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toBe('missing required field "steelman"');
    expect(r.message).toContain('Your "summary" holds the steelman: send that argument in "steelman"');
    expect(r.message).toContain('"steelman":"<string: The strongest case that the change is correct');
    expect(r.message).toContain('"verdict":"approve"');
    expect(r.message).toContain(JSON.stringify(finishToolFor('reviewer').parameters));
  });

  it('judges must give a verdict from their own set', () => {
    expect(parse('qa', { summary: 's' }).ok).toBe(false);
    expect(parse('qa', { summary: 's', verdict: 'approve' }).ok).toBe(false);
    expect(parse('reviewer', { summary: 's', steelman: 'x', verdict: 'pass' }).ok).toBe(false);
    expect(parse('developer', { summary: 'Done; npm test passes.' }).ok).toBe(true);
    expect(parse('explorer', { summary: 'Orders live in src/db.', findings: ['orders table in src/db/orders.ts'] })).toMatchObject({ ok: true, args: { findings: [{ title: 'orders table in src/db/orders.ts' }] } });
  });
});
