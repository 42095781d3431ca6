import { expect, test } from '@playwright/test';
import { localRepo } from './support/repos';

test('a newcomer signs up, creates an organization and a project', async ({ page, request }) => {
  const health = await request.get('/api/health');
  expect(health.status()).toBe(200);
  const body = await health.json();
  expect(body.database.mode).toBe('embedded-postgres');
  expect(body.database.migrations.pending).toEqual([]);

  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  const email = `ada-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('analytical-engine');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.getByLabel('Organization name').fill('Difference Engines');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(/\/o\/difference-engines\/projects$/);
  await expect(page.getByRole('combobox', { name: 'Organization' })).toHaveValue('difference-engines');

  // A new organisation starts with the getting-started checklist.
  await expect(page.getByRole('list', { name: 'Getting started' })).toBeVisible();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('engine');
  await page.getByLabel('Repository').fill('not a repo');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toContainText('absolute local path or a git URL');

  const repo = localRepo('ns-e2e-engine-');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // The new project opens, its repository checked: reachable, default branch detected.
  await expect(page.getByRole('heading', { level: 1, name: 'engine' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Project health' })).toContainText('Reachable');
  await expect(page.getByRole('status', { name: 'Project health' })).toContainText('default branch main');
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Projects', exact: true }).click();
  const list = page.getByRole('list', { name: 'Projects' });
  await expect(list.getByRole('heading', { name: 'engine' })).toBeVisible();
  await expect(list).toContainText(repo);

  // The project's own settings: QA's web tester (the URL must be inside the sandbox) and its MCP servers.
  await list.getByRole('link', { name: 'engine' }).click();
  await expect(page.getByRole('status', { name: 'Web tester state' })).toHaveText('Off: QA tests without a browser.');
  await page.getByLabel('Start command').fill('npm run dev -- --port 4173');
  await page.getByLabel('App URL').fill('http://example.com:4173/');
  await page.getByRole('button', { name: 'Save web tester' }).click();
  await expect(page.getByRole('main').getByRole('alert').filter({ hasText: 'must be http://127.0.0.1:PORT' })).toBeVisible();
  await page.getByLabel('App URL').fill('http://127.0.0.1:4173/');
  await page.getByRole('button', { name: 'Save web tester' }).click();
  await expect(page.getByRole('status', { name: 'Web tester state' })).toHaveText('On: npm run dev -- --port 4173 → http://127.0.0.1:4173/');
  await expect(page.getByText('The organization has no MCP servers yet; admins add them in Settings.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('status', { name: 'Web tester state' })).toContainText('npm run dev -- --port 4173');
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Projects', exact: true }).click();

  // Sign out and back in: the session, the organisation and the project are all still there.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid email or password');
  await page.getByLabel('Password').fill('analytical-engine');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('list', { name: 'Projects' }).getByRole('heading', { name: 'engine' })).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/foundation-projects.png', fullPage: true });

  // Members page with an invitation link.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members', exact: true }).click();
  await expect(page.getByRole('list', { name: 'People' })).toContainText(email);
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  await expect(page.getByLabel('Invitation link')).toContainText('/invite/nsi_');
});
