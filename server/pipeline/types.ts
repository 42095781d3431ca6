import { FINDING_CATEGORIES } from '../tools/finish';
import type { Proof } from '../recording/evidence';

/** The four roles of a task, in the order they first act. */
export const PIPELINE_ROLES = ['architect', 'developer', 'qa', 'reviewer'] as const;
export type PipelineRole = (typeof PIPELINE_ROLES)[number];

export { MAX_QA_CYCLES } from './limits';

// The finish tool declares what the roles send; the pipeline reads the same vocabulary.
export { QA_VERDICTS, REVIEW_VERDICTS, FINDING_CATEGORIES } from '../tools/finish';

/**
 * What QA or the reviewer found. `category` decides where it is fixed: simple ones (lint, a test
 * the developer broke, a type error) in the task; complex ones (another task's files, a missing
 * dependency, out of scope) in a linked remediation task planned into a later wave.
 */
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];
export const COMPLEX_CATEGORIES: ReadonlySet<FindingCategory> = new Set(['other-task', 'dependency', 'out-of-scope']);

export type Finding = {
  id: string;
  message: string;
  category?: FindingCategory;
  severity?: 'blocker' | 'major' | 'minor';
  file?: string;
  /** Which acceptance criterion (1-based index) it concerns, if any. */
  criterion?: number;
  evidence?: string;
  /** The viability rule a diff-guard finding comes from (`js/sql-concat`). */
  rule?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
};

/** A developer disputing a finding, with evidence; QA answers in its next pass. */
export type Contest = { findingId: string; evidence: string };

export type RoleFinish = {
  summary: string;
  verdict?: string;
  findings?: Finding[];
  contested?: Contest[];
  /**
   * QA and reviewer: evidence per acceptance criterion (1-based), for the verification report.
   * QA's `proof` holds its citations as checked against the recording (commands with their
   * recorded exit code and place in the recording, files in the change, web-tester steps).
   */
  criteria?: Array<{ criterion: number; met: boolean; evidence: string; proof?: Proof[] }>;
  /** Reviewer: the case for the change, argued before the critique. */
  steelman?: string;
};

export type RoleUsage = { inputTokens: number; outputTokens: number; costUsd: number };

export type RoleOutcome = {
  status: 'done' | 'failed' | 'stopped';
  finish?: RoleFinish;
  reason?: string;
  turns: number;
  /** Detector nudges and repaired tool calls of the role's agent. */
  nudges?: number;
  repairedToolCalls?: number;
  usage: RoleUsage;
  promptVersions?: Record<string, string>;
  /** Web-tester transcript lines and screenshot paths, when QA drove a browser. */
  webTest?: { transcript: string[]; screenshots: string[]; visual?: Array<{ screenshot: string; status: string; diffPixels?: number; diffImage?: string }> };
  /** Commands the role ran in the sandbox and their exit codes; `seq`: the command's place in the task's recording. */
  commands?: Array<{ command: string; exitCode: number; outputTail?: string; seq?: number }>;
};

/** The structured message one role hands to the next (references and findings, not transcripts). */
export type RoleInput = {
  role: PipelineRole;
  cycle: number;
  objective: string;
  acceptanceCriteria: string[];
  files: string[];
  architectPlan?: string;
  /** For the developer on a rework cycle, and for QA re-checking. */
  findings?: Finding[];
  contested?: Array<Contest & { finding: Finding }>;
  developerSummary?: string;
  qaSummary?: string;
};

export type RoleRunner = (input: RoleInput) => Promise<RoleOutcome>;

export type CycleRecord = {
  cycle: number;
  developer: RoleOutcome;
  qa?: RoleOutcome;
  reviewer?: RoleOutcome;
  contested: Contest[];
  withdrawn: string[];
  /** Patterns the developer's change introduced (the diff guard), added to QA's findings. */
  guard?: Finding[];
};

export type PipelineResult = {
  status: 'approved' | 'failed';
  reason?: string;
  architect: RoleOutcome;
  cycles: CycleRecord[];
  openFindings: Finding[];
  remediation: Finding[];
  usageByRole: Record<PipelineRole, RoleUsage>;
  promptVersions: Record<string, string>;
  /** The task ended because the cap of QA cycles was reached (the report says so at its top). */
  capHit?: { maxQaCycles: number };
};
