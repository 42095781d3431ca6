import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

// Its two sign-ups come from their own address (the e2e server trusts loopback as a proxy): the
// suite's specs together would pass the 10 sign-ups per address and hour from 127.0.0.1.
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.16' } });

/**
 * The spec editor in a real browser: the score is computed in a Web Worker and agrees with
 * `nightshift spec score` on every fixture of the calibration set (and on a UTF-16 file opened
 * from disk); prose wraps; the title field and the first # heading are one title; the checklist
 * sits beside the findings and filters them; a Spec Kit folder imports into a spec with its plan.
 */
const ROOT = process.cwd();
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'specs');
const SHOTS = path.join(ROOT, 'e2e', 'artifacts');

type Cli = { score: number; accepted: boolean; breakdown: Array<{ concern: string; points: number; max: number }>; findings: unknown[] };

function fixtures(): string[] {
  const out = ['good-spec.md', 'vague-spec.md'].map((f) => path.join(FIXTURES, f));
  for (const dir of ['complete', 'vague', 'template', 'gaming']) {
    for (const f of fs.readdirSync(path.join(FIXTURES, dir)).filter((x) => x.endsWith('.md')).sort()) out.push(path.join(FIXTURES, dir, f));
  }
  return out;
}

function cliScore(file: string, repo?: string): Cli {
  const args = [path.join(ROOT, 'bin/nightshift.js'), 'spec', 'score', file, ...(repo ? ['--repo', repo] : [])];
  return JSON.parse(execFileSync('node', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

async function setSpec(page: Page, markdown: string) {
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  await page.waitForFunction(() => ((window as unknown as { monaco?: { editor?: { getModels(): unknown[] } } }).monaco?.editor?.getModels().length ?? 0) > 0);
  await page.evaluate((md) => {
    (window as unknown as { monaco: { editor: { getModels(): Array<{ setValue(v: string): void }> } } }).monaco.editor.getModels()[0].setValue(md);
  }, markdown);
}

async function modelText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { monaco: { editor: { getModels(): Array<{ getValue(): string }> } } }).monaco.editor.getModels()[0].getValue());
}

/** The editor's figures once the worker has answered for the current text. */
async function editorFigures(page: Page, expected: Cli) {
  const score = page.getByRole('status', { name: 'Completeness score' });
  // The worker has answered for exactly the text now in the editor.
  const chars = (await modelText(page)).length;
  await expect(score).toHaveAttribute('data-scored-chars', String(chars));
  await expect(score).toHaveAttribute('aria-busy', 'false');
  await expect(score).toHaveText(`${expected.score}/100`);
  const points: Record<string, string> = {};
  for (const b of expected.breakdown) points[b.concern] = (await page.getByTestId(`points-${b.concern}`).textContent()) ?? '';
  const findings = await page.getByRole('region', { name: 'Findings' }).getByRole('listitem').count();
  return { points, findings };
}

test('the spec editor scores in a worker, agrees with the CLI, keeps one title and imports Spec Kit folders', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('analytical-engine');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Engines Ltd');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('notes');
  await page.getByLabel('Repository').fill('https://example.com/engines/notes.git');
  await page.getByRole('button', { name: 'Create project' }).click();
  // The new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'notes' })).toBeVisible();
  await page.getByRole('link', { name: 'New spec' }).click();
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();

  // The score comes from a dedicated Web Worker (off the main thread).
  await expect
    .poll(async () => {
      const names = await Promise.all(page.workers().map((w) => w.evaluate(() => (self as unknown as { name: string }).name).catch(() => '')));
      return names.includes('spec-score');
    })
    .toBe(true);

  // One title: the field writes the first # heading, and the heading fills the field.
  await page.getByLabel('Spec title').fill('Tag filter');
  expect((await modelText(page)).split('\n')[0]).toBe('# Tag filter');
  await setSpec(page, '# Export bookmarks\n\nSome text.\n');
  await expect(page.getByLabel('Spec title')).toHaveValue('Export bookmarks');

  // Prose wraps.
  const wrap = await page.evaluate(() => {
    const m = (window as unknown as { monaco: { editor: { getEditors(): Array<{ getRawOptions(): { wordWrap?: string } }> } } }).monaco;
    return m.editor.getEditors()[0].getRawOptions().wordWrap;
  });
  expect(wrap).toBe('on');

  // Every fixture: the editor shows what `nightshift spec score` prints.
  for (const file of fixtures()) {
    const cli = cliScore(file);
    await setSpec(page, fs.readFileSync(file, 'utf8'));
    const shown = await editorFigures(page, cli);
    expect(shown.points, file).toEqual(Object.fromEntries(cli.breakdown.map((b) => [b.concern, `${b.points}/${b.max}`])));
    expect(shown.findings, file).toBe(cli.findings.length);
  }

  // The checklist beside the findings filters them by concern.
  const vague = cliScore(path.join(FIXTURES, 'vague-spec.md'));
  await setSpec(page, fs.readFileSync(path.join(FIXTURES, 'vague-spec.md'), 'utf8'));
  await editorFigures(page, vague);
  await page.getByRole('region', { name: 'Completeness checklist' }).getByRole('button', { name: /^Acceptance criteria: \d+ of 30/ }).click();
  const filtered = page.getByRole('region', { name: 'Findings' }).getByRole('listitem');
  await expect(filtered.first()).toContainText('Acceptance criteria');
  await page.screenshot({ path: path.join(SHOTS, 'spec-editor-checklist.png'), fullPage: true });

  // A UTF-16 file opened from disk scores like its UTF-8 twin.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-e2e-spec-'));
  const twin = path.join(FIXTURES, 'complete', 'prd-team-invites.md');
  const utf16 = path.join(tmp, 'prd-utf16.md');
  fs.writeFileSync(utf16, Buffer.from(`\ufeff${fs.readFileSync(twin, 'utf8').replace(/\n/g, '\r\n')}`, 'utf16le'));
  await page.getByLabel('Open a spec file').setInputFiles(utf16);
  await expect(page.getByText('Opened prd-utf16.md (utf-16le).')).toBeVisible();
  await editorFigures(page, cliScore(twin));

  // A Spec Kit folder becomes a spec whose plan is its tasks.md.
  await page.goto(page.url().replace(/\/specs\/.*$/, '/specs/new'));
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  await page.getByLabel('Import a Spec Kit folder').setInputFiles(path.join(ROOT, 'test', 'fixtures', 'speckit', 'habit-tracker'));
  await expect(page.getByRole('region', { name: 'Imported plan' })).toContainText('18 tasks (4 done)');
  await expect(page.getByLabel('Spec title')).toHaveValue('Habit streaks in the CLI');
  await page.screenshot({ path: path.join(SHOTS, 'spec-editor-import.png'), fullPage: true });
});

test('on a project with a local checkout, the editor shows the grounded score `spec score --repo` prints', async ({ page }) => {
  test.setTimeout(300_000);
  // A checkout the server may read (under the granted E2E_REPOS_DIR).
  const repo = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), 'ns-e2e-ground-'));
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'src', 'tags.ts'), 'export function parseTags(s: string) {\n  return s.split(",");\n}\n');
  fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'notes', scripts: { test: 'vitest run' } }));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-e2e-ground-spec-'));
  const specFile = path.join(tmp, 'spec.md');
  fs.writeFileSync(
    specFile,
    `${fs.readFileSync(path.join(FIXTURES, 'good-spec.md'), 'utf8').trimEnd()}\n\n## In this repository\n\n- Reuse \`parseTags\` from \`src/tags.ts\`; render with \`renderWidget\` from \`src/widgets/render.ts\`.\n- CI runs \`npm run test\` and \`npm run lint:strict\`.\n`,
  );
  const grounded = cliScore(specFile, repo);
  const plain = cliScore(specFile);
  expect(grounded.score).toBeLessThan(plain.score);

  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(`grace-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('compiler-compiler');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Ground Truth');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('notes');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // The new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'notes' })).toBeVisible();
  await page.getByRole('link', { name: 'New spec' }).click();

  await setSpec(page, fs.readFileSync(specFile, 'utf8'));
  const shown = await editorFigures(page, grounded);
  expect(shown.points).toEqual(Object.fromEntries(grounded.breakdown.map((b) => [b.concern, `${b.points}/${b.max}`])));
  expect(shown.findings).toBe(grounded.findings.length);
  const score = page.getByRole('status', { name: 'Completeness score' });
  await expect(score).toHaveAttribute('data-grounding', 'checked');
  const findings = page.getByRole('region', { name: 'Findings' });
  await expect(findings).toContainText('`src/widgets/render.ts` does not exist in the repository');
  await expect(findings).not.toContainText('`src/tags.ts` does not exist');
  await expect(page.getByRole('region', { name: 'Completeness checklist' })).toContainText("checked against the project's repository");
  await page.screenshot({ path: path.join(SHOTS, 'spec-editor-grounded.png'), fullPage: true });
});
