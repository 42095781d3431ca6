import { describe, expect, it } from 'vitest';
import { planChanges } from './apply-changes';

const files: Record<string, string> = {
  'a.ts': 'export const a = 1;\nexport const b = 2;\n',
  'b.ts': 'import { a } from "./a";\nconsole.log(a);\n',
};
const read = (p: string) => files[p] ?? null;

describe('planChanges', () => {
  it('applies several changes to several files, later changes seeing earlier ones', () => {
    const plan = planChanges(
      [
        { path: 'a.ts', mode: 'replace', search: 'export const a = 1;\n', replace: 'export const a = 10;\n' },
        { path: 'a.ts', mode: 'replace', search: 'export const a = 10;\n', replace: 'export const a = 100;\n' },
        { path: 'b.ts', mode: 'replace', search: 'console.log(a);', replace: 'console.info(a);' },
        { path: 'c.ts', mode: 'create', content: 'export {};\n' },
      ],
      read,
    );
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    const after = Object.fromEntries(plan.files.map((f) => [f.path, f.after]));
    expect(after).toEqual({
      'a.ts': 'export const a = 100;\nexport const b = 2;\n',
      'b.ts': 'import { a } from "./a";\nconsole.info(a);\n',
      'c.ts': 'export {};\n',
    });
    expect(plan.files.find((f) => f.path === 'c.ts')?.before).toBeNull();
    expect(plan.changes.map((c) => c.line)).toEqual([1, 1, 2, undefined]);
  });

  it('is all or nothing: one failing change fails the call and names it', () => {
    const plan = planChanges(
      [
        { path: 'a.ts', mode: 'replace', search: 'export const a = 1;\n', replace: 'export const a = 10;\n' },
        { path: 'b.ts', mode: 'replace', search: 'console.warn(a);\n', replace: 'x\n' },
      ],
      read,
    );
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.index).toBe(1);
    expect(plan.path).toBe('b.ts');
    expect(plan.message).toMatch(/^change 2 \(b\.ts\) not applied, nothing was written: /);
    expect(plan).not.toHaveProperty('files');
  });

  it('create refuses an existing file unless overwrite is true', () => {
    const refused = planChanges([{ path: 'a.ts', mode: 'create', content: 'x' }], read);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.refusal.kind).toBe('file-exists');
    const allowed = planChanges([{ path: 'a.ts', mode: 'create', content: 'x', overwrite: true }], read);
    expect(allowed.ok && allowed.files[0].after).toBe('x');
    // An existing but empty file has nothing to lose.
    const empty = planChanges([{ path: 'e.ts', mode: 'create', content: 'y' }], (p) => (p === 'e.ts' ? '' : null));
    expect(empty.ok && empty.files[0].after).toBe('y');
  });

  it('replace on a missing file and an empty list are refused with a reason', () => {
    const missing = planChanges([{ path: 'nope.ts', mode: 'replace', search: 'a', replace: 'b' }], read);
    expect(!missing.ok && missing.refusal.kind).toBe('file-missing');
    expect(planChanges([], read).ok).toBe(false);
  });
});
