import { Agent, request } from 'undici';
import superjson from 'superjson';

/**
 * A plain HTTP client with its own cookie jar and its own source address (any 127.x.y.z on
 * Linux), so a test can be "a person at another address" against a server on 127.0.0.1.
 */
export class HttpClient {
  readonly cookies = new Map<string, string>();
  private readonly agent: Agent;

  constructor(
    readonly base: string,
    readonly localAddress = '127.0.0.1',
  ) {
    this.agent = new Agent({ localAddress });
  }

  async close() {
    await this.agent.close();
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const res = await request(`${this.base}${path}`, {
      method: (init.method ?? 'GET') as 'GET',
      headers: { ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...init.headers },
      body: init.body,
      dispatcher: this.agent,
    });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  /** next-auth's CSRF dance, then the credentials callback. `error` is next-auth's error text, if any. */
  async signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<{ ok: boolean; error: string | null }> {
    const csrf = await this.fetch('/api/auth/csrf', { headers });
    const { csrfToken } = csrf.json() as { csrfToken: string };
    const res = await this.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ csrfToken, email, password, json: 'true', callbackUrl: `${this.base}/orgs` }).toString(),
    });
    let url: unknown = res.headers.location;
    try {
      url = (res.json() as { url?: string }).url ?? url;
    } catch {
      /* not JSON: a redirect */
    }
    const error = url ? new URL(String(url), this.base).searchParams.get('error') : `HTTP ${res.status}`;
    return { ok: !error && [...this.cookies.keys()].some((k) => k.endsWith('next-auth.session-token')), error };
  }

  async signOut() {
    const { csrfToken } = (await this.fetch('/api/auth/csrf')).json() as { csrfToken: string };
    return this.fetch('/api/auth/signout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, json: 'true', callbackUrl: `${this.base}/` }).toString(),
    });
  }

  /** One tRPC call as the web client makes it (superjson), unbatched. */
  async trpc(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', headers: Record<string, string> = {}) {
    const payload = JSON.stringify(superjson.serialize(input));
    const res =
      kind === 'query'
        ? await this.fetch(`/api/trpc/${path}?input=${encodeURIComponent(payload)}`, { headers })
        : await this.fetch(`/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
    const body = res.text ? (JSON.parse(res.text) as Record<string, any>) : {};
    return {
      status: res.status,
      text: res.text,
      data: body.result ? superjson.deserialize(body.result.data) : undefined,
      error: body.error ? (body.error.json as { message: string; data?: { code?: string } }) : undefined,
    };
  }
}
