import { dataDir } from '../config';
import { openDatabase, type DatabaseRuntime } from '../boot';

/**
 * Runs a command against the database (joining a running server's if there is one). With
 * `interruptible`, SIGINT and SIGTERM abort the signal `fn` is given, for as long as it runs, instead
 * of ending the process: a long command stops its work and the database is still closed.
 */
export async function withDatabase<T>(fn: (rt: DatabaseRuntime, signal: AbortSignal) => Promise<T>, opts: { interruptible?: boolean } = {}): Promise<T> {
  const rt = await openDatabase({ dataDir: dataDir(), own: false, allowTemporary: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  if (opts.interruptible) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    return await fn(rt, abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rt.close();
  }
}
