import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ns-atomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file by rename (a new inode), never by rewriting it in place', async () => {
    const target = path.join(dir, 'f.txt');
    await writeFile(target, 'old');
    const before = await stat(target);
    await writeFileAtomic(target, 'new');
    expect(await readFile(target, 'utf8')).toBe('new');
    expect((await stat(target)).ino).not.toBe(before.ino);
    expect(await readdir(dir)).toEqual(['f.txt']);
  });

  it('creates missing parent directories', async () => {
    await writeFileAtomic(path.join(dir, 'a', 'b', 'c.txt'), 'x');
    expect(await readFile(path.join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('x');
  });

  it('on failure leaves the target as it was and no temporary file behind', async () => {
    const target = path.join(dir, 'occupied');
    await mkdir(target);
    await writeFile(path.join(target, 'inside.txt'), 'keep');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['occupied']);
    expect(await readFile(path.join(target, 'inside.txt'), 'utf8')).toBe('keep');
  });
});
