import { z } from 'zod';
import { modelNameProblem } from '../pipeline/role-models';

/**
 * An organisation's self-improvement settings (organizations.settings.rsi). Everything has a
 * default, so an organisation that never opened the Improvements page is mined hourly and nothing
 * else happens: proposals need a model, adoption needs a calibration that passed, and automatic
 * adoption is off until an admin turns it on.
 */

/** How often the reporter runs when nobody said (minutes). */
export const DEFAULT_INTERVAL_MINUTES = 60;
export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;
/** How far back the reporter mines (days). */
export const DEFAULT_WINDOW_DAYS = 7;
export const MAX_WINDOW_DAYS = 90;
/** Proposals the reporter agent may make in one cycle: each prompt/skill one costs two eval runs. */
export const DEFAULT_MAX_PROPOSALS = 3;
export const MAX_PROPOSALS_LIMIT = 10;

const ZModel = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const problem = modelNameProblem(v);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `model ${problem}` });
  });

/** The calibration suite: the built-in suite, or the organisation's adopted eval challenges. */
export const RSI_SUITES = ['builtin', 'challenges'] as const;
export type RsiSuiteChoice = (typeof RSI_SUITES)[number];

export const ZRsiSettings = z
  .object({
    /** The off switch of the scheduled reporter. */
    enabled: z.boolean().default(true),
    intervalMinutes: z
      .number({ invalid_type_error: 'the interval is a number of minutes' })
      .int('the interval is a whole number of minutes')
      .min(MIN_INTERVAL_MINUTES, `the interval is at least ${MIN_INTERVAL_MINUTES} minutes`)
      .max(MAX_INTERVAL_MINUTES, `the interval is at most ${MAX_INTERVAL_MINUTES} minutes (a week)`)
      .default(DEFAULT_INTERVAL_MINUTES),
    windowDays: z.number().int().min(1).max(MAX_WINDOW_DAYS, `the window is at most ${MAX_WINDOW_DAYS} days`).default(DEFAULT_WINDOW_DAYS),
    /** The reporter agent's model; none: observations only. */
    model: ZModel.nullable().default(null),
    /** The model calibration evals run with; none: the reporter's model. */
    evalModel: ZModel.nullable().default(null),
    evalSuite: z.enum(RSI_SUITES).default('builtin'),
    evalMode: z.enum(['agent', 'pipeline']).default('agent'),
    /** Adopt a proposal whose calibration passed at once, or wait for an admin's approval. */
    autoAdopt: z.boolean().default(false),
    maxProposals: z.number().int().min(0).max(MAX_PROPOSALS_LIMIT).default(DEFAULT_MAX_PROPOSALS),
  })
  .strict();

export type RsiSettings = z.output<typeof ZRsiSettings>;
export type RsiSettingsInput = z.input<typeof ZRsiSettings>;

/**
 * The settings as stored, with defaults for what is missing. A stored value that no longer
 * validates (an older shape, a hand edit) falls back to its default rather than stopping the loop;
 * fields are read one by one so one bad field does not reset the others.
 */
export function readRsiSettings(stored: unknown): RsiSettings {
  const raw = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  const defaults = ZRsiSettings.parse({});
  const out: Record<string, unknown> = { ...defaults };
  const shape = ZRsiSettings.shape;
  for (const key of Object.keys(shape) as Array<keyof typeof shape>) {
    if (!(key in raw)) continue;
    const parsed = shape[key].safeParse(raw[key]);
    if (parsed.success) out[key] = parsed.data;
  }
  return out as RsiSettings;
}

/** The model calibration runs with: its own, else the reporter's. */
export function calibrationModel(s: RsiSettings): string | null {
  return s.evalModel ?? s.model;
}
