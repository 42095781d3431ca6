import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWaves } from '../planner/waves';
import { scoreSpec } from './score';
import { acceptanceCriteriaOf } from './criteria';
import { extractFiles, importSpecKit, leadingIds, parseSpecKitTasks } from './speckit';

const FIXTURES = join(__dirname, '../../test/fixtures/speckit');
const imported = async (name: string) => {
  const r = await importSpecKit(join(FIXTURES, name));
  if (!r.ok) throw new Error(r.error);
  return r.spec;
};
const edgesOf = (t: { edges: Array<{ dependsOn: string; kind: string }> }) => t.edges.map((e) => `${e.dependsOn}:${e.kind}`);

describe('task ids', () => {
  it('reads plain, bold, suffixed, prefixed, dotted and ranged ids, and nothing glued to a word', () => {
    expect(leadingIds('T001 Create x')?.ids).toEqual(['T001']);
    expect(leadingIds('**T171** [P] x')?.ids).toEqual(['T171']);
    expect(leadingIds('T003b [P] x')?.ids).toEqual(['T003b']);
    expect(leadingIds('T021A Implement')?.ids).toEqual(['T021A']);
    expect(leadingIds('A001 Check')?.ids).toEqual(['A001']);
    expect(leadingIds('T012.5 [US1] x')?.ids).toEqual(['T012.5']);
    expect(leadingIds('T045-TEST [P] x')?.ids).toEqual(['T045-TEST']);
    expect(leadingIds('T062-T067 DROPPED')?.ids).toEqual(['T062..T067']);
    expect(leadingIds('**T001**: Create')?.ids).toEqual(['T001']);
    expect(leadingIds('TODO later')).toBeUndefined();
    expect(leadingIds('The T001 task')).toBeUndefined();
  });

  it('expands a range into one task per id, each keeping the state', () => {
    const { tasks } = parseSpecKitTasks('## Phase 1\n\n- [~] T062-T064 DROPPED: outdated tests in e2e/old.spec.ts\n');
    expect(tasks.map((t) => [t.id, t.state])).toEqual([
      ['T062', 'partial'],
      ['T063', 'partial'],
      ['T064', 'partial'],
    ]);
  });

  it('finds files in backticks, after "in", and path-shaped; not routes, URLs or the feature documents', () => {
    expect(extractFiles('Contract test for POST /notes/{id}/tags in tests/test_tags.py, see https://x.dev/a.md and research.md')).toEqual(['tests/test_tags.py']);
    expect(extractFiles('Create `Dockerfile` and `.env.example`; update habit/main.py\'s parser')).toEqual(['Dockerfile', '.env.example', 'habit/main.py']);
  });
});

describe('importSpecKit on a folder with every quirk (habit-tracker)', () => {
  it('keeps every task with its id, state, story, tags and whole description', async () => {
    const spec = await imported('habit-tracker');
    expect(spec.tasks.map((t) => t.id)).toEqual(['T001', 'T002', 'T003', 'T003b', 'T004', 'T005', 'T006', 'T007', 'T008', 'T009', 'T010', 'T011', 'T012', 'T013', 'A001', 'A002', 'T014', 'T015']);
    const byId = Object.fromEntries(spec.tasks.map((t) => [t.id, t]));
    // [X], [x] → done; [~] → partial, not done; [ ] → todo.
    expect(['T001', 'T002', 'T003', 'T003b'].map((id) => byId[id].done)).toEqual([true, true, true, true]);
    expect(byId.T010).toMatchObject({ state: 'partial', done: false });
    expect(byId.T004).toMatchObject({ state: 'todo', done: false });
    // [P] anywhere on the line, story tags.
    expect(byId.T008).toMatchObject({ parallelSafe: true, story: 'US1' });
    expect(byId.T002.parallelSafe).toBe(true);
    // The continuation line under T010 and the sub-bullets under T006 stay in the description.
    expect(byId.T010.description).toContain('(started: message in place, exit code still wrong)');
    expect(byId.T006.description).toContain('Writes to a temp file then `os.replace`');
    expect(byId.T003b.files).toEqual(['habit/main.py']);
  });

  it('turns order, [P] groups, sub-headings, phases, explicit notes and shared files into edges with reasons', async () => {
    const spec = await imported('habit-tracker');
    const byId = Object.fromEntries(spec.tasks.map((t) => [t.id, t]));
    expect(edgesOf(byId.T006)).toEqual(['T004:explicit', 'T005:sub-heading']); // "Depends on T004" sub-bullet; Models before Storage
    expect(edgesOf(byId.T009)).toEqual(['T007:sub-heading', 'T008:sub-heading', 'T006:explicit']); // tests first; "Dependency: T006"
    // The streaks command registers in habit/main.py, which story 1 changes too: kept in document order.
    expect(byId.T012.edges).toContainEqual({ dependsOn: 'T009', kind: 'same-file', reason: 'both change `habit/main.py`; kept in document order' });
    expect(edgesOf(byId.T012)).toContain('T011:explicit'); // "(depends on T011)"
    expect(edgesOf(byId.T012)).toContain('T006:explicit'); // "T006 blocks T009 and T012" under Dependencies
    // Stories start side by side after Foundational; the Audit phase waits for both.
    expect(edgesOf(byId.T011)).toEqual(['T006:phase']);
    expect(edgesOf(byId.A001)).toEqual(['T010:phase', 'T013:phase']);
    for (const t of spec.tasks) for (const e of t.edges) expect(e.reason.length).toBeGreaterThan(5);
  });

  it('reads every document of the folder into the spec and lists every clarification', async () => {
    const spec = await imported('habit-tracker');
    expect(spec.documents.map((d) => d.path)).toEqual(['spec.md', 'plan.md', 'research.md', 'data-model.md', 'contracts/cli.md', 'contracts/habits.schema.json', 'quickstart.md', 'checklists/requirements.md', 'tasks.md']);
    for (const text of [
      '**And** the command prints "Added read".', // multi-line Given/When/Then kept whole
      '4. `habit/main.py` — the `add`, `done` and `streaks` subcommands.', // a plan list kept whole
      '## Decision: atomic writes with `os.replace`'.replace('## ', '### '), // research.md, headings moved down
      '| history | list of dates | unique, kept sorted |', // data-model.md
      '`habit streaks` → prints `read  current 1  longest 1`', // quickstart.md
      '"$schema": "https://json-schema.org/draft/2020-12/schema"', // contracts/
      '- [x] No [NEEDS CLARIFICATION] markers remain', // checklists/
      '**NFR-001**', // non-functional requirements
      '**Habit**: `name` (unique', // key entities
      'Single user per `HABIT_HOME`', // assumptions
    ]) {
      expect(spec.markdown, text).toContain(text);
    }
    expect(spec.markdown.startsWith('# Habit streaks in the CLI\n')).toBe(true);
    expect(spec.markdown.match(/^# /gm)).toHaveLength(1); // one title
    expect(spec.clarifications).toEqual([{ file: 'checklists/requirements.md', line: 10, text: '[NEEDS CLARIFICATION]', open: false }]);
    expect(spec.contracts.map((c) => [c.path, c.kind])).toEqual([
      ['contracts/cli.md', 'other'],
      ['contracts/habits.schema.json', 'json-schema'],
    ]);
    const criteria = acceptanceCriteriaOf(spec.markdown);
    expect(criteria).toContainEqual(expect.stringContaining('**Then** `habits.json` contains a habit named `read` with an empty history **And** the command prints "Added read".'));
  });

  it('scores the imported spec as accepted and plans its open tasks without a cycle', async () => {
    const spec = await imported('habit-tracker');
    expect(scoreSpec(spec.markdown).accepted).toBe(true);
    const open = spec.tasks.filter((t) => !t.done).map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => !spec.tasks.find((x) => x.id === d)!.done) }));
    const plan = planWaves(open);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.waveOf.T012).toBeGreaterThan(plan.waveOf.T009);
    expect(plan.waveOf.T011).toBe(plan.waveOf.T007); // story 2 starts beside story 1
  });
});

describe('importSpecKit warnings and errors', () => {
  it('warns about duplicate ids, self-dependencies and missing targets, keeping every task', async () => {
    const spec = await imported('broken-deps');
    expect(spec.tasks.map((t) => t.id)).toEqual(['T001', 'T002', 'T002#2', 'T003']);
    expect(spec.warnings).toEqual(
      expect.arrayContaining([
        'tasks.md line 7: T002 appears twice (first on line 6); the second is kept as T002#2',
        'T002 (tasks.md line 6) depends on itself; that dependency was dropped',
        'T003 (tasks.md line 8) depends on T009, which is not in tasks.md; that dependency was dropped',
      ]),
    );
    expect(spec.cycle).toBeUndefined();
  });

  it('names a dependency cycle', async () => {
    const spec = await imported('cycle');
    expect(spec.cycle).toEqual(['T002', 'T003', 'T002']);
    expect(spec.warnings).toContain('dependency cycle: T002 → T003 → T002; break it in tasks.md');
  });

  it('imports an unfilled template folder, which the gate then rejects with its open clarifications', async () => {
    const spec = await imported('unfilled-template');
    expect(spec.tasks).toHaveLength(4);
    expect(spec.clarifications.filter((c) => c.open).map((c) => c.file)).toEqual(['spec.md']);
    expect(spec.clarifications.filter((c) => !c.open).map((c) => c.file)).toEqual(['plan.md', 'plan.md']);
    const score = scoreSpec(spec.markdown);
    expect(score.accepted).toBe(false);
    expect(score.score).toBeLessThan(30);
  });

  it('returns an error for a folder without spec.md or a missing folder', async () => {
    const noSpec = await importSpecKit(join(FIXTURES, 'habit-tracker/contracts'));
    expect(!noSpec.ok && noSpec.error).toMatch(/has no spec\.md/);
    const missing = await importSpecKit(join(FIXTURES, 'nope'));
    expect(!missing.ok && missing.error).toMatch(/does not exist/);
  });

  it('keeps the earlier note-tags folder working', async () => {
    const spec = await imported('note-tags');
    expect(spec.title).toBe('Tags for notes');
    expect(spec.tasks).toHaveLength(15);
    expect(spec.tasks.find((t) => t.id === 'T008')).toMatchObject({ files: ['backend/src/services/tag_service.py'], story: 'US1' });
    expect(edgesOf(spec.tasks.find((t) => t.id === 'T008')!)).toEqual(expect.arrayContaining(['T003:explicit', 'T004:explicit']));
    expect(scoreSpec(spec.markdown).accepted).toBe(true);
  });
});
