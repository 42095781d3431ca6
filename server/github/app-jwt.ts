/**
 * The JSON Web Token a GitHub App signs with its private key to call the `/app/*` endpoints
 * (RS256, `iss` = the App's id). Built with node:crypto: three base64url parts and one signature
 * do not justify a JWT package.
 */
import crypto from 'node:crypto';

/** GitHub's clock may run behind ours: backdating `iat` keeps a fresh JWT from being "issued in the future". */
export const APP_JWT_BACKDATE_SECONDS = 60;
/** GitHub refuses an `exp` more than ten minutes ahead; nine leaves room for clock drift. */
export const APP_JWT_LIFETIME_SECONDS = 9 * 60;

export class GitHubAppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitHubAppConfigError';
  }
}

/**
 * Parse the App's PEM private key (GitHub hands out PKCS#1 `BEGIN RSA PRIVATE KEY`; PKCS#8 works
 * too). Keys pasted from an environment file often carry literal `\n` sequences: those are
 * turned back into newlines. The error never quotes the key.
 */
export function loadAppPrivateKey(pem: string): crypto.KeyObject {
  const text = pem.includes('\\n') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new GitHubAppConfigError('GITHUB_APP_PRIVATE_KEY is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----" as downloaded from the App settings)');
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey({ key: text.trim(), format: 'pem' });
  } catch {
    throw new GitHubAppConfigError('GITHUB_APP_PRIVATE_KEY could not be parsed as a PEM private key: paste the whole .pem file from the App settings');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new GitHubAppConfigError(`GITHUB_APP_PRIVATE_KEY is a ${key.asymmetricKeyType ?? 'unknown'} key; GitHub Apps sign with RSA keys`);
  }
  return key;
}

/** A numeric App id becomes a JSON number (as GitHub documents); a Client ID (`Iv1.…`) stays a string. */
export function appIssuer(appId: string): number | string {
  const id = appId.trim();
  if (/^\d+$/.test(id)) return Number(id);
  if (/^Iv[0-9A-Za-z.]+$/.test(id)) return id;
  throw new GitHubAppConfigError('GITHUB_APP_ID must be the App\'s numeric id (or its Client ID, "Iv1.…"), as shown on the App settings page');
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * @example const jwt = createAppJwt({ appId: '123456', privateKey: loadAppPrivateKey(pem), nowMs: Date.now() })
 */
export function createAppJwt(input: { appId: string; privateKey: crypto.KeyObject; nowMs: number }): string {
  const now = Math.floor(input.nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = { iat: now - APP_JWT_BACKDATE_SECONDS, exp: now + APP_JWT_LIFETIME_SECONDS, iss: appIssuer(input.appId) };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), input.privateKey);
  return `${signingInput}.${b64url(signature)}`;
}
