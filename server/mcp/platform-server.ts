import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { toWireError } from '../errors/wire';
import { ZPlanTask } from '../planner/validate-plan';
import { listProjects } from '../services/projects';
import { listPullRequests } from '../services/pull-requests';
import { createRun, getRun, startRun } from '../services/runs';
import type { OrgScope } from '../services/scope';
import { createSpec, getSpec, listSpecs, submitSpec } from '../services/specs';
import { ZSpecMarkdown, ZSpecTitle } from '../api/routers/spec';
import { ZModelName } from '../api/routers/run';

export const PLATFORM_SERVER_INFO = { name: 'nightshift', version: '1.0.0' };
/** Findings shown per spec in a tool result; the rest are counted. */
const MAX_FINDINGS_SHOWN = 20;

const ZId = z.string().uuid('must be an id (uuid)');

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

function failure(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Service errors become tool results the caller's model can act on (server/errors/wire.ts decides
 * what may be said); an internal fault is logged here and reported without details.
 */
function toolFailure(err: unknown, log?: (msg: string) => void): CallToolResult {
  const wire = toWireError(err);
  if (wire.internal) log?.(`mcp platform tool failed: ${(err as Error)?.stack ?? String(err)}`);
  return failure(wire.message);
}

function guarded<A>(log: ((msg: string) => void) | undefined, fn: (args: A) => Promise<unknown>) {
  return async (args: A): Promise<CallToolResult> => {
    try {
      return json(await fn(args));
    } catch (err) {
      return toolFailure(err, log);
    }
  };
}

function specScore(spec: { id: string; title: string; status: string; score: number; threshold: number; findings: unknown }) {
  const findings = Array.isArray(spec.findings) ? spec.findings : [];
  return {
    specId: spec.id,
    title: spec.title,
    status: spec.status,
    score: spec.score,
    threshold: spec.threshold,
    meetsThreshold: spec.score >= spec.threshold,
    findings: findings.slice(0, MAX_FINDINGS_SHOWN),
    ...(findings.length > MAX_FINDINGS_SHOWN ? { moreFindings: findings.length - MAX_FINDINGS_SHOWN } : {}),
  };
}

/**
 * Nightshift's own tools over MCP, bound to one organisation (the API token's). Every tool calls
 * the same tenant-scoped services the web app uses, so another organisation's ids are simply
 * "not found". One server per request: the HTTP endpoint is stateless.
 */
export function createPlatformMcpServer(db: DB, scope: OrgScope, log?: (msg: string) => void): McpServer {
  const server = new McpServer(PLATFORM_SERVER_INFO, {
    instructions: 'Nightshift runs coding agents on your repositories: write a spec, get it scored, start a run from a task list, follow its status and pull requests.',
  });

  server.registerTool(
    'list_projects',
    { description: 'List the projects (repositories) of your organization; create_spec needs a project id.', inputSchema: {}, annotations: { readOnlyHint: true } },
    guarded(log, async () => listProjects(db, scope)),
  );

  server.registerTool(
    'create_spec',
    {
      description:
        'Create a spec (Markdown) in a project. It is scored for completeness at once; with submit: true it is also submitted, and accepted when the score reaches the organization threshold (below it the findings say what to fix).',
      inputSchema: {
        projectId: ZId.describe('Project id (see list_projects)'),
        title: ZSpecTitle.describe('Short title of the spec'),
        markdown: ZSpecMarkdown.describe('The spec in Markdown: goal, requirements, acceptance criteria'),
        submit: z.boolean().optional().describe('Submit right away (default false: stays a draft)'),
      },
    },
    guarded(log, async ({ projectId, title, markdown, submit }: { projectId: string; title: string; markdown: string; submit?: boolean }) => {
      const spec = await createSpec(db, scope, { projectId, title, markdown });
      if (!submit) return specScore(spec);
      try {
        const accepted = await submitSpec(db, scope, { specId: spec.id });
        return specScore({ ...spec, ...accepted, threshold: spec.threshold });
      } catch (err) {
        // Below the threshold: the spec exists as a draft; say so along with the findings.
        if (err instanceof AppError && err.code === 'BAD_REQUEST') return { ...specScore(spec), submitted: false, reason: err.userMessage };
        throw err;
      }
    }),
  );

  server.registerTool(
    'list_specs',
    { description: 'List the specs of your organization, newest first, optionally of one project.', inputSchema: { projectId: ZId.optional().describe('Only this project') }, annotations: { readOnlyHint: true } },
    guarded(log, async ({ projectId }: { projectId?: string }) => listSpecs(db, scope, { projectId })),
  );

  server.registerTool(
    'get_spec_score',
    { description: "A spec's completeness score, the organization threshold and the findings to fix.", inputSchema: { specId: ZId.describe('Spec id') }, annotations: { readOnlyHint: true } },
    guarded(log, async ({ specId }: { specId: string }) => specScore(await getSpec(db, scope, specId))),
  );

  server.registerTool(
    'start_run',
    {
      description:
        'Start a run. Either give runId to start a queued run, or give specId (an accepted spec) with its tasks to create the run and start it. Returns the run id and status; follow it with get_run_status.',
      inputSchema: {
        runId: ZId.optional().describe('A queued run to start'),
        specId: ZId.optional().describe('An accepted spec to run (with tasks)'),
        tasks: z.array(ZPlanTask).optional().describe('The tasks of the run, when starting from a spec'),
        model: ZModelName.optional().describe('provider:model for the agents, e.g. anthropic:claude-sonnet-4-5'),
      },
    },
    guarded(log, async (args: { runId?: string; specId?: string; tasks?: z.infer<typeof ZPlanTask>[]; model?: string }) => {
      if (args.runId && args.specId) throw new AppError('BAD_REQUEST', 'Give either runId or specId with tasks, not both');
      let runId = args.runId;
      if (!runId) {
        if (!args.specId || !args.tasks?.length) throw new AppError('BAD_REQUEST', 'Give runId, or specId with a non-empty tasks list');
        const created = await createRun(db, scope, { specId: args.specId, tasks: args.tasks, model: args.model });
        runId = created.run.id;
      }
      const run = await startRun(db, scope, { runId });
      return { runId: run.id, status: run.status, specId: run.specId, projectId: run.projectId, model: run.model };
    }),
  );

  server.registerTool(
    'get_run_status',
    { description: "A run's status, task counts per status, and each task's status and error.", inputSchema: { runId: ZId.describe('Run id') }, annotations: { readOnlyHint: true } },
    guarded(log, async ({ runId }: { runId: string }) => {
      const run = await getRun(db, scope, runId);
      return {
        runId: run.id,
        status: run.status,
        error: run.error,
        counts: run.counts,
        costUsd: run.costUsd,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        tasks: run.waves.flat().map((t) => ({ key: t.key, title: t.title, wave: t.wave, status: t.status, error: t.error, branch: t.branch })),
      };
    }),
  );

  server.registerTool(
    'list_pull_requests',
    {
      description: 'List the pull requests Nightshift opened, newest first, optionally of one project or run.',
      inputSchema: { projectId: ZId.optional().describe('Only this project'), runId: ZId.optional().describe('Only this run') },
      annotations: { readOnlyHint: true },
    },
    guarded(log, async ({ projectId, runId }: { projectId?: string; runId?: string }) => listPullRequests(db, scope, { projectId, runId })),
  );

  return server;
}
