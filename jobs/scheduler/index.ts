/** Scheduling of runs and tasks on pg-boss: the public surface for workers, services and benches. */
export { startScheduler, type Scheduler, type StartSchedulerOptions } from './scheduler';
export { schedulerSettings, DEFAULTS as SCHEDULER_DEFAULTS, TASK_QUEUE, TASK_DEAD_LETTER_QUEUE, PLAN_QUEUE, TASK_READY_CHANNEL, RUN_CANCEL_CHANNEL, type SchedulerSettings } from './constants';
export { planRunJob, setRunPlanner, type RunPlanner } from './plan-run';
export { taskDeadLetterJob } from './dead-letter';
export { LeaseLostError, TaskCancelledError, type TaskExecutor, type TaskResult, type ExecutorContext, type ExecutableTask, type Checkpoint } from './types';
