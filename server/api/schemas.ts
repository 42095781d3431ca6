import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../auth/password';

/** Field schemas shared by routes, forms and jobs — written once. */
export const ZName = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');
export const ZEmail = z.string().trim().email('must be a valid email address').max(254);
export const ZPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(200, 'must be at most 200 characters');
export const ZOrgName = z.string().trim().min(2, 'must be at least 2 characters').max(80, 'must be at most 80 characters');
export const ZProjectName = ZName;
/** A local path (absolute) or a git URL (https, ssh, git@host:path, file://). */
export const ZRepository = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(1000)
  .refine((v) => /^(\/|~\/|https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/.test(v), {
    message: 'must be an absolute local path or a git URL (https://…, ssh://…, git@host:org/repo.git)',
  });
export const ZBranch = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^(?!.*\.\.)(?!\/)[\w./-]+(?<!\/)$/, 'must be a valid branch name');
export const ZInviteRole = z.enum(['admin', 'member', 'viewer']);
export const ZRole = z.enum(['owner', 'admin', 'member', 'viewer']);
export const ZSecretName = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be UPPER_SNAKE_CASE, e.g. ANTHROPIC_API_KEY');
export const ZSecretValue = z.string().min(1, 'is required').max(10_000);
export const ZToken = z.string().min(10).max(200);
