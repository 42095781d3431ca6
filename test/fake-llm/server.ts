import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitBytes } from './chunking';
import { encodeAnthropic } from './encode-anthropic';
import { encodeOllama } from './encode-ollama';
import { encodeOpenAi } from './encode-openai';
import { resolveTurn } from './encoded-turn';
import type { Protocol, ReceivedRequest, Script, Turn } from './script';

export type { Faults, Protocol, ReceivedRequest, Script, ScriptedToolCall, Turn } from './script';

const ROUTES: Record<string, Protocol> = {
  '/v1/chat/completions': 'openai',
  '/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/api/chat': 'ollama',
};

const CONTENT_TYPES: Record<Protocol, string> = {
  openai: 'text/event-stream; charset=utf-8',
  anthropic: 'text/event-stream; charset=utf-8',
  ollama: 'application/x-ndjson',
};

export interface FakeLlmOptions {
  script: Script;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Called for every request after it is recorded (logging in the standalone CLI). */
  onRequest?: (req: ReceivedRequest) => void;
  /**
   * The model list (`GET /v1/models` in OpenAI's or Anthropic's shape, `GET /api/tags` in
   * Ollama's): these ids, and with `apiKey` a wrong or missing key is refused with 401 and the
   * provider's error body. Listing consumes no turn.
   */
  models?: { ids?: string[]; apiKey?: string };
}

/** Ids the model list answers with when a test names none. */
export const FAKE_MODEL_IDS = ['fake', 'fake-large'];

export interface FakeLlm {
  url: string;
  port: number;
  /** Parsed bodies of the requests received, in order. */
  requests: any[];
  /** Requests with protocol, path, headers and the turn index they consumed. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function wait(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : new Promise((r) => setImmediate(r));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The provider's error body shape for an HTTP error status. */
function errorBody(protocol: Protocol, status: number): unknown {
  const message = status === 429 ? 'Rate limit reached (fake)' : `Fake server error ${status}`;
  if (protocol === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  }
  if (protocol === 'ollama') return { error: message };
  return { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } };
}

/**
 * A local model server for tests: speaks OpenAI SSE, Anthropic SSE and Ollama NDJSON, serves
 * scripted turns in request order (one turn per request, across all protocols) and injects the
 * faults a turn asks for.
 * @example
 *   const llm = await startFakeLlm({ script: [{ text: 'hi' }, { toolCalls: [{ name: 'finish', args: {} }] }] });
 *   const model = createModel('openai:fake', { baseUrl: llm.url });
 */
export async function startFakeLlm(options: FakeLlmOptions): Promise<FakeLlm> {
  const requests: any[] = [];
  const received: ReceivedRequest[] = [];
  let nextTurn = 0;

  async function pickTurn(body: any, request: ReceivedRequest): Promise<Turn | undefined> {
    const { script } = options;
    if (typeof script === 'function') return script(body, request.turnIndex, request);
    return script[request.turnIndex];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models' || path === '/api/tags')) {
      listModels(req, res, path);
      return;
    }
    const protocol = ROUTES[path];
    if (req.method !== 'POST' || !protocol) {
      sendJson(res, 404, { error: `fake-llm serves POST ${Object.keys(ROUTES).join(', ')}; got ${req.method} ${path}` });
      return;
    }
    const text = await readBody(req);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, errorBody(protocol, 400));
      return;
    }
    const request: ReceivedRequest = { protocol, path, headers: req.headers, body, turnIndex: nextTurn++ };
    requests.push(body);
    received.push(request);
    options.onRequest?.(request);
    const turn = await pickTurn(body, request);
    if (!turn) {
      // Not retryable on purpose: a test that runs past its script should fail loudly.
      sendJson(res, 400, { error: { message: `fake-llm: script exhausted (request ${request.turnIndex + 1}, ${Array.isArray(options.script) ? options.script.length : '?'} turns)`, type: 'invalid_request_error' } });
      return;
    }
    const faults = turn.faults ?? {};
    if (faults.delayHeadersMs) await wait(faults.delayHeadersMs);
    if (res.destroyed) return;
    if (faults.status && faults.status !== 200) {
      const headers: Record<string, string> = {};
      if (faults.retryAfter !== undefined) headers['retry-after'] = String(faults.retryAfter);
      if (faults.retryAfterMs !== undefined) headers['retry-after-ms'] = String(faults.retryAfterMs);
      sendJson(res, faults.status, errorBody(protocol, faults.status), headers);
      return;
    }
    res.writeHead(200, { 'content-type': faults.contentType ?? CONTENT_TYPES[protocol], 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (faults.empty) {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    // Streaming servers send headers at once; the body may follow much later.
    res.flushHeaders();
    const chunks = encode(protocol, turn, body, request.turnIndex);
    await writeChunks(res, chunks, faults);
  }

  /** Anthropic is told apart from OpenAI on the shared path by its version header. */
  function listModels(req: IncomingMessage, res: ServerResponse, path: string): void {
    const protocol: Protocol = path === '/api/tags' ? 'ollama' : req.headers['anthropic-version'] || req.headers['x-api-key'] ? 'anthropic' : 'openai';
    const ids = options.models?.ids ?? FAKE_MODEL_IDS;
    const wanted = options.models?.apiKey;
    const given = protocol === 'anthropic' ? String(req.headers['x-api-key'] ?? '') : String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (wanted !== undefined && given !== wanted) {
      // The bodies the providers answer a bad key with (the shapes of their documented errors).
      if (protocol === 'anthropic') sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      else if (protocol === 'ollama') sendJson(res, 401, { error: 'unauthorized' });
      else sendJson(res, 401, { error: { message: 'Incorrect API key provided. You can find your API key at your provider’s dashboard.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      return;
    }
    const created = '2025-01-01T00:00:00Z';
    if (protocol === 'anthropic') sendJson(res, 200, { data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: created })), has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null });
    else if (protocol === 'ollama') sendJson(res, 200, { models: ids.map((name) => ({ name, model: name, modified_at: created, size: 0, digest: '', details: {} })) });
    else sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1735689600, owned_by: 'fake-llm' })) });
  }

  function encode(protocol: Protocol, turn: Turn, body: any, turnIndex: number): Buffer[] {
    if (turn.raw !== undefined) return [Buffer.from(turn.raw, 'utf8')];
    const hasTools = Array.isArray(body?.tools) && body.tools.length > 0;
    const resolved = resolveTurn(turn, turnIndex, body, hasTools);
    const model = String(body?.model ?? 'fake-model');
    const faults = turn.faults ?? {};
    const events =
      protocol === 'openai'
        ? encodeOpenAi(resolved, { model, includeUsage: body?.stream_options?.include_usage === true, turnIndex, faults })
        : protocol === 'anthropic'
          ? encodeAnthropic(resolved, { model, turnIndex, faults })
          : encodeOllama(resolved, { model, turnIndex, faults });
    return events.map((e) => Buffer.from(e, 'utf8'));
  }

  /** Gives the client time to read what was flushed before the connection is cut. */
  const DISCONNECT_GRACE_MS = 20;

  async function writeChunks(res: ServerResponse, events: Buffer[], faults: NonNullable<Turn['faults']>): Promise<void> {
    const pieces = faults.splitBytes !== undefined ? splitBytes(Buffer.concat(events), faults.splitBytes, faults.seed) : events;
    for (let i = 0; i < pieces.length; i++) {
      if (faults.disconnectAfterChunks !== undefined && i >= faults.disconnectAfterChunks) {
        await wait(DISCONNECT_GRACE_MS);
        res.socket?.destroy();
        return;
      }
      if (faults.stallAfterChunks !== undefined && i >= faults.stallAfterChunks) {
        // Hold the connection open and silent until the client gives up.
        await new Promise<void>((resolve) => (res.destroyed ? resolve() : res.once('close', () => resolve())));
        return;
      }
      if (faults.delayPerChunkMs) await wait(faults.delayPerChunkMs);
      else if (i > 0 && faults.splitBytes !== undefined) await wait(0); // let pieces leave as separate packets
      if (res.destroyed) return;
      // Wait for the bytes to reach the socket so a following disconnect cuts after them.
      await new Promise<void>((resolve) => res.write(pieces[i], () => resolve()));
    }
    if (faults.disconnectAfterChunks !== undefined && faults.disconnectAfterChunks >= pieces.length) {
      await wait(DISCONNECT_GRACE_MS);
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake-llm crashed: ${err.message}`, type: 'server_error' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
