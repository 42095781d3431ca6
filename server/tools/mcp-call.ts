import type { McpClientManager } from '../mcp/client-manager';
import { toolError, type ToolDefinition } from './types';

export const description = `Call a tool of an MCP server with arguments matching its schema (see mcp_describe_tool). Images and binary files in the result are saved and reported as file paths.`;

export function createMcpCallTool(mcp: McpClientManager): ToolDefinition<{ server?: unknown; tool?: unknown; args?: unknown }> {
  return {
    name: 'mcp_call',
    description,
    parameters: {
      type: 'object',
      properties: {
        server: { type: 'string', description: 'MCP server name from the registry in your system prompt.' },
        tool: { type: 'string', description: 'Tool name as listed by mcp_list_tools.' },
        args: { type: 'object', description: "The tool's arguments, an object matching the schema from mcp_describe_tool ({} when it takes none)." },
      },
      required: ['server', 'tool'],
      additionalProperties: false,
    },
    async execute(args, ctx) {
      if (typeof args?.server !== 'string' || typeof args?.tool !== 'string') return toolError('server and tool must be strings (see mcp_list_tools)');
      const toolArgs = args.args ?? {};
      if (typeof toolArgs !== 'object' || Array.isArray(toolArgs) || toolArgs === null) return toolError('args must be an object of the tool\'s arguments, e.g. {"query": "…"}');
      const res = await mcp.callTool(args.server, args.tool, toolArgs as Record<string, unknown>, ctx.signal);
      if (!res.ok) return toolError(res.error);
      return { output: res.value.output, isError: res.value.isError || undefined, meta: res.value.files.length ? { files: res.value.files } : undefined };
    },
  };
}
