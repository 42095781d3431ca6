/**
 * The environment of one task: before the first role, the dependencies for the task's worktree
 * (its lockfiles, so a branch that changes one gets its own setup) are made ready and mounted
 * into the task's sandbox; `install_dependencies` does the same on the agent's request. A failed
 * setup ends the task early with the installer's last lines, not later in QA with
 * MODULE_NOT_FOUND. "No recognisable stack" is said once per environment, not per task.
 *
 *   const env = createTaskEnvironment({ dataDir, projectKey, driver, log });
 *   const sandbox = await env.createSandbox({ workspaceDir, memoryMb, timeoutS });
 *   runTaskSession({ …, sandbox, setup: env.setup, extraTools: [env.tool] });
 */
import type { SandboxOptions } from '../../sandbox/types';
import type { AgentTool } from '../agent/types';
import { createInstallDependenciesTool } from '../tools/install-dependencies';
import { ensureEnvironment, type EnvSetupOptions, type EnvSetupResult } from './setup';
import { toolchainProblems } from './toolchain';
import { createDepsSandbox, type DepsSandbox } from './task-sandbox';

export class EnvironmentSetupError extends Error {
  constructor(readonly result: EnvSetupResult) {
    super(`dependency setup failed: ${result.error ?? 'see the setup log'}`);
    this.name = 'EnvironmentSetupError';
  }
}

export type SetupTrigger = 'task-start' | 'agent';

export type TaskEnvironmentOptions = Omit<EnvSetupOptions, 'workspaceDir' | 'force'> & {
  /**
   * Loads the project's settings, registries and tokens once, before the first setup (the
   * scheduler reads them from the database; the CLI passes them directly). `notes` are logged.
   */
  inputs?: () => Promise<Pick<EnvSetupOptions, 'settings' | 'registries' | 'tokens'> & { notes?: string[] }>;
  /** Called with every setup (the executor stores it: server/services/env-setups.ts). */
  onResult?: (result: EnvSetupResult, info: { trigger: SetupTrigger }) => void | Promise<void>;
};

/** One setup as the verification report lists it. */
export type SetupStep = {
  trigger: SetupTrigger;
  status: EnvSetupResult['status'];
  command: string | null;
  cached: boolean;
  durationMs: number;
  cacheKey: string | null;
  error?: string;
  /** Toolchain mismatches ("project wants Node 22 (.nvmrc), the sandbox has 20.20.2"). */
  toolchain?: string[];
};

export type TaskEnvironment = {
  createSandbox(opts: Omit<SandboxOptions, 'driver'>): Promise<DepsSandbox>;
  /** The session's setup step (before the first role). */
  setup(ctx: { workspaceDir: string; signal?: AbortSignal }): Promise<void>;
  /** `install_dependencies` for the agents. */
  tool: AgentTool;
  /** Every setup so far, in order (the report lists them). */
  readonly results: EnvSetupResult[];
  /** A line for the run report. */
  reportLines(): string[];
  /** Every setup so far, for the verification report. */
  steps(): SetupStep[];
};

/** One line for a setup: what ran, how long, from the cache or not. */
export function describeSetup(r: EnvSetupResult): string {
  if (r.status === 'none') return 'Environment: no recognisable stack, nothing to install';
  const what = `\`${r.command}\``;
  const secs = `${Math.round(r.durationMs / 100) / 10} s`;
  if (r.status === 'failed') return `Environment: ${what} FAILED after ${secs}: ${(r.error ?? '').split('\n')[0]}`;
  return r.cached ? `Environment: ${what} → ready from the cache (key ${r.cacheKey}, no install) in ${secs}` : `Environment: ${what} → ready, installed in ${secs} (key ${r.cacheKey})`;
}

export function createTaskEnvironment(opts: TaskEnvironmentOptions): TaskEnvironment {
  let sandbox: DepsSandbox | null = null;
  let workspaceDir: string | null = null;
  const results: EnvSetupResult[] = [];
  const triggers: SetupTrigger[] = [];
  let saidNone = false;
  const log = opts.log ?? (() => undefined);
  let loaded: Promise<Pick<EnvSetupOptions, 'settings' | 'registries' | 'tokens'>> | null = null;
  const load = () =>
    (loaded ??= (async () => {
      if (!opts.inputs) return {};
      const { notes, ...inputs } = await opts.inputs();
      for (const n of notes ?? []) log(n);
      return inputs;
    })());

  async function run(trigger: SetupTrigger, signal?: AbortSignal): Promise<EnvSetupResult> {
    if (!sandbox || !workspaceDir) throw new Error('the task environment has no sandbox yet: call createSandbox and setup first');
    const { inputs: _inputs, onResult: _onResult, ...base } = opts;
    const r = await ensureEnvironment({ ...base, ...(await load()), workspaceDir, signal, force: false });
    results.push(r);
    triggers.push(trigger);
    await opts.onResult?.(r, { trigger });
    if (r.status === 'ready' && r.entry) await sandbox.attach(r.entry);
    if (r.status === 'none' && !saidNone) {
      saidNone = true;
      log(r.log.trim());
    }
    return r;
  }

  return {
    results,
    async createSandbox(sbOpts) {
      sandbox = await createDepsSandbox({ ...sbOpts, driver: opts.driver, dataDir: opts.dataDir, entry: null });
      workspaceDir = sbOpts.workspaceDir;
      return sandbox;
    },
    async setup(ctx) {
      workspaceDir = ctx.workspaceDir;
      const r = await run('task-start', ctx.signal);
      for (const p of toolchainProblems(r.toolchain)) log(`toolchain: ${p}`);
      log(describeSetup(r));
      if (r.status === 'failed') throw new EnvironmentSetupError(r);
    },
    tool: createInstallDependenciesTool({ install: (signal) => run('agent', signal) }),
    reportLines() {
      return results.map(describeSetup);
    },
    steps() {
      return results.map((r, i) => ({
        trigger: triggers[i],
        status: r.status,
        command: r.command,
        cached: r.cached,
        durationMs: r.durationMs,
        cacheKey: r.cacheKey,
        ...(r.error ? { error: r.error } : {}),
        ...(toolchainProblems(r.toolchain).length ? { toolchain: toolchainProblems(r.toolchain) } : {}),
      }));
    },
  };
}
