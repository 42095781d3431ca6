import path from 'node:path';

/** Where Nightshift keeps its state on this host: the embedded database, mirrors, generated keys. */
export function dataDir(): string {
  return path.resolve(process.env.NIGHTSHIFT_DATA_DIR || './.nightshift');
}

export const DEFAULT_PORT = 3000;

export function httpPort(): number {
  const raw = process.env.PORT;
  if (!raw) return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

export function publicUrl(port: number): string {
  return process.env.NEXTAUTH_URL || `http://localhost:${port}`;
}
