import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSpecBytes } from './decode';
import { scoreSpec } from './score';

/**
 * The labelled calibration set (test/fixtures/specs, see SOURCES.md): complete specs in the
 * formats teams write (Spec Kit, KEP, RFC, PRD, design doc, setext/bold/numbered headings,
 * Gherkin), vague ones, unfilled templates and gaming attempts. Complete ones are accepted, all
 * others rejected, and every complete spec ranks above every other document.
 */
const ROOT = join(__dirname, '../../test/fixtures/specs');
type Label = 'complete' | 'vague' | 'template' | 'gaming';
const LABELS: Label[] = ['complete', 'vague', 'template', 'gaming'];

export function calibrationSet(): Array<{ name: string; label: Label; text: string }> {
  const out: Array<{ name: string; label: Label; text: string }> = [];
  for (const label of LABELS) {
    for (const f of readdirSync(join(ROOT, label)).filter((x) => x.endsWith('.md')).sort()) {
      out.push({ name: `${label}/${f}`, label, text: readFileSync(join(ROOT, label, f), 'utf8') });
    }
  }
  out.push({ name: 'good-spec.md', label: 'complete', text: readFileSync(join(ROOT, 'good-spec.md'), 'utf8') });
  out.push({ name: 'vague-spec.md', label: 'vague', text: readFileSync(join(ROOT, 'vague-spec.md'), 'utf8') });
  return out;
}

describe('calibration set', () => {
  const set = calibrationSet().map((f) => ({ ...f, result: scoreSpec(f.text) }));

  it('has enough of each kind', () => {
    const count = (l: Label) => set.filter((f) => f.label === l).length;
    expect(count('complete')).toBeGreaterThanOrEqual(10);
    expect(count('vague')).toBeGreaterThanOrEqual(5);
    expect(count('template')).toBeGreaterThanOrEqual(4);
    expect(count('gaming')).toBeGreaterThanOrEqual(6);
  });

  it.each(set.filter((f) => f.label === 'complete').map((f) => [f.name, f] as const))('accepts complete spec %s', (_name, f) => {
    expect(f.result.accepted, JSON.stringify(f.result.breakdown)).toBe(true);
  });

  it.each(set.filter((f) => f.label !== 'complete').map((f) => [f.name, f] as const))('rejects %s', (_name, f) => {
    expect(f.result.accepted).toBe(false);
    expect(f.result.score).toBeLessThan(f.result.threshold);
  });

  it('ranks every complete spec above every other document', () => {
    const complete = set.filter((f) => f.label === 'complete').map((f) => f.result.score);
    const others = set.filter((f) => f.label !== 'complete').map((f) => f.result.score);
    expect(Math.min(...complete)).toBeGreaterThan(Math.max(...others));
  });
});

describe('encodings score like their UTF-8 LF twin', () => {
  // An accented line so that Latin-1 differs from UTF-8 byte for byte.
  const base = readFileSync(join(ROOT, 'complete/setext-csv-import.md'), 'utf8').replace('Out of scope\n', 'Out of scope (café, naïve, résumé)\n');
  const twin = scoreSpec(base);
  const utf16 = (s: string, bigEndian: boolean) => {
    const le = Buffer.from(`\ufeff${s}`, 'utf16le');
    if (bigEndian) for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
    return new Uint8Array(le);
  };
  const variants: Record<string, Uint8Array> = {
    'UTF-8 with BOM': new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(base, 'utf8')]),
    'UTF-16 LE with BOM': utf16(base, false),
    'UTF-16 BE with BOM': utf16(base, true),
    CRLF: new Uint8Array(Buffer.from(base.replace(/\n/g, '\r\n'), 'utf8')),
    'UTF-16 LE, CRLF': utf16(base.replace(/\n/g, '\r\n'), false),
    'Latin-1': new Uint8Array(Buffer.from(base, 'latin1')),
  };
  it.each(Object.entries(variants))('%s', (_name, bytes) => {
    const decoded = decodeSpecBytes(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.text.replace(/\r\n/g, '\n')).toBe(base);
    const r = scoreSpec(decoded.text);
    expect(r.score).toBe(twin.score);
    expect(r.breakdown).toEqual(twin.breakdown);
    expect(r.findings.map((f) => [f.code, f.line])).toEqual(twin.findings.map((f) => [f.code, f.line]));
  });
});
