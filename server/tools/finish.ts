import { z } from 'zod/v4';
import type { AgentRole } from '../agent/types';
import { checkEvidence, type EvidenceSource } from '../recording/evidence';
import { defineTool, flag, listOf, wholeNumber } from './define-tool';
import { toolError, type ToolDefinition } from './types';

export const FINISH_TOOL = 'finish';

/** The verdicts of the judging roles, and where a finding is fixed (read by the pipeline). */
export const QA_VERDICTS = ['pass', 'fail'] as const;
export const REVIEW_VERDICTS = ['approve', 'request_changes'] as const;
/**
 * lint/test/type/bug/acceptance are fixed in the task; other-task/dependency/out-of-scope become a
 * linked remediation task in a later wave.
 */
export const FINDING_CATEGORIES = ['lint', 'test', 'type', 'bug', 'acceptance', 'other-task', 'dependency', 'out-of-scope', 'other'] as const;
export const FINDING_SEVERITIES = ['blocker', 'major', 'minor'] as const;

export const description = `End your task. Call this once, when the objective is met and verified (or when you are certain it cannot be met — then say exactly why in the summary). Text answers never end the task; only this tool does.`;

// ---- coercions: the shapes models often send instead of the declared one --------------------

const asObject = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** `"PASS"`, `"Request changes"`, `"approved"` → the declared spelling; anything else is left to be refused. */
function verdictOf(values: readonly string[]) {
  const aliases: Record<string, string> = { passed: 'pass', failed: 'fail', approved: 'approve', changes_requested: 'request_changes', request_change: 'request_changes' };
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const key = v.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const word = aliases[key] ?? key;
    return values.includes(word) ? word : v;
  }, z.enum(values as [string, ...string[]]));
}

/** A finding sent as a plain string is its message; `{title, detail}` is `{message, evidence}`; `files` gives `file`. */
function coerceFinding(v: unknown): unknown {
  if (typeof v === 'string') return { message: v };
  const f = asObject(v);
  if (!f) return v;
  const out: Record<string, unknown> = { ...f };
  if (out.message === undefined) {
    const text = [f.title, f.description, f.issue, f.problem].find((x) => typeof x === 'string' && x.trim());
    if (text !== undefined) out.message = text;
  }
  if (out.evidence === undefined && typeof f.detail === 'string') out.evidence = f.detail;
  if (out.file === undefined && Array.isArray(f.files) && typeof f.files[0] === 'string') out.file = f.files[0];
  for (const key of ['category', 'severity'] as const) if (typeof out[key] === 'string') out[key] = (out[key] as string).trim().toLowerCase().replace(/[\s_]+/g, '-');
  return out;
}

const finding = z.preprocess(
  coerceFinding,
  z.object({
    id: z.string().optional().describe('A short stable id, e.g. "F1"; keep the same id when you repeat a finding.'),
    message: z.string().min(1).describe('The problem and what would fix it, specific enough to act on without guessing.'),
    category: z.enum(FINDING_CATEGORIES).optional().describe('lint/test/type/bug/acceptance: fixed in this task; other-task/dependency/out-of-scope: split into a remediation task.'),
    severity: z.enum(FINDING_SEVERITIES).optional().describe('How much it matters.'),
    file: z.string().optional().describe('The file concerned, relative to the repository root.'),
    criterion: wholeNumber().optional().describe('The acceptance criterion (1-based) it concerns, if any.'),
    evidence: z.string().optional().describe('The command and output, or the code, that shows it.'),
  }),
);

const criteria = listOf(
  z.object({
    criterion: wholeNumber().min(1).describe('The acceptance criterion, by its number (1-based).'),
    met: flag().describe('Whether a check you ran shows it holds.'),
    evidence: z.string().describe('The command and its result, or what the browser showed.'),
  }),
).describe('For each acceptance criterion, by its number: met or not, and the evidence (command and result, or what the browser showed).');

/**
 * One piece of QA's evidence: exactly one of a command it ran, a file in the change, a web-tester
 * step. A string is read as meant where it can be (`"$ npm test"` or `` "`npm test`" `` is the
 * command); otherwise it points at nothing and is refused, saying what to cite.
 */
function coerceCitation(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  const cmd = /^\$\s+(.+)$/s.exec(s)?.[1] ?? /^`([^`]+)`$/.exec(s)?.[1];
  return cmd ? { command: cmd.trim() } : { shows: s };
}

const citation = z.preprocess(
  coerceCitation,
  z
    .object({
      command: z.string().trim().min(1).optional().describe('A command you ran in the sandbox in this pass, exactly as you ran it, e.g. "npm test".'),
      exit_code: wholeNumber().optional().describe('The exit code the command gave (checked against the recording; omit for 0).'),
      file: z.string().trim().min(1).optional().describe('A file the change adds, modifies or deletes, relative to the repository root.'),
      web_step: wholeNumber().min(1).optional().describe('A step of your web tester, by its number (1 = your first browser action in this pass).'),
      shows: z.string().optional().describe('What it showed, e.g. "3 tests pass".'),
    })
    .refine((c) => [c.command, c.file, c.web_step].filter((x) => x !== undefined).length === 1, {
      message: 'cite exactly one of "command" (a command you ran), "file" (a file in the change) or "web_step" (a web-tester step)',
    }),
);

/** QA's criteria: each with evidence that points at something that happened, checked by the harness. */
const qaCriteria = listOf(
  z.object({
    criterion: wholeNumber().min(1).describe('The acceptance criterion, by its number (1-based).'),
    met: flag().describe('Whether a check you ran shows it holds.'),
    evidence: listOf(citation).describe('What shows it: commands you ran (with their exit code), files in the change, web-tester steps. Each is checked against what was recorded.'),
  }),
).describe(
  'For each acceptance criterion, by its number: met or not, and the evidence. A pass needs every criterion met with at least one citation; a citation of a command that did not run is refused.',
);

/** What an explorer or planner reports: facts with the files they are in. */
const reportFinding = z.preprocess(
  (v) => (typeof v === 'string' ? { title: v } : v),
  z.object({
    title: z.string().min(1).describe('What you found, in one line.'),
    detail: z.string().optional().describe('Evidence, explanation or fix.'),
    files: listOf(z.string()).optional().describe('The files it concerns, relative to the repository root.'),
  }),
);

const summary = (text: string) => z.string().trim().min(1).describe(text);

// ---- one finish per role -----------------------------------------------------------------

const ROLE_FINISH = {
  planner: z.object({
    summary: summary('The plan in a few sentences.'),
    findings: listOf(reportFinding).optional().describe('Facts the plan rests on, with their files.'),
  }),
  explorer: z.object({
    summary: summary('The answer to your mandate.'),
    findings: listOf(reportFinding).optional().describe('Facts discovered: concrete paths, names and conventions.'),
  }),
  architect: z.object({
    summary: summary('The design: approach, files, steps in order, risks, test plan.'),
    findings: listOf(finding).optional().describe('Risks and decisions the developer must respect.'),
  }),
  developer: z.object({
    summary: summary('What changed and how you verified it.'),
    contested: listOf(
      z.object({
        findingId: z.string().min(1).describe('The id of the finding you dispute, e.g. "F2".'),
        evidence: z.string().min(1).describe('The command and output, or the code, that shows the finding is wrong.'),
      }),
    )
      .optional()
      .describe('Findings you dispute, with evidence; QA answers on its next pass.'),
  }),
  qa: z.object({
    summary: summary('What you checked and the outcome.'),
    verdict: verdictOf(QA_VERDICTS).describe('pass only when every criterion is demonstrated by a check you ran.'),
    findings: listOf(finding).optional().describe('Problems found (omit or [] on pass).'),
    criteria: qaCriteria.optional(),
  }),
  reviewer: z.object({
    summary: summary('Your review in a few sentences.'),
    steelman: z.string().trim().min(1).describe('The strongest case that the change is correct, argued before critiquing (its own field, not part of the summary).'),
    verdict: verdictOf(REVIEW_VERDICTS).describe('approve, or request_changes with findings.'),
    findings: listOf(finding).optional().describe('Problems that survive the steelman.'),
    criteria: criteria.optional(),
  }),
} satisfies Record<AgentRole, z.ZodType>;

/** What each role's `finish` carries back (the pipeline reads verdicts, findings, criteria, steelman). */
export type RoleFinishArgs = { [R in AgentRole]: z.output<(typeof ROLE_FINISH)[R]> };

/** What QA's finish checks its evidence against (the task's recording), and how many criteria the task has. */
export type FinishOptions = { evidence?: { source: EvidenceSource; criteria: number } };

/**
 * The one place that decides which `finish` a role gets: the registry offers it, and the loop adds
 * it when a caller's tool list has none. Judges (QA, reviewer) must give a verdict; the reviewer a
 * steelman first. Obvious slips are taken as meant (a finding as a plain string, `"PASS"`, one
 * finding instead of a list); a missing field is refused with the schema and the call to send.
 * With `evidence`, QA's citations are checked against the recording: a pass must cite, for every
 * criterion, a command that ran (with its exit code), a file in the change or a web-tester step,
 * and a citation of something that did not happen is refused naming what did.
 */
export function finishToolFor(role: AgentRole, opts: FinishOptions = {}): ToolDefinition<RoleFinishArgs[AgentRole]> {
  return defineTool({
    name: FINISH_TOOL,
    description,
    parameters: ROLE_FINISH[role] as z.ZodType<RoleFinishArgs[AgentRole]>,
    async execute(args) {
      if (role === 'qa' && opts.evidence) {
        const qa = args as RoleFinishArgs['qa'];
        const checked = await checkEvidence({ verdict: qa.verdict, criteria: qa.criteria ?? [], count: opts.evidence.criteria, source: opts.evidence.source });
        if (!checked.ok) {
          return toolError(
            `Error: your finish was refused: ${checked.problems.length === 1 ? checked.problems[0] : `\n${checked.problems.map((p) => `- ${p}`).join('\n')}`}.\nEvidence must point at what happened in this task: run the check you mean to cite (run_command), then call finish again citing it.`,
          );
        }
        return { output: 'Task finished.', meta: { ...qa, criteria: checked.criteria } };
      }
      return { output: 'Task finished.', meta: args };
    },
    refusalHint: (sent, problems) =>
      problems.includes('missing required field "steelman"') && typeof sent.summary === 'string' && /steel ?man/i.test(sent.summary)
        ? 'Your "summary" holds the steelman: send that argument in "steelman", its own field, and keep the review in "summary".'
        : undefined,
  });
}
