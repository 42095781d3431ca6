import { jsonrepair } from 'jsonrepair';

export type ParsedArgs =
  | { ok: true; args: Record<string, unknown>; repaired: boolean }
  | { ok: false; raw: string };

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Turns a model's tool-argument text into an object. Models often emit almost-JSON (trailing
 * commas, single quotes, a truncated tail, code fences, JSON encoded twice); those are repaired
 * and flagged so the caller can warn the model. Text that cannot become an object is reported as
 * a value, never thrown.
 */
export function parseToolArgs(raw: string): ParsedArgs {
  const text = raw.trim();
  // A call with no arguments is legal: providers send "" for a tool without parameters.
  if (text === '') return { ok: true, args: {}, repaired: false };
  try {
    const value: unknown = JSON.parse(text);
    const obj = asObject(value);
    if (obj) return { ok: true, args: obj, repaired: false };
    if (typeof value === 'string') return reparseEncoded(value, raw);
    return { ok: false, raw };
  } catch {
    // fall through to repair
  }
  try {
    const value: unknown = JSON.parse(jsonrepair(text));
    const obj = asObject(value);
    if (obj) return { ok: true, args: obj, repaired: true };
    if (typeof value === 'string') return reparseEncoded(value, raw);
  } catch {
    // unrepairable
  }
  return { ok: false, raw };
}

/** Some models JSON-encode the arguments twice ("{\"path\":\"a\"}"). */
function reparseEncoded(inner: string, raw: string): ParsedArgs {
  const again = parseToolArgs(inner);
  return again.ok ? { ok: true, args: again.args, repaired: true } : { ok: false, raw };
}
