import ts from 'typescript';
import { dottedName, stringParts } from '../js-tree';

/**
 * Where a handler reads what the client sent. Syntax only: `req.query.x`, `request.body.y`,
 * `ctx.params.z`, `searchParams.get('next')` — the spellings Express, Koa, Fastify and Next use.
 */
const REQUEST_INPUT_RE = /^(?:req|request|ctx\.request|ctx|event)\.(?:query|body|params|headers|cookies)(?:\.|$)/;

export function isRequestInput(node: ts.Node): boolean {
  let n: ts.Node = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n)) n = n.expression;
  if (ts.isElementAccessExpression(n)) return isRequestInput(n.expression);
  if (ts.isPropertyAccessExpression(n)) return REQUEST_INPUT_RE.test(dottedName(n) ?? '') || isRequestInput(n.expression);
  if (ts.isCallExpression(n)) return /(?:^|\.)searchParams\.get$/.test(dottedName(n.expression) ?? '');
  return false;
}

/** The argument is request input itself, or a string built around it (not passed through a check). */
export function carriesRequestInput(arg: ts.Expression): boolean {
  if (isRequestInput(arg)) return true;
  const parts = stringParts(arg);
  return !!parts && parts.holes.some(isRequestInput);
}
