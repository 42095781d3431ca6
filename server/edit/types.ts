/** One change of an `apply_code_changes` call. */
export type CreateChange = { path: string; mode: 'create'; content: string; overwrite?: boolean };
export type ReplaceChange = { path: string; mode: 'replace'; search: string; replace: string };
export type EditChange = CreateChange | ReplaceChange;

/**
 * How a search block was located, strictest first. The order of this list is the order of the
 * cascade: a looser level is only tried when every stricter one found nothing.
 */
export const MATCH_LEVELS = [
  'exact',
  'line-endings',
  'trailing-whitespace',
  'indentation',
  'line-numbers',
  'blank-lines',
  'elision',
  'fuzzy',
] as const;
export type MatchLevel = (typeof MATCH_LEVELS)[number];

/** Why a replace change could not be applied. */
export const REFUSAL_KINDS = [
  'ambiguous',
  'not-found',
  'already-applied',
  'no-op',
  'invalid',
  'file-missing',
  'file-exists',
] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export type Refusal = { kind: RefusalKind; message: string };

/** Result of applying one replace change to one text: the new text or a refusal. */
export type ReplaceOutcome =
  | { ok: true; content: string; level: MatchLevel; startLine: number }
  | { ok: false; refusal: Refusal };
