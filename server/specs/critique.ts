import { scoreSpec, type ScoreOptions, type SpecFinding, type SpecScore } from './score';

/** A model-backed reviewer injected by the caller (the specs library never calls a provider itself). */
export type SpecCritic = (markdown: string) => Promise<Array<Pick<SpecFinding, 'section' | 'message'> & Partial<SpecFinding>>>;

/**
 * Rubric score plus an optional LLM critique. The critique can only add findings: score and
 * acceptance stay exactly what the deterministic rubric says, so a persuasive model can never talk
 * a vague spec past the gate. A failing critic becomes an info finding, not an exception.
 */
export async function scoreSpecWithCritique(markdown: string, critique: SpecCritic | undefined, options: ScoreOptions = {}): Promise<SpecScore> {
  const base = scoreSpec(markdown, options);
  if (!critique) return base;
  let extra: SpecFinding[];
  try {
    const raw = await critique(markdown);
    extra = (Array.isArray(raw) ? raw : [])
      .filter((f) => f && typeof f.message === 'string' && f.message.trim())
      .map((f) => ({
        section: typeof f.section === 'string' && f.section ? f.section : 'document',
        ...(typeof f.line === 'number' && Number.isInteger(f.line) && f.line > 0 ? { line: f.line } : {}),
        message: f.message.trim(),
        severity: f.severity === 'error' || f.severity === 'info' ? f.severity : 'warning',
        source: 'llm' as const,
      }));
  } catch (err) {
    extra = [{ section: 'document', message: `LLM critique unavailable (${(err as Error).message}); the rubric score stands.`, severity: 'info', source: 'llm' }];
  }
  return { ...base, findings: [...base.findings, ...extra] };
}
