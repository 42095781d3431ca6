import type { McpClientManager } from '../mcp/client-manager';
import { z } from 'zod/v4';
import { defineTool } from './define-tool';
import { toolError } from './types';

export const description = `Read a resource an MCP tool result linked to ("[resource link <uri> …]"). Text comes back inline; binary content is saved and reported as a file path.`;

export function createMcpReadResourceTool(mcp: McpClientManager) {
  return defineTool({
    name: 'mcp_read_resource',
    description,
    parameters: z.object({
      server: z.string().describe('The MCP server the link came from.'),
      uri: z.string().trim().min(1).describe('The resource URI exactly as given in the link.'),
    }),
    async execute(args, ctx) {
      const res = await mcp.readResource(args.server, args.uri, ctx.signal);
      if (!res.ok) return toolError(res.error);
      return { output: res.value.output, meta: res.value.files.length ? { files: res.value.files } : undefined };
    },
  });
}
