import ts from 'typescript';
import type { JsRule } from '../js-tree';

export const anyCast: JsRule = {
  id: 'ts/any-cast',
  category: 'types',
  language: 'js',
  typescriptOnly: true,
  severity: 'low',
  title: 'Cast to `any`',
  message: '`as any` switches the type checker off for this value and everything it flows into; the next change that breaks it compiles.',
  instead: 'Name the real type (`as Settings`), or take `unknown` and narrow it with a type guard or a schema (`const s = SettingsSchema.parse(raw)`).',
  kinds: [ts.SyntaxKind.AsExpression, ts.SyntaxKind.TypeAssertionExpression],
  check(node, ctx) {
    if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && node.type.kind === ts.SyntaxKind.AnyKeyword) ctx.report(node);
  },
};
