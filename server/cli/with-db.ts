import { dataDir } from '../config';
import { openDatabase, type DatabaseRuntime } from '../boot';

/** Runs a short admin command against the database (joining a running server's if there is one). */
export async function withDatabase<T>(fn: (rt: DatabaseRuntime) => Promise<T>): Promise<T> {
  const rt = await openDatabase({ dataDir: dataDir(), own: false, allowTemporary: true });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
