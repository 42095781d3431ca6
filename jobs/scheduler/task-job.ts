import { z } from 'zod';

/** Payload of a run-task job (and of its dead letter). */
export const ZTaskJob = z.object({ taskId: z.string().uuid(), runId: z.string().uuid(), orgId: z.string().uuid() });
