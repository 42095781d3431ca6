import net from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The address of the person making a request. The socket's peer, unless that peer is a proxy the
 * operator trusts (NIGHTSHIFT_TRUSTED_PROXIES: comma-separated addresses or CIDR ranges, e.g.
 * `10.0.0.0/8,127.0.0.1`); then the right-most X-Forwarded-For entry that is not itself a trusted
 * proxy. A header from anyone else is ignored: it is the caller's own claim.
 */
export function clientAddress(req: IncomingMessage, env: NodeJS.ProcessEnv = process.env): string | null {
  const peer = normalise(req.socket?.remoteAddress);
  if (!peer) return null;
  const trusted = trustedProxies(env.NIGHTSHIFT_TRUSTED_PROXIES);
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => normalise(h.trim()))
    .filter((h): h is string => Boolean(h));
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(trusted, hops[i])) return hops[i];
  return hops[0] ?? peer;
}

function normalise(address: string | undefined | null): string | null {
  if (!address) return null;
  const a = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  return net.isIP(a) ? a : null;
}

let cached: { spec: string; list: net.BlockList } | null = null;

/** Parses the setting once per value; an entry that is neither an address nor a CIDR range is an error. */
export function trustedProxies(spec: string | undefined): net.BlockList | null {
  if (!spec?.trim()) return null;
  if (cached?.spec === spec) return cached.list;
  const list = new net.BlockList();
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits] = raw.split('/');
    const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : null;
    if (!family) throw new Error(`NIGHTSHIFT_TRUSTED_PROXIES: "${raw}" is not an IP address or CIDR range`);
    if (bits === undefined) list.addAddress(addr, family);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) throw new Error(`NIGHTSHIFT_TRUSTED_PROXIES: "${raw}" has an invalid prefix length`);
      list.addSubnet(addr, prefix, family);
    }
  }
  cached = { spec, list };
  return list;
}

function isTrusted(list: net.BlockList, address: string): boolean {
  return list.check(address, net.isIPv4(address) ? 'ipv4' : 'ipv6');
}
