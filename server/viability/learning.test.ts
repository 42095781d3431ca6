import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { createSpec } from '../services/specs';
import {
  activePatterns,
  disabledRules,
  learnPattern,
  listPatterns,
  patternHistory,
  recordReviewFindings,
  recordScan,
  revertPattern,
  updatePattern,
} from '../services/learned-patterns';
import type { OrgScope } from '../services/scope';
import { RULES } from './catalogue';
import { scanRepository } from './scan';
import { projectViability } from './session-hooks';
import type { Finding } from './types';

const FIXTURE = path.join(__dirname, '../../test/fixtures/viability/repo');
let t: TestDatabase;
type Setup = Awaited<ReturnType<typeof setupOrg>>;
let a: Setup;
let other: Setup;

/** An organisation with an owner, a project and a (draft) spec that runs can point at. */
async function setupOrg(db: TestDatabase['db'], label: string) {
  const id = Math.random().toString(16).slice(2, 8);
  const user = await createUser(db, { name: `Owner ${id}`, email: `owner-${id}@example.test`, password: 'password-123' });
  const org = await createOrganization(db, { name: `${label} ${id}`, ownerId: user.id });
  const scope: OrgScope = { orgId: org.id, userId: user.id, role: 'owner' };
  const project = await createProject(db, scope, { name: `proj-${id}`, repository: 'https://example.test/repo.git' });
  const spec = await createSpec(db, scope, { projectId: project.id, title: 'Fixture', markdown: '# Fixture\n' });
  return { user, org, scope, project, spec };
}
let findings: Finding[];
const ALL_RULES = RULES.map((r) => r.id);

async function newRunWithTask(label: string) {
  const run = await t.db
    .insertInto('runs')
    .values({ org_id: a.org.id, project_id: a.project.id, spec_id: a.spec.id, model: 'openai:fake' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const task = await t.db.insertInto('tasks').values({ org_id: a.org.id, run_id: run.id, key: label, title: label }).returning('id').executeTakeFirstOrThrow();
  return { runId: run.id, taskId: task.id };
}

beforeAll(async () => {
  t = await createTestDatabase('viability');
  a = await setupOrg(t.db, 'patterns');
  other = await setupOrg(t.db, 'other');
  findings = (await scanRepository(FIXTURE)).findings;
});
afterAll(async () => t?.close());

describe('patterns learned from scans', () => {
  it('a scan creates one pattern per rule that fired, with a negative example from the repository and the alternative', async () => {
    const r = await recordScan(t.db, { orgId: a.org.id, projectId: a.project.id, commit: 'abc123', findings, rulesChecked: ALL_RULES });
    expect(r.learned).toBe(new Set(findings.map((f) => f.rule)).size);
    const patterns = await listPatterns(t.db, a.scope, { projectId: a.project.id });
    const sql = patterns.find((p) => p.key === 'js/sql-concat')!;
    expect(sql).toMatchObject({
      source: 'scan',
      rule: 'js/sql-concat',
      severity: 'critical',
      occurrences: 4,
      enabled: true,
      version: 1,
      lastScanCommit: 'abc123',
      example: { file: 'src/db.ts', line: 7, snippet: expect.stringContaining("'SELECT * FROM users WHERE id = ' + id") },
    });
    expect(sql.instead).toContain('$1');
    expect(sql.locations.map((l) => l.line)).toEqual([7, 11, 17, 22]);
    // Most severe first.
    expect(patterns[0].severity).toBe('critical');
    expect(patterns.at(-1)!.severity).toBe('low');
  });

  it('a later scan refreshes counts, replaces a fixed example (as a new version) and zeroes a rule that stopped firing', async () => {
    const fewer = findings.filter((f) => !(f.rule === 'js/sql-concat' && f.line === 7) && f.rule !== 'py/yaml-load');
    await recordScan(t.db, { orgId: a.org.id, projectId: a.project.id, commit: 'def456', findings: fewer, rulesChecked: ALL_RULES });
    const patterns = await listPatterns(t.db, a.scope, { projectId: a.project.id });
    const sql = patterns.find((p) => p.key === 'js/sql-concat')!;
    expect(sql).toMatchObject({ occurrences: 3, version: 2, example: { file: 'src/db.ts', line: 11 } });
    expect(patterns.find((p) => p.key === 'py/yaml-load')).toMatchObject({ occurrences: 0, locations: [] });
    const history = await patternHistory(t.db, a.scope, { patternId: sql.id });
    expect(history.map((h) => [h.version, h.change])).toEqual([
      [2, 'example updated by scan'],
      [1, 'learned'],
    ]);
  });
});

describe('editing patterns', () => {
  it('an edit is a new version; a stale edit is refused; switching off removes it from the active set; revert restores', async () => {
    const [p] = (await listPatterns(t.db, a.scope, { projectId: a.project.id })).filter((x) => x.key === 'js/empty-catch');
    const edited = await updatePattern(t.db, a.scope, { patternId: p.id, expectedVersion: p.version, instead: 'Use our `tryOrReport(fn)` helper from src/errors.ts.' });
    expect(edited).toMatchObject({ version: p.version + 1, instead: 'Use our `tryOrReport(fn)` helper from src/errors.ts.' });
    await expect(updatePattern(t.db, a.scope, { patternId: p.id, expectedVersion: p.version, title: 'late' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const off = await updatePattern(t.db, a.scope, { patternId: p.id, expectedVersion: edited.version, enabled: false });
    expect(off.enabled).toBe(false);
    expect((await activePatterns(t.db, { orgId: a.org.id, projectId: a.project.id })).some((x) => x.id === p.id)).toBe(false);
    expect(await disabledRules(t.db, { orgId: a.org.id, projectId: a.project.id })).toEqual(['js/empty-catch']);

    const back = await revertPattern(t.db, a.scope, { patternId: p.id, version: 1 });
    expect(back).toMatchObject({ enabled: true, version: off.version + 1, instead: RULES.find((r) => r.id === 'js/empty-catch')!.instead });
    const history = await patternHistory(t.db, a.scope, { patternId: p.id });
    expect(history.map((h) => h.change)).toEqual(['reverted to 1', 'switched', 'edited', 'learned']);
    expect(history[2].author).toBe(a.user.name);
  });

  it('a viewer cannot edit; another organisation sees neither the patterns nor a pattern by id', async () => {
    const [p] = await listPatterns(t.db, a.scope, { projectId: a.project.id });
    const viewer: OrgScope = { ...a.scope, role: 'viewer' };
    await expect(updatePattern(t.db, viewer, { patternId: p.id, expectedVersion: p.version, enabled: false })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listPatterns(t.db, other.scope, { projectId: a.project.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(updatePattern(t.db, other.scope, { patternId: p.id, expectedVersion: p.version, enabled: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(patternHistory(t.db, other.scope, { patternId: p.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('patterns learned from recurring QA/reviewer findings', () => {
  it('a message cluster seen in two tasks becomes a pattern naming both runs; once, or twice in one task, is not enough', async () => {
    const r1 = await newRunWithTask('t1');
    const first = await recordReviewFindings(t.db, {
      orgId: a.org.id, projectId: a.project.id, ...r1, role: 'qa',
      findings: [{ message: 'Missing input validation on the POST body of the settings endpoint', file: 'src/settings.ts', line: 40, evidence: 'const body = req.body; save(body)' }],
    });
    expect(first).toEqual([]);
    const again = await recordReviewFindings(t.db, {
      orgId: a.org.id, projectId: a.project.id, ...r1, role: 'reviewer',
      findings: [{ message: 'Missing input validation on the POST body of the settings endpoint' }],
    });
    expect(again).toEqual([]);

    const r2 = await newRunWithTask('t2');
    const learned = await recordReviewFindings(t.db, {
      orgId: a.org.id, projectId: a.project.id, ...r2, role: 'reviewer',
      findings: [{ message: 'No input validation for the POST body in the users endpoint', file: 'src/users.ts', line: 12, evidence: 'createUser(req.body)', severity: 'major' }],
    });
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ source: 'review', rule: null, severity: 'medium', enabled: true, version: 1, example: { file: 'src/users.ts', line: 12, snippet: 'createUser(req.body)' } });
    expect(learned[0].key).toMatch(/^finding:/);
    expect(learned[0].sourceRuns).toEqual([r1.runId, r2.runId].sort());
    expect(learned[0].instead).toContain('found in 2 tasks');
  });

  it('findings that describe a catalogue rule join its pattern, adding their runs as sources', async () => {
    const r3 = await newRunWithTask('t3');
    const r4 = await newRunWithTask('t4');
    await recordReviewFindings(t.db, { orgId: a.org.id, projectId: a.project.id, ...r3, role: 'qa', findings: [{ message: 'The new query in src/repo.ts is built by string concatenation of user input (SQL injection)', file: 'src/repo.ts' }] });
    const learned = await recordReviewFindings(t.db, { orgId: a.org.id, projectId: a.project.id, ...r4, role: 'guard', findings: [{ message: 'SQL is built by splicing values', rule: 'js/sql-concat', file: 'src/orders.ts', line: 3 }] });
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ key: 'js/sql-concat', source: 'scan', rule: 'js/sql-concat' });
    expect(learned[0].sourceRuns).toEqual([r3.runId, r4.runId].sort());
    // The scan's example stays: a learner only fills a missing one.
    expect(learned[0].example).toMatchObject({ file: 'src/db.ts', line: 11 });
  });

  it('learnPattern is the entry for other learners (the self-improvement loop): same key, runs merged', async () => {
    const r5 = await newRunWithTask('t5');
    const p = await learnPattern(t.db, {
      orgId: a.org.id, projectId: a.project.id, key: 'finding:rsi-doom-loop-on-lockfile', source: 'rsi', rule: null, title: 'Editing package-lock.json by hand',
      severity: 'medium', doNot: 'Edit package-lock.json with apply_code_changes', instead: 'Run `npm install --save-exact pkg@version` and commit both files', example: null, sourceRuns: [r5.runId],
    });
    expect(p).toMatchObject({ source: 'rsi', version: 1, sourceRuns: [r5.runId] });
    const r6 = await newRunWithTask('t6');
    const merged = await learnPattern(t.db, { orgId: a.org.id, projectId: a.project.id, key: p.key, source: 'rsi', rule: null, title: 'x', severity: 'low', doNot: 'x', instead: 'x', example: { file: 'package-lock.json' }, sourceRuns: [r6.runId, r5.runId] });
    expect(merged).toMatchObject({ title: 'Editing package-lock.json by hand', version: 1, example: { file: 'package-lock.json' } });
    expect(merged.sourceRuns).toEqual([r5.runId, r6.runId].sort());
  });
});

describe('a project\'s viability in a task session', () => {
  it('uses the project\'s wording, skips switched-off rules in prompt and guard, and hands findings to the learner', async () => {
    const patterns = await listPatterns(t.db, a.scope, { projectId: a.project.id });
    const anyCast = patterns.find((p) => p.key === 'ts/any-cast')!;
    await updatePattern(t.db, a.scope, { patternId: anyCast.id, expectedVersion: anyCast.version, enabled: false });
    const sql = patterns.find((p) => p.key === 'js/sql-concat')!;
    await updatePattern(t.db, a.scope, { patternId: sql.id, expectedVersion: sql.version, doNot: 'Glue SQL together from strings' });
    const r7 = await newRunWithTask('t7');
    const v = await projectViability(t.db, { orgId: a.org.id, projectId: a.project.id, ...r7 });
    const section = (await v.promptSection!({ role: 'developer', files: ['src/db.ts', 'src/secrets.ts'], workspaceDir: FIXTURE }))!;
    expect(section).toContain('- DO NOT: Glue SQL together from strings (src/db.ts:7');
    expect(section).not.toContain('as any');
    expect(section).toContain('src/secrets.ts:4'); // a catalogue rule the project never saw still counts

    await v.recordFindings!([{ role: 'guard', finding: { id: 'c1-guard-1', message: 'js/eval: eval runs text', rule: 'js/eval', file: 'src/calc.ts', line: 3 } }]);
    const r8 = await newRunWithTask('t8');
    const v8 = await projectViability(t.db, { orgId: a.org.id, projectId: a.project.id, ...r8 });
    await v8.recordFindings!([{ role: 'guard', finding: { id: 'c1-guard-1', message: 'js/eval: eval runs text', rule: 'js/eval', file: 'src/calc2.ts', line: 9 } }]);
    const evalPattern = (await listPatterns(t.db, a.scope, { projectId: a.project.id })).find((p) => p.key === 'js/eval')!;
    expect(evalPattern.sourceRuns).toEqual([r7.runId, r8.runId].sort());
  });
});
