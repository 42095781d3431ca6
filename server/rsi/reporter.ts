import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod/v4';
import { createMemoryContextCache } from '../agent/context-cache';
import { runAgent } from '../agent/run-agent';
import type { AgentEvent } from '../agent/types';
import type { RsiProposalKind } from '../db/schema';
import type { LanguageModel } from '../llm';
import { listPromptFiles } from '../prompts/org-overrides';
import { defineTool, listOf } from '../tools/define-tool';
import { toolsForRole } from '../tools/registry';
import { toolError } from '../tools/types';
import type { ProposalDraft } from './proposals';
import type { Observation } from './types';

/**
 * The reporter agent: the one agent loop (read-only tools, a `propose_improvement` tool and
 * `finish`) over a scratch workspace holding the observations and the organisation's current
 * prompts and skills. Each proposal goes to `onProposal`, which checks and stores it and answers
 * whether it was accepted, so the agent can fix a patch that does not apply.
 */

export const PROPOSE_TOOL = 'propose_improvement';
/** Turns the reporter may take: reading a few files and proposing a handful of changes. */
export const REPORTER_MAX_TURNS = 30;

/** The reporter's system prompt, beside this file (read when first needed). */
let reporterPrompt: string | null = null;
function reporterSystemPrompt(): string {
  reporterPrompt ??= readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'reporter-prompt.md'), 'utf8');
  return reporterPrompt;
}

export type ReporterObservation = Observation & { id: string };

/** `observations.md`: one section per observation, O1 first (most failing runs). */
export function observationsMarkdown(observations: ReporterObservation[]): string {
  const lines = ['# Observations', '', `Recurring failure causes in this organisation's recent runs (${observations.length}).`, ''];
  observations.forEach((o, i) => {
    lines.push(`## O${i + 1} — ${o.pattern}`, '', `- kind: ${o.kind}`, `- runs: ${o.count} (${o.failedRuns} failed): ${o.runs.slice(0, 20).join(', ')}${o.runs.length > 20 ? ', …' : ''}`);
    for (const [k, v] of Object.entries(o.details)) if (v !== null && v !== undefined && v !== '') lines.push(`- ${k}: ${String(v)}`);
    lines.push('', `Example (run ${o.example.runId}):`, '', '```text', o.example.text.replace(/```/g, "'''"), '```', '');
  });
  return lines.join('\n');
}

const ZFile = z.object({
  path: z.string().min(1).describe('Path relative to the folder, with "/" separators.'),
  content: z.string().describe('The whole file.'),
});

const proposeParameters = z.object({
  kind: z.enum(['prompt', 'skill', 'doc', 'eval-challenge']).describe('What the proposal changes.'),
  observations: listOf(z.string().min(1)).describe('The observations it addresses, by id, e.g. ["O1"].'),
  title: z.string().trim().min(1).describe('One line saying what changes.'),
  rationale: z.string().trim().min(1).describe('Which observed failure it stops, and why it should.'),
  target: z
    .string()
    .trim()
    .min(1)
    .describe('prompt: the prompt file path under prompts/ (e.g. "roles/developer.md"); skill: the skill name; doc: the spec title; eval-challenge: the task id.'),
  edits: listOf(
    z.object({
      search: z.string().min(1).describe('Text of the file as it is now, quoted exactly (enough lines to be unique).'),
      replace: z.string().describe('What replaces it.'),
    }),
  )
    .optional()
    .describe('prompt and skill: the patch, as search/replace edits applied in order.'),
  document: z.string().optional().describe('doc: the Markdown of the spec that makes the documentation change.'),
  challenge: z
    .object({
      title: z.string().trim().min(1).describe('The task title.'),
      prompt: z.string().trim().min(1).describe('What the agent is asked to do.'),
      verify: z.string().trim().min(1).describe('Shell command run after hidden/ is copied in; exit 0 means passed.'),
      timeoutSec: z.number().int().positive().max(3600).optional().describe('How long verify may run (default 300).'),
      files: listOf(ZFile).describe('The repository at the start.'),
      hidden: listOf(ZFile).describe('Test files copied over the result only to verify; the agent never sees them.'),
    })
    .optional()
    .describe('eval-challenge: the task folder.'),
});

export type ReporterOutcome = { proposals: number; summary: string; costUsd: number; turns: number; status: string; reason?: string };

/**
 * Runs the reporter agent over the observations.
 * `onProposal` checks and stores a draft: `{ accepted: false, reason }` goes back to the agent.
 */
export async function runReporterAgent(opts: {
  observations: ReporterObservation[];
  model: LanguageModel;
  modelName: string;
  /** The organisation's current prompt texts, by path under prompts/. */
  promptText: (path: string) => Promise<string | null>;
  /** The organisation's skills and their current SKILL.md texts. */
  skills: Array<{ name: string; text: string }>;
  maxProposals: number;
  onProposal: (draft: ProposalDraft) => Promise<{ id: string; accepted: boolean; reason?: string }>;
  secrets?: string[];
  signal?: AbortSignal;
  onEvent?: (e: AgentEvent) => void;
}): Promise<ReporterOutcome> {
  const workspace = mkdtempSync(join(tmpdir(), 'ns-reporter-'));
  try {
    const put = (rel: string, text: string) => {
      mkdirSync(dirname(join(workspace, rel)), { recursive: true });
      writeFileSync(join(workspace, rel), text);
    };
    put('observations.md', observationsMarkdown(opts.observations));
    for (const f of listPromptFiles()) {
      const text = await opts.promptText(f.path);
      if (text !== null) put(join('prompts', f.path), text);
    }
    for (const s of opts.skills) put(join('skills', s.name, 'SKILL.md'), s.text);

    const refs = new Map(opts.observations.map((o, i) => [`O${i + 1}`, o.id]));
    let made = 0;
    const propose = defineTool({
      name: PROPOSE_TOOL,
      description: 'Propose one improvement (a prompt or skill patch, a documentation spec, or an eval challenge) that addresses observations. Answers whether it was accepted for calibration, or why it was rejected.',
      parameters: proposeParameters,
      async execute(args) {
        if (made >= opts.maxProposals) return toolError(`You have made ${made} proposals, the most this cycle allows. Call finish.`);
        const unknown = args.observations.filter((o) => !refs.has(o.trim()));
        if (unknown.length) return toolError(`Unknown observation ids: ${unknown.join(', ')}. The ids are ${[...refs.keys()].join(', ')}.`);
        const target = args.kind === 'prompt' ? args.target.replace(/^\.?\/?prompts\//, '') : args.target;
        const draft: ProposalDraft = {
          kind: args.kind as RsiProposalKind,
          target: args.kind === 'eval-challenge' && args.challenge ? args.target : target,
          title: args.title,
          rationale: args.rationale,
          observationIds: args.observations.map((o) => refs.get(o.trim())!),
          ...(args.edits ? { edits: args.edits } : {}),
          ...(args.document !== undefined ? { document: args.document } : {}),
          ...(args.challenge ? { challenge: { id: args.target, ...args.challenge, files: args.challenge.files, hidden: args.challenge.hidden } } : {}),
        };
        made += 1;
        const r = await opts.onProposal(draft);
        if (!r.accepted) return toolError(`Proposal ${r.id} was rejected: ${r.reason}. Read the file again and propose a corrected change, or move on.`);
        return { output: `Proposal ${r.id} accepted${draft.kind === 'prompt' || draft.kind === 'skill' ? ': it will be calibrated against the eval suite before anyone adopts it' : ''}.` };
      },
    });

    const result = await runAgent({
      role: 'planner',
      systemPrompt: reporterSystemPrompt(),
      objective: `Read observations.md, then the prompts and skills the causes point to, and propose at most ${opts.maxProposals} improvement${opts.maxProposals === 1 ? '' : 's'} with ${PROPOSE_TOOL}. Finish with a summary.`,
      model: opts.model,
      modelName: opts.modelName,
      tools: [...toolsForRole('planner'), propose],
      workspace,
      cache: createMemoryContextCache(),
      taskKey: 'rsi-reporter',
      budgets: { maxTurns: REPORTER_MAX_TURNS },
      secrets: opts.secrets,
      signal: opts.signal,
      onEvent: opts.onEvent,
    });
    return { proposals: made, summary: result.finish?.summary ?? result.reason ?? '', costUsd: result.costUsd, turns: result.turns, status: result.status, ...(result.reason ? { reason: result.reason } : {}) };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
