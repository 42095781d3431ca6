import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplaySummary } from '../replay';
import { DIALECTS, type Dialect } from '../types';

/** Test support: the recorded-format fixtures under test/fixtures/llm/<dialect>/. */
export const FIXTURE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/llm');

export interface LlmFixture {
  dialect: Dialect;
  name: string;
  path: string;
  body: Buffer;
  expected: ReplaySummary;
}

export function listFixtures(): LlmFixture[] {
  const out: LlmFixture[] = [];
  for (const dialect of DIALECTS) {
    const dir = join(FIXTURE_ROOT, dialect);
    for (const file of readdirSync(dir).sort()) {
      const m = /^(.+)\.(sse|ndjson)$/.exec(file);
      if (!m) continue;
      const path = join(dir, file);
      out.push({
        dialect,
        name: m[1],
        path,
        body: readFileSync(path),
        expected: JSON.parse(readFileSync(join(dir, `${m[1]}.expected.json`), 'utf8')) as ReplaySummary,
      });
    }
  }
  return out;
}

/** Provider folders under recorded/ whose streams are OpenAI chat completions. */
const ANTHROPIC_OR_OLLAMA: Record<string, Dialect> = { anthropic: 'anthropic', ollama: 'ollama' };

export interface RecordedFixture extends LlmFixture {
  /** The provider folder (anthropic, openai, xai, mistral, …). */
  provider: string;
}

/**
 * Test support: fixtures under test/fixtures/llm/recorded/<provider>/ — bodies written here that
 * reproduce wire shapes observed in real recordings (see SOURCES.md there), with the summary each
 * stream must assemble to.
 */
export function listRecordedFixtures(): RecordedFixture[] {
  const root = join(FIXTURE_ROOT, 'recorded');
  const out: RecordedFixture[] = [];
  for (const provider of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const dir = join(root, provider);
    for (const file of readdirSync(dir).sort()) {
      const m = /^(.+)\.(sse|ndjson)$/.exec(file);
      if (!m) continue;
      const path = join(dir, file);
      out.push({
        provider,
        dialect: ANTHROPIC_OR_OLLAMA[provider] ?? 'openai',
        name: m[1],
        path,
        body: readFileSync(path),
        expected: JSON.parse(readFileSync(join(dir, `${m[1]}.expected.json`), 'utf8')) as ReplaySummary,
      });
    }
  }
  return out;
}
