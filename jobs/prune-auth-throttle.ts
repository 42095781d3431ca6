import { z } from 'zod';
import type { JobDefinition } from './definition';
import { pruneSignInAddresses, pruneThrottle, throttleBudgets } from '../server/services/auth-throttle';

export const PRUNE_AUTH_THROTTLE_JOB = 'prune-auth-throttle';

/**
 * Drops sign-in/sign-up budget rows nobody has touched for two days (every key ever tried leaves one),
 * and forgets sign-in addresses older than NIGHTSHIFT_SIGNIN_REMEMBER_DAYS.
 */
export const pruneAuthThrottleJob = {
  id: PRUNE_AUTH_THROTTLE_JOB,
  payload: z.object({}).passthrough(),
  cron: '17 * * * *',
  queue: { retryLimit: 0, expireInSeconds: 300 },
  async handler(_data, ctx) {
    return { pruned: await pruneThrottle(ctx.db), forgottenAddresses: await pruneSignInAddresses(ctx.db, throttleBudgets().rememberDays) };
  },
} satisfies JobDefinition;
