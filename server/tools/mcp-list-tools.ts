import type { McpClientManager } from '../mcp/client-manager';
import { toolError, type ToolDefinition } from './types';

export const description = `List the tools of one MCP server (level 1: names and one-line summaries). The MCP servers you may use are listed in your system prompt. Next, mcp_describe_tool gives one tool's full argument schema.`;

export function createMcpListToolsTool(mcp: McpClientManager): ToolDefinition<{ server?: unknown }> {
  return {
    name: 'mcp_list_tools',
    description,
    parameters: {
      type: 'object',
      properties: { server: { type: 'string', description: 'MCP server name from the registry in your system prompt, e.g. "sentry".' } },
      required: ['server'],
      additionalProperties: false,
    },
    async execute(args, ctx) {
      if (typeof args?.server !== 'string') return toolError('server must be a string: an MCP server name from your system prompt');
      const res = await mcp.listTools(args.server, ctx.signal);
      if (!res.ok) return toolError(res.error);
      if (res.value.length === 0) return { output: `MCP server "${args.server}" offers no tools to this project.` };
      const lines = res.value.map((t) => `- ${t.name}${t.summary ? `: ${t.summary}` : ''}`);
      return { output: `Tools of MCP server "${args.server}" (mcp_describe_tool for a schema):\n${lines.join('\n')}` };
    },
  };
}
