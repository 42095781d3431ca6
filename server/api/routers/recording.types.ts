import { z } from 'zod';
import { ZId } from '../trpc';
import { MAX_RECORDING_RETENTION_DAYS } from '../../services/recordings';

/** Inputs of the recording procedures, written once (the router and its tests use these). */

export const ZRunRecordingsInput = z.object({ runId: ZId });
export const ZRecordingEntriesInput = z.object({
  runId: ZId,
  taskId: ZId,
  /** Records after this sequence number (paging); from the start when absent. */
  afterSeq: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export const ZRetentionInput = z.object({ days: z.number().int().min(1, 'keep recordings for at least 1 day').max(MAX_RECORDING_RETENTION_DAYS, `at most ${MAX_RECORDING_RETENTION_DAYS} days`) });
