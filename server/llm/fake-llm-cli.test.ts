import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { collectStream } from './collect-stream';
import { createModel } from './create-model';

const ROOT = join(import.meta.dirname, '../..');

it('the standalone fake server serves a script file to any provider', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-llm-'));
  const script = join(dir, 'turns.json');
  writeFileSync(script, JSON.stringify([{ text: 'from the file' }, { toolCalls: [{ name: 'finish', args: { summary: 's' } }] }]));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-llm/cli.ts', '--port', '0', '--script', script, '--quiet'], { cwd: ROOT });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fake-llm exited with ${code}`)));
    });
    const { url, port } = JSON.parse(first) as { url: string; port: number };
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const a = await collectStream(createModel('anthropic:m', { baseUrl: url }).stream({ messages: [{ role: 'user', content: 'x' }] }));
    expect(a.text).toBe('from the file');
    const b = await collectStream(
      createModel('openai:m', { baseUrl: url }).stream({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'finish', description: 'd', parameters: { type: 'object' } }] }),
    );
    expect(b.toolCalls.map((c) => [c.toolName, c.args])).toEqual([['finish', { summary: 's' }]]);
  } finally {
    child.kill('SIGTERM');
  }
});
