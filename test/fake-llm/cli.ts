import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeLlm } from './server';
import type { Turn } from './script';

/**
 * Standalone fake model server for CLI end-to-end tests and the browser journey:
 *   tsx test/fake-llm/cli.ts --port 0 --script turns.json
 * Prints one JSON line {"url","port"} once listening; logs each request to stderr.
 */
const USAGE = 'usage: tsx test/fake-llm/cli.ts [--port N] --script FILE.json   (FILE holds an array of turns)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, script: { type: 'string' }, quiet: { type: 'boolean', default: false } },
  });
  if (!values.script) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const turns = JSON.parse(readFileSync(values.script, 'utf8')) as unknown;
  if (!Array.isArray(turns)) {
    process.stderr.write(`${values.script}: expected a JSON array of turns\n${USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0–65535, got "${values.port}"\n`);
    return 2;
  }
  const llm = await startFakeLlm({
    script: turns as Turn[],
    port,
    onRequest: (r) => {
      if (!values.quiet) process.stderr.write(`fake-llm: ${r.protocol} ${r.path} turn ${r.turnIndex}\n`);
    },
  });
  process.stdout.write(`${JSON.stringify({ url: llm.url, port: llm.port })}\n`);
  const stop = () => void llm.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`fake-llm: ${err.message}\n`);
    process.exit(1);
  },
);
