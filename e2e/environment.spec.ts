import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * A project's environment in the browser: an admin allows a private registry and binds its token
 * secret in Settings (bad input refused where typed), then the project page's Environment card
 * goes from "never set up" to ready with "Set up now" (the repository's own .nightshift/setup.sh,
 * which needs no network), shows the toolchain check (.nvmrc asks for Node 22) and keeps a
 * setup command.
 */
const SHOTS = path.join(process.cwd(), 'e2e', 'artifacts');

function repoWithSetupScript(): string {
  const dir = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), 'ns-e2e-env-'));
  fs.mkdirSync(path.join(dir, '.nightshift'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'greeter', scripts: { test: 'node -e "require(\'greet\')"' } }, null, 2));
  fs.writeFileSync(path.join(dir, '.nvmrc'), '22\n');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n');
  fs.writeFileSync(path.join(dir, '.nightshift', 'setup.sh'), 'mkdir -p node_modules/greet\nprintf "module.exports = (n) => \\"hi \\" + n;\\n" > node_modules/greet/index.js\necho greet installed\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return dir;
}

test('registries in Settings, then the project environment set up from the project page', async ({ page }) => {
  test.setTimeout(240_000);
  const repo = repoWithSetupScript();
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Margaret Hamilton');
  await page.getByLabel('Email').fill(`margaret-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('priority-displays');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Apollo Guidance');
  await page.getByRole('button', { name: 'Create organization' }).click();

  // Settings → Package registries: a bad host is refused; a private registry with its token secret is kept.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Package registries' }).click();
  const registries = page.getByRole('form', { name: 'Package registries' });
  await registries.getByLabel(/More allowed registries/).fill('not a host!');
  await registries.getByRole('button', { name: 'Save registries' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /not a (valid )?host/ })).toBeVisible();
  await registries.getByLabel(/More allowed registries/).fill('npm.apollo.example');
  await registries.getByLabel(/Registry tokens/).fill('npm.apollo.example NPM_TOKEN');
  await registries.getByRole('button', { name: 'Save registries' }).click();
  await expect(page.getByText('Registries saved: the next setup uses them.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Registry tokens' })).toContainText('no such secret yet');
  const sections = page.getByRole('navigation', { name: 'Settings sections' });
  await sections.getByRole('link', { name: 'Secrets' }).click();
  await page.getByLabel('Secret name').fill('NPM_TOKEN');
  await page.getByLabel('Secret value').fill('npm_e2e_not_a_real_token');
  await page.getByRole('button', { name: 'Save secret' }).click();
  await expect(page.getByRole('list', { name: 'Secrets' })).toContainText('NPM_TOKEN');
  await sections.getByRole('link', { name: 'Package registries' }).click();
  await expect(page.getByRole('list', { name: 'Registry tokens' })).toContainText('npm.apollo.example ← NPM_TOKEN (set)');
  await expect(page.getByText('npm_e2e_not_a_real_token')).toHaveCount(0);

  // The project page: never set up, then "Set up now" until the environment is ready.
  await page.getByRole('link', { name: 'Projects' }).first().click();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('greeter');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // A new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'greeter' })).toBeVisible();
  const card = page.getByRole('region', { name: 'Environment' });
  await expect(card.getByLabel('Last setup')).toHaveText('Never set up yet.');
  await card.getByRole('button', { name: 'Set up now' }).click();
  await expect(card.getByLabel('Last setup')).toContainText(/Ready · installed in \d+\.\d s/, { timeout: 120_000 });
  await expect(card.getByLabel('Install command')).toContainText('sh .nightshift/setup.sh');
  await expect(card.getByLabel('Install command')).toContainText('the repository’s .nightshift/setup.sh');
  await expect(card.getByLabel('Toolchain')).toContainText('project wants Node 22');
  await expect(card.getByLabel('Cache size')).toHaveText(/^\d+(\.\d)? (KiB|MiB)$/);
  await page.screenshot({ path: path.join(SHOTS, 'environment-ready.png'), fullPage: true });

  // A setup command is kept (the committed script still wins, as the hint says).
  await card.getByLabel('Setup command').fill('make deps');
  await card.getByRole('button', { name: 'Save setup' }).click();
  await expect(card.getByText('Setup command saved: the next setup uses it.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('region', { name: 'Environment' }).getByLabel('Setup command')).toHaveValue('make deps');
  // The user's checkout is untouched: setup ran on a copy.
  expect(fs.existsSync(path.join(repo, 'node_modules'))).toBe(false);
});
