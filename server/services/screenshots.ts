import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import type { OrgScope } from './scope';

/** At most this many screenshots are listed for one pull request (a web tester's run takes a few). */
export const MAX_LISTED_SCREENSHOTS = 100;
/** A screenshot larger than this is not served (full-page PNGs of real apps stay far below it). */
export const MAX_SCREENSHOT_BYTES = 20 * 1024 * 1024;

const NAME = /^[\w.-]+\.png$/;

/** Where the web tester of a task writes its screenshots (server/pipeline/task-executor.ts). */
export function screenshotDirFor(dataDir: string, taskId: string): string {
  return path.join(dataDir, 'screenshots', taskId);
}

async function taskOfPull(db: DB, scope: OrgScope, pullRequestId: string): Promise<string | null> {
  const row = await db
    .selectFrom('pull_requests')
    .select('task_id')
    .where('org_id', '=', scope.orgId)
    .where('id', '=', pullRequestId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'Pull request not found');
  return row.task_id;
}

/** The screenshots the web tester took for the pull request's task, in the order they were taken. */
export async function listPullScreenshots(db: DB, scope: OrgScope, input: { pullRequestId: string; dataDir: string }): Promise<string[]> {
  const taskId = await taskOfPull(db, scope, input.pullRequestId);
  if (!taskId) return [];
  let names: string[];
  try {
    names = await fs.promises.readdir(screenshotDirFor(input.dataDir, taskId));
  } catch {
    return [];
  }
  return names.filter((n) => NAME.test(n)).sort().slice(0, MAX_LISTED_SCREENSHOTS);
}

/**
 * One screenshot's bytes. The name must be a bare PNG file name: nothing outside the task's own
 * screenshot folder can be read, whatever the request says.
 */
export async function readPullScreenshot(db: DB, scope: OrgScope, input: { pullRequestId: string; name: string; dataDir: string }): Promise<Buffer> {
  if (!NAME.test(input.name) || input.name.startsWith('.')) throw new AppError('BAD_REQUEST', 'A screenshot is named by its file name, e.g. 01-home.png');
  const taskId = await taskOfPull(db, scope, input.pullRequestId);
  if (!taskId) throw new AppError('NOT_FOUND', 'Screenshot not found');
  const file = path.join(screenshotDirFor(input.dataDir, taskId), input.name);
  try {
    const stat = await fs.promises.lstat(file);
    if (!stat.isFile() || stat.size > MAX_SCREENSHOT_BYTES) throw new Error('not a servable file');
    return await fs.promises.readFile(file);
  } catch {
    throw new AppError('NOT_FOUND', 'Screenshot not found');
  }
}
