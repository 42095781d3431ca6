/**
 * Objective drift: how far the agent's recent actions and reasoning are from the task. 0 means
 * on topic, 1 means nothing in common. Two signals: keyword overlap between the objective (with
 * its acceptance criteria) and the recent turns, and the share of touched files outside the
 * task's scope (when the task declares one).
 */
const STOPWORDS = new Set(
  'the and for with that this from into when then than them they have has had are was were will would should could must can not but all any each its our your their there here what which who how why use using used make made add adds added file files code test tests run runs should also only just more most some such very been being does done doing get got let new old one two via per over under about after before while where a an to of in on at by is it be as or if so do no up'.split(' '),
);

/** Lowercase word stems (a crude suffix strip is enough for overlap). */
export function keywords(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().split(/[^a-z0-9_]+/)) {
    for (const word of raw.split('_')) {
      if (word.length < 3 || STOPWORDS.has(word) || /^\d+$/.test(word)) continue;
      out.add(stem(word));
    }
  }
  return out;
}

function stem(word: string): string {
  return word.replace(/(ing|ed|es|s|er|ers|ion|ions)$/, '') || word;
}

/** Weight of the keyword signal when a scope is known (the rest is the file signal). */
const KEYWORD_WEIGHT = 0.6;
/** Overlap with this share of the objective's keywords already counts as fully on topic. */
const FULL_OVERLAP_SHARE = 0.25;

export function driftScore(input: { objective: Set<string>; recentText: string; touchedFiles: string[]; scope?: string[] }): number {
  const recent = keywords(input.recentText);
  let hits = 0;
  for (const k of input.objective) if (recent.has(k)) hits++;
  const needed = Math.max(1, Math.ceil(input.objective.size * FULL_OVERLAP_SHARE));
  const keywordDrift = input.objective.size === 0 ? 0 : 1 - Math.min(1, hits / needed);
  if (!input.scope?.length || input.touchedFiles.length === 0) return round(keywordDrift);
  const inScope = input.touchedFiles.filter((f) => input.scope!.some((s) => f === s || f.startsWith(s.endsWith('/') ? s : `${s}/`))).length;
  const fileDrift = 1 - inScope / input.touchedFiles.length;
  return round(KEYWORD_WEIGHT * keywordDrift + (1 - KEYWORD_WEIGHT) * fileDrift);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
