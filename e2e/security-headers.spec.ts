import { expect, test } from '@playwright/test';
import { localRepo } from './support/repos';

/**
 * Every page carries the security headers, and the product still works under its
 * Content-Security-Policy: the spec editor (Monaco, with its workers and fonts) loads, takes text
 * and scores it, with no CSP violation reported by the browser.
 */
const EXPECTED = {
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-content-type-options': 'nosniff',
};

test('pages carry the security headers and the spec editor works under the CSP', async ({ page, request }) => {
  test.setTimeout(180_000);
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => {
    if (/Content Security Policy|unsafe-eval/i.test(String(e))) violations.push(String(e));
  });

  for (const path of ['/', '/signin', '/signup', '/o/nowhere/projects', '/api/health', '/api/auth/csrf', '/no-such-page']) {
    const res = await request.get(path);
    const h = res.headers();
    for (const [k, v] of Object.entries(EXPECTED)) expect(h[k], `${k} on ${path}`).toBe(v);
    expect(h['content-security-policy'], path).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy'], path).toContain("default-src 'self'");
  }

  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Dorothy Denning');
  await page.getByLabel('Email').fill(`dorothy-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('lattice-model-1976');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Information Flow');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('lattice');
  await page.getByLabel('Repository').fill(localRepo('ns-e2e-lattice-'));
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'lattice' })).toBeVisible();
  await page.getByRole('link', { name: 'New spec' }).click();
  await page.getByLabel('Spec title').fill('Labels');

  // Typed through the editor itself (keyboard into Monaco), not set behind its back.
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  const editor = page.locator('.monaco-editor').first();
  await expect(editor).toBeVisible();
  await editor.click();
  await page.keyboard.type('# Security labels\n\n## What to build\nEvery document carries a label.\n');
  await expect(editor).toContainText('Every document carries a label.');
  await expect(page.getByRole('status', { name: 'Completeness score' })).toHaveText(/^\d+\/100$/);
  // Monaco's language services run in web workers: a worker refused by the CSP would leave none.
  await page.waitForFunction(() => (window as unknown as { monaco?: { editor?: { getModels(): unknown[] } } }).monaco?.editor?.getModels().length);
  expect(violations).toEqual([]);
});
