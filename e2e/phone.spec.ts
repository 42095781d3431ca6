import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { localRepo } from './support/repos';
import { captureBoth, expectNoSidewaysScroll, PHONE } from './support/layout';

// Its own address for the sign-up throttle (the e2e server trusts loopback as a proxy).
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.12' } });

/**
 * The whole journey on a 390 px phone: every page is checked for sideways scrolling
 * (`document.documentElement.scrollWidth <= innerWidth`) and photographed at 390 and 1440 px.
 * The top bar folds its sections into a menu below 768 px.
 */
const GOOD = fs.readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8');

async function setSpec(page: Page, markdown: string) {
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  await page.waitForFunction(() => {
    const w = window as unknown as { monaco?: { editor?: { getModels(): unknown[] } } };
    return (w.monaco?.editor?.getModels().length ?? 0) > 0;
  });
  await page.evaluate((md) => {
    const w = window as unknown as { monaco: { editor: { getModels(): Array<{ setValue(v: string): void }> } } };
    w.monaco.editor.getModels()[0].setValue(md);
  }, markdown);
}

/** Opens a section of the organisation through the phone menu. */
async function openFromMenu(page: Page, name: string) {
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.click();
  await expect(page.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('button', { name: 'Menu' })).toHaveAttribute('aria-expanded', 'false');
}

test('every page of the journey fits a 390 px phone', async ({ page }) => {
  test.setTimeout(420_000);
  await page.setViewportSize(PHONE);
  const repo = localRepo('ns-e2e-phone-', { 'package.json': JSON.stringify({ name: 'greeter', type: 'module', scripts: { test: 'node --test' } }, null, 2), 'src/index.js': 'export const version = 1;\n' });

  await page.goto('/');
  await captureBoth(page, 'phone-01-landing', page.getByRole('link', { name: 'Create account' }));
  await page.getByRole('link', { name: 'Create account' }).click();
  await captureBoth(page, 'phone-02-signup', page.getByRole('button', { name: 'Create account' }));
  await page.getByLabel('Name').fill('Barbara Liskov');
  const email = `liskov-phone-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('substitution-on-a-phone');
  await page.getByRole('button', { name: 'Create account' }).click();
  await captureBoth(page, 'phone-03-onboarding', page.getByLabel('Organization name'));
  await page.getByLabel('Organization name').fill('Pocket Abstractions');
  await page.getByRole('button', { name: 'Create organization' }).click();

  // The top bar: a menu button instead of the row of sections.
  await expect(page.getByRole('button', { name: 'Menu' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Dashboard', exact: true })).toBeHidden();
  await captureBoth(page, 'phone-04-projects-empty', page.getByRole('list', { name: 'Getting started' }));
  await page.getByRole('button', { name: 'Menu' }).click();
  await expectNoSidewaysScroll(page, 'menu open');
  await page.screenshot({ path: 'e2e/artifacts/phone-05-menu-open-390.png', fullPage: true });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Menu' })).toHaveAttribute('aria-expanded', 'false');

  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('greeter');
  await page.getByLabel('Repository').fill(repo);
  await page.getByLabel('Default branch').focus();
  await expect(page.getByText('Reachable (local) · default branch main')).toBeVisible();
  await captureBoth(page, 'phone-06-new-project', page.getByText('Reachable (local) · default branch main'));
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'greeter' })).toBeVisible();
  await captureBoth(page, 'phone-07-project', page.getByRole('status', { name: 'Project health' }));
  await page.getByRole('button', { name: 'Edit project' }).click();
  await captureBoth(page, 'phone-08-project-edit', page.getByRole('form', { name: 'Edit project' }));
  await page.getByRole('form', { name: 'Edit project' }).getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('link', { name: 'New spec' }).click();
  await page.getByLabel('Spec title').fill('Greeting');
  await setSpec(page, GOOD);
  const score = page.getByRole('status', { name: 'Completeness score' });
  await expect.poll(async () => Number(((await score.textContent()) ?? '0').split('/')[0])).toBeGreaterThanOrEqual(70);
  await captureBoth(page, 'phone-09-spec', score);
  await page.getByRole('button', { name: 'Submit for planning' }).click();
  // One title: the spec's first # heading is its title.
  await expect(page.getByRole('heading', { name: /^Plan · Password reset by email/ })).toBeVisible();
  await page.getByRole('button', { name: 'Plan with agents' }).click();
  await expect(page.getByRole('button', { name: 'Start run' })).toBeVisible({ timeout: 120_000 });
  await captureBoth(page, 'phone-10-plan', page.getByRole('button', { name: 'Start run' }));
  await page.getByRole('button', { name: 'Start run' }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toHaveText('succeeded', { timeout: 180_000 });
  await captureBoth(page, 'phone-11-run', page.getByRole('status', { name: 'Run status' }));
  await page.getByRole('list', { name: 'Pull requests of this run' }).getByRole('link').first().click();
  await expect(page.getByRole('region', { name: 'Verification report' })).toBeVisible();
  await captureBoth(page, 'phone-12-pull-request', page.getByRole('region', { name: 'Verification report' }));

  await openFromMenu(page, 'Pull requests');
  await captureBoth(page, 'phone-13-pulls', page.getByRole('heading', { level: 1 }));
  await openFromMenu(page, 'Dashboard');
  await expect(page.getByRole('img', { name: 'Runs per day, succeeded and failed' })).toBeVisible();
  await captureBoth(page, 'phone-14-dashboard', page.getByRole('img', { name: 'Runs per day, succeeded and failed' }));
  await openFromMenu(page, 'Members');
  await page.getByLabel('Invitee email').fill('ada@example.com');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  await expect(page.getByLabel('Invitation link')).toContainText('/invite/nsi_');
  const invitation = (await page.getByLabel('Invitation link').textContent())!;
  await captureBoth(page, 'phone-15-members', page.getByLabel('Invitation link'));

  // Every section of Settings.
  await openFromMenu(page, 'Settings');
  const sections = page.getByRole('navigation', { name: 'Settings sections' });
  const names = await sections.getByRole('link').allTextContents();
  expect(names).toEqual(['General', 'Models', 'Skills and prompts', 'GitHub', 'Slack, Discord and MCP', 'Package registries', 'Secrets', 'API tokens', 'Your account']);
  for (const [i, name] of names.entries()) {
    await sections.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
    await expect(sections.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await captureBoth(page, `phone-16-settings-${String(i + 1).padStart(2, '0')}-${name.toLowerCase().replace(/[^a-z]+/g, '-')}`, page.getByRole('heading', { level: 2, name, exact: true }));
  }

  // The invitation page, as the invitee sees it (signed out).
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto(new URL(invitation).pathname);
  await expect(page.getByText(/Pocket Abstractions/)).toBeVisible();
  await captureBoth(page, 'phone-17-invitation', page.getByText(/Pocket Abstractions/).first());
  await page.goto('/signin');
  await captureBoth(page, 'phone-18-signin', page.getByRole('button', { name: 'Sign in' }));
});
