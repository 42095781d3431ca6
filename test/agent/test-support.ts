import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createModel, type LanguageModel } from '../../server/llm';
import { startFakeLlm, type FakeLlm, type Script } from '../fake-llm/server';

/** A temp workspace with the given files (tests only). */
export function makeWorkspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-agent-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A fake model server and an OpenAI-protocol model pointed at it (tests and benchmarks). */
export async function fakeModel(script: Script): Promise<{ llm: FakeLlm; model: LanguageModel }> {
  const llm = await startFakeLlm({ script });
  const model = createModel('openai:fake', { baseUrl: `${llm.url}/v1`, apiKey: 'test-key-not-secret', retry: { baseDelayMs: 1, maxRetries: 1 } });
  return { llm, model };
}

/** All text the model was sent in one request (system + messages), for "did the prompt say X" checks. */
export function requestText(body: any): string {
  return JSON.stringify(body?.messages ?? []);
}
