import { describe, expect, it } from 'vitest';
import { shutdownGraceMs, shutdownPlan } from '../../jobs/shutdown';

describe('NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS', () => {
  it('defaults to 25 s, takes seconds (fractions too) and refuses what is not a duration', () => {
    expect(shutdownGraceMs({})).toBe(25_000);
    expect(shutdownGraceMs({ NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS: '8' })).toBe(8_000);
    expect(shutdownGraceMs({ NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS: '1.5' })).toBe(1_500);
    expect(shutdownGraceMs({ NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS: '0' })).toBe(0);
    for (const bad of ['-1', 'soon', '30s']) {
      expect(() => shutdownGraceMs({ NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS: bad })).toThrow(`NIGHTSHIFT_SHUTDOWN_GRACE_SECONDS must be a number of seconds ≥ 0, got "${bad}"`);
    }
  });

  it('keeps a reserve of the grace period for releasing leases and closing (at most 5 s, 30 %)', () => {
    expect(shutdownPlan(25_000)).toEqual({ drainMs: 20_000, unwindMs: 2_500 });
    expect(shutdownPlan(8_000)).toEqual({ drainMs: 5_600, unwindMs: 1_200 });
    expect(shutdownPlan(0)).toEqual({ drainMs: 0, unwindMs: 2_000 });
  });
});
