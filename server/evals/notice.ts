import type { Notice } from '../notify/notice';
import type { EvalRegression } from '../services/evals';
import type { EvalResult } from './result';

/** Where the Evals page of an organisation is, for links in chat notices. */
export function evalsPageUrl(orgSlug: string, evalRunId?: string): string {
  const base = (process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  return `${base}/o/${encodeURIComponent(orgSlug)}/evals${evalRunId ? `?run=${encodeURIComponent(evalRunId)}` : ''}`;
}

/** The chat notice for an eval run that regressed against the previous run of its suite; null when none did. */
export function regressionNotice(result: EvalResult, regression: EvalRegression, url?: string): Extract<Notice, { kind: 'eval.regressed' }> | null {
  if (!regression.regressions.length) return null;
  return {
    kind: 'eval.regressed',
    suite: result.suite,
    model: result.model,
    mode: result.mode,
    passRate: result.passRate,
    previousPassRate: regression.previous?.passRate ?? null,
    regressions: regression.regressions.map((r) => r.id),
    ...(url ? { url } : {}),
  };
}
