import { describe, expect, it } from 'vitest';
import { ZPlanTask, ZSubmitPlanInput } from '../planner/validate-plan';
import { parseToolArgs, runTool } from '../tools/define-tool';
import { createSubmitPlanTool } from './submit-plan';

const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, title: `Task ${id}`, description: `Do ${id}`, files: [`src/${id}.ts`], dependsOn: [], ...extra });

describe('submit_plan', () => {
  const tool = createSubmitPlanTool({ tasks: null });

  it('offers the model the fields of the plan schema shared with the API and MCP (ZPlanTask)', () => {
    const items = (tool.parameters.properties.tasks as { items: { properties: Record<string, unknown>; required: string[] } }).items;
    expect(Object.keys(items.properties).sort()).toEqual(Object.keys(ZPlanTask.shape).sort());
    const requiredInApi = Object.entries(ZPlanTask.shape).filter(([, s]) => !s.isOptional()).map(([k]) => k);
    // dependsOn has a default in the API schema; for the model it is simply optional.
    expect(items.required.sort()).toEqual(requiredInApi.filter((k) => k !== 'dependsOn').sort());
  });

  it('accepts and refuses the same plans as the shared schema', () => {
    const samples: unknown[] = [
      { tasks: [task('a')] },
      { tasks: [task('a', { repo: 'web' }), task('b', { dependsOn: ['a'] })] },
      { tasks: [{ id: 'a', title: 'A', description: 'd', files: ['x'] }] },
      { tasks: [{ id: 'a', files: ['x'] }] },
      { tasks: [{ id: '', title: 'A', description: 'd', files: ['x'] }] },
      { tasks: [task('a', { files: 3 })] },
      { tasks: 'T1' },
      {},
    ];
    for (const s of samples) expect(parseToolArgs(tool, s).ok, JSON.stringify(s)).toBe(ZSubmitPlanInput.safeParse(s).success);
  });

  it('keeps an accepted plan and returns the planner errors otherwise', async () => {
    const holder = { tasks: null as unknown };
    const t = createSubmitPlanTool(holder as never);
    const refused = await runTool(t, { tasks: [task('a', { dependsOn: ['nope'] })] }, { workspaceDir: '/' });
    expect(refused.output).toMatch(/dependsOn "nope" is not a task id/);
    expect(holder.tasks).toBeNull();
    const ok = await runTool(t, { tasks: [task('a'), task('b', { dependsOn: ['a'] })] }, { workspaceDir: '/' });
    expect(ok.output).toBe('Plan accepted: 2 tasks. Now call finish with a summary of the plan.');
    expect((holder.tasks as Array<{ id: string }>).map((x) => x.id)).toEqual(['a', 'b']);
  });
});
