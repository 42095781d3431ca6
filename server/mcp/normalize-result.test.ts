import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactSink, MAX_MCP_OUTPUT_CHARS, normalizeCallResult } from './normalize-result';
import { resolvePlaceholders, placeholderNames } from './placeholders';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mcp-normalize-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('normalizeCallResult', () => {
  it('saves binary resources and audio, shows structured content without text, flags unknown parts', async () => {
    const sink = createArtifactSink(async () => dir);
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    const r = await normalizeCallResult(
      {
        content: [
          { type: 'resource', resource: { uri: 'file:///report.pdf', mimeType: 'application/pdf', blob: pdf } },
          { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
          { type: 'hologram' },
        ],
        structuredContent: { count: 2 },
      },
      sink,
      'srv/tool name',
    );
    expect(r.files.map((f) => path.basename(f))).toEqual(['srv-tool-name-1.pdf', 'srv-tool-name-2.wav']);
    expect(await readFile(r.files[0]!, 'utf8')).toBe('%PDF-1.4 fake');
    expect(r.output.split('\n')).toEqual([
      `[resource file:///report.pdf (application/pdf)] 13 B, saved to ${r.files[0]}`,
      `[audio audio/wav, 3 B, saved to ${r.files[1]}]`,
      '[unsupported content type "hologram"]',
      '{',
      '  "count": 2',
      '}',
    ]);
    expect(r.isError).toBe(false);
  });

  it('cuts very long text and says how much was left out', async () => {
    const sink = createArtifactSink(async () => dir);
    const r = await normalizeCallResult({ content: [{ type: 'text', text: 'x'.repeat(MAX_MCP_OUTPUT_CHARS + 500) }] }, sink, 's');
    expect(r.output.endsWith('[output truncated: 500 more characters]')).toBe(true);
    expect(r.output.length).toBeLessThan(MAX_MCP_OUTPUT_CHARS + 100);
    expect((await normalizeCallResult({ content: [] }, sink, 's')).output).toBe('(the tool returned no content)');
  });
});

describe('placeholders', () => {
  it('fills secrets into commands, env, URLs and headers, and names the missing ones', () => {
    const http = { transport: 'http' as const, url: 'https://x.test/{{ ORG }}/mcp', headers: { Authorization: 'Bearer {{TOKEN}}' } };
    expect(placeholderNames(http)).toEqual(['ORG', 'TOKEN']);
    expect(resolvePlaceholders(http, { ORG: 'acme', TOKEN: 't1' })).toEqual({ ok: true, config: { ...http, url: 'https://x.test/acme/mcp', headers: { Authorization: 'Bearer t1' } } });
    expect(resolvePlaceholders(http, {})).toEqual({ ok: false, error: 'secrets ORG, TOKEN not set' });
    const stdio = { transport: 'stdio' as const, command: ['srv', '--key={{K}}'], env: { A: '{{K}}' } };
    expect(resolvePlaceholders(stdio, { K: 'v' })).toEqual({ ok: true, config: { ...stdio, command: ['srv', '--key=v'], env: { A: 'v' } } });
  });
});
