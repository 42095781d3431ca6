import { z } from 'zod';
import { orgProcedure, router, ZId } from '../trpc';
import {
  ZMcpSecrets,
  ZMcpSecretsUpdate,
  ZMcpServerConfig,
  ZMcpServerDescription,
  ZMcpServerName,
  ZMcpTimeoutMs,
  ZToolAllowList,
} from '../../mcp/config-schema';
import { MCP_PRESET_IDS, MCP_PRESETS } from '../../mcp/presets';
import { testMcpServer } from '../../mcp/test-connection';
import {
  createMcpServer,
  deleteMcpServer,
  getProjectMcpAccess,
  listMcpServers,
  loadMcpServerEntry,
  recordMcpServerCheck,
  setProjectMcpAccess,
  updateMcpServer,
} from '../../services/mcp-servers';

/**
 * MCP servers of an organisation (admins; secrets are write-only) and which of them, with which
 * tools, each project's agents may use (members, like other project settings).
 */
export const mcpRouter = router({
  /** Sentry, Jira, Slack, GitHub: endpoint templates and the secrets each needs. */
  presets: orgProcedure.query(() => MCP_PRESETS),
  servers: router({
    list: orgProcedure.query(({ ctx }) => listMcpServers(ctx.db, ctx.scope)),
    create: orgProcedure
      .input(
        z.object({
          name: ZMcpServerName,
          description: ZMcpServerDescription.optional(),
          preset: z.enum(MCP_PRESET_IDS).optional(),
          config: ZMcpServerConfig.optional(),
          secrets: ZMcpSecrets.optional(),
          timeoutMs: ZMcpTimeoutMs.optional(),
          enabled: z.boolean().optional(),
        }),
      )
      .mutation(({ ctx, input }) => createMcpServer(ctx.db, ctx.scope, input)),
    update: orgProcedure
      .input(
        z.object({
          serverId: ZId,
          name: ZMcpServerName.optional(),
          description: ZMcpServerDescription.optional(),
          config: ZMcpServerConfig.optional(),
          secrets: ZMcpSecretsUpdate.optional(),
          timeoutMs: ZMcpTimeoutMs.optional(),
          enabled: z.boolean().optional(),
        }),
      )
      .mutation(({ ctx, input }) => updateMcpServer(ctx.db, ctx.scope, input)),
    delete: orgProcedure.input(z.object({ serverId: ZId })).mutation(({ ctx, input }) => deleteMcpServer(ctx.db, ctx.scope, input)),
    /** Connects as a run would and lists the tools: the admin's check that the setup works. */
    test: orgProcedure
      .input(z.object({ serverId: ZId }))
      .mutation(async ({ ctx, input }) => {
        const result = await testMcpServer(await loadMcpServerEntry(ctx.db, ctx.scope, input.serverId));
        await recordMcpServerCheck(ctx.db, ctx.scope, input.serverId, result);
        return result;
      }),
  }),
  projectAccess: router({
    get: orgProcedure.input(z.object({ projectId: ZId })).query(({ ctx, input }) => getProjectMcpAccess(ctx.db, ctx.scope, input)),
    set: orgProcedure
      .input(z.object({ projectId: ZId, serverId: ZId, enabled: z.boolean(), tools: ZToolAllowList.optional() }))
      .mutation(({ ctx, input }) => setProjectMcpAccess(ctx.db, ctx.scope, input)),
  }),
});
