/**
 * Tool parameter schemas as providers accept them: every provider wants an object schema at the
 * top, and Anthropic rejects a schema without `type: "object"`. Tools that take no arguments are
 * often declared with `{}`; this makes them explicit.
 */
export function toolParameters(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!schema || Object.keys(schema).length === 0) return { type: 'object', properties: {} };
  if (schema.type === undefined) return { type: 'object', ...schema };
  return schema;
}
