'use client';
import type { ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * A link into this web app (a recorded command's output on the run page, which a verification
 * report links to with the address it was written with) opens here, on whatever host this is.
 */
export function appHref(href: string | undefined): string | undefined {
  if (!href) return href;
  try {
    const u = new URL(href);
    return u.pathname.startsWith('/o/') ? `${u.pathname}${u.search}${u.hash}` : href;
  } catch {
    return href;
  }
}

/**
 * Markdown as HTML (GitHub-flavoured: tables, task lists, strikethrough, autolinks) with the
 * product's typography. Raw HTML in the source is shown as text, never rendered.
 */
const COMPONENTS: Components = {
  h1: ({ children }) => <h2 className="mb-2 mt-4 text-xl font-semibold first:mt-0">{children}</h2>,
  h2: ({ children }) => <h3 className="mb-2 mt-5 text-lg font-semibold first:mt-0">{children}</h3>,
  h3: ({ children }) => <h4 className="mb-1.5 mt-4 text-base font-semibold first:mt-0">{children}</h4>,
  h4: ({ children }) => <h5 className="mb-1 mt-3 text-sm font-semibold">{children}</h5>,
  p: ({ children }) => <p className="my-2 break-words leading-relaxed">{children}</p>,
  ul: ({ children, className }) => <ul className={`my-2 list-disc space-y-1 pl-5 ${className?.includes('contains-task-list') ? 'list-none pl-1' : ''}`}>{children}</ul>,
  ol: ({ children, start }) => (
    <ol start={start} className="my-2 list-decimal space-y-1 pl-6">
      {children}
    </ol>
  ),
  li: ({ children }) => <li className="break-words">{children}</li>,
  a: ({ children, href: raw }) => {
    const href = appHref(raw);
    const external = typeof href === 'string' && /^https?:\/\//.test(href);
    return (
      <a href={href} className="text-indigo-700 underline" {...(external ? { target: '_blank', rel: 'noreferrer' } : {})}>
        {children}
      </a>
    );
  },
  blockquote: ({ children }) => <blockquote className="my-3 border-l-4 border-amber-400 bg-amber-50 px-3 py-1 text-amber-950">{children}</blockquote>,
  code: ({ children, className }) =>
    className?.startsWith('language-') ? (
      <code className={className}>{children}</code>
    ) : (
      <code className="rounded bg-slate-100 px-1 py-px font-mono text-[0.85em] text-slate-900">{children}</code>
    ),
  pre: ({ children }) => <pre className="my-2 overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100 [&_code]:bg-transparent [&_code]:p-0 [&_code]:text-slate-100">{children}</pre>,
  table: ({ children }) => (
    <div className="my-3 overflow-x-auto">
      <table className="min-w-full border-collapse text-sm">{children}</table>
    </div>
  ),
  th: ({ children, style }) => (
    <th style={style} className="border-b border-slate-300 px-2 py-1 text-left font-semibold">
      {children}
    </th>
  ),
  td: ({ children, style }) => (
    <td style={style} className="border-b border-slate-100 px-2 py-1">
      {children}
    </td>
  ),
  hr: () => <hr className="my-4 border-slate-200" />,
};

export function Markdown({ children, inline = false }: { children: string; inline?: boolean }): ReactNode {
  return (
    <ReactMarkdown
      remarkPlugins={[remarkGfm]}
      skipHtml
      components={inline ? { ...COMPONENTS, p: ({ children: c }) => <>{c}</> } : COMPONENTS}
    >
      {children}
    </ReactMarkdown>
  );
}
