import type { JsRule } from './js-tree';
import type { PyRule } from './py-tree';
import type { RuleInfo } from './types';
import { dangerouslySetInnerHtml, evalCall, innerHtml, newFunction, openRedirect, pathFromRequest, shellExecString, sqlConcat, stringTimer } from './rules/js-injection';
import { emptyCatch, emptyPromiseCatch, floatingPromise, swallowCatch } from './rules/js-errors';
import { hardcodedSecret, mathRandomToken, tlsVerifyDisabled } from './rules/js-secrets';
import { anyCast } from './rules/js-types';
import { syncFsInHandler } from './rules/js-io';
import { pyEvalExec, pyMarkSafe, pyOsSystem, pyPickleLoads, pyShellString, pySqlFormat, pyYamlLoad } from './rules/py-injection';
import { pyBareExcept, pySwallowExcept } from './rules/py-errors';
import { pyHardcodedSecret, pyRandomToken, pyVerifyFalse } from './rules/py-secrets';
import { pyDebugServer, pyMutableDefault, pySyncIoInAsync, pyTempfileMktemp } from './rules/py-misc';

export type Rule = JsRule | PyRule;

/** The JS/TS rules (TypeScript compiler API), in catalogue order. */
export const JS_RULES: readonly JsRule[] = [
  sqlConcat, evalCall, newFunction, stringTimer, shellExecString, innerHtml, dangerouslySetInnerHtml, openRedirect, pathFromRequest,
  emptyCatch, swallowCatch, emptyPromiseCatch, floatingPromise,
  hardcodedSecret, mathRandomToken, tlsVerifyDisabled,
  anyCast, syncFsInHandler,
];

/** The Python rules (tree-sitter-python), in catalogue order. */
export const PY_RULES: readonly PyRule[] = [
  pySqlFormat, pyEvalExec, pyShellString, pyOsSystem, pyYamlLoad, pyPickleLoads, pyMarkSafe,
  pyBareExcept, pySwallowExcept,
  pyHardcodedSecret, pyRandomToken, pyVerifyFalse,
  pyMutableDefault, pyDebugServer, pyTempfileMktemp, pySyncIoInAsync,
];

export const RULES: readonly Rule[] = [...JS_RULES, ...PY_RULES];

const BY_ID = new Map<string, Rule>(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** The catalogue as data (no checker functions): what the CLI, the UI and prompts show. */
export function ruleInfos(): RuleInfo[] {
  return RULES.map(({ id, language, category, severity, title, message, instead }) => ({ id, language, category, severity, title, message, instead }));
}
