import type PgBoss from 'pg-boss';
import { TASK_QUEUE } from './constants';
import type { TaskJobData } from './enqueue';

/**
 * Fetches task jobs into a fixed number of slots. pg-boss's `work()` would sleep its polling
 * interval (≥ 0.5 s) between fetches and hold a whole batch until its slowest job ends; this pool
 * instead fetches exactly the free slots whenever it is woken — by a NOTIFY from the dispatcher,
 * by a slot freeing up, or by a fallback timer — and runs each job on its own.
 */
export class TaskPool {
  private active = 0;
  private fetching = false;
  private again = false;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly boss: PgBoss,
    private readonly slots: number,
    private readonly run: (jobs: Array<PgBoss.Job<TaskJobData>>) => Promise<Array<Promise<void>>>,
    private readonly log: (msg: string) => void,
  ) {}

  get busy(): number {
    return this.active;
  }

  /** Fetch as many jobs as there are free slots; calls made while fetching coalesce into one more round. */
  wake(): void {
    void this.fill();
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.again = false;
        const free = this.slots - this.active;
        if (free <= 0) break;
        const jobs = (await this.boss.fetch<TaskJobData>(TASK_QUEUE, { batchSize: free, includeMetadata: true })) ?? [];
        if (jobs.length) await this.startAll(jobs as unknown as Array<PgBoss.Job<TaskJobData>>);
        // A full batch means more may be waiting.
        if (jobs.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.log(`task fetch failed: ${(err as Error).message}`);
    } finally {
      this.fetching = false;
    }
  }

  private async startAll(jobs: Array<PgBoss.Job<TaskJobData>>): Promise<void> {
    this.active += jobs.length;
    let runs: Array<Promise<void>>;
    try {
      runs = await this.run(jobs);
    } catch (err) {
      // The batch claim failed (database gone): the jobs stay active and the reaper re-sends them.
      this.log(`task claim failed: ${(err as Error).message}`);
      runs = jobs.map(() => Promise.resolve());
    }
    runs.forEach((p, i) =>
      p
        .catch((err) => this.log(`task job ${jobs[i].id} crashed: ${(err as Error).stack ?? err}`))
        .finally(() => {
          this.active--;
          if (this.active === 0) for (const resolve of this.idle) resolve();
          this.wake();
        }),
    );
  }

  /** Stops fetching; running jobs go on. */
  halt(): void {
    this.stopped = true;
  }

  /** Resolves once no job is running. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /** Stops fetching and waits for running jobs to end (they are told to stop by the caller). */
  async stop(): Promise<void> {
    this.halt();
    await this.whenIdle();
  }
}
