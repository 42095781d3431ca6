import type http from 'node:http';

/**
 * Past the limit, a body is still read (and thrown away) up to this size, so the refusal can keep
 * the connection alive: the next request on it starts where this body ended. Larger bodies are
 * not worth reading; the answer then closes the connection.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export type LimitedBody = { ok: true; body: Buffer } | { ok: false; keepAlive: boolean };

/**
 * A request body of at most `limit` bytes. Over the limit: `keepAlive` says whether the rest was
 * drained (answer normally) or left unread (answer with `Connection: close`). Never destroys the
 * request, which would cut the answer off or leave the connection's parser mid-body.
 * @example const b = await readLimitedBody(req, 1 << 20); if (!b.ok) refuse413(res, b.keepAlive)
 */
export function readLimitedBody(req: http.IncomingMessage, limit: number, drainLimit = Math.max(limit, DRAIN_LIMIT_BYTES)): Promise<LimitedBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainLimit) {
      req.pause();
      resolve({ ok: false, keepAlive: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const done = (result: LimitedBody) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(chunk);
      else if (size > drainLimit) {
        req.pause();
        done({ ok: false, keepAlive: false });
      }
    };
    const onEnd = () => done(over ? { ok: false, keepAlive: true } : { ok: true, body: Buffer.concat(chunks) });
    const onError = (err: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Headers for a 413 answer: `Connection: close` when the body was left unread. */
export function tooLargeHeaders(keepAlive: boolean): Record<string, string> {
  return keepAlive ? {} : { connection: 'close' };
}
