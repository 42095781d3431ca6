/** Scheduling of runs and tasks on pg-boss: the public surface for workers, services and benches. */
export { startScheduler, type Scheduler, type StartSchedulerOptions } from './scheduler';
export { schedulerSettings, DEFAULTS as SCHEDULER_DEFAULTS, TASK_QUEUE, TASK_DEAD_LETTER_QUEUE, PLAN_QUEUE, type SchedulerSettings } from './constants';
export { planRunJob } from './plan-run';
export { taskDeadLetterJob } from './dead-letter';
export { LeaseLostError, TaskCancelledError, type TaskExecutor, type TaskResult, type ExecutorContext, type ExecutableTask, type Checkpoint } from './types';
