import type { z } from 'zod/v4';

/** What every agent tool receives besides its arguments. */
export type ToolContext = { workspaceDir: string; signal?: AbortSignal };

/** What a tool returns: text the model reads; `isError` marks a failure the model should act on. */
export type ToolResult = { output: string; isError?: boolean; meta?: unknown };

/** A JSON Schema object describing a tool's arguments (what providers send to the model). */
export type JsonSchemaObject = {
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean | Record<string, unknown>;
  [key: string]: unknown;
};

/**
 * One agent tool, made by `defineTool`. Its arguments are declared once, as `schema` (zod); the
 * model-facing `parameters` are derived from it, and the registry parses what the model sent with
 * it before `execute` runs, so `execute` gets typed, already-valid arguments. `execute` never
 * throws for a failed action: it returns `{ isError: true }` with a message the model can act on.
 */
export type ToolDefinition<Args = any> = {
  name: string;
  description: string;
  /** The model-facing JSON Schema of the arguments (derived from `schema`). */
  parameters: JsonSchemaObject;
  /** The one declaration of the arguments: parses and coerces what the model sent. */
  schema: z.ZodType<Args>;
  execute(args: Args, ctx: ToolContext): Promise<ToolResult>;
  /** A sentence added to a refusal when the sent arguments show a known slip. */
  refusalHint?: (sent: Record<string, unknown>, problems: string[]) => string | undefined;
};

export function toolError(output: string, meta?: unknown): ToolResult {
  return { output, isError: true, meta };
}
