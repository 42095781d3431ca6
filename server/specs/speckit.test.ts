import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWaves } from '../planner/waves';
import { scoreSpec } from './score';
import { extractFiles, importSpecKit, parseSpecKitTasks } from './speckit';

const FIXTURE = join(__dirname, '../../test/fixtures/speckit/note-tags');

describe('Spec Kit tasks.md', () => {
  it('reads ids, [P], story labels and file paths', () => {
    const { tasks, warnings } = parseSpecKitTasks(
      ['## Phase 1: Setup', '- [ ] T001 Create `src/app.py`', '- [x] T002 [P] [US1] Model in src/models/user.py and src/models/__init__.py', '  - [ ] not a task'].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(tasks.map(({ line: _l, ...t }) => t)).toEqual([
      { id: 'T001', title: 'Create `src/app.py`', description: 'Create `src/app.py`', files: ['src/app.py'], dependsOn: [], parallelSafe: false, phase: 'Phase 1: Setup', done: false },
      {
        id: 'T002',
        title: 'Model in src/models/user.py and src/models/__init__.py',
        description: 'Model in src/models/user.py and src/models/__init__.py',
        files: ['src/models/user.py', 'src/models/__init__.py'],
        dependsOn: ['T001'],
        parallelSafe: true,
        story: 'US1',
        phase: 'Phase 1: Setup',
        done: true,
      },
    ]);
  });

  it('does not take routes or URLs for files', () => {
    expect(extractFiles('Contract test for POST /notes/{id}/tags in tests/test_tags.py, see https://x.dev/a.md')).toEqual(['tests/test_tags.py']);
  });

  it('turns phases into dependencies: sequential tasks in order, [P] groups, stories in parallel after Foundational', () => {
    const { tasks } = parseSpecKitTasks(
      [
        '## Phase 1: Setup',
        '- [ ] T001 a in a.py',
        '- [ ] T002 [P] b in b.py',
        '- [ ] T003 [P] c in c.py',
        '## Phase 2: Foundational',
        '- [ ] T004 d in d.py',
        '## Phase 3: User Story 1 - One (Priority: P1)',
        '- [ ] T005 [P] [US1] e in e.py',
        '- [ ] T006 [US1] f in f.py (depends on T001)',
        '## Phase 4: User Story 2 - Two (Priority: P2)',
        '- [ ] T007 [US2] g in g.py',
        '## Phase 5: Polish',
        '- [ ] T008 h in h.py',
        '- [ ] T009 i in i.py (depends on T999)',
      ].join('\n'),
    );
    const deps = Object.fromEntries(tasks.map((t) => [t.id, t.dependsOn]));
    expect(deps).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T001'],
      T004: ['T002', 'T003'], // waits for the whole [P] tail of Setup
      T005: ['T004'],
      T006: ['T005', 'T001'],
      T007: ['T004'], // story 2 does not wait for story 1
      T008: ['T006', 'T007'], // Polish waits for every story
      T009: ['T008'],
    });
  });

  it('warns about unknown dependencies and tasks without paths', () => {
    const { tasks, warnings } = parseSpecKitTasks('- [ ] T001 Tidy up (depends on T999)\n');
    expect(tasks[0].dependsOn).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/T001 depends on T999/), expect.stringMatching(/T001 names no file path/)]);
  });
});

describe('importSpecKit', () => {
  it('imports the fixture folder into a spec that scores as accepted, with tasks and contracts', async () => {
    const result = await importSpecKit(FIXTURE);
    if (!result.ok) throw new Error(result.error);
    const { spec } = result;
    expect(spec.title).toBe('Tags for notes');
    expect(spec.tasks).toHaveLength(15);
    expect(spec.tasks.filter((t) => t.parallelSafe).map((t) => t.id)).toEqual(['T002', 'T004', 'T005', 'T006', 'T007', 'T010', 'T011', 'T013', 'T014']);
    expect(spec.tasks.find((t) => t.id === 'T008')).toMatchObject({ files: ['backend/src/services/tag_service.py'], dependsOn: ['T006', 'T007', 'T003', 'T004'], story: 'US1' });
    expect(spec.contracts).toEqual([expect.objectContaining({ path: 'contracts/tags-api.yaml', kind: 'openapi' })]);
    for (const heading of ['What to build', 'What not to build', 'Acceptance criteria', 'Dependencies and contracts', 'Test expectations', 'UI/UX']) {
      expect(spec.markdown).toContain(`## ${heading}`);
    }
    expect(spec.markdown).toContain('**Given** a note with 10 tags');
    expect(spec.markdown).toContain('No sharing of tags between users.');
    expect(scoreSpec(spec.markdown).accepted).toBe(true);

    // The imported tasks plan cleanly: T009 and T015 both change tags.py and land in different waves.
    const plan = planWaves(spec.tasks);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.waveOf.T015).toBeGreaterThan(plan.waveOf.T009);
    expect(plan.waveOf.T011).toBe(plan.waveOf.T006); // story 2 starts beside story 1
  });

  it('returns an error for a folder without spec.md', async () => {
    const result = await importSpecKit(join(FIXTURE, 'contracts'));
    expect(!result.ok && result.error).toMatch(/has no spec\.md/);
    const missing = await importSpecKit(join(FIXTURE, 'nope'));
    expect(!missing.ok && missing.error).toMatch(/does not exist/);
  });
});
