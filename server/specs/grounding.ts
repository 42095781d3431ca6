import type { RepoIndex } from './score';

/**
 * Grounding a spec in its project's repository, split so the browser can take part: the editor's
 * worker scores once with a recording index to learn which names the spec would be checked on,
 * the server answers which of them the repository has (it holds the checkout), and the worker
 * scores again with that answer. The server's gate scores with the full index; both judge exactly
 * the same names, so the editor and the gate agree. Browser-safe (no Node imports).
 */

/** The names a spec is checked on: repo-relative paths, identifiers in code spans, `npm run` scripts. */
export type GroundingNames = { paths: string[]; symbols: string[]; scripts: string[] };

/**
 * What a repository answered about a spec's names: the ones it has. `known: false` when the project
 * has no checkout to ask (a remote repository never fetched yet, or one this organisation may not
 * read); then nothing is grounded. `scripts` is null when the repository has no root package.json.
 */
export type GroundingAnswer = { known: boolean; paths: string[]; symbols: string[]; scripts: string[] | null };

/** Most names of each kind one question carries (a spec naming more is checked on the first ones). */
export const MAX_GROUNDING_NAMES = 2000;
export const MAX_GROUNDING_NAME_LENGTH = 300;

/** An index that has everything (so the score is the ungrounded one) and remembers what was asked. */
export function recordingRepo(): { repo: RepoIndex; names(): GroundingNames } {
  const paths = new Set<string>();
  const symbols = new Set<string>();
  const scripts = new Set<string>();
  const keep = (set: Set<string>, name: string) => {
    if (set.size < MAX_GROUNDING_NAMES && name.length <= MAX_GROUNDING_NAME_LENGTH) set.add(name);
  };
  const scriptSet = {
    has(name: string) {
      keep(scripts, name);
      return true;
    },
  } as unknown as ReadonlySet<string>;
  return {
    repo: {
      has(p) {
        keep(paths, p);
        return true;
      },
      hasSymbol(name) {
        keep(symbols, name);
        return true;
      },
      scripts: scriptSet,
    },
    names: () => ({ paths: [...paths], symbols: [...symbols], scripts: [...scripts] }),
  };
}

/**
 * The index a repository's answer stands for: a name the answer lists exists; a name that was not
 * asked about (beyond the limits) counts as existing, so nothing is flagged without being checked.
 */
export function repoFromAnswer(answer: GroundingAnswer, asked: GroundingNames): RepoIndex | undefined {
  if (!answer.known) return undefined;
  const askedPaths = new Set(asked.paths);
  const askedSymbols = new Set(asked.symbols);
  const askedScripts = new Set(asked.scripts);
  const paths = new Set(answer.paths);
  const symbols = new Set(answer.symbols);
  const scripts = answer.scripts ? new Set(answer.scripts) : null;
  return {
    has: (p) => paths.has(p) || !askedPaths.has(p),
    hasSymbol: (s) => symbols.has(s) || !askedSymbols.has(s),
    ...(scripts ? { scripts: { has: (s: string) => scripts.has(s) || !askedScripts.has(s) } as unknown as ReadonlySet<string> } : {}),
  };
}

/** The server's half: which of the asked names the repository's index has. */
export function answerFrom(repo: RepoIndex | null, names: GroundingNames): GroundingAnswer {
  if (!repo) return { known: false, paths: [], symbols: [], scripts: null };
  return {
    known: true,
    paths: names.paths.filter((p) => repo.has(p)),
    symbols: repo.hasSymbol ? names.symbols.filter((s) => repo.hasSymbol!(s)) : names.symbols,
    scripts: repo.scripts ? names.scripts.filter((s) => repo.scripts!.has(s)) : null,
  };
}
