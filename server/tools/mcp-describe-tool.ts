import type { McpClientManager } from '../mcp/client-manager';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Show one MCP tool's full description and JSON Schema of its arguments (level 2), so you can call it with mcp_call.`;

export function createMcpDescribeToolTool(mcp: McpClientManager) {
  return defineTool({
    name: 'mcp_describe_tool',
    description,
    parameters: z.object({
      server: z.string().describe('MCP server name from the registry in your system prompt.'),
      tool: z.string().describe('Tool name as listed by mcp_list_tools.'),
    }),
    async execute(args, ctx) {
      const res = await mcp.describeTool(args.server, args.tool, ctx.signal);
      if (!res.ok) return toolError(res.error);
      const t = res.value;
      const sections = [
        `# ${args.server}/${t.name}${t.title ? ` — ${t.title}` : ''}`,
        t.description || '(no description)',
        `Arguments (JSON Schema):\n${JSON.stringify(t.inputSchema, null, 2)}`,
      ];
      if (t.outputSchema) sections.push(`Structured result (JSON Schema):\n${JSON.stringify(t.outputSchema, null, 2)}`);
      if (t.annotations) sections.push(`Hints: ${JSON.stringify(t.annotations)}`);
      return { output: sections.join('\n\n') };
    },
  });
}
