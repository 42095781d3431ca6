import { describe, expect, it } from 'vitest';
import { git, GitError, tokenConfig } from './git';

describe('git helper', () => {
  it('authenticates HTTPS with a per-call header and never for other transports', () => {
    const [c] = tokenConfig('https://github.com/acme/w.git', 'tok123');
    expect(c).toBe(`http.extraHeader=Authorization: Basic ${Buffer.from('x-access-token:tok123').toString('base64')}`);
    expect(tokenConfig('git@github.com:acme/w.git', 'tok123')).toEqual([]);
    expect(tokenConfig('/srv/repo', 'tok123')).toEqual([]);
    expect(tokenConfig('https://github.com/acme/w.git', undefined)).toEqual([]);
  });

  it('keeps credentials out of error messages', async () => {
    const err = await git(['ls-remote', 'https://user:hunter2@127.0.0.1:1/x.git'], {
      config: tokenConfig('https://127.0.0.1:1/x.git', 'sekrit'),
      timeoutMs: 20_000,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain(Buffer.from('x-access-token:sekrit').toString('base64'));
    expect(err.message).toContain('<redacted>');
  });
});
