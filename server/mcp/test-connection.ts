import { createMcpClientManager } from './client-manager';
import type { McpServerEntry } from './types';

/** Connects to one server as a run would, lists its tools and disconnects. Never throws. */
export async function testMcpServer(entry: McpServerEntry): Promise<{ ok: true; tools: string[] } | { ok: false; error: string }> {
  const mcp = createMcpClientManager([entry]);
  try {
    const res = await mcp.listTools(entry.name);
    return res.ok ? { ok: true, tools: res.value.map((t) => t.name) } : { ok: false, error: res.error };
  } finally {
    await mcp.close();
  }
}
