import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * The project page's Patterns section in a real browser: scan a repository seeded with
 * anti-patterns, switch one off, edit another (a new version, restorable), and turn a rule's
 * occurrences into a cleanup spec that opens in the spec editor.
 */
function seededRepo(): string {
  const dir = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), 'ns-e2e-patterns-'));
  fs.cpSync(path.join(process.cwd(), 'test', 'fixtures', 'viability', 'repo'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'shop', scripts: { test: 'node --test' } }, null, 2));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return dir;
}

test('scan a repository, switch and edit its patterns, create a cleanup spec', async ({ page }) => {
  test.setTimeout(180_000);
  const repo = seededRepo();
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Frances Allen');
  await page.getByLabel('Email').fill(`frances-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('optimising-compilers');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Flow Analysis');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('shop');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // A new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'shop' })).toBeVisible();

  const list = page.getByRole('list', { name: 'Patterns' });
  await expect(page.getByText('No patterns yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Scan repository' }).click();
  await expect(page.getByRole('status', { name: 'Scan result' })).toContainText('Scanned 10 files');
  await expect(page.getByRole('status', { name: 'Scan result' })).toContainText('src/broken.ts: parse-error');
  const sql = list.getByRole('listitem', { name: 'Pattern SQL text built by concatenation or template interpolation' });
  await expect(sql).toContainText('4 in the last scan');
  await expect(sql).toContainText('src/db.ts:7');
  await expect(sql).toContainText('INSTEAD: Keep the SQL text constant');

  // Switched off, it stays off after a reload.
  const anyCast = list.getByRole('switch', { name: 'Use pattern Cast to `any`' });
  await expect(anyCast).toBeChecked();
  await anyCast.click();
  await expect(anyCast).not.toBeChecked();

  // An edit is a new version; the history restores the first.
  await sql.getByRole('button', { name: 'Edit' }).click();
  await sql.getByLabel('Instead').fill('Use the query builder in src/db.ts: db.selectFrom(...).where("id", "=", id).');
  await sql.getByRole('button', { name: 'Save pattern' }).click();
  await expect(sql).toContainText('Saved as version 2.');
  await expect(sql).toContainText('INSTEAD: Use the query builder in src/db.ts');
  await sql.getByRole('button', { name: 'History' }).click();
  await expect(sql.getByRole('list', { name: /History of/ })).toContainText('v2 · edited by Frances Allen');
  await page.screenshot({ path: 'e2e/artifacts/patterns.png', fullPage: true });
  await sql.getByRole('button', { name: 'Restore v1' }).click();
  await expect(sql).toContainText('INSTEAD: Keep the SQL text constant');

  await page.reload();
  await expect(page.getByRole('list', { name: 'Patterns' }).getByRole('switch', { name: 'Use pattern Cast to `any`' })).not.toBeChecked();

  // The cleanup spec for one rule opens in the spec editor, accepted by the gate.
  await page.getByLabel('Rule to clean up').selectOption('py/yaml-load');
  await page.getByRole('button', { name: 'Create cleanup spec' }).click();
  await expect(page).toHaveURL(/\/specs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status', { name: 'Completeness score' })).toHaveText('100/100');
});
