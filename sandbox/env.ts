/**
 * The environment commands see: a fixed minimal base plus the project's declared non-secret
 * variables. The host's environment (API keys, tokens, DATABASE_URL…) is never copied in.
 */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Names a project may not override: they keep the sandbox predictable. */
const RESERVED = new Set(['PATH', 'HOME', 'LANG', 'CI']);
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildSandboxEnv(
  home: string,
  projectEnv: Record<string, string> = {},
  commandEnv: Record<string, string> = {},
  pathPrepend: string[] = [],
): Record<string, string> {
  const env: Record<string, string> = { PATH: [...pathPrepend, SANDBOX_PATH].join(':'), HOME: home, LANG: 'C.UTF-8', CI: 'true' };
  for (const [name, value] of Object.entries({ ...projectEnv, ...commandEnv })) {
    if (!VALID_NAME.test(name)) throw new Error(`invalid environment variable name "${name}"`);
    if (RESERVED.has(name)) continue;
    env[name] = String(value);
  }
  return env;
}
