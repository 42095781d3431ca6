/**
 * Secrets never reach a prompt: known secret values (the run's API keys and tokens) and
 * well-known credential shapes are replaced before text enters the context.
 */
const CREDENTIAL_SHAPES: RegExp[] = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];
/** Shorter values are too likely to be ordinary words to replace everywhere. */
const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

export function createRedactor(secrets: string[] = []): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const re of CREDENTIAL_SHAPES) {
      re.lastIndex = 0;
      if (re.test(out)) out = out.replace(re, REDACTED);
    }
    return out;
  };
}

/** Environment variable names that hold secrets (their values are collected for redaction). */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|DATABASE_URL|PRIVATE)/i;

export function secretValuesFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value as string);
}
