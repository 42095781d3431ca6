import { describe, expect, it } from 'vitest';
import { loadSkillLibrary, MAX_SKILL_MANIFEST_BYTES, orgSkillLibrary, parseUploadedSkill } from './index';

const manifest = (name: string, extra = '') => `---\nname: ${name}\ndescription: A test skill for uploads.\ncues: [upload]\n---\nDo the thing.${extra}\n`;

describe("an organisation's skill library", () => {
  it('validates uploads like built-in skills, plus name match, body and size', () => {
    expect(parseUploadedSkill('up-one', manifest('up-one'))).toMatchObject({ ok: true, skill: { name: 'up-one', body: 'Do the thing.', resources: [], scripts: [] } });
    expect(parseUploadedSkill('up-one', manifest('up-two'))).toMatchObject({ ok: false, error: expect.stringMatching(/frontmatter says name: "up-two"/) });
    expect(parseUploadedSkill('Up', manifest('Up'))).toMatchObject({ ok: false, error: expect.stringMatching(/kebab-case/) });
    expect(parseUploadedSkill('up-one', '---\nname: up-one\ndescription: x y\n---\n')).toMatchObject({ ok: false, error: expect.stringMatching(/no guidance/) });
    expect(parseUploadedSkill('up-one', manifest('up-one', 'x'.repeat(MAX_SKILL_MANIFEST_BYTES)))).toMatchObject({ ok: false, error: expect.stringMatching(/limit is/) });
  });

  it('drops disabled skills, adds uploads, never lets an upload shadow a built-in', () => {
    const base = loadSkillLibrary();
    const lib = orgSkillLibrary(base, {
      disabled: ['node-testing'],
      uploaded: [
        { name: 'up-one', manifest: manifest('up-one') },
        { name: 'react-components', manifest: manifest('react-components') },
        { name: 'broken', manifest: 'no frontmatter' },
      ],
    });
    expect(lib.get('node-testing')).toBeUndefined();
    expect(lib.get('up-one')?.description).toBe('A test skill for uploads.');
    expect(lib.get('react-components')).toBe(base.get('react-components'));
    expect(lib.get('broken')).toBeUndefined();
    expect(lib.skills.size).toBe(base.skills.size);
    // The shared built-in library is not changed.
    expect(base.get('node-testing')).toBeDefined();
  });
});

describe('a built-in skill with the organisation\'s own text (an adopted self-improvement edit)', () => {
  it('replaces the text, keeps the folder and resources, and ignores an invalid or disabled override', () => {
    const base = loadSkillLibrary();
    const builtIn = base.get('node-testing')!;
    const text = `---\nname: node-testing\ndescription: Tests, the organisation's way.\ncues: ['\\btests?\\b']\n---\nRun one file first.\n`;
    const lib = orgSkillLibrary(base, { disabled: [], uploaded: [], overrides: [{ name: 'node-testing', manifest: text }] });
    expect(lib.get('node-testing')).toMatchObject({ description: "Tests, the organisation's way.", body: 'Run one file first.', dir: builtIn.dir, resources: builtIn.resources, scripts: builtIn.scripts });
    expect(orgSkillLibrary(base, { disabled: [], uploaded: [], overrides: [{ name: 'node-testing', manifest: 'no frontmatter' }] }).get('node-testing')).toBe(builtIn);
    expect(orgSkillLibrary(base, { disabled: ['node-testing'], uploaded: [], overrides: [{ name: 'node-testing', manifest: text }] }).get('node-testing')).toBeUndefined();
    // An override names a built-in skill; it adds nothing under another name.
    expect(orgSkillLibrary(base, { disabled: [], uploaded: [], overrides: [{ name: 'up-one', manifest: manifest('up-one') }] }).get('up-one')).toBeUndefined();
  });
});
