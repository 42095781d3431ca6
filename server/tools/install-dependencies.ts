import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError, type ToolDefinition } from './types';

export const description = "Install the project's dependencies again after you changed what it depends on (package.json, a lockfile, requirements*.txt, pyproject.toml, go.mod, Cargo.lock). Commands you run have no network, so `npm install`, `pip install` and the like fail; this tool runs the project's setup in a separate sandbox that may reach only the package registries, caches the result, and mounts it into your sandbox. It reports the installer's log. Update the lockfile yourself first when you add a dependency by hand (or describe the change in the manifest and let the setup resolve it when the project has no lockfile).";

/** What the tool needs from the task's environment (server/env/session-setup.ts provides it). */
export type DependencyInstaller = {
  /** Runs the fenced setup for the workspace as it is now and mounts the result; never throws for a failed install. */
  install(signal?: AbortSignal): Promise<{ status: 'ready' | 'failed' | 'none'; cached: boolean; command: string | null; cacheKey: string | null; durationMs: number; log: string; error?: string }>;
};

/** Log text shown to the model: the end matters most (the installer's summary or error). */
const LOG_MAX_CHARS = 6_000;

export function createInstallDependenciesTool(installer: DependencyInstaller): ToolDefinition {
  return defineTool({
    name: 'install_dependencies',
    description,
    parameters: z.object({}),
    async execute(_args, ctx) {
      const r = await installer.install(ctx.signal);
      const log = r.log.length > LOG_MAX_CHARS ? `… ${r.log.slice(-LOG_MAX_CHARS)}` : r.log;
      const meta = { status: r.status, cached: r.cached, cacheKey: r.cacheKey, durationMs: r.durationMs, command: r.command };
      if (r.status === 'failed') return toolError(`Dependency setup failed: ${r.error ?? 'see the log'}\n\n${log}`, meta);
      if (r.status === 'none') return { output: `Nothing to install: ${log.trim()}`, meta };
      const head = r.cached
        ? `Dependencies for the current lockfiles were already cached (key ${r.cacheKey}); mounted, no install ran.`
        : `Installed with \`${r.command}\` in ${Math.round(r.durationMs / 100) / 10} s (key ${r.cacheKey}); mounted into your sandbox.`;
      return { output: `${head}\n\n${log}`, meta };
    },
  });
}
