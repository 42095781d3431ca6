import type { McpClientManager } from '../mcp/client-manager';
import { createMcpCallTool } from './mcp-call';
import { createMcpDescribeToolTool } from './mcp-describe-tool';
import { createMcpListToolsTool } from './mcp-list-tools';
import { createMcpReadResourceTool } from './mcp-read-resource';
import type { ToolDefinition } from './types';

/**
 * The MCP agent tools bound to one run's client manager; none when the project enables no
 * server, so agents without MCP see no MCP tools at all. The prompt gets `mcp.registry()`.
 */
export function createMcpTools(mcp: McpClientManager): ToolDefinition<any>[] {
  if (mcp.serverNames().length === 0) return [];
  return [createMcpListToolsTool(mcp), createMcpDescribeToolTool(mcp), createMcpCallTool(mcp), createMcpReadResourceTool(mcp)];
}
