import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a local receiver got, with the arrival time so tests can check honoured waits. */
export type ReceivedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; at: number };
export type Reply = { status: number; headers?: Record<string, string>; body?: string | object };

export type LocalReceiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how the receiver answers from now on. */
  respond(fn: (req: ReceivedRequest, index: number) => Reply): void;
  close(): Promise<void>;
};

/**
 * A real HTTP server on 127.0.0.1 standing in for Slack, Discord or Stripe in tests: it records
 * every request (raw body included) and answers as the test says, including 429s.
 */
export async function startLocalReceiver(initial: (req: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: 'ok' })): Promise<LocalReceiver> {
  let handler = initial;
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      const reply = handler(received, requests.length - 1);
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const type = typeof reply.body === 'object' ? { 'content-type': 'application/json' } : { 'content-type': 'text/plain' };
      res.writeHead(reply.status, { ...type, ...(reply.headers ?? {}) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(fn) {
      handler = fn;
    },
    close: () => closeServer(server),
  };
}

/** Serves `handleWebhook`-style handlers on a real port, for tests that post signed requests. */
export async function startHandlerServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      if (!(await handler(req, res))) {
        res.writeHead(404);
        res.end('not a webhook');
      }
    } catch (err) {
      res.writeHead(500);
      res.end(String((err as Error).stack ?? err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** fetch keeps connections alive; close them so the test file ends promptly. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}
