import type { McpClientManager } from '../mcp/client-manager';
import { toolError, type ToolDefinition } from './types';

export const description = `Read a resource an MCP tool result linked to ("[resource link <uri> …]"). Text comes back inline; binary content is saved and reported as a file path.`;

export function createMcpReadResourceTool(mcp: McpClientManager): ToolDefinition<{ server?: unknown; uri?: unknown }> {
  return {
    name: 'mcp_read_resource',
    description,
    parameters: {
      type: 'object',
      properties: {
        server: { type: 'string', description: 'The MCP server the link came from.' },
        uri: { type: 'string', description: 'The resource URI exactly as given in the link.' },
      },
      required: ['server', 'uri'],
      additionalProperties: false,
    },
    async execute(args, ctx) {
      if (typeof args?.server !== 'string' || typeof args?.uri !== 'string' || !args.uri.trim()) return toolError('server and uri must be non-empty strings');
      const res = await mcp.readResource(args.server, args.uri.trim(), ctx.signal);
      if (!res.ok) return toolError(res.error);
      return { output: res.value.output, meta: res.value.files.length ? { files: res.value.files } : undefined };
    },
  };
}
