import type { DB } from '../db/client';
import { cacheRef, type CacheItem, type ContextCache } from '../agent/context-cache';

/**
 * The context cache in Postgres: shared by every worker, so a handoff between roles (or a
 * restarted worker) finds what an earlier agent stored. Content-addressed: storing the same
 * content again is a no-op (`on conflict do nothing`).
 */
export function createPgContextCache(db: DB): ContextCache {
  return {
    async put({ taskKey, kind, content, label }) {
      const ref = cacheRef(kind, content);
      await db
        .insertInto('context_cache_items')
        .values({ task_key: taskKey, ref, kind, content, label })
        .onConflict((oc) => oc.columns(['task_key', 'ref']).doNothing())
        .execute();
      return ref;
    },
    async get(taskKey, ref) {
      const row = await db.selectFrom('context_cache_items').selectAll().where('task_key', '=', taskKey).where('ref', '=', ref).executeTakeFirst();
      return row ? toItem(row) : undefined;
    },
    async list(taskKey, kind) {
      let q = db.selectFrom('context_cache_items').select(['task_key', 'ref', 'kind', 'label', 'created_at']).where('task_key', '=', taskKey);
      if (kind) q = q.where('kind', '=', kind);
      const rows = await q.orderBy('created_at').execute();
      return rows.map((r) => ({ ref: r.ref, taskKey: r.task_key, kind: r.kind, label: r.label, createdAt: new Date(r.created_at) }));
    },
  };
}

function toItem(row: { task_key: string; ref: string; kind: CacheItem['kind']; label: string; content: string; created_at: Date }): CacheItem {
  return { ref: row.ref, taskKey: row.task_key, kind: row.kind, label: row.label, content: row.content, createdAt: new Date(row.created_at) };
}
