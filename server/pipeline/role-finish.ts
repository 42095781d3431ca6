import { FINISH_TOOL, description as baseDescription } from '../tools/finish';
import { toolError, type ToolDefinition } from '../tools/types';
import { FINDING_CATEGORIES, QA_VERDICTS, REVIEW_VERDICTS, type PipelineRole } from './types';

const FINDING_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'A short stable id, e.g. "F1"; keep the same id when you repeat a finding.' },
    message: { type: 'string', description: 'The problem and what would fix it, specific enough to act on without guessing.' },
    category: { type: 'string', enum: [...FINDING_CATEGORIES], description: 'lint/test/type/bug/acceptance: fixed in this task; other-task/dependency/out-of-scope: split into a remediation task.' },
    severity: { type: 'string', enum: ['blocker', 'major', 'minor'], description: 'How much it matters.' },
    file: { type: 'string', description: 'The file concerned, relative to the repository root.' },
    criterion: { type: 'integer', description: 'The acceptance criterion (1-based) it concerns, if any.' },
    evidence: { type: 'string', description: 'The command and output, or the code, that shows it.' },
  },
  required: ['message'],
};

const CRITERIA_SCHEMA = {
  type: 'array',
  description: 'For each acceptance criterion, by its number: met or not, and the evidence (command and result, or what the browser showed).',
  items: {
    type: 'object',
    properties: { criterion: { type: 'integer' }, met: { type: 'boolean' }, evidence: { type: 'string' } },
    required: ['criterion', 'met', 'evidence'],
  },
};

type Args = Record<string, unknown>;

function check(role: PipelineRole, a: Args): string | null {
  if (typeof a.summary !== 'string' || !a.summary.trim()) return '"summary" is required';
  if (role === 'qa' && !QA_VERDICTS.includes(a.verdict as never)) return `QA must give "verdict": ${QA_VERDICTS.join(' or ')}`;
  if (role === 'reviewer') {
    if (!REVIEW_VERDICTS.includes(a.verdict as never)) return `the reviewer must give "verdict": ${REVIEW_VERDICTS.join(' or ')}`;
    if (typeof a.steelman !== 'string' || !a.steelman.trim()) return 'the reviewer must first argue for the change in "steelman"';
  }
  for (const key of ['findings', 'criteria', 'contested'] as const) {
    if (a[key] !== undefined && !Array.isArray(a[key])) return `"${key}" must be an array`;
  }
  const bad = (a.findings as Args[] | undefined)?.find((f) => typeof f?.message !== 'string' || !f.message);
  if (bad) return 'every finding needs a "message"';
  return null;
}

/**
 * The `finish` tool of each pipeline role, with the fields the pipeline reads: QA's verdict,
 * findings and per-criterion evidence; the reviewer's steelman; the developer's contests.
 */
export function createRoleFinishTool(role: PipelineRole): ToolDefinition<Args> {
  const properties: Record<string, unknown> = {
    summary: {
      type: 'string',
      description:
        role === 'architect'
          ? 'The design: approach, files, steps in order, risks, test plan.'
          : role === 'developer'
            ? 'What changed and how you verified it.'
            : role === 'qa'
              ? 'What you checked and the outcome.'
              : 'Your review in a few sentences.',
    },
  };
  const required = ['summary'];
  if (role === 'qa') {
    properties.verdict = { type: 'string', enum: [...QA_VERDICTS], description: 'pass only when every criterion is demonstrated by a check you ran.' };
    properties.findings = { type: 'array', items: FINDING_SCHEMA, description: 'Problems found (omit or [] on pass).' };
    properties.criteria = CRITERIA_SCHEMA;
    required.push('verdict');
  }
  if (role === 'reviewer') {
    properties.steelman = { type: 'string', description: 'The strongest case that the change is correct, argued before critiquing.' };
    properties.verdict = { type: 'string', enum: [...REVIEW_VERDICTS], description: 'approve, or request_changes with findings.' };
    properties.findings = { type: 'array', items: FINDING_SCHEMA, description: 'Problems that survive the steelman.' };
    properties.criteria = CRITERIA_SCHEMA;
    required.push('steelman', 'verdict');
  }
  if (role === 'developer') {
    properties.contested = {
      type: 'array',
      description: 'Findings you dispute, with evidence; QA answers on its next pass.',
      items: { type: 'object', properties: { findingId: { type: 'string' }, evidence: { type: 'string' } }, required: ['findingId', 'evidence'] },
    };
  }
  if (role === 'architect') {
    properties.findings = { type: 'array', items: FINDING_SCHEMA, description: 'Risks and decisions the developer must respect.' };
  }
  return {
    name: FINISH_TOOL,
    description: baseDescription,
    parameters: { type: 'object', properties, required },
    async execute(args) {
      const problem = check(role, args ?? {});
      if (problem) return toolError(problem);
      return { output: 'Task finished.', meta: args };
    },
  };
}
