import { describe, expect, it } from 'vitest';
import { DEFAULT_DOWNLOAD_BYTES, DEFAULT_MAX_CONNECTIONS, downloadExceededMessage, egressLimitsFromEnv, formatBytes, parseByteSize } from './limits';

describe('setup traffic limits', () => {
  it('reads sizes as people write them', () => {
    expect(parseByteSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('2 G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('500MiB')).toBe(500 * 1024 ** 2);
    expect(parseByteSize('1.5gb')).toBe(1.5e9);
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('64k')).toBe(65536);
    expect(parseByteSize('off')).toBeNull();
    for (const bad of ['', 'lots', '-1', '0', '2 XB', '1e9']) expect(() => parseByteSize(bad)).toThrow(/is not a size/);
  });

  it('defaults to 2 GiB and 128 connections; a bad value names its variable', () => {
    expect(egressLimitsFromEnv({})).toEqual({ downloadBytes: DEFAULT_DOWNLOAD_BYTES, maxConnections: DEFAULT_MAX_CONNECTIONS });
    expect(DEFAULT_DOWNLOAD_BYTES).toBe(2 * 1024 ** 3);
    expect(egressLimitsFromEnv({ NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT: '4GiB', NIGHTSHIFT_SETUP_MAX_CONNECTIONS: '16' })).toEqual({ downloadBytes: 4 * 1024 ** 3, maxConnections: 16 });
    expect(egressLimitsFromEnv({ NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT: 'off', NIGHTSHIFT_SETUP_MAX_CONNECTIONS: 'off' })).toEqual({ downloadBytes: null, maxConnections: null });
    expect(() => egressLimitsFromEnv({ NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT: 'lots' })).toThrow(/^NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT: "lots" is not a size/);
    expect(() => egressLimitsFromEnv({ NIGHTSHIFT_SETUP_MAX_CONNECTIONS: '0' })).toThrow(/^NIGHTSHIFT_SETUP_MAX_CONNECTIONS: "0" is not a whole number above zero/);
  });

  it('says what was exceeded', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(12)).toBe('12 bytes');
    expect(downloadExceededMessage(2 * 1024 ** 3)).toBe('dependency download exceeded the 2 GiB limit (NIGHTSHIFT_SETUP_DOWNLOAD_LIMIT)');
  });
});
