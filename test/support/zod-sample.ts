import crypto from 'node:crypto';
import { z } from 'zod';

/**
 * Builds a valid value for a zod schema, filling id-like fields from `known` (by field name).
 * Used to call every tRPC procedure without writing its input by hand.
 */
export function sampleFor(schema: z.ZodTypeAny, known: Record<string, unknown>, key = ''): unknown {
  if (key && key in known) return known[key];
  const def = schema._def as { typeName: string } & Record<string, any>;
  switch (def.typeName) {
    case 'ZodObject': {
      const shape = (schema as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sampleFor(v, known, k)]));
    }
    case 'ZodOptional':
    case 'ZodNullable':
      return sampleFor(def.innerType, known, key);
    case 'ZodDefault':
      return sampleFor(def.innerType, known, key);
    case 'ZodEffects':
      return sampleFor(def.schema, known, key);
    case 'ZodUnion':
      return sampleFor(def.options[0], known, key);
    case 'ZodLiteral':
      return def.value;
    case 'ZodEnum':
      return def.values[def.values.length - 1];
    case 'ZodNativeEnum':
      return Object.values(def.values)[0];
    case 'ZodBoolean':
      return false;
    case 'ZodNumber':
      return 1;
    case 'ZodArray':
      return [sampleFor(def.type, known, key)];
    case 'ZodRecord':
      return {};
    case 'ZodString': {
      const checks = (def.checks ?? []) as Array<{ kind: string; value?: number; regex?: RegExp }>;
      if (checks.some((c) => c.kind === 'uuid') || /Id$/.test(key)) return crypto.randomUUID();
      if (checks.some((c) => c.kind === 'email')) return `probe-${crypto.randomBytes(3).toString('hex')}@example.com`;
      if (checks.some((c) => c.kind === 'url')) return 'https://example.com/probe';
      const regex = checks.find((c) => c.kind === 'regex')?.regex;
      if (regex?.test('PROBE_NAME')) return 'PROBE_NAME';
      if (key === 'repository') return '/tmp/probe-repo';
      const min = checks.find((c) => c.kind === 'min')?.value ?? 0;
      const base = `probe-${crypto.randomBytes(6).toString('hex')}`;
      return base.length >= min ? base : base.padEnd(min, 'x');
    }
    default:
      return undefined;
  }
}

/** The merged input schema of a tRPC procedure (chained `.input()` calls merge objects). */
export function procedureInput(proc: { _def: { inputs: unknown[] } }): z.ZodTypeAny | null {
  const inputs = proc._def.inputs as z.ZodTypeAny[];
  if (!inputs.length) return null;
  return inputs.reduce((acc, s) => ((acc as z.AnyZodObject).merge ? (acc as z.AnyZodObject).merge(s as z.AnyZodObject) : s));
}
