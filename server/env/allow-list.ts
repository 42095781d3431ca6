/**
 * Which hosts the setup phase may reach: the package registries. An entry is a host name
 * (`registry.npmjs.org`: ports 443 and 80), a host with a port (`127.0.0.1:8123`: that port
 * only), a wildcard (`*.pkg.example.com`: any subdomain, not the bare name) or a URL (its host
 * and port, e.g. an index URL from the settings).
 */
import net from 'node:net';

/** The registries every setup may reach unless an organisation replaces the list. */
export const DEFAULT_REGISTRIES = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'proxy.golang.org',
  'sum.golang.org',
  'crates.io',
  'index.crates.io',
  'static.crates.io',
] as const;

/** Ports a bare host name allows. */
const DEFAULT_PORTS = [443, 80];

export type AllowRule = { host: string; wildcard: boolean; ports: number[] };

const HOST_RE = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses one entry; throws a message naming the entry when it is not a host, host:port or URL. */
export function parseAllowEntry(entry: string): AllowRule {
  const raw = entry.trim().toLowerCase();
  if (!raw) throw new Error('an empty registry entry');
  let host = raw;
  let ports = DEFAULT_PORTS;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new Error(`registry entry "${entry}" is not a valid URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`registry entry "${entry}": only http and https URLs`);
    host = u.hostname.replace(/^\[|\]$/g, '');
    ports = [Number(u.port || (u.protocol === 'https:' ? 443 : 80))];
  } else {
    const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(raw);
    if (!m) throw new Error(`registry entry "${entry}" is not a host, host:port or URL`);
    host = m[1].replace(/^\[|\]$/g, '');
    if (m[2]) ports = [Number(m[2])];
  }
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new Error(`registry entry "${entry}" has an invalid port`);
  const wildcard = host.startsWith('*.');
  if (!net.isIP(host) && !HOST_RE.test(host)) throw new Error(`registry entry "${entry}" is not a valid host name`);
  return { host: wildcard ? host.slice(2) : host, wildcard, ports };
}

export function parseAllowList(entries: readonly string[]): AllowRule[] {
  return entries.map(parseAllowEntry);
}

/** True when `host:port` is on the list. Host names compare case-insensitively, without a trailing dot. */
export function isAllowed(rules: readonly AllowRule[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
  return rules.some((r) => r.ports.includes(port) && (r.wildcard ? h.endsWith(`.${r.host}`) : h === r.host));
}

/** A rule as people write it, for messages. */
export function describeRule(r: AllowRule): string {
  const host = `${r.wildcard ? '*.' : ''}${r.host}`;
  return r.ports.length === 1 ? `${host}:${r.ports[0]}` : host;
}

/**
 * The list a setup uses: the defaults (unless `replaceDefaults`), the organisation's extra
 * registries, and the hosts of any configured registry URLs (a mirror set in the settings is
 * reachable without listing it twice).
 */
export function effectiveAllowList(opts: { extra?: readonly string[]; replaceDefaults?: boolean; registryUrls?: readonly string[] } = {}): AllowRule[] {
  const entries = [...(opts.replaceDefaults ? [] : DEFAULT_REGISTRIES), ...(opts.extra ?? []), ...(opts.registryUrls ?? [])];
  const seen = new Set<string>();
  const out: AllowRule[] = [];
  for (const r of parseAllowList(entries)) {
    const key = `${r.wildcard}|${r.host}|${r.ports.join(',')}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}
