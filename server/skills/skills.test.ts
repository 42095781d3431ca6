import { describe, expect, it } from 'vitest';
import { runTool } from '../tools/define-tool';
import { createSandbox } from '../../sandbox/index';
import { makeWorkspace } from '../../test/agent/test-support';
import { createLoadSkillTool } from '../tools/load-skill';
import { createReadSkillResourceTool } from '../tools/read-skill-resource';
import { createRunSkillScriptTool } from '../tools/run-skill-script';
import { loadSkillLibrary, skillProfile } from './index';

const lib = loadSkillLibrary();

describe('skills with progressive disclosure', () => {
  it('ships at least five valid skills with resources and scripts', () => {
    expect([...lib.skills.keys()].sort()).toEqual(expect.arrayContaining(['kysely-migrations', 'nextjs-app-router', 'node-testing', 'playwright-testing', 'react-components']));
    for (const s of lib.skills.values()) {
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.cues.length).toBeGreaterThan(0);
      expect(s.resources.length).toBeGreaterThan(0);
      expect(s.scripts.length).toBeGreaterThan(0);
    }
  });

  it('profiles: architect sees the whole registry, developer gets cue matches, QA autoloads its domain', () => {
    const arch = skillProfile(lib, 'architect', 'Add an invoices table');
    expect(arch.registryText).toContain('- kysely-migrations [data]:');
    const dev = skillProfile(lib, 'developer', 'Add a kysely migration for the invoices table');
    expect(dev.suggested).toContain('kysely-migrations');
    expect(dev.registryText).toMatch(/Registry — .*data: kysely-migrations/);
    expect(dev.registryText).toContain('Suggested for this task: kysely-migrations');
    expect(dev.autoloaded).toEqual([]);
    const qa = skillProfile(lib, 'qa', 'Fix the bug in the cart total; add a regression test');
    expect(qa.autoloaded).toContain('node-testing');
    expect(qa.registryText).toContain('### Skill loaded for your role: node-testing');
    // Level 1 stays small: about a hundred tokens.
    expect(skillProfile(lib, 'developer', 'unrelated').registryText.length).toBeLessThan(500);
  });

  it('levels 2–4: load_skill, read_skill_resource, run_skill_script in the sandbox', async () => {
    const load = await runTool(createLoadSkillTool(lib), { name: 'node-testing' }, { workspaceDir: '/' });
    expect(load.output).toContain('Resources: patterns.md');
    expect((await runTool(createLoadSkillTool(lib), { name: 'nope' }, { workspaceDir: '/' })).output).toMatch(/no skill named "nope"; available: /);
    const res = await runTool(createReadSkillResourceTool(lib), { name: 'node-testing', path: 'patterns.md' }, { workspaceDir: '/' });
    expect(res.output).toContain('Table-driven');
    expect((await runTool(createReadSkillResourceTool(lib), { name: 'node-testing', path: '../SKILL.md' }, { workspaceDir: '/' })).isError).toBe(true);

    const ws = makeWorkspace({ 'package.json': JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { vitest: '4' } }), 'src/a.test.ts': '' });
    const sandbox = await createSandbox({ driver: 'bwrap', workspaceDir: ws, network: false, env: {} });
    await sandbox.start();
    try {
      const r = await runTool(createRunSkillScriptTool(lib, sandbox), { name: 'node-testing', script: 'detect-runner.sh' }, { workspaceDir: ws });
      expect(r.isError).toBeFalsy();
      expect(r.output).toContain('runner: vitest');
      expect(r.output).toContain('example: ./src/a.test.ts');
    } finally {
      await sandbox.stop();
    }
  });
});
