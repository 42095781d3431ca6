import type http from 'node:http';
import type { DB } from '../db/client';
import { userIdFromRequest } from '../api/context';
import { AppError } from '../errors/app-error';
import { resolveMembership } from '../services/orgs';
import { readPullScreenshot } from '../services/screenshots';

const ROUTE = /^\/api\/pulls\/([0-9a-f-]{36})\/screenshots\/([^/]+)$/;

/**
 * GET /api/pulls/<pullRequestId>/screenshots/<name>.png — a web tester screenshot for the pull
 * request page's <img>. Session cookie only; the caller must belong to the pull request's
 * organisation (anything else is a 404, so ids of other tenants reveal nothing).
 */
export async function handleScreenshot(req: http.IncomingMessage, res: http.ServerResponse, deps: { db: DB; dataDir: string }): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const m = ROUTE.exec(url.pathname);
  if (!m) return false;
  const send = (status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ error: message }));
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(405, 'Only GET');
    return true;
  }
  const userId = await userIdFromRequest(req);
  if (!userId) {
    send(401, 'Sign in to see screenshots');
    return true;
  }
  const [, pullRequestId, rawName] = m;
  try {
    const pull = await deps.db.selectFrom('pull_requests').select('org_id').where('id', '=', pullRequestId).executeTakeFirst();
    if (!pull) throw new AppError('NOT_FOUND', 'Screenshot not found');
    const role = await resolveMembership(deps.db, pull.org_id, userId).catch(() => {
      throw new AppError('NOT_FOUND', 'Screenshot not found');
    });
    const bytes = await readPullScreenshot(deps.db, { orgId: pull.org_id, userId, role }, { pullRequestId, name: rawName, dataDir: deps.dataDir });
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length, 'cache-control': 'private, max-age=300', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  } catch (err) {
    if (err instanceof AppError) send(err.status, err.userMessage);
    else send(500, 'Could not read the screenshot');
  }
  return true;
}
