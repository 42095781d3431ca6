import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function fromFileOrGenerate(dir: string, file: string, bytes: number): string {
  const full = path.join(dir, file);
  try {
    const v = fs.readFileSync(full, 'utf8').trim();
    if (v) return v;
  } catch {
    /* generate below */
  }
  const value = crypto.randomBytes(bytes).toString('base64');
  fs.writeFileSync(full, value + '\n', { mode: 0o600 });
  fs.chmodSync(full, 0o600);
  return value;
}

/**
 * NEXTAUTH_SECRET signs sessions; NIGHTSHIFT_SECRET_KEY encrypts org secrets. Either comes from the
 * environment (required when several hosts share a database) or is generated once into the data
 * directory with mode 0600 — there is no built-in default.
 */
export function ensureKeys(dir: string): void {
  if (!process.env.NEXTAUTH_SECRET) process.env.NEXTAUTH_SECRET = fromFileOrGenerate(dir, 'nextauth-secret', 32);
  if (!process.env.NIGHTSHIFT_SECRET_KEY) process.env.NIGHTSHIFT_SECRET_KEY = fromFileOrGenerate(dir, 'secret-key', 32);
}

export function authSecret(): string {
  const s = process.env.NEXTAUTH_SECRET;
  if (!s) throw new Error('NEXTAUTH_SECRET is not set (start Nightshift with `npm start`, which generates one)');
  return s;
}
