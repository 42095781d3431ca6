import type { McpServerConfig } from './config-schema';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Secret names a configuration refers to, in order of first use. */
export function placeholderNames(config: McpServerConfig): string[] {
  const texts = config.transport === 'stdio' ? [...config.command, ...Object.values(config.env)] : [config.url, ...Object.values(config.headers)];
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names];
}

export type ResolvedConfig = { ok: true; config: McpServerConfig } | { ok: false; error: string };

/**
 * Fills `{{NAME}}` placeholders from the server's secrets. A missing secret is an error value
 * naming it, so the admin knows what to set; nothing half-filled ever reaches a server.
 */
export function resolvePlaceholders(config: McpServerConfig, secrets: Record<string, string>): ResolvedConfig {
  const missing = placeholderNames(config).filter((n) => secrets[n] === undefined);
  if (missing.length) return { ok: false, error: `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not set` };
  const fill = (s: string) => s.replace(PLACEHOLDER, (_, name: string) => secrets[name]!);
  const fillAll = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fill(v)]));
  if (config.transport === 'stdio') return { ok: true, config: { ...config, command: config.command.map(fill), env: fillAll(config.env) } };
  return { ok: true, config: { ...config, url: fill(config.url), headers: fillAll(config.headers) } };
}
