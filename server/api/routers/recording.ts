import { orgProcedure, router } from '../trpc';
import { getRecordingRetention, listRunRecordings, readRecordingEntries, setRecordingRetention } from '../../services/recordings';
import { ZRecordingEntriesInput, ZRetentionInput, ZRunRecordingsInput } from './recording.types';

/** A run's recordings (the run page's Replay player) and the organisation's retention setting. */
export const recordingRouter = router({
  tasks: orgProcedure.input(ZRunRecordingsInput).query(({ ctx, input }) => listRunRecordings(ctx.db, ctx.scope, input.runId)),
  entries: orgProcedure.input(ZRecordingEntriesInput).query(({ ctx, input }) => readRecordingEntries(ctx.db, ctx.scope, input)),
  retention: orgProcedure.query(({ ctx }) => getRecordingRetention(ctx.db, ctx.scope)),
  setRetention: orgProcedure.input(ZRetentionInput).mutation(({ ctx, input }) => setRecordingRetention(ctx.db, ctx.scope, input)),
});
