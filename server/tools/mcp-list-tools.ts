import type { McpClientManager } from '../mcp/client-manager';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `List the tools of one MCP server (level 1: names and one-line summaries). The MCP servers you may use are listed in your system prompt. Next, mcp_describe_tool gives one tool's full argument schema.`;

export function createMcpListToolsTool(mcp: McpClientManager) {
  return defineTool({
    name: 'mcp_list_tools',
    description,
    parameters: z.object({ server: z.string().describe('MCP server name from the registry in your system prompt, e.g. "sentry".') }),
    async execute(args, ctx) {
      const res = await mcp.listTools(args.server, ctx.signal);
      if (!res.ok) return toolError(res.error);
      if (res.value.length === 0) return { output: `MCP server "${args.server}" offers no tools to this project.` };
      const lines = res.value.map((t) => `- ${t.name}${t.summary ? `: ${t.summary}` : ''}`);
      return { output: `Tools of MCP server "${args.server}" (mcp_describe_tool for a schema):\n${lines.join('\n')}` };
    },
  });
}
