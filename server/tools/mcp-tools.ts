import type { AgentTool } from '../agent/types';
import type { McpClientManager } from '../mcp/client-manager';
import { createMcpCallTool } from './mcp-call';
import { createMcpDescribeToolTool } from './mcp-describe-tool';
import { createMcpListToolsTool } from './mcp-list-tools';
import { createMcpReadResourceTool } from './mcp-read-resource';

/**
 * The MCP agent tools bound to one run's client manager; none when the project enables no
 * server, so agents without MCP see no MCP tools at all. The prompt gets `mcp.registry()`.
 * Discovery and reads are read-only; `mcp_call` is not, since a remote tool may change things.
 */
export function createMcpTools(mcp: McpClientManager): AgentTool[] {
  if (mcp.serverNames().length === 0) return [];
  return [
    { ...createMcpListToolsTool(mcp), readOnly: true },
    { ...createMcpDescribeToolTool(mcp), readOnly: true },
    createMcpCallTool(mcp),
    { ...createMcpReadResourceTool(mcp), readOnly: true },
  ];
}
