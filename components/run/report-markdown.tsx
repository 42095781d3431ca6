'use client';
import { Markdown } from '../ui/markdown';

/**
 * A verification report (Markdown) as the pull request page shows it: GFM tables, evidence links
 * leading to the recorded command output (the renderer and its link rule live in ui/markdown).
 */
export function ReportMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="min-w-0 text-sm text-slate-800">
      <Markdown>{markdown}</Markdown>
    </div>
  );
}
