import type { DB } from '../db/client';
import type { SessionViability } from '../pipeline/task-session';
import type { Finding as PipelineFinding } from '../pipeline/types';
import { activePatterns, disabledRules, recordReviewFindings } from '../services/learned-patterns';
import { catalogueAsPatterns, guardChange, guardRules, patternsSection, type ActivePattern } from './session';
import type { Finding } from './types';

/** A guard finding as QA's findings are shaped: the developer reads it like any other. */
function asPipelineFinding(f: Finding): PipelineFinding {
  return {
    id: '',
    message: `${f.rule}: ${f.message} Instead: ${f.instead}`,
    category: 'lint',
    severity: f.severity === 'low' ? 'minor' : 'major',
    file: f.file,
    line: f.line,
    rule: f.rule,
    evidence: `${f.file}:${f.line}: ${f.snippet}`,
  };
}

function hooks(patterns: ActivePattern[], disabled: string[]): SessionViability {
  const rules = guardRules(disabled);
  return {
    promptSection: ({ files, workspaceDir }) => patternsSection({ workspaceDir, files, patterns }),
    guard: async ({ workspaceDir, baseRef }) => (await guardChange({ workspaceDir, baseRef, rules })).map(asPipelineFinding),
  };
}

/** For runs without a project table (`nightshift run`): the whole catalogue, nothing learned. */
export function catalogueViability(): SessionViability {
  return hooks(catalogueAsPatterns(), []);
}

/**
 * A project's viability for one task: its learned patterns that are switched on (their wording
 * wins) plus every catalogue rule it did not switch off; QA/reviewer/guard findings go to the
 * learner, which turns the ones recurring across tasks into patterns.
 */
export async function projectViability(db: DB, input: { orgId: string; projectId: string; runId: string; taskId: string | null }): Promise<SessionViability> {
  const [learned, disabled] = await Promise.all([activePatterns(db, input), disabledRules(db, input)]);
  const covered = new Set(learned.map((p) => p.rule).filter(Boolean));
  const patterns: ActivePattern[] = [
    ...learned.map((p) => ({ key: p.key, rule: p.rule, title: p.title, severity: p.severity, doNot: p.doNot, instead: p.instead, example: p.example })),
    ...catalogueAsPatterns().filter((p) => !covered.has(p.rule) && !disabled.includes(p.rule!)),
  ];
  return {
    ...hooks(patterns, disabled),
    async recordFindings(findings) {
      for (const role of ['qa', 'reviewer', 'guard'] as const) {
        const mine = findings.filter((f) => f.role === role).map(({ finding: f }) => ({ message: f.message, file: f.file, line: f.line, evidence: f.evidence, rule: f.rule, severity: f.severity }));
        if (mine.length) await recordReviewFindings(db, { ...input, role, findings: mine });
      }
    },
  };
}
