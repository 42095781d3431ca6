// A stdio MCP server for tests: `node stdio-fixture-server.mjs`, run inside the sandbox.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { registerFixtureTools } from './fixture-tools.mjs';

const server = new McpServer({ name: 'fixture-stdio', version: '1.0.0' });
registerFixtureTools(server, 'stdio');
await server.connect(new StdioServerTransport());
