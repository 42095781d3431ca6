import { z } from 'zod';

/**
 * Field schemas of an organisation's MCP server configuration, written once for the tRPC router,
 * the presets and the stored rows. Values of `command`, `env`, `url` and `headers` may contain
 * `{{NAME}}` placeholders, filled from the server's encrypted secrets when a run connects.
 */
export const MCP_TRANSPORTS = ['stdio', 'http'] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

export const DEFAULT_MCP_TIMEOUT_MS = 30_000;
export const MIN_MCP_TIMEOUT_MS = 1_000;
export const MAX_MCP_TIMEOUT_MS = 600_000;
/** The level-0 registry line shows at most this much of a description (~20 tokens). */
export const MAX_SERVER_DESCRIPTION_CHARS = 120;
const MAX_COMMAND_PARTS = 64;
const MAX_SECRETS = 20;

/** The name agents pass as `server`: short and unambiguous in a prompt. */
export const ZMcpServerName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{1,39}$/, 'must be 2–40 characters: lower-case letters, digits, "-" or "_", starting with a letter');
export const ZMcpServerDescription = z.string().trim().max(MAX_SERVER_DESCRIPTION_CHARS, `must be at most ${MAX_SERVER_DESCRIPTION_CHARS} characters`);
export const ZSecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a variable-like name, e.g. GITHUB_TOKEN');
export const ZMcpTimeoutMs = z.number().int().min(MIN_MCP_TIMEOUT_MS).max(MAX_MCP_TIMEOUT_MS);
export const ZToolName = z.string().trim().min(1).max(128);

const ZHttpUrl = z
  .string()
  .trim()
  .url('must be a URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

export const ZStdioConfig = z.object({
  transport: z.literal('stdio'),
  /** argv run inside the sandbox (no network), e.g. ["node", "/opt/mcp/server.js"]. */
  command: z.array(z.string().min(1)).min(1, 'needs a command').max(MAX_COMMAND_PARTS),
  env: z.record(ZSecretName, z.string()).default({}),
});

export const ZHttpConfig = z.object({
  transport: z.literal('http'),
  /** A Streamable HTTP endpoint, e.g. https://mcp.sentry.dev/mcp. */
  url: ZHttpUrl,
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name'), z.string()).default({}),
});

export const ZMcpServerConfig = z.discriminatedUnion('transport', [ZStdioConfig, ZHttpConfig]);
export type McpServerConfig = z.infer<typeof ZMcpServerConfig>;

/** Secret values by name; write-only (listing shows names only). `null` in an update removes one. */
export const ZMcpSecrets = z.record(ZSecretName, z.string().min(1).max(8_192)).refine((s) => Object.keys(s).length <= MAX_SECRETS, `at most ${MAX_SECRETS} secrets`);
export const ZMcpSecretsUpdate = z.record(ZSecretName, z.string().min(1).max(8_192).nullable());

/** Per project: which tools of a server agents may use; null means all of them. */
export const ZToolAllowList = z.array(ZToolName).max(500).nullable();
