import { languageOf } from './files';

/**
 * Grouping QA/reviewer findings into recurring patterns: the same catalogue rule, or messages that
 * say the same thing in other words ("empty catch swallows the error in a.ts" / "b.ts: the catch
 * block is empty and swallows errors"). Pure functions; the service stores and counts.
 */

/** A pattern is learned once its rule or message cluster is seen in this many tasks. */
export const RECURRENCE_THRESHOLD = 2;
/** Two signatures sharing this share of their words (Jaccard) are one cluster. */
export const CLUSTER_SIMILARITY = 0.6;

const STOPWORDS = new Set(
  'a an the and or but of in on at to for from by with without into onto over under is are was were be been being it its this that these those there here not no nor do does did done has have had having should must can could would will may might than then so such as also only very just each every any all some which who whom what when where why how i we you he she they them our your their his her'.split(' '),
);

/** The lower-case content words of a message, lightly stemmed, without paths, numbers and quoted code. */
export function messageWords(message: string): string[] {
  const text = message
    .replace(/`[^`]*`/g, ' ')
    .replace(/"[^"]*"|'[^']*'/g, ' ')
    .replace(/\S*[/\\]\S*/g, ' ') // paths
    .replace(/\b[\w-]+\.(?:[cm]?[jt]sx?|py|go|rs|java|json|ya?ml|md|css|html)\b/gi, ' ') // file names
    .toLowerCase();
  const words = text.match(/[a-z][a-z-]*[a-z]/g) ?? [];
  const out = new Set<string>();
  for (const w of words) {
    if (STOPWORDS.has(w) || w.length < 3) continue;
    out.add(stem(w));
  }
  return [...out].sort();
}

function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('es') && /(?:ss|sh|ch|x)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** The cluster key of a message: its sorted content words. */
export function messageSignature(message: string): string {
  return messageWords(message).join(' ');
}

export function signatureSimilarity(a: string, b: string): number {
  const sa = new Set(a.split(' ').filter(Boolean));
  const sb = new Set(b.split(' ').filter(Boolean));
  if (sa.size === 0 || sb.size === 0) return 0;
  let both = 0;
  for (const w of sa) if (sb.has(w)) both++;
  return both / (sa.size + sb.size - both);
}

/** The existing cluster a signature belongs to (most similar at or above the threshold), else itself. */
export function clusterFor(signature: string, existing: Iterable<string>): string {
  let best = signature;
  let bestScore = CLUSTER_SIMILARITY;
  for (const e of existing) {
    if (e === signature) return e;
    const s = signatureSimilarity(signature, e);
    if (s >= bestScore) {
      best = e;
      bestScore = s;
    }
  }
  return best;
}

/** Words in a finding that name a catalogue pattern, per language family. */
const RULE_WORDS: Array<{ re: RegExp; js?: string; python?: string }> = [
  { re: /sql injection|(?:concatenat|interpolat|f-string|format)\w*[^.]{0,40}\b(?:sql|query)|\b(?:sql|query)\b[^.]{0,40}(?:concatenat|interpolat)/i, js: 'js/sql-concat', python: 'py/sql-format' },
  { re: /\beval\b|\bexec\(/i, js: 'js/eval', python: 'py/eval-exec' },
  { re: /new function\b/i, js: 'js/new-function' },
  { re: /command injection|shell[^.]{0,30}(?:string|interpolat|concatenat|template)|shell=true/i, js: 'js/shell-exec-string', python: 'py/shell-string' },
  { re: /\bempty catch|catch block is empty|empty `?catch/i, js: 'js/empty-catch' },
  { re: /swallow\w* (?:the |all |every )?(?:error|exception)|(?:error|exception)s? (?:is |are )?swallowed|ignores? (?:the )?error/i, js: 'js/swallow-catch', python: 'py/swallow-except' },
  { re: /bare except/i, python: 'py/bare-except' },
  { re: /hard-?coded (?:secret|password|credential|api key|token|key)/i, js: 'js/hardcoded-secret', python: 'py/hardcoded-secret' },
  { re: /innerhtml|document\.write|cross-site scripting|\bxss\b/i, js: 'js/inner-html', python: 'py/mark-safe' },
  { re: /dangerouslysetinnerhtml/i, js: 'js/dangerously-set-inner-html' },
  { re: /math\.random/i, js: 'js/math-random-token' },
  { re: /\brandom\b[^.]{0,40}\b(?:token|secret|password)/i, python: 'py/random-token' },
  { re: /(?:floating|unawaited|un-awaited|not awaited|missing await|without await)/i, js: 'js/floating-promise' },
  { re: /\bas any\b|cast\w* to any|\bany cast/i, js: 'ts/any-cast' },
  { re: /yaml\.load|unsafe yaml/i, python: 'py/yaml-load' },
  { re: /pickle/i, python: 'py/pickle-loads' },
  { re: /mutable default/i, python: 'py/mutable-default-arg' },
  { re: /(?:readfilesync|writefilesync|sync\w* (?:file )?i\/o)[^.]{0,40}handler/i, js: 'js/sync-fs-in-handler' },
  { re: /rejectunauthorized|verify=false|tls (?:verification|certificate)[^.]{0,20}(?:off|disabled)/i, js: 'js/tls-verify-disabled', python: 'py/verify-false' },
  { re: /open redirect/i, js: 'js/open-redirect' },
  { re: /path traversal/i, js: 'js/path-from-request' },
];

/**
 * The catalogue rule a finding's words describe, in the language of its file (JS/TS when the file
 * says nothing). Undefined when no rule matches: the finding then clusters by its message alone.
 */
export function ruleForFinding(finding: { message: string; file?: string | null; evidence?: string | null }): string | undefined {
  const language = (finding.file && languageOf(finding.file)) || 'js';
  const text = `${finding.message} ${finding.evidence ?? ''}`;
  for (const w of RULE_WORDS) {
    const id = language === 'python' ? w.python : w.js;
    if (id && w.re.test(text)) return id;
  }
  return undefined;
}
