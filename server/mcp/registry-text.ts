import { MAX_SERVER_DESCRIPTION_CHARS } from './config-schema';
import type { McpServerEntry } from './types';

/** Longest one-line tool summary at level 1. */
export const MAX_TOOL_SUMMARY_CHARS = 100;

/** First line (or sentence) of a description, cut to `max` characters. */
export function oneLine(text: string | undefined, max: number): string {
  const first = (text ?? '').trim().split(/\r?\n/)[0]!.trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(first)?.[1] ?? first;
  return sentence.length > max ? `${sentence.slice(0, max - 1).trimEnd()}…` : sentence;
}

/**
 * Level 0 of progressive loading: one short line per server for the system prompt (~20 tokens
 * each), so agents know what exists without any tool schema in context. Empty without servers.
 */
export function mcpRegistryText(servers: Array<Pick<McpServerEntry, 'name' | 'description'>>): string {
  if (servers.length === 0) return '';
  const lines = servers.map((s) => `- ${s.name}: ${oneLine(s.description, MAX_SERVER_DESCRIPTION_CHARS) || '(no description)'}`);
  return ['MCP servers (mcp_list_tools(server) lists tools; mcp_describe_tool gives a schema; mcp_call runs one):', ...lines].join('\n');
}
