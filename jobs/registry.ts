import type { JobDefinition } from './definition';
import { heartbeatJob } from './heartbeat';

/** Every job kind the workers run. Later capabilities register theirs here. */
export const JOBS: JobDefinition[] = [heartbeatJob];
