import type { McpClientManager } from '../mcp/client-manager';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Call a tool of an MCP server with arguments matching its schema (see mcp_describe_tool). Images and binary files in the result are saved and reported as file paths.`;

export function createMcpCallTool(mcp: McpClientManager) {
  return defineTool({
    name: 'mcp_call',
    description,
    parameters: z.object({
      server: z.string().describe('MCP server name from the registry in your system prompt.'),
      tool: z.string().describe('Tool name as listed by mcp_list_tools.'),
      args: z.record(z.string(), z.unknown()).optional().describe("The tool's arguments, an object matching the schema from mcp_describe_tool ({} when it takes none)."),
    }),
    async execute(args, ctx) {
      const res = await mcp.callTool(args.server, args.tool, args.args ?? {}, ctx.signal);
      if (!res.ok) return toolError(res.error);
      return { output: res.value.output, isError: res.value.isError || undefined, meta: res.value.files.length ? { files: res.value.files } : undefined };
    },
  });
}
