import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSpecKit } from './speckit';

/**
 * The importer on real Spec Kit folders you have locally (they are not committed):
 *
 *   NIGHTSHIFT_SPECKIT_CORPUS=/path/to/repos npx vitest run server/specs/speckit-corpus.test.ts
 *
 * Every folder under the path that holds a spec.md is imported, and the output is compared with
 * the input item by item, using a scan written here independently of the importer: every task
 * line of tasks.md (checkbox + id, bold or not, ranges expanded) comes out with its id and state,
 * every "depends on"-style reference to an existing task is an edge (or a warning), and every
 * NEEDS CLARIFICATION occurrence of every file is listed. Prints one line per folder.
 */
const CORPUS = process.env.NIGHTSHIFT_SPECKIT_CORPUS;

function featureFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 8) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'spec.md')) out.push(d);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(d, e.name), depth + 1);
  };
  walk(root, 0);
  return out.sort();
}

type Expected = { id: string; state: 'todo' | 'done' | 'partial'; line: number };

/** Task lines as a reader sees them: "- [x] **T001** …", "* [ ] T003b …", "- [~] T062-T067 …". */
function expectedTasks(tasksMd: string): Expected[] {
  const out: Expected[] = [];
  const lines = tasksMd.split(/\r?\n/);
  let fence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) return;
    const m = /^\s*[-*+]\s+\[([ xX~/-])\]\s+[*_`]*([A-Z]{1,5}-?\d{1,6}(?:[a-z]{1,2}|[A-Z](?![\w])|\.\d+|-[A-Z]{2,})?)(?:[*_`]*[-–][*_`]*([A-Z]{1,5}\d{1,6}))?[*_`]*(?=[\s:·.,)—–-]|$)/.exec(line);
    if (!m) return;
    const state = m[1] === ' ' ? 'todo' : m[1] === 'x' || m[1] === 'X' ? 'done' : 'partial';
    if (m[3]) {
      const prefix = /^[A-Z]+/.exec(m[2])![0];
      const from = Number(m[2].slice(prefix.length));
      const to = Number(m[3].slice(prefix.length));
      const width = m[2].length - prefix.length;
      if (to >= from && to - from <= 200) {
        for (let k = from; k <= to; k++) out.push({ id: `${prefix}${String(k).padStart(width, '0')}`, state, line: i + 1 });
        return;
      }
    }
    out.push({ id: m[2], state, line: i + 1 });
  });
  return out;
}

function allTextFiles(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (statSync(p).size < 2 * 1024 * 1024) out.push({ path: relative(dir, p), text: readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!CORPUS)('Spec Kit import on a local corpus', () => {
  const folders = CORPUS ? featureFolders(CORPUS) : [];

  it('finds feature folders', () => {
    expect(folders.length).toBeGreaterThan(0);
  });

  it.each(folders.map((f) => [relative(CORPUS!, f), f]))('%s keeps every task, state, dependency and clarification', async (_name, folder) => {
    const result = await importSpecKit(folder);
    if (!result.ok) throw new Error(result.error);
    const spec = result.spec;
    const files = allTextFiles(folder);
    const tasksMd = files.find((f) => f.path === 'tasks.md')?.text ?? '';

    // Tasks: every id and state; duplicates come out as ID#2 with a warning.
    const expected = expectedTasks(tasksMd);
    const got = new Map(spec.tasks.map((t) => [t.id, t]));
    const seen = new Map<string, number>();
    for (const e of expected) {
      const n = (seen.get(e.id) ?? 0) + 1;
      seen.set(e.id, n);
      const id = n === 1 ? e.id : `${e.id}#${n}`;
      const task = got.get(id);
      expect(task, `${id} (tasks.md line ${e.line})`).toBeDefined();
      expect(task!.state, `${id} state`).toBe(e.state);
      expect(task!.done).toBe(e.state === 'done');
    }
    expect(spec.tasks.filter((t) => t.line > 0).length).toBeGreaterThanOrEqual(expected.length);

    // Dependencies: a "depends on T…" naming an existing task is an edge of that task, or a warning.
    for (const t of spec.tasks) {
      const deps = /depends on ([A-Z]{1,5}\d{1,6}[a-zA-Z]?)/i.exec(t.description);
      if (!deps) continue;
      const target = deps[1].toUpperCase() === deps[1] ? deps[1] : deps[1];
      if (!got.has(target) || target === t.id) expect(spec.warnings.join('\n')).toContain(target);
      else expect(t.dependsOn, `${t.id} depends on ${target}`).toContain(target);
    }

    // Clarifications: every occurrence in every imported file.
    const importedPaths = new Set(spec.documents.map((d) => d.path));
    let markers = 0;
    for (const f of files) {
      if (!importedPaths.has(f.path)) continue;
      markers += f.text.toUpperCase().split('NEEDS CLARIFICATION').length - 1;
    }
    expect(spec.clarifications.length).toBe(markers);

    // Documents: every file is imported or named in a warning.
    for (const f of files) {
      if (!importedPaths.has(f.path)) expect(spec.warnings.join('\n'), f.path).toContain(f.path);
    }

    const done = spec.tasks.filter((t) => t.done).length;
    const partial = spec.tasks.filter((t) => t.state === 'partial').length;
    const edges = spec.tasks.reduce((n, t) => n + t.edges.length, 0);
    const explicit = spec.tasks.reduce((n, t) => n + t.edges.filter((e) => e.kind === 'explicit').length, 0);
    const sameFile = spec.tasks.reduce((n, t) => n + t.edges.filter((e) => e.kind === 'same-file').length, 0);
    console.log(
      `${relative(CORPUS!, folder)}: ${spec.tasks.length} tasks (${done} done, ${partial} partial), ${edges} edges (${explicit} explicit, ${sameFile} same-file), ` +
        `${spec.clarifications.length} clarification marks (${spec.clarifications.filter((c) => c.open).length} open), ${spec.documents.length} documents, ${spec.warnings.length} warnings${spec.cycle ? `, CYCLE ${spec.cycle.join('→')}` : ''}`,
    );
  });
});
