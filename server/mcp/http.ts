import type http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { DB } from '../db/client';
import { authenticateApiToken } from '../services/api-tokens';
import type { OrgScope } from '../services/scope';
import { createPlatformMcpServer } from './platform-server';
import { readLimitedBody, tooLargeHeaders } from '../http/read-body';

export const MCP_PATH = '/api/mcp';
/** Largest JSON-RPC request body accepted (a spec is at most 200 KB of Markdown). */
export const MAX_MCP_BODY_BYTES = 1024 * 1024;

// JSON-RPC error codes used before a request reaches the MCP server.
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const SERVER_ERROR = -32000;

function rpcError(res: http.ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * Nightshift's MCP endpoint (Streamable HTTP, stateless: one server and transport per POST).
 * Callers authenticate with an organisation API token (`Authorization: Bearer nst_…`) and see
 * only that organisation. Returns false for other paths so the caller can route them on.
 */
export async function handleMcp(req: http.IncomingMessage, res: http.ServerResponse, ctx: { db: DB; log?: (msg: string) => void }): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== MCP_PATH && url.pathname !== `${MCP_PATH}/`) return false;

  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
  const identity = token ? await authenticateApiToken(ctx.db, token) : null;
  if (!identity) {
    rpcError(res, 401, SERVER_ERROR, 'Unauthorized: send an organization API token as "Authorization: Bearer nst_…" (npx nightshift token create)', {
      'www-authenticate': 'Bearer realm="nightshift"',
    });
    return true;
  }
  // Stateless: there is no session to stream server notifications on or to end.
  if (req.method !== 'POST') {
    rpcError(res, 405, SERVER_ERROR, 'Method not allowed: this endpoint is stateless; send JSON-RPC requests with POST', { allow: 'POST' });
    return true;
  }

  // Read to its end even when too large (up to a bound), so the connection stays usable.
  const body = await readLimitedBody(req, MAX_MCP_BODY_BYTES);
  if (!body.ok) {
    rpcError(res, 413, INVALID_REQUEST, `Request body larger than ${MAX_MCP_BODY_BYTES} bytes`, tooLargeHeaders(body.keepAlive));
    return true;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.body.toString('utf8'));
  } catch {
    rpcError(res, 400, PARSE_ERROR, 'Parse error: the body is not JSON');
    return true;
  }

  const scope: OrgScope = { orgId: identity.orgId, userId: null, role: 'member' };
  const server = createPlatformMcpServer(ctx.db, scope, ctx.log);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsed);
  return true;
}
