/** What every agent tool receives besides its arguments. */
export type ToolContext = { workspaceDir: string; signal?: AbortSignal };

/** What a tool returns: text the model reads; `isError` marks a failure the model should act on. */
export type ToolResult = { output: string; isError?: boolean; meta?: unknown };

/** A JSON Schema object describing a tool's arguments (what providers send to the model). */
export type JsonSchemaObject = {
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
};

/**
 * One agent tool. `execute` never throws for bad input or a failed action: it returns
 * `{ isError: true }` with a message the model can act on.
 */
export type ToolDefinition<Args = Record<string, unknown>> = {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
  execute(args: Args, ctx: ToolContext): Promise<ToolResult>;
};

export function toolError(output: string, meta?: unknown): ToolResult {
  return { output, isError: true, meta };
}
