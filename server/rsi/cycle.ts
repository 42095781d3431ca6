import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxDriverName } from '../../sandbox/types';
import type { Budgets } from '../agent/budgets';
import { secretValuesFromEnv } from '../agent/redact';
import type { AgentEvent } from '../agent/types';
import type { DB } from '../db/client';
import type { RsiChallenge, RsiProposalStatus, RsiTrigger } from '../db/schema';
import { EVAL_BASE_BRANCH, prepareTaskRepo } from '../evals/task-repo';
import { BUILTIN_SUITE_DIR, EvalSuiteError, loadSuite, resolveSuiteDir, type EvalSuite } from '../evals/suite';
import { verifyResult } from '../evals/verify';
import { modelFromSettings } from '../llm/model-factory';
import type { Notice } from '../notify/notice';
import type { Publisher } from '../realtime/publish';
import { git } from '../repos/git';
import { loadOrgAgentSettings } from '../services/agent-settings';
import { finishReport, failReport, getProposal, insertProposal, loadRsiSettings, moveProposal, adoptedProposals, type StoredObservation } from '../services/rsi';
import { orgProviderSettings } from '../services/secrets';
import type { OrgScope } from '../services/scope';
import { loadSkillLibrary } from '../skills/library';
import { adoptProposal, changeLabel, SYSTEM_ADOPTER } from './adopt';
import { calibrateProposal } from './calibrate';
import { adoptionNotice } from './notice';
import { CHALLENGE_SUITE_NAME, checkChallenge, writeChallengeSuite } from './challenge';
import { currentPromptText, currentSkillText, prepareProposal } from './proposals';
import { runReport } from './report';
import { runReporterAgent } from './reporter';
import { calibrationModel, type RsiSettings } from './settings';

/**
 * One full cycle of the self-improvement loop for one organisation: mine the recent runs into
 * observations (always); with a model, let the reporter agent turn them into proposals; calibrate
 * each prompt/skill proposal against the eval suite and adopt it (or leave it waiting for an admin)
 * only when the gate passes; check eval challenges; hand documentation specs to a person. Used by
 * the scheduled job, the page's "Run now" and `nightshift rsi run --once`.
 */

export type CycleOptions = {
  db: DB;
  databaseUrl: string;
  dataDir: string;
  orgId: string;
  trigger: RsiTrigger;
  /** A report already queued (the scheduled job's); otherwise one is made. */
  reportId?: string;
  startedBy?: string | null;
  /** Start of the mining window; default: the settings' window before now. */
  since?: Date;
  /** Replaces settings for this cycle (the CLI's --model, --auto-adopt…). */
  settings?: Partial<RsiSettings>;
  /** Points the reporter's and the calibration's models at one endpoint (--base-url). */
  baseUrl?: string;
  /** A calibration suite folder (or "builtin") instead of the settings' choice. */
  suite?: string;
  driver: SandboxDriverName;
  publish: Publisher;
  /** Tells the organisation's chat about an adoption. */
  notify?: (notice: Notice) => Promise<void>;
  /** Where the Improvements page is, for links. */
  pageUrl?: string;
  repeat?: number;
  concurrency?: number;
  setupDependencies?: boolean;
  budgets?: Partial<Budgets>;
  log?: (line: string) => void;
  onReporterEvent?: (e: AgentEvent) => void;
  signal?: AbortSignal;
};

export type CycleProposal = {
  id: string;
  kind: string;
  target: string;
  title: string;
  observations: string[];
  status: RsiProposalStatus;
  reason: string | null;
  calibration?: { status: string; verdict: string; baseline: { passRate: number; passed: number; runs: number } | null; candidate: { passRate: number; passed: number; runs: number } | null; fixed: number };
};

export type CycleSummary = {
  reportId: string;
  since: string;
  until: string;
  runsMined: number;
  observations: StoredObservation[];
  model: string | null;
  proposals: CycleProposal[];
  adopted: string[];
  summary: string;
};

const SYSTEM = (orgId: string): OrgScope => ({ orgId, userId: null, role: 'owner' });
const DAY_MS = 24 * 3600 * 1000;

/** The organisation's adopted eval challenges as a suite folder under the data directory (rewritten from the database). */
export async function challengeSuite(db: DB, orgId: string, dataDir: string): Promise<EvalSuite> {
  const adopted = await adoptedProposals(db, { orgId, kind: 'eval-challenge' });
  const challenges = adopted.flatMap((p) => (p.challenge ? [p.challenge] : []));
  if (!challenges.length) throw new EvalSuiteError(['the organisation has no adopted eval challenges yet; calibrate with the built-in suite until one is adopted']);
  return writeChallengeSuite(join(dataDir, 'rsi', orgId, CHALLENGE_SUITE_NAME), challenges);
}

/** Whether a challenge's verify fails on its repository as given (it must, to capture a failure). */
export async function challengeFailsAsGiven(c: RsiChallenge, opts: { driver: SandboxDriverName; signal?: AbortSignal }): Promise<{ ok: true } | { ok: false; reason: string }> {
  const checked = checkChallenge(c);
  if (!checked.suite) return { ok: false, reason: `the eval challenge is not a valid task folder: ${checked.problems.join('; ')}` };
  const work = mkdtempSync(join(tmpdir(), 'ns-challenge-run-'));
  try {
    const task = checked.suite.tasks[0];
    const repo = await prepareTaskRepo(join(work, 'repos'), task);
    const commit = (await git(['rev-parse', EVAL_BASE_BRANCH], { cwd: repo })).trim();
    const v = await verifyResult({ task, repo, commit, workRoot: join(work, 'verify'), driver: opts.driver, signal: opts.signal });
    if (!v.ran) return { ok: false, reason: `its verify could not run: ${v.error}` };
    if (v.exitCode === 0) return { ok: false, reason: 'its verify passes on the repository as given, so it captures no failure' };
    return { ok: true };
  } finally {
    checked.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function runCycle(opts: CycleOptions): Promise<CycleSummary> {
  const { db, orgId } = opts;
  const log = opts.log ?? (() => undefined);
  const settings: RsiSettings = { ...(await loadRsiSettings(db, orgId)), ...(opts.settings ?? {}) };
  const now = new Date();
  const report = await runReport(db, { orgId, trigger: opts.trigger, reportId: opts.reportId, startedBy: opts.startedBy, since: opts.since ?? new Date(now.getTime() - settings.windowDays * DAY_MS), now });
  const { reportId } = report;
  log(`report ${reportId}: ${report.runsMined} runs since ${report.since.toISOString()}, ${report.observations.length} observations`);
  const proposals: CycleProposal[] = [];
  const adopted: string[] = [];
  const summaryOf = (extra: string) =>
    [`${report.observations.length} observation${report.observations.length === 1 ? '' : 's'} from ${report.runsMined} runs`, extra, proposals.length ? `${proposals.length} proposal(s): ${proposals.map((p) => `${p.kind} ${p.target} → ${p.status}`).join('; ')}` : ''].filter(Boolean).join('; ');
  const result = (extra: string): CycleSummary => ({
    reportId,
    since: report.since.toISOString(),
    until: report.until.toISOString(),
    runsMined: report.runsMined,
    observations: report.observations,
    model: settings.model,
    proposals,
    adopted,
    summary: summaryOf(extra),
  });

  try {
    if (!settings.model) {
      await finishReport(db, { orgId, reportId, proposals: 0, model: null, summary: summaryOf('no reporter model configured: observations only') });
      return result('no reporter model configured: observations only');
    }
    if (!report.observations.length || settings.maxProposals === 0) {
      const why = report.observations.length ? 'proposals are switched off (maxProposals 0)' : 'nothing recurs: no proposals';
      await finishReport(db, { orgId, reportId, proposals: 0, model: settings.model, summary: summaryOf(why) });
      return result(why);
    }

    // ---- proposals from the reporter agent ----
    const { env, secrets } = await orgProviderSettings(db, orgId);
    const skillsBase = loadSkillLibrary();
    const agentSettings = await loadOrgAgentSettings(db, orgId, skillsBase);
    const skills: Array<{ name: string; text: string }> = [];
    for (const name of agentSettings.skills.skills.keys()) {
      const s = await currentSkillText(db, orgId, name, skillsBase);
      if (s) skills.push({ name, text: s.text });
    }
    const known = new Map(report.observations.map((o) => [o.id, { runs: o.runs }]));
    const ids: string[] = [];
    let reporterNote = '';
    try {
      const out = await runReporterAgent({
        observations: report.observations,
        model: modelFromSettings(settings.model, { env, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) }),
        modelName: settings.model,
        promptText: async (path) => (await currentPromptText(db, orgId, path))?.text ?? null,
        skills,
        maxProposals: settings.maxProposals,
        secrets: [...secrets, ...secretValuesFromEnv()],
        signal: opts.signal,
        onEvent: opts.onReporterEvent,
        onProposal: async (draft) => {
          const prepared = await prepareProposal(db, { orgId, draft, knownObservations: known, skills: skillsBase });
          const id = await insertProposal(db, {
            orgId,
            reportId,
            kind: draft.kind,
            target: draft.target,
            title: draft.title,
            rationale: draft.rationale,
            observationIds: draft.observationIds,
            edits: draft.edits ?? [],
            baseVersion: prepared.baseVersion,
            beforeText: prepared.beforeText,
            afterText: prepared.ok ? prepared.afterText : null,
            challenge: draft.challenge ?? null,
            projectId: prepared.ok ? prepared.projectId : null,
            status: prepared.ok ? 'proposed' : 'rejected',
            statusReason: prepared.ok ? null : prepared.reason,
            model: settings.model,
          });
          ids.push(id);
          log(`proposal ${id}: ${draft.kind} ${draft.target}: ${prepared.ok ? 'accepted for checking' : `rejected: ${prepared.reason}`}`);
          return prepared.ok ? { id, accepted: true } : { id, accepted: false, reason: prepared.reason };
        },
      });
      reporterNote = `reporter: ${out.status}${out.reason ? ` (${out.reason})` : ''}, ${out.turns} turns, $${out.costUsd.toFixed(4)}`;
    } catch (err) {
      // The proposals stored so far stand; a reporter that failed says why in the report.
      reporterNote = `the reporter agent failed: ${(err as Error).message}`;
    }
    log(reporterNote);

    // ---- check, calibrate and (maybe) adopt each proposal ----
    let suite: EvalSuite | string | null = null;
    const calibrationSuite = async (): Promise<EvalSuite | string> => {
      if (suite !== null) return suite;
      try {
        if (opts.suite) suite = loadSuite(resolveSuiteDir(opts.suite));
        else if (settings.evalSuite === 'challenges') suite = await challengeSuite(db, orgId, opts.dataDir);
        else suite = loadSuite(BUILTIN_SUITE_DIR);
      } catch (err) {
        suite = err instanceof EvalSuiteError ? `the calibration suite cannot run: ${err.message}` : (err as Error).message;
      }
      return suite;
    };
    const evalModel = calibrationModel(settings);
    for (const id of ids) {
      if (opts.signal?.aborted) break;
      let p = await getProposal(db, { orgId, proposalId: id });
      const entry: CycleProposal = { id, kind: p.kind, target: p.target, title: p.title, observations: p.observationIds, status: p.status, reason: p.statusReason };
      proposals.push(entry);
      if (p.status !== 'proposed') continue;
      const move = async (to: RsiProposalStatus, reason: string | null, from: RsiProposalStatus[] = ['proposed']) => {
        await moveProposal(db, { orgId, proposalId: id, from, to, reason });
        entry.status = to;
        entry.reason = reason;
      };
      if (p.kind === 'doc') {
        await move('awaiting-approval', 'a documentation spec is made only when a person approves it');
        continue;
      }
      if (p.kind === 'eval-challenge') {
        const check = await challengeFailsAsGiven(p.challenge!, { driver: opts.driver, signal: opts.signal });
        if (!check.ok) {
          await move('rejected', check.reason);
          continue;
        }
        await move('awaiting-approval', 'its verify fails on the repository as given: it captures the failure');
      } else {
        const s = await calibrationSuite();
        if (typeof s === 'string' || !evalModel) {
          await move('error', `not calibrated: ${typeof s === 'string' ? s : 'no calibration model'}; nothing adopted`);
          continue;
        }
        await move('calibrating', null);
        const observedRuns = [...new Set(report.observations.filter((o) => p.observationIds.includes(o.id)).flatMap((o) => o.runs))];
        const cal = await calibrateProposal({
          db,
          databaseUrl: opts.databaseUrl,
          dataDir: opts.dataDir,
          orgId,
          proposal: p,
          observedRuns,
          suite: s,
          suiteSource: opts.suite && opts.suite !== 'builtin' ? 'folder' : 'builtin',
          model: evalModel,
          baseUrl: opts.baseUrl,
          mode: settings.evalMode,
          repeat: opts.repeat,
          concurrency: opts.concurrency,
          driver: opts.driver,
          publish: opts.publish,
          setupDependencies: opts.setupDependencies,
          budgets: opts.budgets,
          log,
          signal: opts.signal,
        });
        const f = cal.figures;
        entry.calibration = { status: f.status, verdict: f.verdict, baseline: f.baseline, candidate: f.candidate, fixed: f.fixed };
        if (f.status === 'passed') await move('awaiting-approval', f.verdict, ['calibrating']);
        else await move(f.status === 'failed' ? 'rejected' : 'error', f.verdict, ['calibrating']);
        if (f.status !== 'passed') continue;
      }
      if (!settings.autoAdopt) continue;
      const r = await adoptProposal(db, SYSTEM(orgId), { proposalId: id });
      p = await getProposal(db, { orgId, proposalId: id });
      entry.status = p.status;
      entry.reason = p.statusReason;
      if (!r.adopted) {
        log(`proposal ${id} not adopted: ${r.reason}`);
        continue;
      }
      adopted.push(id);
      log(`proposal ${id} adopted: ${changeLabel(p)}`);
      await opts
        .notify?.(adoptionNotice(p, { adoptedBy: SYSTEM_ADOPTER, verdict: entry.calibration?.verdict ?? entry.reason ?? 'adopted', url: opts.pageUrl }))
        .catch((err) => log(`the adoption notice was not sent: ${(err as Error).message}`));
    }
    await finishReport(db, { orgId, reportId, proposals: ids.length, model: settings.model, summary: summaryOf(reporterNote) });
    return result(reporterNote);
  } catch (err) {
    await failReport(db, { orgId, reportId, error: (err as Error).message });
    throw err;
  }
}
