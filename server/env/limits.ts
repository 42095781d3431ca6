/**
 * The setup phase's traffic limits, from the environment: how many bytes one setup may move
 * through the egress proxy, and how many connections it may hold open at once. A setup that
 * goes over the byte budget is cut off and fails; the cache keeps nothing of it.
 *
 *   const limits = egressLimitsFromEnv(process.env); // throws a message naming the variable
 *   formatBytes(limits.downloadBytes!)                // "2 GiB"
 */

export const DOWNLOAD_LIMIT_VAR = 'NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT';
export const MAX_CONNECTIONS_VAR = 'NIGHTSHIFT_SETUP_MAX_CONNECTIONS';

/** Default byte budget of one setup through the proxy (both directions, every connection). */
export const DEFAULT_DOWNLOAD_BYTES = 2 * 1024 ** 3;
/**
 * Default number of connections a setup holds open through the proxy at once. Installers use far
 * fewer (npm 15 sockets, uv 50 downloads); the cap keeps a script from exhausting the server's
 * file descriptors.
 */
export const DEFAULT_MAX_CONNECTIONS = 128;

export type EgressLimits = {
  /** Bytes through the proxy before it cuts every connection; null: no budget. */
  downloadBytes: number | null;
  /** Client connections open at once; more are dropped at once. null: no cap. */
  maxConnections: number | null;
};

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

const OFF = new Set(['off', 'none', 'unlimited']);

/** `2GiB`, `2 G`, `500MiB`, `1.5gb`, `1048576` → bytes; `off` → null. Throws on anything else. */
export function parseByteSize(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (OFF.has(t)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  if (!m || !(m[2] in UNITS)) throw new Error(`"${text}" is not a size (e.g. 2GiB, 500MiB, 1048576, or off)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]]);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`"${text}" is not a size above zero`);
  return bytes;
}

/** Sizes as people read them: whole binary units where exact, else one decimal. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${n} bytes`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** The limits the environment sets (defaults where unset); a bad value throws naming its variable. */
export function egressLimitsFromEnv(env: Record<string, string | undefined>): EgressLimits {
  const rawBytes = env[DOWNLOAD_LIMIT_VAR]?.trim();
  const rawConns = env[MAX_CONNECTIONS_VAR]?.trim();
  let downloadBytes: number | null = DEFAULT_DOWNLOAD_BYTES;
  let maxConnections: number | null = DEFAULT_MAX_CONNECTIONS;
  if (rawBytes) {
    try {
      downloadBytes = parseByteSize(rawBytes);
    } catch (err) {
      throw new Error(`${DOWNLOAD_LIMIT_VAR}: ${(err as Error).message}`);
    }
  }
  if (rawConns) {
    if (OFF.has(rawConns.toLowerCase())) maxConnections = null;
    else if (/^\d+$/.test(rawConns) && Number(rawConns) >= 1) maxConnections = Number(rawConns);
    else throw new Error(`${MAX_CONNECTIONS_VAR}: "${rawConns}" is not a whole number above zero (or off)`);
  }
  return { downloadBytes, maxConnections };
}

/** The failure reason of a setup the proxy cut off. */
export function downloadExceededMessage(limitBytes: number): string {
  return `dependency download exceeded the ${formatBytes(limitBytes)} limit (${DOWNLOAD_LIMIT_VAR})`;
}
