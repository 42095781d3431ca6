import type { Turn } from '../fake-llm/script';

/**
 * A long scripted run for the 200-turn test and the context benchmark: a repository with
 * configuration files holding "needle" facts (read early) and many ordinary modules (read,
 * searched and edited later), and the model's turns over it. Deterministic.
 */
export interface LongRunScenario {
  files: Record<string, string>;
  needles: Array<{ name: string; value: string; file: string }>;
  /** The model's answer at 1-based turn n (the last turn calls finish). */
  turn(n: number): Turn;
  turns: number;
}

const WORDS = ['upload', 'session', 'retry', 'invoice', 'cache', 'export', 'webhook', 'quota', 'search', 'audit', 'billing', 'report', 'token', 'queue', 'backup', 'import', 'thumbnail', 'digest', 'cursor', 'locale'];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function moduleSource(i: number): string {
  const lines = [`import { helper${i % 7} } from './helpers';`, '', `/** Module ${i}: handlers for feature ${i}. */`];
  for (let f = 0; f < 6; f++) {
    lines.push(`export function handle${i}_${f}(input: { id: string; count: number }) {`, `  const scaled = helper${i % 7}(input.count) * ${f + 1};`, `  if (scaled < 0) throw new Error('negative count for ' + input.id);`, `  return { id: input.id, value: scaled + ${i} };`, '}', '');
  }
  return lines.join('\n');
}

export function longRunScenario(opts: { turns?: number; needles?: number; seed?: number } = {}): LongRunScenario {
  const turns = opts.turns ?? 200;
  const needleCount = opts.needles ?? 20;
  const rand = lcg(opts.seed ?? 42);
  const files: Record<string, string> = { 'package.json': JSON.stringify({ name: 'long-run', type: 'module', scripts: { test: 'node --test' } }, null, 2) };
  const needles: LongRunScenario['needles'] = [];
  for (let k = 0; k < needleCount; k++) {
    const word = WORDS[k % WORDS.length].toUpperCase();
    const name = `${word}_LIMIT_${k}`;
    const value = String(100 + Math.floor(rand() * 9000));
    const file = `src/config/${WORDS[k % WORDS.length]}-${k}.ts`;
    needles.push({ name, value, file });
    files[file] = `// Limits for ${WORDS[k % WORDS.length]} (agreed with operations).\nexport const ${name} = ${value};\n\nexport function check${k}(n: number): boolean {\n  return n <= ${name};\n}\n`;
  }
  const modules = Math.max(1, turns);
  for (let i = 0; i < modules; i++) files[`src/modules/m${i}.ts`] = moduleSource(i);

  function turn(n: number): Turn {
    if (n >= turns) return { toolCalls: [{ name: 'finish', args: { summary: `long run finished after ${n} turns` } }] };
    if (n <= needleCount) return { text: `Reading configuration ${n}.`, toolCalls: [{ name: 'read_file', args: { path: needles[n - 1].file } }] };
    const i = n - needleCount;
    switch (n % 10) {
      case 3:
        return { toolCalls: [{ name: 'search_code', args: { pattern: `handle${i}_2` } }] };
      case 6:
        return { toolCalls: [{ name: 'list_files', args: { path: 'src/modules', glob: `src/modules/m${i}*.ts` } }] };
      case 8:
        return {
          toolCalls: [
            {
              name: 'apply_code_changes',
              args: { changes: [{ path: `src/modules/m${i}.ts`, mode: 'replace', search: `  return { id: input.id, value: scaled + ${i} };`, replace: `  return { id: input.id, value: scaled + ${i}, turn: ${n} };` }] },
            },
          ],
        };
      case 9:
        return { toolCalls: [{ name: 'update_working_state', args: { plan: [{ step: `review module ${i}`, done: true }, { step: `review module ${i + 1}`, done: false }] } }] };
      default:
        return { reasoning: `Module ${i} might hold the handler we need; checking its structure.`, toolCalls: [{ name: 'read_file', args: { path: `src/modules/m${i}.ts` } }] };
    }
  }
  return { files, needles, turn, turns };
}
