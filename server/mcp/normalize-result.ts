import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { McpCallOutput } from './types';

/** Longest text handed to the model from one call; the rest is cut with a note. */
export const MAX_MCP_OUTPUT_CHARS = 30_000;

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
  'application/json': 'json',
  'text/plain': 'txt',
};

/** Where binary parts of results go, and how files are named there. */
export type ArtifactSink = { dir: () => Promise<string>; nextName: (stem: string, mimeType: string | undefined) => string };

export function createArtifactSink(dir: () => Promise<string>): ArtifactSink {
  let seq = 0;
  return {
    dir,
    nextName(stem, mimeType) {
      seq += 1;
      const safe = stem.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60);
      return `${safe}-${seq}.${EXTENSIONS[mimeType ?? ''] ?? 'bin'}`;
    },
  };
}

function kb(base64: string): string {
  const bytes = Buffer.byteLength(base64, 'base64');
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

async function save(sink: ArtifactSink, stem: string, mimeType: string | undefined, base64: string): Promise<string> {
  const dir = await sink.dir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, sink.nextName(stem, mimeType));
  await writeFile(file, Buffer.from(base64, 'base64'));
  return file;
}

type Part = { type: string; [k: string]: unknown };

/**
 * Turns an MCP CallToolResult into what an agent reads: text parts verbatim; images and audio as
 * a short note pointing at a saved file (a model cannot read base64, and it would flood the
 * context); embedded resources as their text, or saved when binary; resource links as a line
 * the model can follow with mcp_read_resource. structuredContent is shown when there is no text.
 */
export async function normalizeCallResult(result: { content?: unknown; structuredContent?: unknown; isError?: unknown }, sink: ArtifactSink, stem: string): Promise<McpCallOutput> {
  const parts: string[] = [];
  const files: string[] = [];
  const content = Array.isArray(result.content) ? (result.content as Part[]) : [];
  for (const part of content) {
    switch (part.type) {
      case 'text':
        parts.push(String(part.text ?? ''));
        break;
      case 'image':
      case 'audio': {
        const mime = typeof part.mimeType === 'string' ? part.mimeType : undefined;
        const data = typeof part.data === 'string' ? part.data : '';
        const file = await save(sink, stem, mime, data);
        files.push(file);
        parts.push(`[${part.type} ${mime ?? 'unknown type'}, ${kb(data)}, saved to ${file}]`);
        break;
      }
      case 'resource': {
        const r = (part.resource ?? {}) as { uri?: string; mimeType?: string; text?: string; blob?: string };
        const head = `[resource ${r.uri ?? '(no uri)'}${r.mimeType ? ` (${r.mimeType})` : ''}]`;
        if (typeof r.text === 'string') parts.push(`${head}\n${r.text}`);
        else if (typeof r.blob === 'string') {
          const file = await save(sink, stem, r.mimeType, r.blob);
          files.push(file);
          parts.push(`${head} ${kb(r.blob)}, saved to ${file}`);
        } else parts.push(head);
        break;
      }
      case 'resource_link': {
        const desc = typeof part.description === 'string' ? ` — ${part.description}` : '';
        parts.push(`[resource link ${String(part.uri)}: ${String(part.name ?? '')}${desc}] (read it with mcp_read_resource)`);
        break;
      }
      default:
        parts.push(`[unsupported content type "${part.type}"]`);
    }
  }
  if (result.structuredContent !== undefined && !content.some((p) => p.type === 'text')) {
    parts.push(JSON.stringify(result.structuredContent, null, 2));
  }
  let output = parts.join('\n') || '(the tool returned no content)';
  if (output.length > MAX_MCP_OUTPUT_CHARS) {
    output = `${output.slice(0, MAX_MCP_OUTPUT_CHARS)}\n[output truncated: ${output.length - MAX_MCP_OUTPUT_CHARS} more characters]`;
  }
  return { output, isError: result.isError === true, files };
}

/** A resources/read result in agent terms (text inline, binary saved). */
export async function normalizeResourceContents(contents: unknown, sink: ArtifactSink, stem: string): Promise<McpCallOutput> {
  const list = Array.isArray(contents) ? contents : [];
  return normalizeCallResult({ content: list.map((resource) => ({ type: 'resource', resource })) }, sink, stem);
}
