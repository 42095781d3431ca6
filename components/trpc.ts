'use client';
import { createTRPCReact, type inferReactQueryProcedureOptions } from '@trpc/react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../server/api/router';

export const trpc = createTRPCReact<AppRouter>();
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type ReactQueryOptions = inferReactQueryProcedureOptions<AppRouter>;

/**
 * Procedures callable without signing in. The server refuses them inside a batch (a batch of
 * password hashes is an amplifier), so the client sends each on its own request. Kept equal to the
 * router's `public` procedures by test/foundation/auth-hardening.test.ts.
 */
export const PUBLIC_PROCEDURES: readonly string[] = ['auth.signUp', 'invitation.preview', 'instance.settings'];
/** The server's cap on calls per batch (server/api/batching.ts MAX_BATCH_SIZE). */
export const MAX_BATCH_ITEMS = 20;
