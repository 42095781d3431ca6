'use client';
import { useEffect, useRef, useState } from 'react';
import { loader, Editor, DiffEditor, type EditorProps, type DiffEditorProps } from '@monaco-editor/react';

// The editor's files are served by Nightshift itself (server/http/monaco-assets.ts), never a CDN.
loader.config({ paths: { vs: '/monaco/vs' } });

export function CodeEditor(props: EditorProps) {
  // The merged options come last: spreading props after them would drop the defaults (word wrap).
  return <Editor theme="vs" {...props} options={{ minimap: { enabled: false }, wordWrap: 'on', fontSize: 14, ...props.options }} />;
}

/** Monaco's own breakpoint for showing a diff in one column. */
const INLINE_BELOW_PX = 900;

/**
 * A read-only diff: side by side when there is room, one column below 900 px (a phone, a narrow
 * window), decided here from the element's width. Monaco's own `useInlineViewWhenSpaceIsLimited`
 * is not used: it never applies while Monaco believes a screen reader is on, and the spec editor's
 * `accessibilitySupport: 'on'` is global to the page's Monaco, so after visiting a spec every diff
 * stayed two ~150 px panes at 390 px (seen in e2e/run-page.spec.ts). `min-w-0` lets the flex item
 * @monaco-editor/react wraps the editor in shrink below the width it was laid out at.
 */
export function DiffViewer(props: DiffEditorProps) {
  const box = useRef<HTMLDivElement>(null);
  const [wide, setWide] = useState(true);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWide(el.clientWidth >= INLINE_BELOW_PX));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <div ref={box} data-diff-layout={wide ? 'side-by-side' : 'inline'} className="h-full w-full min-w-0">
      <DiffEditor
        theme="vs"
        {...props}
        className={`min-w-0 ${props.className ?? ''}`}
        options={{ readOnly: true, renderSideBySide: wide, useInlineViewWhenSpaceIsLimited: false, automaticLayout: true, minimap: { enabled: false }, ...props.options }}
      />
    </div>
  );
}
