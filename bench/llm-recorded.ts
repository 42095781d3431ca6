/**
 * Replays recorded provider responses (bodies nobody here wrote) through the stream layer and
 * checks them: every response at 1-, 7- and 64-byte chunks (the output must not depend on the
 * split), and against a reference of what the stream says, when one exists.
 *
 *   npm run bench:llm-recorded -- DIR [--refs REFDIR] [--cli] [--verbose]
 *
 * DIR is searched recursively for:
 *   - `*.chunks.txt`: one provider JSON event per line (vercel/ai's fixture format); sent as SSE
 *     (`event: <type>` for Anthropic, `data: [DONE]` appended for chat completions);
 *   - `*.sse`, `*.txt`, `*.bin`: an SSE body as received;
 *   - `*.ndjson`: an Ollama body.
 * The dialect is read from the events themselves. A file holding several Anthropic messages one
 * after the other (multi-step recordings) is split at each `message_stop`, and its responses are
 * named `file#1`, `file#2`, …. Bodies of protocols Nightshift does not speak (OpenAI Responses API,
 * Gemini, Bedrock, Cohere, legacy completions) are counted and listed, not replayed.
 *
 * A reference is a JSON file at REFDIR/<path relative to DIR>[#n].json (default REFDIR:
 * DIR/.references) holding the `nightshift llm-replay` summary the stream should produce. With
 * `--cli` every replay goes through `bin/nightshift.js llm-replay` (slower) instead of the same
 * function in-process; `--bodies OUTDIR` writes each replayed body there (`<name>.sse|.ndjson`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replayBody, type ReplaySummary } from '../server/llm/replay';
import type { Dialect } from '../server/llm/types';

const CHUNK_SIZES = [1, 7, 64] as const;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Recording {
  name: string;
  source: string;
  dialect: Dialect | undefined;
  /** Why it is not replayed (a protocol Nightshift does not speak). */
  unsupported?: string;
  body: string;
}

const ANTHROPIC_EVENTS = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What protocol a list of event payloads speaks. */
function classify(events: any[]): { dialect?: Dialect; unsupported?: string } {
  const objs = events.filter((e) => e && typeof e === 'object');
  if (objs.some((e) => ANTHROPIC_EVENTS.has(e.type))) return { dialect: 'anthropic' };
  if (objs.some((e) => Array.isArray(e.choices) && e.choices.some((c: any) => c && typeof c === 'object' && 'delta' in c))) return { dialect: 'openai' };
  if (objs.some((e) => 'done' in e && ('message' in e || 'done_reason' in e))) return { dialect: 'ollama' };
  if (objs.some((e) => typeof e.type === 'string' && e.type.startsWith('response.'))) return { unsupported: 'OpenAI Responses API' };
  if (objs.some((e) => Array.isArray(e.choices) && e.choices.some((c: any) => c && 'text' in c))) return { unsupported: 'legacy completions' };
  if (objs.some((e) => 'candidates' in e || 'usageMetadata' in e || 'event_type' in e)) return { unsupported: 'Gemini' };
  if (objs.some((e) => 'contentBlockDelta' in e || 'messageStart' in e || 'metadata' in e)) return { unsupported: 'Bedrock' };
  if (objs.some((e) => typeof e.type === 'string' && /^(message-start|content-delta|stream-start|text-generation)/.test(e.type))) return { unsupported: 'Cohere' };
  if (objs.some((e) => typeof e.type === 'string' && e.type.startsWith('session.'))) return { unsupported: 'OpenAI Realtime API' };
  if (objs.some((e) => 'setupComplete' in e || 'serverContent' in e)) return { unsupported: 'Gemini Live' };
  return { unsupported: 'unknown' };
}

/** SSE body → list of { block text, parsed data } (only to classify and split; replay uses the text). */
function sseBlocks(body: string): Array<{ raw: string; data: any }> {
  return body
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim() !== '')
    .map((raw) => {
      const data = raw
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      return { raw: `${raw}\n\n`, data: parseJson(data) };
    });
}

/** Splits a sequence of Anthropic events into messages at each `message_stop`. */
function splitMessages<T>(items: T[], typeOf: (t: T) => unknown): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  for (const it of items) {
    cur.push(it);
    if (typeOf(it) === 'message_stop') {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.some((it) => typeOf(it) !== undefined && typeOf(it) !== 'ping')) out.push(cur);
  return out.length ? out : [items];
}

function recordingsIn(file: string, root: string): Recording[] {
  const name = relative(root, file);
  const source = name.split('/')[0];
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.chunks.txt')) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const events = lines.map(parseJson);
    const { dialect, unsupported } = classify(events);
    if (!dialect) return [{ name, source, dialect, unsupported, body: '' }];
    if (dialect === 'anthropic') {
      const parts = splitMessages(lines, (l) => parseJson(l)?.type);
      return parts.map((p, i) => ({
        name: parts.length > 1 ? `${name}#${i + 1}` : name,
        source,
        dialect,
        body: p.map((l) => `event: ${parseJson(l)?.type ?? 'message'}\ndata: ${l}\n\n`).join(''),
      }));
    }
    if (dialect === 'ollama') return [{ name, source, dialect, body: `${lines.join('\n')}\n` }];
    return [{ name, source, dialect, body: `${lines.map((l) => `data: ${l}\n\n`).join('')}data: [DONE]\n\n` }];
  }
  if (file.endsWith('.ndjson')) return [{ name, source, dialect: 'ollama', body: text }];
  const blocks = sseBlocks(text);
  const { dialect, unsupported } = classify(blocks.map((b) => b.data));
  if (!dialect) return [{ name, source, dialect, unsupported, body: '' }];
  if (dialect === 'anthropic') {
    const parts = splitMessages(blocks, (b) => b.data?.type);
    if (parts.length > 1) return parts.map((p, i) => ({ name: `${name}#${i + 1}`, source, dialect, body: p.map((b) => b.raw).join('') }));
  }
  return [{ name, source, dialect, body: text }];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry === 'references') continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(chunks\.txt|sse|txt|bin|ndjson)$/.test(entry) && statSync(p).size > 0) out.push(p);
  }
  return out;
}

function replay(rec: Recording, size: number, cli: boolean): ReplaySummary {
  if (!cli) return replayBody(rec.dialect!, rec.body, size);
  const r = spawnSync(process.execPath, ['bin/nightshift.js', 'llm-replay', '--dialect', rec.dialect!, '--chunk-bytes', String(size)], { cwd: ROOT, input: rec.body, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`llm-replay exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReplaySummary;
}

/** Top-level fields of the summary that differ (deep comparison through JSON with sorted keys). */
function differingFields(a: ReplaySummary, b: ReplaySummary): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => stable((a as any)[k]) !== stable((b as any)[k])).sort();
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as any)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function main(): number {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { refs: { type: 'string' }, bodies: { type: 'string' }, cli: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || !existsSync(positionals[0])) {
    console.error('usage: npm run bench:llm-recorded -- DIR [--refs REFDIR] [--bodies OUTDIR] [--cli] [--verbose]');
    return 2;
  }
  const root = positionals[0];
  const refs = values.refs ?? join(root, '.references');
  const recordings = walk(root).flatMap((f) => recordingsIn(f, root));
  const rows = new Map<string, { responses: number; invariant: number; withRef: number; matched: number; unsupported: number }>();
  const unsupported = new Map<string, string[]>();
  const mismatches: Array<{ name: string; fields: string[]; got: ReplaySummary; want: ReplaySummary }> = [];
  const variant: string[] = [];
  const fieldCounts = new Map<string, number>();
  const t0 = performance.now();
  for (const rec of recordings) {
    const key = `${rec.source}\t${rec.dialect ?? '-'}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { responses: 0, invariant: 0, withRef: 0, matched: 0, unsupported: 0 }));
    if (!rec.dialect) {
      row.unsupported++;
      const list = unsupported.get(rec.unsupported!) ?? [];
      list.push(rec.name);
      unsupported.set(rec.unsupported!, list);
      continue;
    }
    row.responses++;
    if (values.bodies) {
      // The exact body replayed, for feeding to `nightshift llm-replay` or another reader by hand.
      const out = join(values.bodies, `${rec.name}.${rec.dialect === 'ollama' ? 'ndjson' : 'sse'}`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, rec.body);
    }
    const outs = CHUNK_SIZES.map((s) => replay(rec, s, Boolean(values.cli)));
    const same = outs.every((o) => stable(o) === stable(outs[0]));
    if (same) row.invariant++;
    else variant.push(rec.name);
    const refPath = join(refs, `${rec.name}.json`);
    if (existsSync(refPath)) {
      row.withRef++;
      const want = JSON.parse(readFileSync(refPath, 'utf8')) as ReplaySummary;
      const fields = differingFields(outs[0], want);
      if (fields.length === 0 && same) row.matched++;
      else {
        mismatches.push({ name: rec.name, fields, got: outs[0], want });
        for (const f of fields) fieldCounts.set(f, (fieldCounts.get(f) ?? 0) + 1);
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;

  console.log(`Recorded provider streams under ${root} (chunk sizes ${CHUNK_SIZES.join(', ')} bytes${values.cli ? ', through bin/nightshift.js llm-replay' : ''})\n`);
  console.log(`${'source'.padEnd(26)} ${'dialect'.padEnd(10)} ${'responses'.padStart(9)} ${'invariant'.padStart(9)} ${'with ref'.padStart(8)} ${'match'.padStart(6)} ${'not replayed'.padStart(12)}`);
  const total = { responses: 0, invariant: 0, withRef: 0, matched: 0, unsupported: 0 };
  for (const [key, r] of [...rows].sort()) {
    const [source, dialect] = key.split('\t');
    console.log(`${source.padEnd(26)} ${dialect.padEnd(10)} ${String(r.responses).padStart(9)} ${String(r.invariant).padStart(9)} ${String(r.withRef).padStart(8)} ${String(r.matched).padStart(6)} ${String(r.unsupported).padStart(12)}`);
    for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r[k];
  }
  console.log(`${'total'.padEnd(37)} ${String(total.responses).padStart(9)} ${String(total.invariant).padStart(9)} ${String(total.withRef).padStart(8)} ${String(total.matched).padStart(6)} ${String(total.unsupported).padStart(12)}`);
  if (unsupported.size) {
    console.log('\nNot replayed (protocol not spoken by Nightshift):');
    for (const [why, names] of unsupported) console.log(`  ${why}: ${names.length}`);
  }
  if (variant.length) console.log(`\nChunk-size dependent output: ${variant.join(', ')}`);
  if (mismatches.length) {
    console.log(`\nDiffer from their reference (${mismatches.length}); fields: ${[...fieldCounts].map(([f, n]) => `${f} ${n}`).join(', ')}`);
    for (const m of mismatches) {
      console.log(`  ${m.name}: ${m.fields.join(', ')}`);
      if (values.verbose) {
        for (const f of m.fields) console.log(`      ${f}\n        got  ${stable((m.got as any)[f])?.slice(0, 400)}\n        want ${stable((m.want as any)[f])?.slice(0, 400)}`);
      }
    }
  }
  console.log(
    `\n${JSON.stringify({ bench: 'llm-recorded', responses: total.responses, chunkInvariant: total.invariant, withReference: total.withRef, matchingReference: total.matched, notReplayed: total.unsupported, seconds: +seconds.toFixed(1) })}`,
  );
  return variant.length || mismatches.length ? 1 : 0;
}

process.exitCode = main();
