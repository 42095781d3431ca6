import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { guardedFetch } from '../net/outbound';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { prepareSandboxedSpawn, type SandboxedSpawn } from '../../sandbox/spawn';
import type { SandboxDriverName } from '../../sandbox/types';
import { resolvePlaceholders } from './placeholders';
import type { McpOutcome, McpServerEntry } from './types';

export const MCP_CLIENT_INFO = { name: 'nightshift', version: '1.0.0' };
/** Last part of a stdio server's stderr kept for error messages (why it would not start). */
const STDERR_TAIL_CHARS = 2_000;

/** How stdio servers are sandboxed. Without `workspaceDir` each server gets an empty temp dir. */
export type McpSandboxOptions = {
  driver?: SandboxDriverName;
  workspaceDir?: string;
  readOnlyPaths?: string[];
  memoryMb?: number;
  pidsMax?: number;
};

export type McpConnection = {
  client: Client;
  /** True once the transport closed (server exited, connection dropped). */
  readonly closed: boolean;
  stderrTail(): string;
  close(): Promise<void>;
};

/** What to tell the agent (and the admin testing a server): the HTTP status first when there is one. */
export function connectionErrorMessage(err: unknown): string {
  if (err instanceof StreamableHTTPError && err.code) {
    const hint = err.code === 401 || err.code === 403 ? ' (check the token or headers of this server)' : '';
    return `HTTP ${err.code}${hint}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
const message = connectionErrorMessage;

/**
 * Connects to one server: a stdio command spawned inside the sandbox (no network, no host
 * environment, only the variables its config names), or a Streamable HTTP endpoint with the
 * configured headers. Secrets fill `{{NAME}}` placeholders here, at the last moment.
 */
export async function openConnection(entry: McpServerEntry, opts: { sandbox?: McpSandboxOptions; timeoutMs: number }): Promise<McpOutcome<McpConnection>> {
  const resolved = resolvePlaceholders(entry.config, entry.secrets);
  if (!resolved.ok) return { ok: false, error: `MCP server "${entry.name}" is not fully configured: ${resolved.error}` };
  const config = resolved.config;

  let stderr = '';
  let spawnSpec: SandboxedSpawn | undefined;
  let tempWorkspace: string | undefined;
  let transport: Transport;
  const cleanup = async () => {
    await spawnSpec?.dispose().catch(() => {});
    if (tempWorkspace) await rm(tempWorkspace, { recursive: true, force: true }).catch(() => {});
  };

  try {
    if (config.transport === 'stdio') {
      const workspaceDir = opts.sandbox?.workspaceDir ?? (tempWorkspace = await mkdtemp(path.join(os.tmpdir(), 'nightshift-mcp-')));
      spawnSpec = await prepareSandboxedSpawn(
        config.command,
        {
          driver: opts.sandbox?.driver,
          workspaceDir,
          readOnlyPaths: opts.sandbox?.readOnlyPaths,
          memoryMb: opts.sandbox?.memoryMb,
          pidsMax: opts.sandbox?.pidsMax,
          network: false,
        },
        config.env,
      );
      const stdio = new StdioClientTransport({ command: spawnSpec.command, args: spawnSpec.args, env: spawnSpec.env, cwd: spawnSpec.cwd, stderr: 'pipe' });
      stdio.stderr?.on('data', (chunk: Buffer | string) => {
        stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
      });
      transport = stdio;
    } else {
      transport = new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers }, fetch: (url, init) => guardedFetch(url, init) });
    }
  } catch (err) {
    await cleanup();
    return { ok: false, error: `MCP server "${entry.name}" could not be started: ${message(err)}` };
  }

  const client = new Client(MCP_CLIENT_INFO, { capabilities: {} });
  let closed = false;
  client.onclose = () => {
    closed = true;
  };
  // Transport errors (a stray line on stdout, a dropped SSE stream) surface on the pending
  // request; logging them here would only duplicate that.
  client.onerror = () => {};
  try {
    await client.connect(transport, { timeout: opts.timeoutMs });
  } catch (err) {
    await client.close().catch(() => {});
    await cleanup();
    const tail = stderr.trim() ? `\nserver stderr:\n${stderr.trim()}` : '';
    return { ok: false, error: `cannot connect to MCP server "${entry.name}": ${message(err)}${tail}` };
  }
  return {
    ok: true,
    value: {
      client,
      get closed() {
        return closed;
      },
      stderrTail: () => stderr,
      async close() {
        await client.close().catch(() => {});
        await cleanup();
      },
    },
  };
}
