import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { connectionErrorMessage, openConnection, type McpConnection, type McpSandboxOptions } from './connect';
import { createArtifactSink, normalizeCallResult, normalizeResourceContents, type ArtifactSink } from './normalize-result';
import { mcpRegistryText, MAX_TOOL_SUMMARY_CHARS, oneLine } from './registry-text';
import type { McpCallOutput, McpOutcome, McpServerEntry, McpToolDetail, McpToolSummary } from './types';

/** tools/list pages followed before giving up on a server that keeps paginating. */
export const MAX_TOOL_PAGES = 20;
/** How many names an "unknown tool/server" message lists. */
const MAX_NAMES_IN_ERROR = 30;

export type McpClientManagerOptions = {
  sandbox?: McpSandboxOptions;
  /** Where images and binary resources from results are saved; default a temp dir removed on close. */
  artifactsDir?: string;
};

/** `tools` is the allowed subset of `allTools` (kept to tell "not allowed" from "no such tool"). */
type ServerState = { entry: McpServerEntry; connection?: Promise<McpOutcome<McpConnection>>; tools?: Tool[]; allTools?: Tool[] };

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: number; message?: string; name?: string };
  // -32001 is the SDK's RequestTimeout.
  if (e?.code === -32001 || /timed? ?out/i.test(e?.message ?? '')) return `timed out after ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'cancelled';
  return connectionErrorMessage(err);
}

function names(list: string[]): string {
  if (list.length === 0) return '(none)';
  const shown = list.slice(0, MAX_NAMES_IN_ERROR).join(', ');
  return list.length > MAX_NAMES_IN_ERROR ? `${shown}, … (${list.length - MAX_NAMES_IN_ERROR} more)` : shown;
}

/**
 * The MCP servers one run may use, connected lazily on first use and closed with the run.
 * Every method returns an outcome instead of throwing: a server that is down, slow or
 * misconfigured becomes a message the agent reads, never a failed run.
 *
 *   const mcp = createMcpClientManager(await loadProjectMcpServers(db, orgId, projectId));
 *   prompt += mcp.registry();          // level 0
 *   await mcp.listTools('sentry');     // level 1
 *   await mcp.describeTool('sentry', 'search_issues');  // level 2
 *   await mcp.callTool('sentry', 'search_issues', { query: 'TypeError' });
 *   await mcp.close();
 */
export class McpClientManager {
  private readonly servers = new Map<string, ServerState>();
  private readonly sink: ArtifactSink;
  private ownArtifactsDir: Promise<string> | undefined;

  constructor(entries: McpServerEntry[], private readonly opts: McpClientManagerOptions = {}) {
    for (const entry of entries) this.servers.set(entry.name, { entry });
    this.sink = createArtifactSink(() => {
      if (opts.artifactsDir) return Promise.resolve(opts.artifactsDir);
      this.ownArtifactsDir ??= mkdtemp(path.join(os.tmpdir(), 'nightshift-mcp-files-'));
      return this.ownArtifactsDir;
    });
  }

  /** Names of the servers this run may use. */
  serverNames(): string[] {
    return [...this.servers.keys()];
  }

  /** Level 0: one line per server for the system prompt. */
  registry(): string {
    return mcpRegistryText([...this.servers.values()].map((s) => s.entry));
  }

  private server(name: string): McpOutcome<ServerState> {
    const state = this.servers.get(String(name ?? '').trim());
    if (!state) return { ok: false, error: `no MCP server named "${name}" is enabled for this project; available: ${names(this.serverNames())}` };
    return { ok: true, value: state };
  }

  private async connection(state: ServerState): Promise<McpOutcome<McpConnection>> {
    const current = state.connection ? await state.connection : undefined;
    if (current?.ok && !current.value.closed) return current;
    if (current?.ok) await current.value.close();
    // A failed or dropped connection is retried on the next use (a server restarted meanwhile).
    state.tools = undefined;
    state.allTools = undefined;
    state.connection = openConnection(state.entry, { sandbox: this.opts.sandbox, timeoutMs: state.entry.timeoutMs });
    return state.connection;
  }

  private allowed(state: ServerState, tool: string): boolean {
    return state.entry.allowedTools === null || state.entry.allowedTools.includes(tool);
  }

  private async tools(state: ServerState, signal?: AbortSignal): Promise<McpOutcome<Tool[]>> {
    const conn = await this.connection(state);
    if (!conn.ok) return conn;
    if (state.tools) return { ok: true, value: state.tools };
    const all: Tool[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_TOOL_PAGES; page++) {
        const res = await conn.value.client.listTools(cursor ? { cursor } : undefined, { timeout: state.entry.timeoutMs, signal });
        all.push(...res.tools);
        cursor = res.nextCursor;
        if (!cursor) break;
      }
    } catch (err) {
      return { ok: false, error: `listing the tools of MCP server "${state.entry.name}" failed: ${describeError(err, state.entry.timeoutMs)}` };
    }
    state.allTools = all;
    state.tools = all.filter((t) => this.allowed(state, t.name));
    return { ok: true, value: state.tools };
  }

  private async findTool(serverName: string, toolName: string, signal?: AbortSignal): Promise<McpOutcome<{ state: ServerState; tool: Tool }>> {
    const s = this.server(serverName);
    if (!s.ok) return s;
    const tools = await this.tools(s.value, signal);
    if (!tools.ok) return tools;
    const tool = tools.value.find((t) => t.name === toolName);
    if (!tool) {
      const exists = s.value.allTools?.some((t) => t.name === toolName);
      const why = exists ? 'does not allow the tool' : 'has no tool';
      return { ok: false, error: `MCP server "${serverName}" ${why} "${toolName}" for this project; its tools: ${names(tools.value.map((t) => t.name))}` };
    }
    return { ok: true, value: { state: s.value, tool } };
  }

  /** Level 1: the server's allowed tools, each with a one-line summary. */
  async listTools(serverName: string, signal?: AbortSignal): Promise<McpOutcome<McpToolSummary[]>> {
    const s = this.server(serverName);
    if (!s.ok) return s;
    const tools = await this.tools(s.value, signal);
    if (!tools.ok) return tools;
    return { ok: true, value: tools.value.map((t) => ({ name: t.name, summary: oneLine(t.description ?? t.title, MAX_TOOL_SUMMARY_CHARS) })) };
  }

  /** Level 2: one tool's full description and JSON Schemas. */
  async describeTool(serverName: string, toolName: string, signal?: AbortSignal): Promise<McpOutcome<McpToolDetail>> {
    const found = await this.findTool(serverName, toolName, signal);
    if (!found.ok) return found;
    const t = found.value.tool;
    return {
      ok: true,
      value: {
        name: t.name,
        ...(t.title ? { title: t.title } : {}),
        description: t.description ?? '',
        inputSchema: t.inputSchema as Record<string, unknown>,
        ...(t.outputSchema ? { outputSchema: t.outputSchema as Record<string, unknown> } : {}),
        ...(t.annotations ? { annotations: t.annotations as Record<string, unknown> } : {}),
      },
    };
  }

  /**
   * Calls a tool within the server's timeout. A failure the server reports (`isError`) and a
   * failure to reach it both come back as `{ ok: true, value: { isError: true } }` or an error
   * outcome; neither throws.
   */
  async callTool(serverName: string, toolName: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpOutcome<McpCallOutput>> {
    const found = await this.findTool(serverName, toolName, signal);
    if (!found.ok) return found;
    const { state } = found.value;
    const conn = await this.connection(state);
    if (!conn.ok) return conn;
    try {
      const result = await conn.value.client.callTool({ name: toolName, arguments: args }, undefined, { timeout: state.entry.timeoutMs, signal });
      return { ok: true, value: await normalizeCallResult(result as { content?: unknown; structuredContent?: unknown; isError?: unknown }, this.sink, `${serverName}-${toolName}`) };
    } catch (err) {
      return { ok: false, error: `MCP tool ${serverName}/${toolName} failed: ${describeError(err, state.entry.timeoutMs)}` };
    }
  }

  /** Reads a resource a result linked to (resources/read). */
  async readResource(serverName: string, uri: string, signal?: AbortSignal): Promise<McpOutcome<McpCallOutput>> {
    const s = this.server(serverName);
    if (!s.ok) return s;
    const conn = await this.connection(s.value);
    if (!conn.ok) return conn;
    try {
      const res = await conn.value.client.readResource({ uri }, { timeout: s.value.entry.timeoutMs, signal });
      return { ok: true, value: await normalizeResourceContents(res.contents, this.sink, `${serverName}-resource`) };
    } catch (err) {
      return { ok: false, error: `reading ${uri} from MCP server "${serverName}" failed: ${describeError(err, s.value.entry.timeoutMs)}` };
    }
  }

  /** Closes every connection (stdio servers and their sandboxes end) and removes own temp files. */
  async close(): Promise<void> {
    const closing = [...this.servers.values()].map(async (s) => {
      const conn = s.connection ? await s.connection : undefined;
      s.connection = undefined;
      if (conn?.ok) await conn.value.close();
    });
    await Promise.all(closing);
    if (this.ownArtifactsDir) await rm(await this.ownArtifactsDir, { recursive: true, force: true }).catch(() => {});
  }
}

export function createMcpClientManager(entries: McpServerEntry[], opts?: McpClientManagerOptions): McpClientManager {
  return new McpClientManager(entries, opts);
}
