import dns from 'node:dns/promises';
import net from 'node:net';
import { Agent } from 'undici';

/**
 * Where Nightshift's own outbound requests may go (webhooks, MCP servers, model providers, the
 * GitHub API — URLs an organisation admin types in). Agents' commands never reach the network at
 * all (the sandbox has none); this guards the server itself against being pointed at addresses a
 * tenant should not reach through it.
 *
 * Policies (`NIGHTSHIFT_OUTBOUND_POLICY`):
 * - `default`: everything except link-local (169.254.0.0/16, fe80::/10 — the cloud metadata
 *   endpoints live there), unspecified, multicast and broadcast addresses. Self-hosters keep their
 *   LAN: Ollama on another box, an internal MCP server, a local Slack relay.
 * - `public-only`: also refuses loopback, private (RFC 1918), carrier-grade NAT and unique-local
 *   IPv6 addresses — for a server that hosts organisations which do not trust each other.
 * `NIGHTSHIFT_OUTBOUND_ALLOW` lists host names exempt from the policy (comma-separated), e.g. the
 * operator's own Ollama host.
 *
 * Names are resolved and every address checked before the request, each redirect hop is checked
 * again, and the connection itself resolves the name through the same check (an undici dispatcher
 * with its own lookup), so a name that answers a public address to the check and a refused one to
 * the connection (DNS rebinding) is still refused.
 */
export type OutboundPolicy = 'default' | 'public-only';

export const MAX_REDIRECTS = 5;

export class OutboundBlockedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`outbound request to ${host} refused: ${address} is a ${range} address, which this server does not call (NIGHTSHIFT_OUTBOUND_POLICY)`);
    this.name = 'OutboundBlockedError';
  }
}

type Env = Record<string, string | undefined>;

export function outboundPolicy(env: Env = process.env): { policy: OutboundPolicy; allow: Set<string> } {
  const policy = env.NIGHTSHIFT_OUTBOUND_POLICY === 'public-only' ? 'public-only' : 'default';
  const allow = new Set((env.NIGHTSHIFT_OUTBOUND_ALLOW ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean));
  return { policy, allow };
}

const ALWAYS_BLOCKED_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['169.254.0.0', 16, 'link-local'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
];
const PRIVATE_V4: Array<[string, number, string]> = [
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
];
const ALWAYS_BLOCKED_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];
const PRIVATE_V6: Array<[string, number, string]> = [
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique-local'],
];

function blockList(ranges: Array<[string, number, string]>, family: 'ipv4' | 'ipv6') {
  return ranges.map(([addr, prefix, label]) => {
    const list = new net.BlockList();
    list.addSubnet(addr, prefix, family);
    return { list, label };
  });
}

const V4 = { always: blockList(ALWAYS_BLOCKED_V4, 'ipv4'), private: blockList(PRIVATE_V4, 'ipv4') };
const V6 = { always: blockList(ALWAYS_BLOCKED_V6, 'ipv6'), private: blockList(PRIVATE_V6, 'ipv6') };

/** The range an address falls in that the policy refuses, or null when it may be called. */
export function blockedRange(address: string, policy: OutboundPolicy): string | null {
  let family = net.isIP(address);
  let addr = address;
  // ::ffff:a.b.c.d (also written ::ffff:a9fe:a9fe, as URL parsing does) and the old ::a.b.c.d are
  // IPv4 addresses in IPv6 clothing: judge them as IPv4.
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) {
      addr = v4;
      family = 4;
    }
  }
  if (family === 0) return null;
  const sets = family === 4 ? V4 : V6;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const r of sets.always) if (r.list.check(addr, type)) return r.label;
  if (policy === 'public-only') for (const r of sets.private) if (r.list.check(addr, type)) return r.label;
  return null;
}

function embeddedIpv4(address: string): string | null {
  const dotted = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** A host name's addresses. */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

function assertAddresses(host: string, addresses: readonly string[], policy: OutboundPolicy): void {
  for (const address of addresses) {
    const range = blockedRange(address, policy);
    if (range) throw new OutboundBlockedError(host, address, range);
  }
}

/** Resolves the URL's host and throws OutboundBlockedError when the policy refuses any of its addresses. */
export async function assertOutboundAllowed(url: string | URL, env: Env = process.env, resolve: Resolver = systemResolver): Promise<void> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const { policy, allow } = outboundPolicy(env);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allow.has(host)) return;
  assertAddresses(host, net.isIP(host) ? [host] : await resolve(host), policy);
}

type LookupCallback = (err: Error | null, address?: string | Array<{ address: string; family: number }>, family?: number) => void;

const dispatchers = new Map<string, Agent>();

/**
 * The dispatcher every guarded request connects through: its lookup resolves the name and checks
 * each address against the policy at connection time, and connects only to addresses it checked.
 * (IP literals skip the lookup; the check before the request has judged them, and they cannot change.)
 */
export function guardedDispatcher(env: Env = process.env, resolve: Resolver = systemResolver): Agent {
  const { policy, allow } = outboundPolicy(env);
  const key = resolve === systemResolver ? `${policy}|${[...allow].sort().join(',')}` : null;
  const cached = key === null ? undefined : dispatchers.get(key);
  if (cached) return cached;
  const lookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback) => {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    resolve(host)
      .then((addresses) => {
        if (!allow.has(host)) assertAddresses(host, addresses, policy);
        const wanted = options?.family === 4 || options?.family === 'IPv4' ? 4 : options?.family === 6 || options?.family === 'IPv6' ? 6 : 0;
        const entries = addresses.map((address) => ({ address, family: net.isIP(address) })).filter((e) => e.family !== 0 && (!wanted || e.family === wanted));
        if (entries.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }));
        } else if (options?.all) callback(null, entries);
        else callback(null, entries[0].address, entries[0].family);
      })
      .catch((err: Error) => callback(err));
  };
  const agent = new Agent({ connect: { lookup: lookup as never } });
  if (key !== null) dispatchers.set(key, agent);
  return agent;
}

/** fetch through the guarded dispatcher; a refusal at connection time surfaces as itself. */
async function fetchVia(input: URL | Request, init: RequestInit, dispatcher: Agent): Promise<Response> {
  try {
    return await fetch(input, { ...init, dispatcher } as RequestInit);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof OutboundBlockedError) throw cause;
    throw err;
  }
}

/**
 * `fetch` that checks the destination first and follows redirects itself (each hop checked), so a
 * public URL cannot bounce the server to a refused address.
 */
export async function guardedFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  env: Env = process.env,
  resolve: Resolver = systemResolver,
): Promise<Response> {
  const dispatcher = guardedDispatcher(env, resolve);
  if (input instanceof Request) {
    // Requests built by libraries (the MCP SDK) carry their own body; check the target and pass through without redirects.
    await assertOutboundAllowed(input.url, env, resolve);
    return fetchVia(input, { ...init, redirect: 'manual' }, dispatcher);
  }
  let url = new URL(String(input));
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  for (let hop = 0; ; hop++) {
    await assertOutboundAllowed(url, env, resolve);
    const res = await fetchVia(url, { ...init, method, body, redirect: 'manual' }, dispatcher);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !location || init.redirect === 'manual') return res;
    if (init.redirect === 'error') throw new TypeError(`redirect to ${location} refused (redirect: "error")`);
    if (hop >= MAX_REDIRECTS) throw new TypeError(`too many redirects (more than ${MAX_REDIRECTS})`);
    await res.body?.cancel().catch(() => undefined);
    url = new URL(location, url);
    // As fetch does: 303 (and 301/302 after a POST) turn into a GET without a body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    } else if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams) && !(body instanceof Uint8Array)) {
      // A one-shot body (a stream) cannot be sent twice.
      return res;
    }
  }
}
