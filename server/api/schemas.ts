import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../auth/password';

/**
 * Text Postgres can store and every client can render: no NUL characters and no unpaired UTF-16
 * surrogates (JSON can carry both; Postgres refuses the first and silently replaces the second).
 */
export const WELL_FORMED_TEXT = /^(?![\s\S]*(?:\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]))/;
export const MALFORMED_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/** The base of every string input: a string of well-formed text. */
export const ZText = z.string().regex(WELL_FORMED_TEXT, MALFORMED_TEXT_MESSAGE);

/**
 * The path of the first malformed string (or object key) anywhere in a raw input, or null. Walks
 * iteratively: a deeply nested body must not exhaust the stack.
 */
export function findMalformedText(input: unknown): string | null {
  const stack: Array<[unknown, string]> = [[input, '']];
  while (stack.length) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (!WELL_FORMED_TEXT.test(value)) return at || '(input)';
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const here = at ? `${at}.${k}` : k;
        if (!WELL_FORMED_TEXT.test(k)) return here;
        stack.push([v, here]);
      }
    }
  }
  return null;
}

/** Field schemas shared by routes, forms and jobs — written once. */
export const ZName = ZText.trim().min(1, 'is required').max(100, 'must be at most 100 characters');
export const ZEmail = ZText.trim().email('must be a valid email address').max(254);
export const ZPassword = ZText
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(200, 'must be at most 200 characters');
export const ZOrgName = ZText.trim().min(2, 'must be at least 2 characters').max(80, 'must be at most 80 characters');
export const ZProjectName = ZName;
/** A local path (absolute) or a git URL (https, ssh, git@host:path, file://). */
export const ZRepository = ZText
  .trim()
  .min(1, 'is required')
  .max(1000)
  .refine((v) => /^(\/|~\/|https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/.test(v), {
    message: 'must be an absolute local path or a git URL (https://…, ssh://…, git@host:org/repo.git)',
  });
export const ZBranch = ZText
  .trim()
  .min(1)
  .max(200)
  .regex(/^(?!.*\.\.)(?!\/)[\w./-]+(?<!\/)$/, 'must be a valid branch name');
export const ZInviteRole = z.enum(['admin', 'member', 'viewer']);
export const ZRole = z.enum(['owner', 'admin', 'member', 'viewer']);
export const ZSecretName = ZText
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be UPPER_SNAKE_CASE, e.g. ANTHROPIC_API_KEY');
export const ZSecretValue = ZText.min(1, 'is required').max(10_000);
export const ZToken = ZText.min(10).max(200);
