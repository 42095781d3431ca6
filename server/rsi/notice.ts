import type { Notice } from '../notify/notice';
import { changeLabel } from './adopt';
import type { ProposalRow } from '../services/rsi';

/** The Improvements page of an organisation, for links in notices and CLI output. */
export function improvementsPageUrl(orgSlug: string): string {
  const base = (process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  return `${base}/o/${encodeURIComponent(orgSlug)}/improvements`;
}

/** The chat notice of an adoption: what changed, who adopted it, and the calibration's figures. */
export function adoptionNotice(p: Pick<ProposalRow, 'title' | 'kind' | 'target'>, input: { adoptedBy: string; verdict: string; url?: string }): Extract<Notice, { kind: 'improvement.adopted' }> {
  return { kind: 'improvement.adopted', title: p.title, change: changeLabel(p), adoptedBy: input.adoptedBy, verdict: input.verdict, ...(input.url ? { url: input.url } : {}) };
}
