/**
 * The MCP client (manager + the four agent tools) against real MCP servers started here: a
 * stdio server (SDK McpServer + StdioServerTransport) spawned inside the bubblewrap sandbox,
 * and a Streamable HTTP server on 127.0.0.1 that demands a bearer token.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { createMcpTools } from '../tools/mcp-tools';
import type { ToolDefinition, ToolResult } from '../tools/types';
import { createMcpClientManager, type McpClientManager } from './client-manager';
import { FIXTURE_PNG_BASE64, FIXTURE_REPORT_TEXT } from './testing/fixture-tools.mjs';
import { startHttpFixtureServer, type HttpFixtureServer } from './testing/http-fixture-server';
import type { McpServerEntry } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const testingDir = path.join(here, 'testing');
const fixtureScript = path.join(testingDir, 'stdio-fixture-server.mjs');
const nodeModules = path.resolve(here, '..', '..', 'node_modules');
const HTTP_TOKEN = 'tok-http-123';
const STDIO_SECRET = 's3cret-for-stdio';
const HTTP_TIMEOUT_MS = 1500;

function sandboxSkipReason(): string | undefined {
  if (!bwrapAvailable()) return 'bubblewrap is not installed';
  const cg = detectCgroups();
  return cg.version === 0 ? `no usable cgroups: ${cg.reason}` : undefined;
}
const skipStdio = sandboxSkipReason();
if (skipStdio) console.warn(`[mcp client tests] skipping the stdio server: ${skipStdio}`);

/** Host processes running the stdio fixture (to see the sandboxed server start and end). */
function fixtureProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0] === 'node' && cmd.includes(fixtureScript)) pids.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return pids;
}

let httpServer: HttpFixtureServer;
let hostListener: Server;
let hostPort: number;
let mcp: McpClientManager;
let tools: Record<string, ToolDefinition<any>>;
const ctx = { workspaceDir: '/nonexistent' };

async function run(tool: string, args: Record<string, unknown>): Promise<ToolResult> {
  return tools[tool]!.execute(args, ctx);
}

beforeAll(async () => {
  process.env.MCP_TEST_HOST_CANARY = 'host-only-value';
  httpServer = await startHttpFixtureServer(HTTP_TOKEN);
  hostListener = createServer((s) => s.end('hello from the host'));
  await new Promise<void>((r) => hostListener.listen(0, '127.0.0.1', r));
  hostPort = (hostListener.address() as { port: number }).port;
  const entries: McpServerEntry[] = [
    {
      name: 'remote',
      description: 'Remote fixture tools over Streamable HTTP. More detail the registry must drop.',
      config: { transport: 'http', url: httpServer.url, headers: { Authorization: 'Bearer {{API_TOKEN}}' } },
      secrets: { API_TOKEN: HTTP_TOKEN },
      allowedTools: ['echo', 'picture', 'report', 'fail', 'slow'],
      timeoutMs: HTTP_TIMEOUT_MS,
    },
    {
      name: 'unconfigured',
      description: 'Missing its secret',
      config: { transport: 'http', url: httpServer.url, headers: { Authorization: 'Bearer {{MISSING_TOKEN}}' } },
      secrets: {},
      allowedTools: null,
      timeoutMs: HTTP_TIMEOUT_MS,
    },
    {
      name: 'wrong-token',
      description: 'Sends a token the server refuses',
      config: { transport: 'http', url: httpServer.url, headers: { Authorization: 'Bearer nope' } },
      secrets: {},
      allowedTools: null,
      timeoutMs: HTTP_TIMEOUT_MS,
    },
  ];
  if (!skipStdio) {
    entries.push({
      name: 'local',
      description: 'Local fixture tools over stdio, in the sandbox',
      config: { transport: 'stdio', command: ['node', fixtureScript], env: { FIXTURE_TOKEN: '{{FIXTURE_TOKEN}}' } },
      secrets: { FIXTURE_TOKEN: STDIO_SECRET },
      allowedTools: null,
      timeoutMs: 20_000,
    });
  }
  mcp = createMcpClientManager(entries, { sandbox: { driver: 'bwrap', readOnlyPaths: [nodeModules, testingDir] } });
  tools = Object.fromEntries(createMcpTools(mcp).map((t) => [t.name, t]));
});

afterAll(async () => {
  await mcp?.close();
  await httpServer?.close();
  await new Promise<void>((r) => (hostListener ? hostListener.close(() => r()) : r()));
  delete process.env.MCP_TEST_HOST_CANARY;
});

describe('progressive loading', () => {
  it('offers the four MCP tools and a short level-0 registry with one line per server and no tool names', () => {
    expect(Object.keys(tools).sort()).toEqual(['mcp_call', 'mcp_describe_tool', 'mcp_list_tools', 'mcp_read_resource']);
    for (const tool of Object.values(tools)) {
      expect(tool.description.length, tool.name).toBeGreaterThan(80);
      for (const [field, prop] of Object.entries(tool.parameters.properties)) expect((prop as { description?: string }).description?.length, `${tool.name}.${field}`).toBeGreaterThan(10);
    }
    expect(createMcpTools(createMcpClientManager([]))).toEqual([]);
    const registry = mcp.registry();
    const lines = registry.split('\n');
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual(mcp.serverNames().map((n) => `- ${n}`));
    expect(registry).toContain('- remote: Remote fixture tools over Streamable HTTP.');
    expect(registry).not.toContain('More detail');
    expect(registry).not.toMatch(/echo|picture/);
    // ~100 tokens for a handful of servers (about 4 characters per token).
    expect(registry.length / 4).toBeLessThan(100);
  });

  it('level 1 lists only allowed tools with their first sentence', async () => {
    const r = await run('mcp_list_tools', { server: 'remote' });
    expect(r.isError).toBeFalsy();
    const names = r.output.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2).split(':')[0]);
    expect(names.sort()).toEqual(['echo', 'fail', 'picture', 'report', 'slow']);
    expect(r.output).toContain('- echo: Echo text back (http).');
    expect(r.output).not.toContain('Second sentence');
    expect(r.output).not.toContain('"type"'); // no schemas at level 1
  });

  it('level 2 gives the full description and argument schema', async () => {
    const r = await run('mcp_describe_tool', { server: 'remote', tool: 'echo' });
    expect(r.isError).toBeFalsy();
    expect(r.output).toContain('Second sentence the level-1 list must not show.');
    const schema = JSON.parse(/Arguments \(JSON Schema\):\n([\s\S]+?)(\n\n|$)/.exec(r.output)![1]!);
    expect(schema.properties.text).toMatchObject({ type: 'string', description: 'What to echo' });
    expect(schema.required).toEqual(['text']);
  });
});

describe('calls over Streamable HTTP', () => {
  it('sends the secret bearer token and returns the text result', async () => {
    const r = await run('mcp_call', { server: 'remote', tool: 'echo', args: { text: 'hi there' } });
    expect(r).toMatchObject({ output: 'http echo: hi there' });
    expect(r.isError).toBeFalsy();
    expect(httpServer.authHeaders).toContain(`Bearer ${HTTP_TOKEN}`);
  });

  it('saves images to a file and reports them as a note', async () => {
    const r = await run('mcp_call', { server: 'remote', tool: 'picture' });
    expect(r.output).toMatch(/^a transparent pixel\n\[image image\/png, \d+ B, saved to (.+\.png)\]$/);
    const file = /saved to (.+\.png)\]/.exec(r.output)![1]!;
    expect(readFileSync(file)).toEqual(Buffer.from(FIXTURE_PNG_BASE64, 'base64'));
    expect(r.meta).toEqual({ files: [file] });
    expect(r.output).not.toContain(FIXTURE_PNG_BASE64.slice(0, 20));
  });

  it('inlines embedded resources, and a linked resource can be read', async () => {
    const r = await run('mcp_call', { server: 'remote', tool: 'report' });
    expect(r.output).toContain('[resource fixture://inline (text/plain)]\ninline resource body');
    expect(r.output).toContain('[resource link fixture://reports/weekly: weekly — the weekly report]');
    const read = await run('mcp_read_resource', { server: 'remote', uri: 'fixture://reports/weekly' });
    expect(read.isError).toBeFalsy();
    expect(read.output).toBe(`[resource fixture://reports/weekly (text/plain)]\n${FIXTURE_REPORT_TEXT}`);
  });

  it('turns a tool-reported failure into an error result', async () => {
    const r = await run('mcp_call', { server: 'remote', tool: 'fail' });
    expect(r).toEqual({ output: 'the fixture failed on purpose', isError: true, meta: undefined });
  });

  it('times a slow call out at the server timeout, then keeps working', async () => {
    const started = Date.now();
    const r = await run('mcp_call', { server: 'remote', tool: 'slow', args: { ms: HTTP_TIMEOUT_MS * 20 } });
    expect(r.isError).toBe(true);
    expect(r.output).toBe(`MCP tool remote/slow failed: timed out after ${HTTP_TIMEOUT_MS} ms`);
    // Cut at the timeout, not after the tool's 30 s (the margin is for a loaded machine).
    expect(Date.now() - started).toBeLessThan(HTTP_TIMEOUT_MS * 10);
    const after = await run('mcp_call', { server: 'remote', tool: 'echo', args: { text: 'still here' } });
    expect(after.output).toBe('http echo: still here');
  });

  it('refuses tools outside the project allow-list, unknown tools and unknown servers', async () => {
    const hidden = await run('mcp_call', { server: 'remote', tool: 'secret_tool' });
    expect(hidden.isError).toBe(true);
    expect(hidden.output).toContain('does not allow the tool "secret_tool"');
    const unknown = await run('mcp_describe_tool', { server: 'remote', tool: 'nope' });
    expect(unknown.output).toContain('has no tool "nope"');
    expect(unknown.output).toContain('echo');
    const server = await run('mcp_list_tools', { server: 'jira' });
    expect(server.isError).toBe(true);
    expect(server.output).toContain('no MCP server named "jira"');
    expect(server.output).toContain('remote');
  });

  it('reports a missing secret and a refused connection as error results', async () => {
    const missing = await run('mcp_list_tools', { server: 'unconfigured' });
    expect(missing).toMatchObject({ isError: true, output: 'MCP server "unconfigured" is not fully configured: secret MISSING_TOKEN not set' });
    const refused = await run('mcp_list_tools', { server: 'wrong-token' });
    expect(refused.isError).toBe(true);
    expect(refused.output).toMatch(/^cannot connect to MCP server "wrong-token": HTTP 401 \(check the token or headers of this server\)/);
    const badArgs = await run('mcp_call', { server: 'remote', tool: 'echo', args: 'text' });
    expect(badArgs.isError).toBe(true);
  });
});

describe.skipIf(Boolean(skipStdio))('a stdio server in the sandbox', () => {
  it('starts on first use, lists and calls tools', async () => {
    expect(fixtureProcesses()).toEqual([]);
    const list = await run('mcp_list_tools', { server: 'local' });
    expect(list.isError).toBeFalsy();
    expect(list.output).toContain('- echo: Echo text back (stdio).');
    expect(list.output).toContain('- secret_tool:');
    expect(fixtureProcesses().length).toBe(1);
    const r = await run('mcp_call', { server: 'local', tool: 'echo', args: { text: 'from the sandbox' } });
    expect(r.output).toBe('stdio echo: from the sandbox');
  });

  it('sees only its configured variables, never the host environment', async () => {
    const r = await run('mcp_call', { server: 'local', tool: 'env' });
    const seen = JSON.parse(r.output) as { names: string[]; token: string | null };
    expect(seen.token).toBe(STDIO_SECRET);
    expect(seen.names).not.toContain('MCP_TEST_HOST_CANARY');
    expect(seen.names).not.toContain('NIGHTSHIFT_SECRET_KEY');
    expect(seen.names).not.toContain('DATABASE_URL');
    expect(Object.keys(process.env)).toContain('MCP_TEST_HOST_CANARY');
  });

  it('has no network: a listener on the host loopback is out of reach', async () => {
    const r = await run('mcp_call', { server: 'local', tool: 'connect', args: { host: '127.0.0.1', port: hostPort } });
    expect(r.output).not.toBe('connected');
    expect(r.output).toMatch(/^error |^timeout$/);
  });

  it('reports a server that cannot start with the tail of its stderr', async () => {
    const broken = createMcpClientManager(
      [{ name: 'broken', description: 'x', config: { transport: 'stdio', command: ['node', '-e', 'console.error("boom: missing config"); process.exit(3)'], env: {} }, secrets: {}, allowedTools: null, timeoutMs: 10_000 }],
      { sandbox: { driver: 'bwrap' } },
    );
    try {
      const r = await broken.listTools('broken');
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatch(/^cannot connect to MCP server "broken": [\s\S]*server stderr:\nboom: missing config$/);
    } finally {
      await broken.close();
    }
  });

  it('ends the sandboxed process when the manager closes', async () => {
    const other = createMcpClientManager(
      [{ name: 'local', description: 'x', config: { transport: 'stdio', command: ['node', fixtureScript], env: {} }, secrets: {}, allowedTools: ['echo'], timeoutMs: 20_000 }],
      { sandbox: { driver: 'bwrap', readOnlyPaths: [nodeModules, testingDir] } },
    );
    const before = new Set(fixtureProcesses());
    const r = await other.callTool('local', 'echo', { text: 'x' });
    expect(r).toMatchObject({ ok: true, value: { output: 'stdio echo: x' } });
    const mine = fixtureProcesses().filter((p) => !before.has(p));
    expect(mine.length).toBe(1);
    await other.close();
    await vi.waitFor(() => expect(mine.filter((p) => existsSync(`/proc/${p}`))).toEqual([]), { timeout: 5000, interval: 50 });
  });
});
