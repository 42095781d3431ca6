import type { DB } from '../db/client';
import type { RsiTrigger } from '../db/schema';
import { loadMiningFacts } from '../services/rsi-mining';
import { createReport, startReport, storeObservations, type StoredObservation } from '../services/rsi';
import { mineObservations } from './mine';

const DAY_MS = 24 * 3600 * 1000;

/** `7d`, `36h`, `90m`, `2w` → milliseconds; null when it is not a duration. */
export function parseSince(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const ms = unit === 'w' ? 7 * DAY_MS : unit === 'd' ? DAY_MS : unit === 'h' ? 3600_000 : 60_000;
  return n > 0 ? Math.round(n * ms) : null;
}

export type ReportOutcome = { reportId: string; since: Date; until: Date; runsMined: number; observations: StoredObservation[] };

/**
 * The reporter's first stage for one organisation: mines its runs of the window into
 * observations and stores them with the report (a new one, or the queued one `reportId` names).
 */
export async function runReport(db: DB, input: { orgId: string; trigger: RsiTrigger; since?: Date; reportId?: string; startedBy?: string | null; now?: Date }): Promise<ReportOutcome> {
  const until = input.now ?? new Date();
  let since = input.since ?? new Date(until.getTime() - 7 * DAY_MS);
  let reportId = input.reportId;
  if (reportId) {
    const started = await startReport(db, { orgId: input.orgId, reportId });
    if (!started) throw new Error(`report ${reportId} is not queued any more`);
    since = started.since;
  } else {
    reportId = await createReport(db, { orgId: input.orgId, trigger: input.trigger, since, startedBy: input.startedBy });
  }
  const facts = await loadMiningFacts(db, { orgId: input.orgId, since, until });
  const observations = mineObservations(facts);
  const stored = await storeObservations(db, { orgId: input.orgId, reportId, until, runsMined: facts.runs.length, observations });
  return { reportId, since, until, runsMined: facts.runs.length, observations: stored };
}
