import { describe, expect, it } from 'vitest';
import { gapFillingObjective, mergeGapFill, planFromImport } from './import-plan';
import { convertSpecKit } from './speckit-convert';

const imported = convertSpecKit([
  { path: 'spec.md', content: '# Feature Specification: Export\n\n- **FR-001**: `notes export` MUST write `notes.json`.\n' },
  {
    path: 'tasks.md',
    content: [
      '## Phase 1: Setup',
      '- [x] T001 Create cli/export.py',
      '- [ ] T002 Add the export subcommand in cli/main.py (depends on T001)',
      '- [~] T003 Write the user guide',
      '  (half written)',
      '- [ ] T004 [P] Tests in tests/test_export.py',
    ].join('\n'),
  },
]);

describe('the imported tasks as the plan', () => {
  it('plans the open tasks, lists the done ones, and names the gaps', () => {
    const plan = planFromImport(imported.tasks);
    expect(plan.done).toEqual(['T001']);
    expect(plan.tasks.map((t) => [t.id, t.dependsOn])).toEqual([
      ['T002', []], // T001 is done: the dependency is met
      ['T003', ['T002']],
      ['T004', ['T003']],
    ]);
    expect(plan.gaps).toEqual(['T003']);
    expect(plan.tasks[1].description).toContain('This task was started before ([~] in tasks.md)');
    expect(plan.tasks[1].description).toContain('(half written)');
    expect(plan.tasks[0].description).toContain('Order (from tasks.md): after T001');
  });

  it('asks the planner only for the gaps, and keeps the team plan when folding its answer in', () => {
    const plan = planFromImport(imported.tasks);
    const objective = gapFillingObjective(imported.markdown, plan);
    expect(objective).toContain('fill in `files` for the tasks marked "files: ?" (T003)');
    expect(objective).toContain('- T003: Write the user guide (files: ?) [after T002]');
    expect(objective).toContain('Tasks T001 are already done');
    const merged = mergeGapFill(plan, [
      { id: 'T002', title: 'changed by the planner', description: 'x', files: ['other.py'], dependsOn: [] },
      { id: 'T003', title: 'Write the user guide', description: 'x', files: ['docs/export.md'], dependsOn: ['T002'] },
      { id: 'T004', title: 'Tests', description: 'x', files: ['tests/test_export.py'], dependsOn: ['T003'] },
      { id: 'N1', title: 'Document the JSON format', description: 'no task covers FR-001 output format', files: ['docs/format.md'], dependsOn: ['T001'] },
    ]);
    expect(merged.filled).toEqual(['T003']);
    expect(merged.added).toEqual(['N1']);
    expect(merged.tasks.find((t) => t.id === 'T002')).toMatchObject({ title: plan.tasks[0].title, files: ['cli/main.py'] }); // the team's task wins
    expect(merged.tasks.find((t) => t.id === 'T003')?.files).toEqual(['docs/export.md']);
    expect(merged.tasks.find((t) => t.id === 'N1')?.dependsOn).toEqual([]); // T001 is done
  });
});
