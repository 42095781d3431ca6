import type { McpServerConfig } from './config-schema';

/**
 * One MCP server as a run sees it: the organisation's configuration (placeholders unresolved),
 * its decrypted secrets, and the project's allow-list.
 */
export type McpServerEntry = {
  name: string;
  description: string;
  config: McpServerConfig;
  secrets: Record<string, string>;
  /** null: every tool the server offers; otherwise only these names. */
  allowedTools: string[] | null;
  /** Per-request limit for list, describe and call. */
  timeoutMs: number;
};

/** Errors are values here: agent tools turn them into tool results the model can read. */
export type McpOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

export type McpToolSummary = { name: string; summary: string };

export type McpToolDetail = {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
};

/** A call's result in agent terms: text the model reads, plus files saved for binary parts. */
export type McpCallOutput = { output: string; isError: boolean; files: string[] };
