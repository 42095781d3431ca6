import type { ProcedureMeta } from './trpc';
import { appRouter } from './router';

/** Most calls one tRPC request may batch (the web client batches at most this many, see app/providers.tsx). */
export const MAX_BATCH_SIZE = 20;

let publicPaths: Set<string> | null = null;

/** Procedures anyone may call without signing in: derived from the router's scope meta. */
export function publicProcedurePaths(): Set<string> {
  publicPaths ??= new Set(
    Object.entries((appRouter as unknown as { _def: { procedures: Record<string, { _def: { meta?: ProcedureMeta } }> } })._def.procedures)
      .filter(([, p]) => p._def.meta?.scope === 'public')
      .map(([path]) => path),
  );
  return publicPaths;
}

/**
 * Why a tRPC request must be refused before anything runs, or null. A batch lets one small request
 * fan out into many calls: an anonymous caller could otherwise queue dozens of password hashes
 * (scrypt, 128 MiB each) with one request. So a batch is capped, and a public procedure is only
 * ever called alone.
 */
export function batchRefusal(pathList: string, isBatch: boolean): string | null {
  if (!isBatch) return null;
  const paths = pathList.split(',');
  if (paths.length > MAX_BATCH_SIZE) return `A batch may hold at most ${MAX_BATCH_SIZE} calls`;
  if (paths.length > 1) {
    const open = paths.find((p) => publicProcedurePaths().has(p));
    if (open) return `${open} may not be batched: send it as a request of its own`;
  }
  return null;
}
