import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { localRepo } from './support/repos';
import { captureBoth, DESKTOP, tabTo } from './support/layout';

// Its own address for the sign-up throttle (the e2e server trusts loopback as a proxy).
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.11' } });

/**
 * A new team's first run, with the keyboard only (Tab, Shift+Tab, typing, Enter — no clicks):
 * sign up → organisation → the getting-started checklist → a bad repository path refused where it
 * was typed → the new project opened → a spec written and submitted. The checklist ticks each item
 * off from real state, and disappears once the team is invited.
 */
const SPEC = fs.readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8');

async function press(page: Page, key: string) {
  await page.keyboard.press(key);
}

test('keyboard-only: sign-up → organisation → checklist → project → spec', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize(DESKTOP);
  const repo = localRepo('ns-e2e-firstrun-');
  const missing = path.join(path.dirname(repo), 'no-such-checkout');

  await page.goto('/');
  await tabTo(page, page.getByRole('link', { name: 'Create account' }));
  await press(page, 'Enter');
  await tabTo(page, page.getByLabel('Name'));
  await page.keyboard.type('Katherine Johnson');
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(`katherine-${Date.now()}@example.com`);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type('orbital-mechanics');
  await press(page, 'Enter');

  await tabTo(page, page.getByLabel('Organization name'));
  await page.keyboard.type('Trajectories');
  await press(page, 'Enter');

  // The empty projects page: the checklist, with the model already provided by this server.
  const checklist = page.getByRole('list', { name: 'Getting started' });
  await expect(checklist).toBeVisible();
  await expect(checklist.getByRole('listitem').filter({ hasText: 'Done: Connect a model' })).toContainText('provided by this server');
  await expect(checklist.getByRole('listitem').filter({ hasText: 'To do: Add a repository' })).toBeVisible();
  await expect(checklist.getByRole('listitem').filter({ hasText: 'To do: Write a spec' })).toBeVisible();
  await expect(checklist.getByRole('listitem').filter({ hasText: 'To do: Invite the team' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Getting started progress' })).toHaveText('1 of 4 done');
  await captureBoth(page, 'first-run-1-checklist', checklist);

  // A path that does not exist is refused in the Repository field itself, with the policy's one message.
  await tabTo(page, page.getByRole('button', { name: 'New project' }));
  await press(page, 'Enter');
  await tabTo(page, page.getByLabel('Project name'));
  await page.keyboard.type('trajectory');
  await tabTo(page, page.getByLabel('Repository'));
  await page.keyboard.type(missing);
  await press(page, 'Tab');
  const repository = page.getByLabel('Repository');
  await expect(repository).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('This repository is not available to this organization.', { exact: false })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Projects' })).toHaveCount(0);
  await captureBoth(page, 'first-run-2-bad-path', page.getByText('This repository is not available to this organization.', { exact: false }));

  // The right path: reachable, default branch detected — and the new project opens.
  await tabTo(page, repository, { back: true });
  await press(page, 'ControlOrMeta+A');
  await page.keyboard.type(repo);
  await press(page, 'Tab');
  await expect(page.getByText('Reachable (local) · default branch main')).toBeVisible();
  await expect(repository).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Default branch')).toHaveAttribute('placeholder', 'main');
  await captureBoth(page, 'first-run-3-path-checked', page.getByText('Reachable (local) · default branch main'));
  await tabTo(page, page.getByRole('button', { name: 'Create project' }));
  await press(page, 'Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'trajectory' })).toBeVisible();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status', { name: 'Project health' })).toContainText('Reachable');
  await captureBoth(page, 'first-run-4-project', page.getByRole('status', { name: 'Project health' }));

  // The spec, typed into the editor; Ctrl+M lets Tab leave it.
  await tabTo(page, page.getByRole('link', { name: 'New spec' }));
  await press(page, 'Enter');
  await tabTo(page, page.getByLabel('Spec title'));
  await page.keyboard.type('Password reset by email');
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  await tabTo(page, page.locator('.monaco-editor').first());
  await page.keyboard.type(SPEC);
  const score = page.getByRole('status', { name: 'Completeness score' });
  await expect.poll(async () => Number(((await score.textContent()) ?? '0').split('/')[0])).toBeGreaterThanOrEqual(70);
  await captureBoth(page, 'first-run-5-spec', score);
  await press(page, 'Control+M');
  await tabTo(page, page.getByRole('button', { name: 'Submit for planning' }));
  await press(page, 'Enter');
  await expect(page.getByRole('heading', { name: /^Plan · / })).toBeVisible();

  // Back on the projects page: repository and spec are ticked off; the team is next.
  await tabTo(page, page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Projects', exact: true }));
  await press(page, 'Enter');
  await expect(checklist.getByRole('listitem').filter({ hasText: 'Done: Add a repository' })).toBeVisible();
  await expect(checklist.getByRole('listitem').filter({ hasText: 'Done: Write a spec' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Getting started progress' })).toHaveText('3 of 4 done');
  await captureBoth(page, 'first-run-6-three-done', checklist);

  // Inviting someone finishes it: the dashboard has no checklist left.
  await tabTo(page, checklist.getByRole('link', { name: 'Invite someone' }));
  await press(page, 'Enter');
  await tabTo(page, page.getByLabel('Invitee email'));
  await page.keyboard.type('dorothy@example.com');
  await press(page, 'Enter');
  await expect(page.getByLabel('Invitation link')).toContainText('/invite/nsi_');
  await tabTo(page, page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Dashboard', exact: true }));
  await press(page, 'Enter');
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('[data-getting-started="done"]')).toHaveCount(1);
  await expect(page.getByRole('list', { name: 'Getting started' })).toHaveCount(0);
});
