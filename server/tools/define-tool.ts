import { z } from 'zod/v4';
import { toolError, type JsonSchemaObject, type ToolContext, type ToolDefinition, type ToolResult } from './types';

/** Strings longer than this are not echoed back in a refusal's "send this" example. */
const ECHO_MAX_CHARS = 120;

/**
 * Declares a tool once: its arguments as a zod object (every field `.describe()`d for the model),
 * from which the model-facing JSON Schema is derived and with which the arguments are parsed
 * before `execute` runs.
 *
 * @example
 * defineTool({
 *   name: 'read_file',
 *   description: 'Read a text file…',
 *   parameters: z.object({ path: z.string().describe('File path relative to the workspace root.') }),
 *   async execute({ path }, ctx) { … },
 * });
 */
export function defineTool<S extends z.ZodType<Record<string, unknown>, any>>(spec: {
  name: string;
  description: string;
  parameters: S;
  execute(args: z.output<S>, ctx: ToolContext): Promise<ToolResult>;
  /** A sentence added to a refusal when the sent arguments show a known slip (see `finish`). */
  refusalHint?: (sent: Record<string, unknown>, problems: string[]) => string | undefined;
}): ToolDefinition<z.output<S>> {
  return {
    name: spec.name,
    description: spec.description,
    parameters: modelSchema(spec.name, spec.parameters),
    schema: spec.parameters as unknown as z.ZodType<z.output<S>>,
    execute: spec.execute,
    ...(spec.refusalHint ? { refusalHint: spec.refusalHint } : {}),
  };
}

/**
 * The JSON Schema providers accept for a zod object: the input side (what the model sends, before
 * coercions), an object at the top, without `$schema` and without the noise zod adds for plain
 * integers and string-keyed records.
 */
export function modelSchema(name: string, schema: z.ZodType): JsonSchemaObject {
  const json = tidy(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as JsonSchemaObject;
  delete json.$schema;
  if (json.type !== 'object' || typeof json.properties !== 'object') throw new Error(`tool ${name}: parameters must be a z.object (got JSON Schema type ${String(json.type)})`);
  return json;
}

function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'minimum' || key === 'maximum') && typeof value === 'number' && Math.abs(value) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = key === 'additionalProperties' && JSON.stringify(value) === '{}' ? true : tidy(value);
  }
  return out;
}

export type ParsedArgs<Args> = { ok: true; args: Args } | { ok: false; problem: string; message: string };

/**
 * Parses what the model sent with the tool's schema. A refusal names every problem, shows the
 * arguments to send instead (what was sent, with the missing or wrong fields marked), and quotes
 * the schema. `null` is taken as "not given": models often send it for optional fields.
 */
export function parseToolArgs<Args>(tool: ToolDefinition<Args>, raw: unknown): ParsedArgs<Args> {
  const input = dropNulls(raw ?? {});
  const r = tool.schema.safeParse(input);
  if (r.success) return { ok: true, args: r.data };
  const problems = [...new Set(r.error.issues.map((issue) => describeIssue(issue, input)))];
  const problem = problems.join('; ');
  const hint = tool.refusalHint?.((asRecord(input) ?? {}), problems);
  return { ok: false, problem, message: refusalText(tool, input, r.error.issues, problem, hint) };
}

/** Parses, then executes: the path every caller outside the loop uses (the loop also counts refusals). */
export async function runTool<Args>(tool: ToolDefinition<Args>, raw: unknown, ctx: ToolContext): Promise<ToolResult> {
  const parsed = parseToolArgs(tool, raw);
  if (!parsed.ok) return toolError(parsed.message);
  return tool.execute(parsed.args, ctx);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
}

type Issue = z.core.$ZodIssue;

function fieldName(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function kindOf(v: unknown): string {
  return v === undefined ? 'nothing' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? `a string (${JSON.stringify(clipText(v, 40))})` : `${typeof v} ${String(v)}`;
}

function clipText(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** One problem in words that say what to send, e.g. `missing required field "path"`. */
function describeIssue(issue: Issue, input: unknown): string {
  const name = fieldName(issue.path);
  const field = name ? `field "${name}"` : 'the arguments';
  const got = valueAt(input, issue.path);
  if (got === undefined && name && issue.code !== 'custom') return `missing required field "${name}"`;
  switch (issue.code) {
    case 'invalid_type':
      return `${field} must be ${article(issue.expected)} (got ${kindOf(got)})`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${kindOf(got)})`;
    case 'too_small':
      if (issue.origin === 'array') return `${field} needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? `${field} must not be empty` : `${field} needs at least ${issue.minimum} characters`;
      return `${field} must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum} (got ${kindOf(got)})`;
    case 'too_big':
      if (issue.origin === 'array') return `${field} takes at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `${field} takes at most ${issue.maximum} characters`;
      return `${field} must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum} (got ${kindOf(got)})`;
    case 'unrecognized_keys':
      return `${field} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return `${field} does not match any of its allowed forms`;
    default:
      return name ? `${field}: ${issue.message}` : issue.message;
  }
}

function article(type: string): string {
  if (type === 'array') return 'an array';
  if (type === 'object') return 'an object';
  if (type === 'int' || type === 'integer') return 'a whole number';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The JSON Schema node at a field path (through properties and items), for placeholders. */
function schemaAt(schema: unknown, path: PropertyKey[]): Record<string, unknown> | undefined {
  let node = schema as Record<string, unknown> | undefined;
  for (const p of path) {
    if (!node) return undefined;
    if (typeof p === 'number') node = node.items as Record<string, unknown> | undefined;
    else node = (node.properties as Record<string, Record<string, unknown>> | undefined)?.[String(p)];
  }
  return node;
}

function placeholder(node: Record<string, unknown> | undefined): string {
  if (!node) return '<…>';
  const kind = Array.isArray(node.enum) ? (node.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ') : String(node.type ?? 'value');
  return `<${kind}${typeof node.description === 'string' ? `: ${node.description}` : ''}>`;
}

/** What was sent, long strings shortened, with every refused field replaced by a placeholder. */
function exampleArgs(schema: JsonSchemaObject, input: unknown, issues: Issue[]): unknown {
  const shorten = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return v.length > ECHO_MAX_CHARS ? `<your ${key ? `"${key}" ` : ''}text, unchanged>` : v;
    if (Array.isArray(v)) return v.map((x) => shorten(x, key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shorten(x, k)]));
    return v;
  };
  const known = input && typeof input === 'object' && !Array.isArray(input) ? Object.fromEntries(Object.entries(input).filter(([k]) => k in schema.properties)) : {};
  const example = shorten(known) as Record<PropertyKey, unknown>;
  for (const issue of issues) {
    if (issue.path.length === 0) continue;
    let parent: unknown = example;
    for (const p of issue.path.slice(0, -1)) parent = parent && typeof parent === 'object' ? (parent as Record<PropertyKey, unknown>)[p] : undefined;
    if (parent && typeof parent === 'object') (parent as Record<PropertyKey, unknown>)[issue.path[issue.path.length - 1]] = placeholder(schemaAt(schema, issue.path));
  }
  return example;
}

function refusalText(tool: ToolDefinition, input: unknown, issues: Issue[], problem: string, hint: string | undefined): string {
  return [
    `Error: the arguments of your ${tool.name} call could not be used: ${problem}.`,
    ...(hint ? [hint] : []),
    `Resend only this call, with arguments like these (fill in every <…>):`,
    JSON.stringify(exampleArgs(tool.parameters, input, issues)),
    `The parameters of ${tool.name} (JSON Schema):`,
    JSON.stringify(tool.parameters),
  ].join('\n');
}

/** A whole number; "12" is taken as 12 (models often quote numbers). */
export function wholeNumber() {
  return z.coerce.number().int();
}

/** A list; one item sent alone (`"x"` or `{…}`) is taken as a list of one. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (v !== undefined && !Array.isArray(v) ? [v] : v), z.array(item));
}

/** true or false; "true"/"false" are taken as the booleans. */
export function flag() {
  return z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
}
