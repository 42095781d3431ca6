/**
 * Text heuristics shared by the JS/TS and Python rules: what a name that holds a secret looks
 * like, what a literal secret looks like, what SQL text looks like. The rules decide *where* to
 * look on the syntax tree; these decide what the words there mean.
 */

/** `apiKey`, `API_KEY`, `client-secret` → `['api', 'key']`, … */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Names whose last word(s) say the value is a credential (`dbPassword`, `STRIPE_SECRET_KEY`). */
const SECRET_NAME_TAILS = [
  ['password'], ['passwd'], ['pwd'], ['secret'], ['api', 'key'], ['apikey'], ['access', 'key'], ['secret', 'key'],
  ['private', 'key'], ['token'], ['auth', 'token'], ['access', 'token'], ['refresh', 'token'], ['client', 'secret'],
  ['credentials'], ['credential'], ['signing', 'key'], ['encryption', 'key'], ['webhook', 'secret'],
];

export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0) return false;
  return SECRET_NAME_TAILS.some((tail) => tail.length <= words.length && tail.every((w, i) => words[words.length - tail.length + i] === w));
}

/** Values that are obviously not real credentials: examples, placeholders, references. */
const PLACEHOLDER_VALUE_RE =
  /^(?:x+|\*+|\.+|-+|changeme|change[-_ ]?me|your[-_ ].*|<[^>]*>|\{\{.*\}\}|\$\{.*\}|%\(.*\)s|example.*|dummy.*|fake.*|test.*|sample.*|placeholder.*|redacted|none|null|undefined|todo|secret|password|token|\$[A-Z_]+)$/i;

/** Words that mark a value as made up wherever they appear in it (`sk-e2e-fake-key`). */
const PLACEHOLDER_WORD_RE = /fake|dummy|example|placeholder|sample|changeme|not[-_]?a[-_]?real|xxxx|redacted|password|secret/i;

/**
 * Test code, fixtures and examples: credentials there are made up on purpose, so the name-based
 * secret check skips them (a credential in a known format is still flagged everywhere).
 */
export function isTestPath(file: string): boolean {
  return /(?:^|\/)(?:tests?|__tests__|spec|specs|e2e|fixtures?|examples?|testdata|mocks?|__mocks__)\//i.test(file) || /(?:\.(?:test|spec)(?:-d)?\.[cm]?[jt]sx?|(?:^|\/)test_[^/]*\.py|_test\.py|(?:^|\/)conftest\.py)$/.test(file);
}

/** A literal that looks like a real credential when stored under a secret name. */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 8 || v.length > 400) return false;
  if (/\s/.test(v)) return false;
  if (PLACEHOLDER_VALUE_RE.test(v) || PLACEHOLDER_WORD_RE.test(v)) return false;
  // An environment-variable or config-key name (GITHUB_TOKEN), a URL or a path is a reference, not a secret.
  if (/^[A-Z][A-Z0-9_]*$/.test(v) || /^(?:https?:)?\/\//.test(v) || /^[./~]/.test(v)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 2;
}

/** Credential formats recognisable anywhere, whatever the variable is called. */
const KNOWN_SECRET_FORMATS: Array<{ name: string; re: RegExp }> = [
  { name: 'an AWS access key id', re: /\bAKIA[0-9A-Z]{16}\b/ },
  { name: 'a GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/ },
  { name: 'a Slack token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'a Stripe live key', re: /\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}/ },
  { name: 'an Anthropic API key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { name: 'an OpenAI API key', re: /\bsk-(?:proj-)?[A-Za-z0-9]{32,}/ },
  { name: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  // The header alone (in a help text or a format check) is not a key: key material must follow.
  { name: 'a private key', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\s*[A-Za-z0-9+/]{40}/ },
];

/** The kind of credential a literal contains, if it has a known format. */
export function knownSecretFormat(value: string): string | undefined {
  // Every known format is at least 15 characters long; most literals are shorter and skip the regexes.
  if (value.length < 15) return undefined;
  return KNOWN_SECRET_FORMATS.find((f) => f.re.test(value))?.name;
}

/**
 * Whether literal text (with `?` standing for the interpolated holes) reads as an SQL statement:
 * a statement keyword followed by the clause that belongs to it — in capitals anywhere, or in any
 * case at the start of the text. Prose ("select your plan from the list") is neither.
 */
const SQL_AT_START_RE =
  /^[\s(]*(?:select\s[\s\S]*?\bfrom\b|insert\s+(?:or\s+\w+\s+)?into\b|update\s+[\w."`[\]?]+\s+set\b|delete\s+from\b|replace\s+into\b|merge\s+into\b|(?:create|drop|alter|truncate)\s+table\b|with\s+\w+\s+as\s*\()/i;
const SQL_CAPITALS_RE =
  /\b(?:SELECT\s[\s\S]*?\bFROM\b|INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|UPDATE\s+[\w."`[\]?]+\s+SET\b|DELETE\s+FROM\b|REPLACE\s+INTO\b|MERGE\s+INTO\b|(?:CREATE|DROP|ALTER|TRUNCATE)\s+TABLE\b)/;
export function looksLikeSql(text: string): boolean {
  return SQL_AT_START_RE.test(text) || SQL_CAPITALS_RE.test(text);
}

/** Variable/function names that say a random value guards something (a token, a reset code). */
const SECURITY_WORDS = new Set([
  'token', 'secret', 'nonce', 'salt', 'password', 'passwd', 'pwd', 'session', 'sid', 'otp', 'csrf', 'xsrf', 'apikey',
  'auth', 'invite', 'invitation', 'reset', 'verification', 'verify', 'confirmation', 'signature', 'credential', 'credentials',
]);
export function isSecurityName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => SECURITY_WORDS.has(w)) || (words.includes('api') && words.includes('key'));
}

/** Clips a source line for quoting in a finding, a prompt or a spec. */
export function clipSnippet(line: string, max = 160): string {
  const t = line.trim().replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
