/**
 * The pipeline's fixed limits, in a module with no imports: the CLI checks its flags against
 * them before it loads anything heavy.
 */

/** At most this many QA → developer rework cycles; then the task fails with its open findings. */
export const MAX_QA_CYCLES = 3;

/** The most tasks a headless run starts at once: each holds a sandbox and a worktree. */
export const MAX_HEADLESS_CONCURRENCY = 8;
