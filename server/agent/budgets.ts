/**
 * Loop limits as named constants. Every run may override `Budgets`; the detector thresholds are
 * fixed because tests and prompts describe them.
 */
export interface Budgets {
  /** Model turns (one streamed answer each) before the run stops. */
  maxTurns: number;
  /** Input + output tokens over the whole run, explorers included. */
  maxTokens: number;
  /** Spend over the whole run, explorers included (unpriced models count as free). */
  maxCostUsd: number;
  /** Wall clock for the whole run. */
  maxWallClockMs: number;
  /** Estimated prompt size the compactor keeps each request under. */
  contextTokens: number;
}

export const DEFAULT_BUDGETS: Budgets = {
  maxTurns: 80,
  maxTokens: 3_000_000,
  maxCostUsd: 10,
  maxWallClockMs: 45 * 60_000,
  contextTokens: 24_000,
};

/** Explorers get a small context and a short leash: they read, they report, they stop. */
export const EXPLORER_BUDGETS: Budgets = {
  maxTurns: 12,
  maxTokens: 300_000,
  maxCostUsd: 1,
  maxWallClockMs: 5 * 60_000,
  contextTokens: 12_000,
};

/** Same call with the same arguments this many times in a row is a doom loop. */
export const DOOM_LOOP_THRESHOLD = 3;
/** Alternation A-B-A-B over this many calls is a doom loop too. */
export const ALTERNATION_WINDOW = 4;
/** Tool-less answers in a row tolerated (each nudged) before the run fails. */
export const MAX_CONSECUTIVE_MONOLOGUES = 3;
/** An empty answer is retried this many times before it counts as a monologue. */
export const EMPTY_RESPONSE_RETRIES = 1;
/** Context-overflow errors answered by a harder compaction before the run fails. */
export const MAX_OVERFLOW_RETRIES = 3;
/** Each overflow shrinks the prompt budget by this factor. */
export const OVERFLOW_SHRINK = 0.6;
/** Provider errors (after the LLM layer's own retries) tolerated in a row. */
export const MAX_PROVIDER_ERRORS = 2;
/**
 * A turn whose targets (files touched, symbols searched, paths a command names) are more than this
 * share off task, DRIFT_PATIENCE judged turns in a row, earns a re-focus nudge (bookkeeping turns
 * neither count nor break the streak).
 */
export const DRIFT_THRESHOLD = 0.8;
export const DRIFT_PATIENCE = 3;
/** Turns kept verbatim at the end of the prompt. */
export const RECENT_TURNS_VERBATIM = 6;
/** Of those, the newest this many keep full tool output; older ones keep a head and a reference. */
export const RECENT_TURNS_FULL_OUTPUT = 2;
/** Characters of a tool result kept inline when it is shortened to a reference. */
export const REFERENCE_HEAD_CHARS = 400;
/** Lines of the rolling summary of older turns (the rest live in the working state and cache). */
export const SUMMARY_MAX_LINES = 12;
/** Output tokens asked of the model per turn. */
export const MAX_OUTPUT_TOKENS = 4_096;

/** Merges per-run overrides over defaults, refusing nonsense with a clear message. */
export function resolveBudgets(overrides: Partial<Budgets> = {}, base: Budgets = DEFAULT_BUDGETS): Budgets {
  const merged = { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) } as Budgets;
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`budget ${key} must be a positive number (got ${String(value)})`);
  }
  return merged;
}
