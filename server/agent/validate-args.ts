import type { JsonSchemaObject } from '../tools/types';

/**
 * A light check of arguments against a tool's schema: required fields present and top-level
 * types right. Tools validate deeply themselves; this catches the common slip early with a
 * message that names the field.
 */
export function checkArgs(schema: JsonSchemaObject, args: Record<string, unknown>): string | undefined {
  for (const name of schema.required ?? []) {
    if (args[name] === undefined || args[name] === null) return `missing required field "${name}"`;
  }
  for (const [name, value] of Object.entries(args)) {
    const prop = schema.properties[name] as { type?: string } | undefined;
    if (!prop?.type || value === undefined || value === null) continue;
    const actual = Array.isArray(value) ? 'array' : typeof value;
    const ok = prop.type === 'integer' ? Number.isInteger(value) || (typeof value === 'string' && /^\d+$/.test(value)) : prop.type === 'number' ? actual === 'number' || actual === 'string' : prop.type === actual;
    if (!ok) return `field "${name}" must be ${prop.type === 'array' ? 'an array' : `a ${prop.type}`} (got ${actual})`;
  }
  return undefined;
}
