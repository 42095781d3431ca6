import { TRPCError } from '@trpc/server';
import type { Context } from '../../server/api/context';
import type { DB } from '../../server/db/client';

/** The tRPC context of a signed-in person (no API token), for router callers in tests. */
export const userContext = (db: DB, userId: string): Context => ({ db, userId, apiToken: null, ip: null });

/** 'OK' when the call succeeds, else the tRPC error code it failed with (or the error's text). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return err instanceof TRPCError ? err.code : String(err);
  }
}

/** 'OK' when the call succeeds, else the message of the error it failed with. */
export async function errorMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return (err as Error).message;
  }
}
