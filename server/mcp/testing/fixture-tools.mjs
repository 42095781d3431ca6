// Tools of the MCP servers the tests start (stdio in the sandbox, and HTTP on 127.0.0.1).
// Plain JavaScript so the stdio copy runs with bare `node` inside the sandbox.
import net from 'node:net';
import { z } from 'zod';

/** A 1×1 transparent PNG. */
export const FIXTURE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
export const FIXTURE_REPORT_URI = 'fixture://reports/weekly';
export const FIXTURE_REPORT_TEXT = 'Weekly report: 3 incidents, all resolved.';

/** @param {import('@modelcontextprotocol/sdk/server/mcp.js').McpServer} server @param {string} flavour */
export function registerFixtureTools(server, flavour) {
  server.registerTool(
    'echo',
    { description: `Echo text back (${flavour}). Second sentence the level-1 list must not show.`, inputSchema: { text: z.string().describe('What to echo') } },
    async ({ text }) => ({ content: [{ type: 'text', text: `${flavour} echo: ${text}` }] }),
  );
  server.registerTool(
    'picture',
    { description: 'Return a tiny PNG with a caption.' },
    async () => ({ content: [{ type: 'text', text: 'a transparent pixel' }, { type: 'image', data: FIXTURE_PNG_BASE64, mimeType: 'image/png' }] }),
  );
  server.registerTool(
    'report',
    { description: 'Return an embedded resource and a link to another.' },
    async () => ({
      content: [
        { type: 'resource', resource: { uri: 'fixture://inline', mimeType: 'text/plain', text: 'inline resource body' } },
        { type: 'resource_link', uri: FIXTURE_REPORT_URI, name: 'weekly', description: 'the weekly report' },
      ],
    }),
  );
  server.registerTool('fail', { description: 'Always report a failure.' }, async () => ({ content: [{ type: 'text', text: 'the fixture failed on purpose' }], isError: true }));
  server.registerTool(
    'slow',
    { description: 'Answer after a delay.', inputSchema: { ms: z.number().int().describe('Delay in milliseconds') } },
    async ({ ms }) => {
      await new Promise((r) => setTimeout(r, ms));
      return { content: [{ type: 'text', text: `done after ${ms} ms` }] };
    },
  );
  server.registerTool(
    'env',
    { description: 'List the environment variable names the server sees, and FIXTURE_TOKEN.' },
    async () => ({ content: [{ type: 'text', text: JSON.stringify({ names: Object.keys(process.env).sort(), token: process.env.FIXTURE_TOKEN ?? null }) }] }),
  );
  server.registerTool(
    'connect',
    { description: 'Try a TCP connection and report the outcome.', inputSchema: { host: z.string(), port: z.number().int() } },
    async ({ host, port }) => {
      const outcome = await new Promise((resolve) => {
        const s = net.connect({ host, port });
        const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, 3000);
        s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve('connected'); });
        s.once('error', (e) => { clearTimeout(timer); resolve(`error ${e.code ?? e.message}`); });
      });
      return { content: [{ type: 'text', text: String(outcome) }] };
    },
  );
  server.registerTool('secret_tool', { description: 'A tool a project can leave out of its allow-list.' }, async () => ({ content: [{ type: 'text', text: 'secret tool ran' }] }));
  server.registerResource('weekly', FIXTURE_REPORT_URI, { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: FIXTURE_REPORT_TEXT }] }));
}
