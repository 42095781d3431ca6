import type { McpClientManager } from '../mcp/client-manager';
import { toolError, type ToolDefinition } from './types';

export const description = `Show one MCP tool's full description and JSON Schema of its arguments (level 2), so you can call it with mcp_call.`;

export function createMcpDescribeToolTool(mcp: McpClientManager): ToolDefinition<{ server?: unknown; tool?: unknown }> {
  return {
    name: 'mcp_describe_tool',
    description,
    parameters: {
      type: 'object',
      properties: {
        server: { type: 'string', description: 'MCP server name from the registry in your system prompt.' },
        tool: { type: 'string', description: 'Tool name as listed by mcp_list_tools.' },
      },
      required: ['server', 'tool'],
      additionalProperties: false,
    },
    async execute(args, ctx) {
      if (typeof args?.server !== 'string' || typeof args?.tool !== 'string') return toolError('server and tool must be strings (see mcp_list_tools)');
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
  };
}
