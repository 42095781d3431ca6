import { describe, expect, it } from 'vitest';
import { validatePlan } from './validate-plan';

const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, title: `Task ${id}`, description: `Do ${id}`, files: [`src/${id}.ts`], dependsOn: [], ...extra });

describe('validatePlan', () => {
  it('accepts a well-formed plan', () => {
    const result = validatePlan({ tasks: [task('a'), task('b', { dependsOn: ['a'], repo: 'web' })] });
    expect(result.ok).toBe(true);
  });

  it('lists unknown dependencies, duplicate ids and tasks without files in words a model can act on', () => {
    const result = validatePlan({ tasks: [task('a', { files: [] }), task('b', { dependsOn: ['nope'] }), task('a')] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'tasks[2] "a": id already used by tasks[0]. Give every task a unique id.',
      expect.stringMatching(/^tasks\[0\] "a": files is empty\. List every path/),
      'tasks[1] "b": dependsOn "nope" is not a task id in this plan. Use one of "a", "b", or add a task with that id.',
    ]);
  });

  it('reports shape errors with their path', () => {
    const result = validatePlan({ tasks: [{ id: 'a', files: 'src/a.ts' }] });
    expect(!result.ok && result.errors.join('\n')).toMatch(/tasks\[0\]\.title: Required/);
    expect(!result.ok && result.errors.join('\n')).toMatch(/tasks\[0\]\.files: Expected array/);
  });

  it('reports a dependency cycle naming its tasks', () => {
    const result = validatePlan({ tasks: [task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['a'] })] });
    expect(!result.ok && result.errors[0]).toMatch(/Dependency cycle between tasks "a", "b"|Dependency cycle between tasks "b", "a"/);
  });
});
