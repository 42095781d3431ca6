import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PullRequestRecord, PullRequestStore } from '../repos/pull-requests';

/** Folder under the data directory where headless runs keep their local pull-request records. */
export const PULL_REQUESTS_DIR = 'pull-requests';

/** `nightshift/fix-a-1234abcd` → `nightshift__fix-a-1234abcd.json`: one file per branch, no sub-folders. */
function fileName(branch: string): string {
  return `${branch.replace(/[^A-Za-z0-9._-]+/g, '__')}.json`;
}

/**
 * Pull-request records as JSON files (`<dataDir>/pull-requests/<projectId>/<branch>.json`), for the
 * headless CLI, which has no database: the records outlive the process, and a rerun on the same
 * branch updates its file instead of adding one.
 */
export class FilePullRequestStore implements PullRequestStore {
  constructor(private readonly dataDir: string) {}

  pathFor(projectId: string, branch: string): string {
    return join(this.dataDir, PULL_REQUESTS_DIR, projectId, fileName(branch));
  }

  async findByBranch(projectId: string, branch: string): Promise<PullRequestRecord | undefined> {
    let text: string;
    try {
      text = readFileSync(this.pathFor(projectId, branch), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const raw = JSON.parse(text) as PullRequestRecord & { createdAt: string; updatedAt: string };
    return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
  }

  async upsert(record: PullRequestRecord): Promise<PullRequestRecord> {
    const file = this.pathFor(record.projectId, record.branch);
    mkdirSync(join(this.dataDir, PULL_REQUESTS_DIR, record.projectId), { recursive: true });
    // Write then rename, so an interrupted run never leaves half a record behind.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(tmp, file);
    return record;
  }
}
