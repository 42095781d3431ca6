import type { JobDefinition } from './definition';
import { heartbeatJob } from './heartbeat';
import { notifyJob } from './notify';
import { nightlyDigestJob } from './nightly-digest';
import { reportUsageJob } from './report-usage';
import { planRunJob } from './scheduler/plan-run';
import { taskDeadLetterJob } from './scheduler/dead-letter';
import { planSpecJob } from './plan-spec';
import { envSetupJob } from './env-setup';
import { pruneAuthThrottleJob } from './prune-auth-throttle';
import { evalRunJob } from './eval-run';
import { pruneRecordingsJob } from './prune-recordings';
import { rsiCycleJob, rsiScheduleJob } from './rsi';

/** Every job kind the workers run. Later capabilities register theirs here. */
export const JOBS: JobDefinition[] = [
  heartbeatJob,
  notifyJob,
  nightlyDigestJob,
  reportUsageJob,
  // Scheduling (jobs/scheduler): the dead-letter queue before the queues that name it.
  taskDeadLetterJob,
  planRunJob,
  planSpecJob,
  pruneAuthThrottleJob,
  envSetupJob,
  evalRunJob,
  pruneRecordingsJob,
  rsiScheduleJob,
  rsiCycleJob,
];
