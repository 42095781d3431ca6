/**
 * Normaliser throughput: a large recorded-format stream per dialect goes through the same
 * decoder the providers use (UTF-8 decode, SSE/NDJSON framing, dialect normaliser, tool-call
 * tracker) in socket-sized pieces. The baseline is JSON.parse of the same stream's event
 * payloads in the same run, the least work any consumer of these streams must do.
 *   npm run bench:llm            (BENCH_LLM_MB=N sets the body size per dialect)
 */
import { encodeAnthropic } from '../test/fake-llm/encode-anthropic';
import { resolveTurn } from '../test/fake-llm/encoded-turn';
import { encodeOllama } from '../test/fake-llm/encode-ollama';
import { encodeOpenAi } from '../test/fake-llm/encode-openai';
import { decodeBody } from '../server/llm/stream-decoder';
import { DIALECTS, type Dialect } from '../server/llm/types';

const GOAL_MBPS = 50;
const TARGET_MB = Number(process.env.BENCH_LLM_MB ?? 16);
const READ_BYTES = 16 * 1024; // a typical socket read
const ROUNDS = 5;
const MB = 1024 * 1024;

const WORDS = 'the quick brown fox jumps over a lazy dog while the compiler reports: error TS2345 in src/ä.ts — 🚀 ok'.split(' ');

function recordedBody(dialect: Dialect): { body: Buffer; payloads: string[] } {
  const wordsWanted = Math.ceil((TARGET_MB * MB) / 170); // ~170 wire bytes per text delta event
  const text = Array.from({ length: wordsWanted }, (_, i) => WORDS[i % WORDS.length]).join(' ');
  const bigArgs = { path: 'src/app.ts', content: 'export const x = 1;\n'.repeat(2000) };
  const turn = resolveTurn(
    { reasoning: text.slice(0, text.length / 10), text, toolCalls: [{ name: 'apply_code_changes', args: bigArgs }, { name: 'read_file', args: { path: 'README.md' } }] },
    0,
    {},
    true,
  );
  const faults = {};
  const events =
    dialect === 'openai'
      ? encodeOpenAi(turn, { model: 'bench', includeUsage: true, turnIndex: 0, faults })
      : dialect === 'anthropic'
        ? encodeAnthropic(turn, { model: 'bench', turnIndex: 0, faults })
        : encodeOllama(turn, { model: 'bench', turnIndex: 0, faults });
  const payloads: string[] = [];
  for (const e of events) {
    if (dialect === 'ollama') payloads.push(e.trimEnd());
    else for (const line of e.split('\n')) if (line.startsWith('data: ') && line !== 'data: [DONE]') payloads.push(line.slice(6));
  }
  return { body: Buffer.from(events.join(''), 'utf8'), payloads };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

const results: Array<{ dialect: Dialect; mb: number; normaliserMBps: number; jsonParseMBps: number; parts: number; toolCalls: number }> = [];
for (const dialect of DIALECTS) {
  const { body, payloads } = recordedBody(dialect);
  const mb = body.length / MB;
  let parts = 0;
  let toolCalls = 0;
  let sink = 0;
  // warm-up so the JIT has compiled both paths before timing
  decodeBody(dialect, body.subarray(0, Math.min(body.length, 2 * MB)), READ_BYTES);
  for (const p of payloads.slice(0, 5000)) sink += JSON.parse(p) ? 1 : 0;
  const norm: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    norm.push(
      timeIt(() => {
        const out = decodeBody(dialect, body, READ_BYTES);
        parts = out.length;
        toolCalls = out.filter((p) => p.type === 'tool-call').length;
      }),
    );
    base.push(
      timeIt(() => {
        for (let i = 0; i < payloads.length; i++) sink += JSON.parse(payloads[i]) ? 1 : 0;
      }),
    );
  }
  if (sink < 0) console.log(sink);
  results.push({ dialect, mb: +mb.toFixed(2), normaliserMBps: +(mb / median(norm)).toFixed(1), jsonParseMBps: +(mb / median(base)).toFixed(1), parts, toolCalls });
}

console.log(`LLM stream normaliser throughput (median of ${ROUNDS}, ${READ_BYTES / 1024} KiB reads, goal ≥ ${GOAL_MBPS} MB/s)\n`);
console.log(`${'dialect'.padEnd(10)} ${'body MB'.padStart(8)} ${'normaliser MB/s'.padStart(16)} ${'JSON.parse MB/s'.padStart(16)} ${'ratio'.padStart(6)} ${'parts'.padStart(9)}`);
for (const r of results) {
  console.log(
    `${r.dialect.padEnd(10)} ${r.mb.toFixed(2).padStart(8)} ${r.normaliserMBps.toFixed(1).padStart(16)} ${r.jsonParseMBps.toFixed(1).padStart(16)} ${(r.normaliserMBps / r.jsonParseMBps).toFixed(2).padStart(6)} ${String(r.parts).padStart(9)}`,
  );
}
const min = Math.min(...results.map((r) => r.normaliserMBps));
console.log('');
console.log(JSON.stringify({ bench: 'llm', goalMBps: GOAL_MBPS, minNormaliserMBps: min, pass: min >= GOAL_MBPS, results }));
process.exitCode = min >= GOAL_MBPS ? 0 : 1;
