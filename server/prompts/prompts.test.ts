import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_ROLES } from '../agent/types';
import { composeSystemPrompt, detectStack, loadPromptLibrary, parsePromptFile, renderTemplate } from './index';

const base = { phase: 'implementing', family: 'openai', stack: ['node'], failures: [], variables: { tools: 'read_file, finish', skills: '(none)' } };

describe('prompts as files', () => {
  it('every role prompt contains "Role: <role>" and renders without missing variables', () => {
    const lib = loadPromptLibrary();
    for (const role of AGENT_ROLES) {
      const p = composeSystemPrompt(lib, { ...base, role });
      expect(p.text).toContain(`Role: ${role}`);
      expect(p.missingVariables).toEqual([]);
      expect(p.used[0]).toEqual({ id: 'base', version: '1' });
    }
  });

  it('composes phase, family, stack and failure guidance', () => {
    const lib = loadPromptLibrary();
    const p = composeSystemPrompt(lib, { ...base, role: 'developer', family: 'qwen', stack: ['node', 'typescript'], failures: ['doom-loop'] });
    expect(p.used.map((u) => u.id)).toEqual(['base', 'role.developer', 'phase.implementing', 'family.small-models', 'stack.node', 'stack.typescript', 'failure.doom-loop']);
    expect(p.text).toContain('repeated the same tool calls');
    expect(p.text).toContain('node, typescript');
  });

  it("a repository's system-prompts/ overrides a built-in by id", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-prompts-'));
    mkdirSync(join(dir, 'system-prompts'));
    writeFileSync(join(dir, 'system-prompts', 'dev.md'), '---\nid: role.developer\nversion: 7-acme\nkind: role\nrole: developer\n---\nRole: developer\nAlways run `make check` ({{stack}}).\n');
    const lib = loadPromptLibrary({ overridesDir: join(dir, 'system-prompts') });
    expect(lib.overridden).toEqual(['role.developer']);
    const p = composeSystemPrompt(lib, { ...base, role: 'developer' });
    expect(p.text).toContain('Always run `make check` (node).');
    expect(p.used).toContainEqual({ id: 'role.developer', version: '7-acme' });
  });

  it('reports bad frontmatter clearly and renders {{variables}}', () => {
    expect(() => parsePromptFile('no frontmatter', 'x.md')).toThrow(/x\.md: a prompt starts with YAML frontmatter/);
    expect(() => parsePromptFile('---\nkind: role\n---\nhi', 'y.md')).toThrow(/y\.md: frontmatter needs an "id"/);
    expect(renderTemplate('a {{x}} b {{ y }}', { x: '1' })).toEqual({ text: 'a 1 b ', missing: ['y'] });
  });

  it('detects the stack from package.json, go.mod and pyproject.toml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-stack-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { next: '16', react: '19' }, devDependencies: { vitest: '4' } }));
    writeFileSync(join(dir, 'go.mod'), 'module x\n');
    expect(detectStack(dir).sort()).toEqual(['go', 'nextjs', 'node', 'react', 'vitest']);
  });
});
