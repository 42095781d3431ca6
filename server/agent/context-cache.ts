import { createHash } from 'node:crypto';

/**
 * The shared context cache: anything the prompt no longer carries in full (file contents,
 * tool results, reasoning traces, failed attempts, handoffs) is filed here under the task and
 * referenced by `ctx:<hash>`. Content-addressed, so the same file read twice is stored once and
 * a reference survives role handoffs and worker restarts (with the Postgres implementation).
 */
export const CACHE_KINDS = ['file', 'tool-result', 'reasoning', 'failed-attempt', 'handoff', 'note'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

export interface CacheItem {
  ref: string;
  taskKey: string;
  kind: CacheKind;
  content: string;
  /** Short label shown next to a reference: path, tool name and arguments… */
  label: string;
  createdAt: Date;
}

export interface ContextCache {
  /** Stores content and returns its reference; storing the same content again is a no-op. */
  put(input: { taskKey: string; kind: CacheKind; content: string; label: string }): Promise<string>;
  get(taskKey: string, ref: string): Promise<CacheItem | undefined>;
  list(taskKey: string, kind?: CacheKind): Promise<Array<Omit<CacheItem, 'content'>>>;
}

const REF_PREFIX = 'ctx:';
/** 16 hex digits = 64 bits: collisions within one task are not a practical concern. */
const REF_HASH_CHARS = 16;

/** The reference of `content` of a given kind (kinds are part of the key: a file and a note may share text). */
export function cacheRef(kind: CacheKind, content: string): string {
  return REF_PREFIX + createHash('sha256').update(kind).update('\0').update(content).digest('hex').slice(0, REF_HASH_CHARS);
}

export function isCacheRef(value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^${REF_PREFIX}[0-9a-f]{${REF_HASH_CHARS}}$`).test(value);
}

/** A process-local cache for tests, benchmarks and the CLI (no database needed). */
export function createMemoryContextCache(): ContextCache {
  const items = new Map<string, CacheItem>();
  const key = (taskKey: string, ref: string) => `${taskKey}\0${ref}`;
  return {
    async put({ taskKey, kind, content, label }) {
      const ref = cacheRef(kind, content);
      if (!items.has(key(taskKey, ref))) items.set(key(taskKey, ref), { ref, taskKey, kind, content, label, createdAt: new Date() });
      return ref;
    },
    async get(taskKey, ref) {
      return items.get(key(taskKey, ref));
    },
    async list(taskKey, kind) {
      return [...items.values()].filter((i) => i.taskKey === taskKey && (!kind || i.kind === kind)).map(({ content: _c, ...rest }) => rest);
    },
  };
}
