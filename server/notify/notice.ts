import { z } from 'zod';

/**
 * What Nightshift tells a team's chat. One zod schema, used by the notify job's payload and the
 * formatters' input type, so callers (pipeline, scheduler, digest) never build chat payloads.
 */
const ZUrl = z.string().url().optional();
const ZRunId = z.string().uuid();

export const ZNotice = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('spec.scored'),
    specTitle: z.string(),
    score: z.number(),
    threshold: z.number().optional(),
    accepted: z.boolean(),
    url: ZUrl,
  }),
  z.object({
    kind: z.literal('run.started'),
    runId: ZRunId,
    specTitle: z.string(),
    taskCount: z.number().int().nonnegative().optional(),
    url: ZUrl,
  }),
  z.object({
    kind: z.literal('task.failed'),
    runId: ZRunId,
    taskTitle: z.string(),
    reason: z.string(),
    url: ZUrl,
  }),
  z.object({
    kind: z.literal('pull-request.opened'),
    runId: ZRunId.optional(),
    title: z.string(),
    url: z.string().url(),
    summary: z.string(),
  }),
  z.object({
    kind: z.literal('digest'),
    /** The day the digest covers, YYYY-MM-DD. */
    date: z.string(),
    runsStarted: z.number().int().nonnegative(),
    runsFailed: z.number().int().nonnegative(),
    pullRequestsOpened: z.number().int().nonnegative(),
    tokensUsed: z.number().int().nonnegative(),
    url: ZUrl,
  }),
  z.object({ kind: z.literal('channel.test'), channelName: z.string() }),
  z.object({
    kind: z.literal('eval.regressed'),
    suite: z.string(),
    model: z.string(),
    mode: z.string(),
    passRate: z.number().min(0).max(1),
    previousPassRate: z.number().min(0).max(1).nullable(),
    /** The tasks that passed in the previous run of the suite and not in this one. */
    regressions: z.array(z.string()).min(1),
    url: ZUrl,
  }),
  z.object({
    kind: z.literal('improvement.adopted'),
    /** The proposal's title, and what it changed: "prompt roles/developer.md", "skill node-testing". */
    title: z.string(),
    change: z.string(),
    /** Adopted by the calibration gate on its own, or approved by a person (their name). */
    adoptedBy: z.string(),
    /** The calibration's figures, as the Improvements page shows them. */
    verdict: z.string(),
    url: ZUrl,
  }),
]);

export type Notice = z.infer<typeof ZNotice>;
export type NoticeKind = Notice['kind'];

export const NOTICE_KINDS = ['spec.scored', 'run.started', 'task.failed', 'pull-request.opened', 'digest', 'channel.test', 'eval.regressed', 'improvement.adopted'] as const satisfies readonly NoticeKind[];

/** The run a notice belongs to, for threading; notices outside a run start no thread. */
export function noticeRunId(notice: Notice): string | undefined {
  return 'runId' in notice ? notice.runId : undefined;
}

/** Chat messages stay readable: a failure reason or PR summary is cut, with the link carrying the rest. */
export const MAX_NOTICE_TEXT = 1500;

export function clip(text: string, max = MAX_NOTICE_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
