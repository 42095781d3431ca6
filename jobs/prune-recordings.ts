import { z } from 'zod';
import type { JobDefinition } from './definition';
import { pruneRecordings } from '../server/services/recordings';

export const PRUNE_RECORDINGS_JOB = 'prune-recordings';

/**
 * Drops run recordings older than their organisation's retention (settings.recordingRetentionDays,
 * default 30 days). A new recording also prunes its own organisation's, for CLI-only installations.
 */
export const pruneRecordingsJob = {
  id: PRUNE_RECORDINGS_JOB,
  payload: z.object({}).passthrough(),
  cron: '41 * * * *',
  queue: { retryLimit: 0, expireInSeconds: 600 },
  async handler(_data, ctx) {
    return { pruned: await pruneRecordings(ctx.db) };
  },
} satisfies JobDefinition;
