'use client';
import { loader, Editor, DiffEditor, type EditorProps, type DiffEditorProps } from '@monaco-editor/react';

// The editor's files are served by Nightshift itself (server/http/monaco-assets.ts), never a CDN.
loader.config({ paths: { vs: '/monaco/vs' } });

export function CodeEditor(props: EditorProps) {
  return <Editor theme="vs" options={{ minimap: { enabled: false }, wordWrap: 'on', fontSize: 14, ...props.options }} {...props} />;
}

export function DiffViewer(props: DiffEditorProps) {
  return <DiffEditor theme="vs" options={{ readOnly: true, renderSideBySide: true, useInlineViewWhenSpaceIsLimited: true, automaticLayout: true, minimap: { enabled: false }, ...props.options }} {...props} />;
}
