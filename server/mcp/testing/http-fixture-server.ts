import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { registerFixtureTools } from './fixture-tools.mjs';

export type HttpFixtureServer = { url: string; authHeaders: string[]; close(): Promise<void> };

/**
 * A Streamable HTTP MCP server on 127.0.0.1 for tests. It answers only requests carrying
 * `Authorization: Bearer <token>` (401 otherwise) and records every Authorization header seen.
 */
export async function startHttpFixtureServer(token: string): Promise<HttpFixtureServer> {
  const authHeaders: string[] = [];
  const srv = http.createServer(async (req, res) => {
    authHeaders.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = new McpServer({ name: 'fixture-http', version: '1.0.0' });
    registerFixtureTools(server, 'http');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    authHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}
