import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROMPTS_DIR, checkPromptOverride, composeSystemPrompt, listPromptFiles, loadPromptLibrary, MAX_PROMPT_OVERRIDE_BYTES, PROMPT_FOLDER_UNUSED_MS, promptDirWithOverrides, readBuiltInPrompt } from './index';

const input = { role: 'qa', phase: 'verifying', family: 'anthropic', stack: [], failures: [], variables: {} };

describe('organisation prompt overrides', () => {
  it('lists the built-in files by path and refuses paths outside them', () => {
    const files = listPromptFiles();
    expect(files.find((f) => f.path === 'roles/qa.md')).toMatchObject({ id: 'role.qa', kind: 'role' });
    expect(files.some((f) => f.path === 'README.md')).toBe(false);
    expect(readBuiltInPrompt('../package.json')).toBeUndefined();
    expect(readBuiltInPrompt('roles/../../package.json')).toBeUndefined();
  });

  it('checks an override: parseable, same id, under the size cap', () => {
    const qa = readBuiltInPrompt('roles/qa.md')!;
    expect(checkPromptOverride('roles/qa.md', qa)).toEqual({ ok: true });
    expect(checkPromptOverride('roles/qa.md', 'plain text')).toMatchObject({ ok: false, error: expect.stringMatching(/YAML frontmatter/) });
    expect(checkPromptOverride('roles/qa.md', qa.replace('id: role.qa', 'id: role.developer'))).toMatchObject({ ok: false, error: expect.stringMatching(/keep "id: role.qa"/) });
    expect(checkPromptOverride('roles/qa.md', qa + 'x'.repeat(MAX_PROMPT_OVERRIDE_BYTES))).toMatchObject({ ok: false, error: expect.stringMatching(/limit is/) });
    expect(checkPromptOverride('nope.md', qa)).toMatchObject({ ok: false });
  });

  it('builds one folder per set of overrides; no overrides means the built-in folder', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-prompts-'));
    try {
      expect(promptDirWithOverrides({}, root)).toBe(BUILT_IN_PROMPTS_DIR);
      const qa = readBuiltInPrompt('roles/qa.md')!;
      const a = promptDirWithOverrides({ 'roles/qa.md': `${qa}\nRULE A` }, root);
      const again = promptDirWithOverrides({ 'roles/qa.md': `${qa}\nRULE A` }, root);
      const b = promptDirWithOverrides({ 'roles/qa.md': `${qa}\nRULE B` }, root);
      expect(again).toBe(a);
      expect(b).not.toBe(a);
      expect(composeSystemPrompt(loadPromptLibrary({ builtInDir: a }), input).text).toContain('RULE A');
      expect(composeSystemPrompt(loadPromptLibrary({ builtInDir: b }), input).text).toContain('RULE B');
      expect(composeSystemPrompt(loadPromptLibrary(), input).text).not.toMatch(/RULE [AB]/);
      // A bad row's path cannot write outside the copy.
      const c = promptDirWithOverrides({ '../escape.md': 'x' }, root);
      expect(fs.existsSync(path.join(path.dirname(c), 'escape.md'))).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('removes folders unused for a week when it makes a new one, and never one still asked for', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-prompts-'));
    try {
      const qa = readBuiltInPrompt('roles/qa.md')!;
      const folder = (rule: string) => promptDirWithOverrides({ 'roles/qa.md': `${qa}\n${rule}` }, root);
      const old = folder('RULE OLD');
      const inUse = folder('RULE IN USE');
      const longAgo = new Date(Date.now() - PROMPT_FOLDER_UNUSED_MS - 60_000);
      fs.utimesSync(old, longAgo, longAgo);
      fs.utimesSync(inUse, longAgo, longAgo);
      // A task starting with these overrides asks for the folder again: that marks it used.
      expect(folder('RULE IN USE')).toBe(inUse);
      const fresh = folder('RULE NEW');
      expect(fs.existsSync(old)).toBe(false);
      expect(fs.existsSync(inUse)).toBe(true);
      expect(fs.existsSync(fresh)).toBe(true);
      expect(composeSystemPrompt(loadPromptLibrary({ builtInDir: inUse }), input).text).toContain('RULE IN USE');
      // A pruned folder is simply built again when its overrides come back.
      expect(folder('RULE OLD')).toBe(old);
      expect(fs.existsSync(old)).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
