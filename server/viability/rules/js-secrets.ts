import ts from 'typescript';
import { dottedName, enclosingFunctionName, storageName, type JsRule } from '../js-tree';
import { isSecretName, isSecurityName, isTestPath, knownSecretFormat, looksLikeSecretValue } from '../heuristics';

export const hardcodedSecret: JsRule = {
  id: 'js/hardcoded-secret',
  redactsValue: true,
  category: 'secrets',
  language: 'js',
  severity: 'critical',
  title: 'Hard-coded secret',
  message: 'A credential is written into the source; everyone with the repository (and its history) has it.',
  instead: "Read it from the environment or the secret store at start-up — `const apiKey = process.env.PAYMENT_API_KEY; if (!apiKey) throw new Error('PAYMENT_API_KEY is not set')` — and rotate the one that was committed.",
  kinds: [ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral],
  check(node, ctx) {
    if (!ts.isStringLiteral(node) && !ts.isNoSubstitutionTemplateLiteral(node)) return;
    if (node.parent && (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || ts.isExternalModuleReference(node.parent))) return;
    const format = knownSecretFormat(node.text);
    if (format) return ctx.report(node, `The source contains ${format}; everyone with the repository (and its history) has it.`);
    if (isTestPath(ctx.sf.fileName)) return;
    let name = storageName(node);
    // password === 'hunter2…'
    const p = node.parent;
    if (!name && p && ts.isBinaryExpression(p) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(p.operatorToken.kind)) {
      const other = p.left === node ? p.right : p.left;
      name = ts.isIdentifier(other) ? other.text : ts.isPropertyAccessExpression(other) ? other.name.text : undefined;
    }
    if (name && isSecretName(name) && looksLikeSecretValue(node.text)) ctx.report(node);
  },
};

export const mathRandomToken: JsRule = {
  id: 'js/math-random-token',
  category: 'secrets',
  language: 'js',
  severity: 'high',
  title: '`Math.random` for a token or secret',
  message: '`Math.random` is predictable; a token, reset code or session id made with it can be guessed.',
  instead: "Use the platform's cryptographic generator: `crypto.randomBytes(32).toString('base64url')` or `crypto.randomUUID()` (node:crypto / Web Crypto).",
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node) || dottedName(node.expression) !== 'Math.random') return;
    // The name the random value ends up under: walk out through the expression that uses it.
    for (let n: ts.Node = node; n.parent && !ts.isBlock(n.parent) && !ts.isSourceFile(n.parent); n = n.parent) {
      const name = storageName(n);
      if (name && isSecurityName(name)) return ctx.report(node);
      if (ts.isReturnStatement(n.parent) || ts.isArrowFunction(n.parent)) break;
    }
    const fn = enclosingFunctionName(node);
    if (fn && isSecurityName(fn)) ctx.report(node);
  },
};

export const tlsVerifyDisabled: JsRule = {
  id: 'js/tls-verify-disabled',
  category: 'secrets',
  language: 'js',
  severity: 'high',
  title: 'TLS certificate verification switched off',
  message: 'Certificate checks are off: anyone on the network path can read and change this traffic.',
  instead: "Keep verification on; trust a private CA explicitly — `new https.Agent({ ca: fs.readFileSync('corp-ca.pem') })` or `NODE_EXTRA_CA_CERTS=corp-ca.pem`.",
  kinds: [ts.SyntaxKind.PropertyAssignment, ts.SyntaxKind.BinaryExpression],
  check(node, ctx) {
    if (ts.isPropertyAssignment(node)) {
      const key = ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) ? node.name.text : '';
      if ((key === 'rejectUnauthorized' || key === 'strictSSL') && node.initializer.kind === ts.SyntaxKind.FalseKeyword) ctx.report(node);
      return;
    }
    if (!ts.isBinaryExpression(node) || node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
    const left = node.left;
    const target = ts.isElementAccessExpression(left) && ts.isStringLiteral(left.argumentExpression) ? `${dottedName(left.expression)}.${left.argumentExpression.text}` : dottedName(left);
    if (target === 'process.env.NODE_TLS_REJECT_UNAUTHORIZED' && (ts.isStringLiteral(node.right) || ts.isNumericLiteral(node.right)) && node.right.text === '0') ctx.report(node);
  },
};
