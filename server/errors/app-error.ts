/**
 * The one error type services raise. `code` maps onto tRPC codes and HTTP statuses in one place
 * (server/api/trpc.ts); `userMessage` is safe to show to the person who caused it.
 */
export const APP_ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_CODES;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly userMessage: string;
  constructor(code: AppErrorCode, userMessage: string, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? userMessage, { cause: options?.cause });
    this.code = code;
    this.userMessage = userMessage;
  }
  get status(): number {
    return APP_ERROR_CODES[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (why = 'You do not have access to this organization') => new AppError('FORBIDDEN', why);
