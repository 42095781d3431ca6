import pg from 'pg';
import { AppError, type AppErrorCode } from './app-error';

/**
 * The one place an error becomes something a client may see (tRPC errorFormatter, MCP tool
 * results, HTTP handlers). A service's AppError keeps its user message; a handful of Postgres
 * errors that only bad input can cause become BAD_REQUEST with our own words; everything else is
 * an internal fault, reported without its text — the database's wording (table, column and
 * constraint names, values) never reaches a client.
 */
export type WireError = { code: AppErrorCode; message: string; internal: boolean };

export const INTERNAL_ERROR_MESSAGE = 'Internal error; try again later';

/** SQLSTATE → what the caller did wrong, in our words. */
const BAD_INPUT_SQLSTATES: Record<string, string> = {
  '22P02': 'Malformed identifier',
  '22021': 'Text contains characters that cannot be stored (NUL bytes or invalid Unicode)',
  '22003': 'A number is out of range',
  '22001': 'A value is too long',
  '22007': 'Malformed date or time',
  '22008': 'Date or time out of range',
};

export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return { code: err.code, message: err.userMessage, internal: err.code === 'INTERNAL_SERVER_ERROR' };
  const sqlState = (err as { code?: unknown } | null)?.code;
  if (typeof sqlState === 'string' && sqlState in BAD_INPUT_SQLSTATES) return { code: 'BAD_REQUEST', message: BAD_INPUT_SQLSTATES[sqlState], internal: false };
  return { code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_ERROR_MESSAGE, internal: true };
}

/** The AppError or database error inside a chain of causes (tRPC wraps what a procedure throws). */
export function rootCause(err: unknown): unknown {
  let cur = err;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur instanceof AppError || cur instanceof pg.DatabaseError) return cur;
    const next = (cur as { cause?: unknown }).cause;
    if (!next) break;
    cur = next;
  }
  return cur;
}
