import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { readBuiltInPrompt } from '../prompts/org-overrides';
import { activePromptOverride, latestPromptVersion, orgSkillRow, revertPrompt, savePromptOverride, setSkillManifest } from '../services/agent-settings';
import { requireRole } from '../services/orgs';
import { adoptedProposals, getProposal, latestCalibration, lockProposal, moveProposal, type ProposalRow } from '../services/rsi';
import type { OrgScope } from '../services/scope';
import { createSpec, deleteDraftSpec } from '../services/specs';
import { loadSkillLibrary } from '../skills/library';
import { currentSkillText } from './proposals';

/**
 * Adopting and reverting proposals. A prompt or skill proposal is adopted only from
 * `awaiting-approval` with a calibration that passed, and only while the text its patch was made
 * against is still the organisation's: a prompt or skill changed since is not overwritten (the
 * proposal is rejected as stale). Adoption goes through the existing stores — a new version of the
 * prompt override, the skill's SKILL.md text for the organisation, a draft spec, the challenge
 * suite — and records what it made, so a revert undoes exactly that, and refuses when someone
 * changed it since.
 */

/** Who adopts when nobody clicked: the calibration gate itself (automatic adoption). */
export const SYSTEM_ADOPTER = 'the calibration gate (automatic adoption)';

export type AdoptResult = { adopted: true; ref: Record<string, unknown> } | { adopted: false; reason: string };

/** What the change is, in a few words: "prompt roles/developer.md". */
export function changeLabel(p: Pick<ProposalRow, 'kind' | 'target'>): string {
  return p.kind === 'eval-challenge' ? `eval challenge ${p.target}` : p.kind === 'doc' ? `documentation spec "${p.target}"` : `${p.kind} ${p.target}`;
}

/**
 * Adopts a proposal waiting for approval. `scope` is the approver's (admin), or a system scope for
 * automatic adoption (userId null). A stale proposal is moved to `rejected` and not adopted.
 */
export async function adoptProposal(db: DB, scope: OrgScope, input: { proposalId: string }): Promise<AdoptResult> {
  requireRole(scope, 'admin');
  return db.transaction().execute(async (trx) => {
    const p = await lockProposal(trx, { orgId: scope.orgId, proposalId: input.proposalId });
    if (!p) throw new AppError('NOT_FOUND', 'Proposal not found');
    if (p.status !== 'awaiting-approval') return { adopted: false, reason: `the proposal is ${p.status}, not waiting for approval` };
    const stale = async (reason: string): Promise<AdoptResult> => {
      await moveProposal(trx, { orgId: scope.orgId, proposalId: p.id, from: ['awaiting-approval'], to: 'rejected', reason: `stale: ${reason}; nothing adopted — the next report can propose it again` });
      return { adopted: false, reason };
    };
    let ref: Record<string, unknown>;
    switch (p.kind) {
      case 'prompt':
      case 'skill': {
        const cal = await latestCalibration(trx, { orgId: scope.orgId, proposalId: p.id });
        if (cal?.status !== 'passed') return { adopted: false, reason: `its calibration ${cal ? cal.status : 'has not run'}; only a proposal whose calibration passed is adopted` };
        if (p.afterText === null || p.beforeText === null) return { adopted: false, reason: 'the proposal has no patched text' };
        if (p.kind === 'prompt') {
          const active = await activePromptOverride(trx, scope.orgId, p.target);
          const current = active?.content ?? readBuiltInPrompt(p.target);
          if ((active?.version ?? null) !== p.baseVersion || current !== p.beforeText) {
            return stale(`${p.target} changed since the proposal was made (it was ${p.baseVersion === null ? 'the built-in file' : `version ${p.baseVersion}`}, now ${active ? `version ${active.version}` : 'the built-in file'})`);
          }
          const saved = await savePromptOverride(trx, scope, { path: p.target, content: p.afterText });
          ref = { promptPath: p.target, version: saved.version, previousVersion: p.baseVersion };
        } else {
          const current = await currentSkillText(trx, scope.orgId, p.target);
          if (!current || current.text !== p.beforeText) return stale(`the skill ${p.target} changed since the proposal was made`);
          const row = await orgSkillRow(trx, scope.orgId, p.target);
          await setSkillManifest(trx, scope, { name: p.target, manifest: p.afterText });
          ref = { skill: p.target, builtIn: current.builtIn, previousManifest: row?.manifest ?? null };
        }
        break;
      }
      case 'doc': {
        if (!p.projectId || p.afterText === null) return { adopted: false, reason: 'the documentation proposal has no project or text' };
        const spec = await createSpec(trx, scope, { projectId: p.projectId, title: p.target.slice(0, 200), markdown: p.afterText });
        ref = { specId: spec.id, projectId: p.projectId };
        break;
      }
      case 'eval-challenge': {
        if (!p.challenge) return { adopted: false, reason: 'the proposal has no challenge' };
        const taken = (await adoptedProposals(trx, { orgId: scope.orgId, kind: 'eval-challenge' })).find((o) => o.challenge?.id === p.challenge!.id);
        if (taken) return stale(`an eval challenge named "${p.challenge.id}" is already adopted (proposal ${taken.id})`);
        ref = { challenge: p.challenge.id };
        break;
      }
    }
    const moved = await moveProposal(trx, { orgId: scope.orgId, proposalId: p.id, from: ['awaiting-approval'], to: 'adopted', adoptedRef: ref, by: scope.userId, reason: null });
    if (!moved) throw new AppError('CONFLICT', 'The proposal changed while it was being adopted; reload');
    return { adopted: true, ref };
  });
}

/** A person declines a proposal that waits for approval. */
export async function dismissProposal(db: DB, scope: OrgScope, input: { proposalId: string; reason?: string }): Promise<void> {
  requireRole(scope, 'admin');
  await getProposal(db, { orgId: scope.orgId, proposalId: input.proposalId });
  const moved = await moveProposal(db, { orgId: scope.orgId, proposalId: input.proposalId, from: ['awaiting-approval', 'proposed', 'error'], to: 'dismissed', reason: input.reason?.trim() || 'dismissed by an admin' });
  if (!moved) throw new AppError('CONFLICT', 'Only a proposal that is waiting, proposed or errored can be dismissed');
}

/**
 * Undoes an adopted proposal: the prompt goes back to the version before it (a new version), the
 * skill to its previous text, the draft spec is deleted (a spec already submitted stays), the
 * challenge leaves the suite. Refused when the prompt or skill changed after the adoption.
 */
export async function revertProposal(db: DB, scope: OrgScope, input: { proposalId: string }): Promise<{ reverted: true; note?: string }> {
  requireRole(scope, 'admin');
  return db.transaction().execute(async (trx) => {
    const p = await lockProposal(trx, { orgId: scope.orgId, proposalId: input.proposalId });
    if (!p) throw new AppError('NOT_FOUND', 'Proposal not found');
    if (p.status !== 'adopted') throw new AppError('CONFLICT', `Only an adopted proposal can be reverted (this one is ${p.status})`);
    const ref = { ...(p.adoptedRef ?? {}) };
    let note: string | undefined;
    switch (p.kind) {
      case 'prompt': {
        const latest = await latestPromptVersion(trx, scope.orgId, p.target);
        if (latest !== ref.version) throw new AppError('CONFLICT', `${p.target} changed after this proposal was adopted (version ${String(ref.version)}; now version ${latest}); restore an earlier version under Settings → Prompts instead`);
        const r = await revertPrompt(trx, scope, { path: p.target, version: (ref.previousVersion as number | null) ?? null });
        ref.revertVersion = r.version;
        break;
      }
      case 'skill': {
        const current = await currentSkillText(trx, scope.orgId, p.target, loadSkillLibrary());
        if (!current || current.text !== p.afterText) throw new AppError('CONFLICT', `The skill ${p.target} changed after this proposal was adopted; it was not reverted`);
        await setSkillManifest(trx, scope, { name: p.target, manifest: (ref.previousManifest as string | null) ?? null });
        break;
      }
      case 'doc': {
        const deleted = ref.specId ? await deleteDraftSpec(trx, scope, { specId: String(ref.specId) }) : false;
        if (!deleted) note = 'the spec was already submitted or deleted, so it was left as it is';
        break;
      }
      case 'eval-challenge':
        break;
    }
    const moved = await moveProposal(trx, { orgId: scope.orgId, proposalId: p.id, from: ['adopted'], to: 'reverted', adoptedRef: ref, by: scope.userId, reason: note ?? null });
    if (!moved) throw new AppError('CONFLICT', 'The proposal changed while it was being reverted; reload');
    return { reverted: true, ...(note ? { note } : {}) };
  });
}
