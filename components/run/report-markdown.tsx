'use client';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/** A link into this web app (a recorded command's output on the run page) opens here, whatever address the report was written with. */
function appHref(href: string | undefined): string | undefined {
  if (!href) return href;
  try {
    const u = new URL(href);
    return u.pathname.startsWith('/o/') ? `${u.pathname}${u.search}${u.hash}` : href;
  } catch {
    return href;
  }
}

const components: Components = {
  h2: ({ children }) => <h2 className="mb-2 text-lg font-semibold">{children}</h2>,
  h3: ({ children }) => <h3 className="mb-1 mt-4 font-semibold">{children}</h3>,
  p: ({ children }) => <p className="my-1">{children}</p>,
  ul: ({ children }) => <ul className="ml-5 list-disc">{children}</ul>,
  ol: ({ children }) => <ol className="ml-5 list-decimal">{children}</ol>,
  blockquote: ({ children }) => <blockquote className="my-2 rounded border-l-4 border-amber-400 bg-amber-50 px-3 py-1">{children}</blockquote>,
  code: ({ children }) => <code className="rounded bg-slate-100 px-1 font-mono text-xs">{children}</code>,
  table: ({ children }) => <table className="my-2 text-xs">{children}</table>,
  th: ({ children }) => <th className="border px-2 py-1 text-left">{children}</th>,
  td: ({ children }) => <td className="border px-2 py-1">{children}</td>,
  a: ({ href, children }) => (
    <a href={appHref(href)} className="text-indigo-700 underline">
      {children}
    </a>
  ),
};

/** A verification report (Markdown) as the pull request page shows it: evidence links lead to the recorded command output. */
export function ReportMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="max-h-[40rem] overflow-auto text-sm">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {markdown}
      </Markdown>
    </div>
  );
}
