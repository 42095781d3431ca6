import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { collectStream } from './collect-stream';
import { createModel } from './create-model';
import { replayBody, summarizeResponse, type ReplaySummary } from './replay';
import { listFixtures, type LlmFixture } from './testing/fixtures';
import { runCli } from '../../test/support/cli';

const CHUNK_SIZES = [1, 3, 64] as const;
const ROOT = join(import.meta.dirname, '../..');
const fixtures = listFixtures();

const summaryOf = summarizeResponse;

const llmReplay = (args: string[], stdinPath: string) => runCli(['llm-replay', ...args], {}, { cwd: ROOT, stdin: stdinPath });

it('has fixtures for every dialect', () => {
  for (const dialect of ['openai', 'anthropic', 'ollama']) {
    expect(fixtures.filter((f) => f.dialect === dialect).length).toBeGreaterThanOrEqual(5);
  }
});

describe.each(fixtures.map((f) => [`${f.dialect}/${f.name}`, f] as [string, LlmFixture]))('fixture %s', (_label, fx) => {
  it.each(CHUNK_SIZES)('decodes to the expected summary at %i-byte chunks', (size) => {
    expect(replayBody(fx.dialect, fx.body, size)).toEqual(fx.expected);
  });
});

describe('fixtures through the fake server', () => {
  let llm: FakeLlm;
  let current: { body: string; split: number } = { body: '', split: 1 };
  beforeAll(async () => {
    llm = await startFakeLlm({ script: () => ({ raw: current.body, faults: { splitBytes: current.split } }) });
  });
  afterAll(() => llm.close());

  for (const fx of fixtures) {
    it.each(CHUNK_SIZES)(`${fx.dialect}/${fx.name} at %i-byte splits`, async (split) => {
      current = { body: fx.body.toString('utf8'), split };
      const model = createModel(`${fx.dialect}:fixture-model`, { baseUrl: llm.url, apiKey: 'test', retry: { maxRetries: 0 } });
      const result = await collectStream(model.stream({ messages: [{ role: 'user', content: 'replay' }] }));
      const summary = summaryOf(result);
      // Calls the provider sent without an id get per-stream ids from the adapter
      // (call_<random>_<n>, unique across turns) instead of the replay's call_<n>.
      summary.toolCalls.forEach((call, i) => {
        const expectedId = fx.expected.toolCalls[i]?.id ?? '';
        if (expectedId && !fx.body.includes(`"${expectedId}"`)) {
          expect(call.id).toMatch(new RegExp(`^call_[0-9a-f]{8}_${expectedId.replace('call_', '')}$`));
          call.id = expectedId;
        }
      });
      expect(summary).toEqual(fx.expected);
    });
  }
});

describe('llm-replay CLI', () => {
  // One spawn per fixture (rotating the chunk size) keeps the run short; every size is covered
  // in-process above through the same replayBody the command calls.
  const cases = fixtures.map((fx, i) => [`${fx.dialect}/${fx.name}`, fx, CHUNK_SIZES[i % CHUNK_SIZES.length]] as const);
  it.each(cases)('prints the expected JSON line for %s', async (_label, fx, size) => {
    const { code, stdout, stderr } = await llmReplay(['--dialect', fx.dialect, '--chunk-bytes', String(size)], fx.path);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual(fx.expected);
  });

  it('rejects an unknown dialect with exit code 2', async () => {
    const { code, stderr, stdout } = await llmReplay(['--dialect', 'cohere'], fixtures[0].path);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--dialect must be one of openai, anthropic, ollama');
  });

  it('rejects an unknown vendor with exit code 2, and reads usage the vendor way with a known one', async () => {
    const bad = await llmReplay(['--dialect', 'openai', '--vendor', 'acme'], fixtures[0].path);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vendor must be one of openai, azure, xai');
    // Usage without total_tokens from a server that names no known model: only --vendor can say
    // that xAI bills reasoning tokens on top of completion_tokens.
    const dir = mkdtempSync(join(tmpdir(), 'llm-replay-'));
    const path = join(dir, 'body.sse');
    writeFileSync(path, [
      `data: ${JSON.stringify({ model: 'local', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }] })}\n\n`,
      `data: ${JSON.stringify({ model: 'local', choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, completion_tokens_details: { reasoning_tokens: 9 } } })}\n\n`,
      'data: [DONE]\n\n',
    ].join(''));
    const plain = await llmReplay(['--dialect', 'openai'], path);
    const xai = await llmReplay(['--dialect', 'openai', '--vendor', 'xai'], path);
    expect(JSON.parse(plain.stdout).usage).toEqual({ inputTokens: 5, outputTokens: 1, reasoningTokens: 9 });
    expect(JSON.parse(xai.stdout).usage).toEqual({ inputTokens: 5, outputTokens: 10, reasoningTokens: 9 });
  });

  it('rejects a bad chunk size with exit code 2', async () => {
    const { code, stderr } = await llmReplay(['--dialect', 'openai', '--chunk-bytes', '0'], fixtures[0].path);
    expect(code).toBe(2);
    expect(stderr).toContain('--chunk-bytes must be a positive whole number');
  });
});
