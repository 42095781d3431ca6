import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOutboundAllowed, blockedRange, guardedFetch, OutboundBlockedError } from './outbound';
import { postJson } from '../notify/http-post';
import { httpStream } from '../llm/http-stream';
import type { StreamPart } from '../llm';

const PUBLIC_ONLY = { NIGHTSHIFT_OUTBOUND_POLICY: 'public-only' };
let server: http.Server;
let base: string;
let hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.url === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/to-mapped') return res.writeHead(307, { location: 'http://[::ffff:169.254.169.254]/' }).end();
    if (req.url === '/hop') return res.writeHead(303, { location: '/final' }).end();
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`reached ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

describe('outbound policy', () => {
  it('refuses link-local, unspecified and multicast addresses always, and the private ranges under public-only', () => {
    expect(blockedRange('169.254.169.254', 'default')).toBe('link-local');
    expect(blockedRange('::ffff:169.254.169.254', 'default')).toBe('link-local');
    expect(blockedRange('::ffff:a9fe:a9fe', 'default')).toBe('link-local');
    expect(blockedRange('::a9fe:a9fe', 'default')).toBe('link-local');
    expect(blockedRange('fe80::1', 'default')).toBe('link-local');
    expect(blockedRange('0.0.0.0', 'default')).toBe('unspecified');
    expect(blockedRange('239.1.2.3', 'default')).toBe('multicast');
    expect(blockedRange('127.0.0.1', 'default')).toBeNull();
    expect(blockedRange('10.1.2.3', 'default')).toBeNull();
    expect(blockedRange('8.8.8.8', 'default')).toBeNull();

    expect(blockedRange('127.0.0.1', 'public-only')).toBe('loopback');
    expect(blockedRange('::1', 'public-only')).toBe('loopback');
    expect(blockedRange('10.1.2.3', 'public-only')).toBe('private');
    expect(blockedRange('172.20.0.1', 'public-only')).toBe('private');
    expect(blockedRange('192.168.1.10', 'public-only')).toBe('private');
    expect(blockedRange('100.100.0.1', 'public-only')).toBe('carrier-grade NAT');
    expect(blockedRange('fd12::1', 'public-only')).toBe('unique-local');
    expect(blockedRange('::ffff:10.0.0.1', 'public-only')).toBe('private');
    expect(blockedRange('172.32.0.1', 'public-only')).toBeNull();
    expect(blockedRange('8.8.8.8', 'public-only')).toBeNull();
  });

  it('resolves names before judging them, and lets listed hosts through', async () => {
    await expect(assertOutboundAllowed('http://localhost:9/', PUBLIC_ONLY)).rejects.toThrow(/localhost refused: .* loopback address/);
    await expect(assertOutboundAllowed('http://localhost:9/', { ...PUBLIC_ONLY, NIGHTSHIFT_OUTBOUND_ALLOW: 'localhost' })).resolves.toBeUndefined();
    await expect(assertOutboundAllowed('http://localhost:9/', {})).resolves.toBeUndefined();
  });

  it('never connects to a refused address, even through a redirect from an allowed one', async () => {
    await expect(guardedFetch('http://169.254.169.254/latest/meta-data/', {}, {})).rejects.toBeInstanceOf(OutboundBlockedError);
    hits = [];
    await expect(guardedFetch(`${base}/to-metadata`, {}, {})).rejects.toThrow(/169\.254\.169\.254 is a link-local address/);
    await expect(guardedFetch(`${base}/to-mapped`, { method: 'POST', body: '{}' }, {})).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(hits).toEqual(['GET /to-metadata', 'POST /to-mapped']);
  });

  it('follows allowed redirects the way fetch does, within a bound', async () => {
    const res = await guardedFetch(`${base}/hop`, { method: 'POST', body: 'x' }, {});
    expect(await res.text()).toBe('reached GET /final');
    await expect(guardedFetch(`${base}/loop`, {}, {})).rejects.toThrow(/too many redirects/);
    const manual = await guardedFetch(`${base}/hop`, { redirect: 'manual' }, {});
    expect(manual.status).toBe(303);
  });

  it('under public-only, the server refuses its own loopback', async () => {
    hits = [];
    await expect(guardedFetch(`${base}/final`, {}, PUBLIC_ONLY)).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(hits).toEqual([]);
  });

  it('a webhook to a refused address fails as a result, and a model stream ends in one non-retried error', async () => {
    const r = await postJson('http://169.254.169.254/hook', { text: 'hi' }, { retryAfterMs: () => null });
    expect(r.ok).toBe(false);
    expect(r.attempts).toBe(1);
    expect(!r.ok && r.error).toMatch(/refused: 169\.254\.169\.254 is a link-local address/);

    const parts: StreamPart[] = [];
    for await (const p of httpStream({ url: 'http://169.254.169.254/v1/chat/completions', headers: {}, body: {}, dialect: 'openai' }, { retry: { maxRetries: 3 } })) parts.push(p);
    const errors = parts.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/link-local/);
    expect(JSON.stringify(errors[0])).toMatch(/"retryable":false/);
  });
});

describe('DNS rebinding', () => {
  it('a name that answers a public address to the check and a refused one to the connection is refused at the connection', async () => {
    let calls = 0;
    const rebinding = async (host: string) => {
      calls++;
      if (host !== 'rebind.test') throw new Error(`unexpected lookup of ${host}`);
      return calls === 1 ? ['93.184.216.34'] : ['127.0.0.1'];
    };
    hits = [];
    const port = new URL(base).port;
    await expect(guardedFetch(`http://rebind.test:${port}/final`, {}, PUBLIC_ONLY, rebinding)).rejects.toThrow(
      /rebind\.test refused: 127\.0\.0\.1 is a loopback address/,
    );
    expect(calls).toBe(2);
    expect(hits).toEqual([]);
  });

  it('connects to the address its own lookup checked', async () => {
    const port = new URL(base).port;
    const resolve = async (host: string) => (host === 'app.internal.test' ? ['127.0.0.1'] : []);
    const res = await guardedFetch(`http://app.internal.test:${port}/final`, {}, {}, resolve);
    expect(await res.text()).toBe('reached GET /final');
    await expect(guardedFetch(`http://app.internal.test:${port}/final`, {}, PUBLIC_ONLY, resolve)).rejects.toBeInstanceOf(OutboundBlockedError);
  });
});
