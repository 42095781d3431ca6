'use client';
import { loader, Editor, DiffEditor, type EditorProps, type DiffEditorProps } from '@monaco-editor/react';

// The editor's files are served by Nightshift itself (server/http/monaco-assets.ts), never a CDN.
loader.config({ paths: { vs: '/monaco/vs' } });

export function CodeEditor(props: EditorProps) {
  // The merged options come last: spreading props after them would drop the defaults (word wrap).
  return <Editor theme="vs" {...props} options={{ minimap: { enabled: false }, wordWrap: 'on', fontSize: 14, ...props.options }} />;
}

export function DiffViewer(props: DiffEditorProps) {
  return <DiffEditor theme="vs" options={{ readOnly: true, renderSideBySide: true, useInlineViewWhenSpaceIsLimited: true, automaticLayout: true, minimap: { enabled: false }, ...props.options }} {...props} />;
}
