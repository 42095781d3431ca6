/**
 * The spec gate on documents you have (not committed: fetched ones stay outside the repository).
 * Each argument is a group: a folder (its *.md files, or its Spec Kit feature folders' spec.md
 * when it holds `<repo>/specs/<feature>/spec.md`) or a file. Prints, per group, how many are
 * accepted, the score range and the rejected ones (with "blocking" when an open clarification
 * or a missing concern blocks them) — exactly what `nightshift spec score` says of each file.
 *
 *   npx tsx bench/spec-real.ts /work/fetched/keps /work/fetched/rfcs /work/fetched/speckit-repos
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decodeSpecBytes } from '../server/specs/decode';
import { scoreSpec } from '../server/specs/score';

function files(arg: string): string[] {
  if (!statSync(arg).isDirectory()) return [arg];
  const out: string[] = [];
  for (const repo of readdirSync(arg)) {
    const specs = join(arg, repo, 'specs');
    if (existsSync(specs) && statSync(specs).isDirectory()) {
      for (const f of readdirSync(specs).sort()) if (existsSync(join(specs, f, 'spec.md'))) out.push(join(specs, f, 'spec.md'));
    }
  }
  if (out.length) return out;
  return readdirSync(arg).filter((f) => f.endsWith('.md')).sort().map((f) => join(arg, f));
}

for (const arg of process.argv.slice(2)) {
  const scored = files(arg).flatMap((f) => {
    const d = decodeSpecBytes(readFileSync(f));
    return d.ok ? [{ f: relative(arg, f) || f, s: scoreSpec(d.text) }] : [];
  });
  if (!scored.length) continue;
  const scores = scored.map((x) => x.s.score);
  const rejected = scored.filter((x) => !x.s.accepted).map((x) => `${x.f} (${x.s.score}${x.s.findings.some((f) => f.blocking) ? ', blocking' : ''})`);
  console.log(`${arg}: ${scored.length - rejected.length}/${scored.length} accepted, scores ${Math.min(...scores)}–${Math.max(...scores)}; rejected: ${rejected.join('; ') || 'none'}`);
}
