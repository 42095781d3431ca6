import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../db/client';
import type { RsiChallenge, RsiEdit, RsiProposalKind } from '../db/schema';
import { replaceInText, type MatchLevel } from '../edit';
import { checkPromptOverride, listPromptFiles, readBuiltInPrompt } from '../prompts/org-overrides';
import { activePromptOverride, orgSkillRow } from '../services/agent-settings';
import { projectOfRuns } from '../services/rsi';
import { loadSkillLibrary, type SkillLibrary } from '../skills/library';
import { parseSkillOverride, parseUploadedSkill } from '../skills/org-library';
import { checkChallenge } from './challenge';

/**
 * A proposal as the reporter agent makes it, and what makes it acceptable before anything runs:
 * the observations it addresses exist; a prompt or skill patch applies to the organisation's
 * current text exactly and leaves a valid prompt file or SKILL.md; a document has text; an eval
 * challenge is a valid task folder. A proposal that fails any of these is kept as `rejected` with
 * the reason, so the page shows what the agent tried and why it was refused.
 */

export type ProposalDraft = {
  kind: RsiProposalKind;
  /** prompt: a path under prompts/ (roles/developer.md); skill: a skill name; doc: the spec's title; eval-challenge: the task id. */
  target: string;
  title: string;
  rationale: string;
  /** Ids of the observations it addresses. */
  observationIds: string[];
  edits?: RsiEdit[];
  /** doc: the Markdown of the spec that makes the documentation change. */
  document?: string;
  challenge?: RsiChallenge;
};

export type PreparedProposal =
  | { ok: true; baseVersion: number | null; beforeText: string | null; afterText: string | null; challenge: RsiChallenge | null; projectId: string | null }
  | { ok: false; reason: string; baseVersion: number | null; beforeText: string | null };

/** Match levels a proposal's search text may be found at: the text as it is, give or take whitespace. */
const PATCH_LEVELS = new Set<MatchLevel>(['exact', 'line-endings', 'trailing-whitespace', 'indentation']);
export const MAX_EDITS = 20;

/**
 * Applies a patch (search/replace edits, in order) to a text with the edit engine. Every search
 * must be found as written (whitespace aside) and once; the result must differ from the start.
 */
export function applyPatch(text: string, edits: RsiEdit[], label: string): { ok: true; text: string } | { ok: false; reason: string } {
  if (!edits.length) return { ok: false, reason: `the patch of ${label} has no edits` };
  if (edits.length > MAX_EDITS) return { ok: false, reason: `the patch of ${label} has ${edits.length} edits; at most ${MAX_EDITS}` };
  let current = text;
  for (const [i, e] of edits.entries()) {
    const which = edits.length > 1 ? `edit ${i + 1} of ${edits.length}` : 'the edit';
    const r = replaceInText(current, e.search, e.replace);
    if (!r.ok) return { ok: false, reason: `the patch does not apply to ${label}: ${which}: ${r.refusal.message}` };
    if (!PATCH_LEVELS.has(r.level)) return { ok: false, reason: `the patch does not apply to ${label}: ${which} matched only approximately (${r.level}); quote the current text exactly` };
    current = r.content;
  }
  if (current === text) return { ok: false, reason: `the patch changes nothing in ${label}` };
  return { ok: true, text: current };
}

/** The organisation's current text of a prompt file: its active override, else the built-in file. */
export async function currentPromptText(db: DB, orgId: string, path: string): Promise<{ version: number | null; text: string } | null> {
  const builtIn = readBuiltInPrompt(path);
  if (builtIn === undefined) return null;
  const active = await activePromptOverride(db, orgId, path);
  return active ? { version: active.version, text: active.content } : { version: null, text: builtIn };
}

/** The organisation's current SKILL.md text of a skill, and whether it is switched on. */
export async function currentSkillText(db: DB, orgId: string, name: string, base: SkillLibrary = loadSkillLibrary()): Promise<{ text: string; builtIn: boolean; enabled: boolean } | null> {
  const row = await orgSkillRow(db, orgId, name);
  const builtIn = base.skills.get(name);
  if (builtIn) return { text: row?.manifest ?? readFileSync(join(builtIn.dir, 'SKILL.md'), 'utf8'), builtIn: true, enabled: row?.enabled ?? true };
  if (row?.manifest) return { text: row.manifest, builtIn: false, enabled: row.enabled };
  return null;
}

const refuse = (reason: string, base: { baseVersion?: number | null; beforeText?: string | null } = {}): PreparedProposal => ({ ok: false, reason, baseVersion: base.baseVersion ?? null, beforeText: base.beforeText ?? null });

/** Checks a draft against the organisation's current prompts, skills and observations. */
export async function prepareProposal(
  db: DB,
  input: { orgId: string; draft: ProposalDraft; knownObservations: Map<string, { runs: string[] }>; skills?: SkillLibrary },
): Promise<PreparedProposal> {
  const { orgId, draft } = input;
  if (!draft.observationIds.length) return refuse('the proposal names no observation it addresses');
  const unknown = draft.observationIds.filter((id) => !input.knownObservations.has(id));
  if (unknown.length) return refuse(`the proposal names observations that are not in this report: ${unknown.join(', ')}`);
  const runs = [...new Set(draft.observationIds.flatMap((id) => input.knownObservations.get(id)!.runs))];

  switch (draft.kind) {
    case 'prompt': {
      const current = await currentPromptText(db, orgId, draft.target);
      if (!current) return refuse(`"${draft.target}" is not a prompt file; prompt files are ${listPromptFiles().map((f) => f.path).join(', ')}`);
      const base = { baseVersion: current.version, beforeText: current.text };
      const label = `${draft.target} (${current.version === null ? 'built-in' : `override version ${current.version}`})`;
      const patched = applyPatch(current.text, draft.edits ?? [], label);
      if (!patched.ok) return refuse(patched.reason, base);
      const check = checkPromptOverride(draft.target, patched.text);
      if (!check.ok) return refuse(`the patched ${draft.target} is not a valid prompt file: ${check.error}`, base);
      return { ok: true, ...base, afterText: patched.text, challenge: null, projectId: null };
    }
    case 'skill': {
      const skills = input.skills ?? loadSkillLibrary();
      const current = await currentSkillText(db, orgId, draft.target, skills);
      if (!current) return refuse(`"${draft.target}" is not a skill of this organisation; skills are ${[...skills.skills.keys()].join(', ')}`);
      const base = { baseVersion: null, beforeText: current.text };
      if (!current.enabled) return refuse(`the skill "${draft.target}" is switched off in this organisation; switch it on before improving it`, base);
      const patched = applyPatch(current.text, draft.edits ?? [], `skill ${draft.target}`);
      if (!patched.ok) return refuse(patched.reason, base);
      const builtIn = skills.get(draft.target);
      const parsed = builtIn && current.builtIn ? parseSkillOverride(builtIn, patched.text) : parseUploadedSkill(draft.target, patched.text);
      if (!parsed.ok) return refuse(`the patched SKILL.md of ${draft.target} is not valid: ${parsed.error}`, base);
      return { ok: true, ...base, afterText: patched.text, challenge: null, projectId: null };
    }
    case 'doc': {
      const text = draft.document?.trim() ?? '';
      if (!text) return refuse('a documentation proposal needs the Markdown of the spec that makes the change');
      if (Buffer.byteLength(text, 'utf8') > 64 * 1024) return refuse('the documentation spec is over 64 KiB');
      const projectId = await projectOfRuns(db, { orgId, runIds: runs });
      if (!projectId) return refuse('the observations it addresses belong to no project that still exists');
      return { ok: true, baseVersion: null, beforeText: null, afterText: `${text}\n`, challenge: null, projectId };
    }
    case 'eval-challenge': {
      if (!draft.challenge) return refuse('an eval challenge proposal needs the task folder (challenge)');
      const checked = checkChallenge(draft.challenge);
      checked.cleanup();
      if (checked.problems.length) return refuse(`the eval challenge is not a valid task folder: ${checked.problems.join('; ')}`);
      return { ok: true, baseVersion: null, beforeText: null, afterText: null, challenge: draft.challenge, projectId: null };
    }
  }
}
