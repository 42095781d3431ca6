import type { Node } from 'web-tree-sitter';
import { enclosingFunction, keywordArg, qualifiedName, stringContent, type PyRule } from '../py-tree';
import { isSecretName, isSecurityName, isTestPath, knownSecretFormat, looksLikeSecretValue } from '../heuristics';

/** The name a string literal is stored under: assignment target, keyword, dict key, default parameter. */
function storedUnder(node: Node): string | undefined {
  const p = node.parent;
  if (!p) return undefined;
  if (p.type === 'assignment' && p.childForFieldName('right')?.equals(node)) {
    const left = p.childForFieldName('left');
    if (left?.type === 'identifier') return left.text;
    if (left?.type === 'attribute') return left.childForFieldName('attribute')?.text;
    if (left?.type === 'subscript') {
      const key = left.childForFieldName('subscript');
      return key?.type === 'string' ? stringContent(key).text : undefined;
    }
  }
  if ((p.type === 'keyword_argument' || p.type === 'default_parameter' || p.type === 'typed_default_parameter') && p.childForFieldName('value')?.equals(node)) return p.childForFieldName('name')?.text;
  if (p.type === 'pair' && p.childForFieldName('value')?.equals(node)) {
    const key = p.childForFieldName('key');
    return key?.type === 'string' ? stringContent(key).text : undefined;
  }
  return undefined;
}

export const pyHardcodedSecret: PyRule = {
  id: 'py/hardcoded-secret',
  redactsValue: true,
  category: 'secrets',
  language: 'python',
  severity: 'critical',
  title: 'Hard-coded secret',
  message: 'A credential is written into the source; everyone with the repository (and its history) has it.',
  instead: 'Read it from the environment or the secret store — `api_key = os.environ["PAYMENT_API_KEY"]` (fails loudly when unset) — and rotate the one that was committed.',
  types: ['string'],
  check(node, ctx) {
    const { text, interpolated } = stringContent(node);
    if (interpolated) return;
    const format = knownSecretFormat(text);
    if (format) return ctx.report(node, `The source contains ${format}; everyone with the repository (and its history) has it.`);
    if (isTestPath(ctx.file)) return;
    const name = storedUnder(node);
    if (name && isSecretName(name) && looksLikeSecretValue(text)) ctx.report(node);
  },
};

const RANDOM_FNS = new Set(['random.random', 'random.randint', 'random.randrange', 'random.choice', 'random.choices', 'random.getrandbits', 'random.sample', 'random.uniform']);

export const pyRandomToken: PyRule = {
  id: 'py/random-token',
  category: 'secrets',
  language: 'python',
  severity: 'high',
  title: '`random` for a token or secret',
  message: 'The `random` module is predictable (Mersenne Twister); a token, reset code or password made with it can be guessed.',
  instead: 'Use the `secrets` module: `secrets.token_urlsafe(32)` for tokens, `secrets.choice(alphabet)` for codes.',
  types: ['call'],
  check(node, ctx) {
    if (!RANDOM_FNS.has(qualifiedName(node.childForFieldName('function'), ctx.imports) ?? '')) return;
    for (let n: Node | null = node.parent; n && n.type !== 'block' && n.type !== 'module'; n = n.parent) {
      if (n.type === 'assignment') {
        const left = n.childForFieldName('left');
        const name = left?.type === 'attribute' ? left.childForFieldName('attribute')?.text : left?.text;
        if (name && isSecurityName(name)) return ctx.report(node);
      }
      if (n.type === 'keyword_argument' && isSecurityName(n.childForFieldName('name')?.text ?? '')) return ctx.report(node);
    }
    const fn = enclosingFunction(node);
    const fnName = fn?.childForFieldName('name')?.text;
    if (fnName && isSecurityName(fnName)) ctx.report(node);
  },
};

export const pyVerifyFalse: PyRule = {
  id: 'py/verify-false',
  category: 'secrets',
  language: 'python',
  severity: 'high',
  title: 'TLS verification switched off (`verify=False`)',
  message: 'Certificate checks are off: anyone on the network path can read and change this traffic.',
  instead: 'Keep verification on; point it at a private CA when needed: `requests.get(url, verify="/etc/ssl/corp-ca.pem")` (or `REQUESTS_CA_BUNDLE`).',
  types: ['call'],
  check(node, ctx) {
    const verify = keywordArg(node, 'verify');
    if (verify?.type === 'false') return ctx.report(node);
    if (qualifiedName(node.childForFieldName('function'), ctx.imports) === 'ssl._create_unverified_context') ctx.report(node);
  },
};
