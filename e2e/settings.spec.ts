import { expect, test } from '@playwright/test';

/**
 * Settings an admin changes for the organisation's agents: the model per role, skills switched off,
 * a prompt override with its versions, and the GitHub connection — each saved, shown again after a
 * reload, with bad input refused where it was typed.
 */
test('an admin sets models per role, switches a skill off, overrides a prompt and connects GitHub', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Barbara Liskov');
  await page.getByLabel('Email').fill(`barbara-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('substitution-principle');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Abstractions');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings\/general$/);
  const sections = page.getByRole('navigation', { name: 'Settings sections' });
  await sections.getByRole('link', { name: 'Models' }).click();
  await expect(page).toHaveURL(/\/settings\/models$/);

  // Default model per role: a bad name is refused, a good one is kept across a reload.
  await page.getByLabel('Developer model', { exact: true }).selectOption({ label: 'Other (type provider:model)…' });
  await page.getByLabel('Developer model: provider:model').fill('gpt-4o');
  await page.getByRole('button', { name: 'Save models' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /provider/ })).toBeVisible();
  await page.getByLabel('Developer model: provider:model').fill('openai:gpt-4o');
  await page.getByLabel('Reviewer model', { exact: true }).selectOption({ label: 'Other (type provider:model)…' });
  await page.getByLabel('Reviewer model: provider:model').fill('anthropic:claude-sonnet-4-5');
  await page.getByRole('button', { name: 'Save models' }).click();
  await expect(page.getByText('Models saved.')).toBeVisible();

  await sections.getByRole('link', { name: 'Skills and prompts' }).click();
  // A skill switched off stays off.
  const skills = page.getByRole('list', { name: 'Skills' });
  const skill = skills.getByRole('switch', { name: 'kysely-migrations' });
  await expect(skill).toBeChecked();
  await skill.click();
  await expect(skill).not.toBeChecked();

  // A prompt override becomes version 1, then reverting returns to the built-in file.
  await page.getByLabel('Prompt file').selectOption('roles/developer.md');
  await expect(page.getByText('Using the built-in file.')).toBeVisible();
  const text = page.getByLabel('Prompt text');
  const builtIn = await text.inputValue();
  await text.fill(`${builtIn}\nAlways write the changelog entry.\n`);
  await page.getByRole('button', { name: 'Save override' }).click();
  await expect(page.getByText('Using override version 1.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Prompt versions' })).toContainText('Version 1');

  // GitHub: a token is saved write-only and the card says which connection is in use.
  await sections.getByRole('link', { name: 'GitHub' }).click();
  await expect(page.getByRole('status', { name: 'GitHub connection' })).toContainText('Not connected');
  await page.getByLabel('Or a token (GITHUB_TOKEN)').fill('ghp_e2e-not-a-real-token');
  await page.getByRole('button', { name: 'Save token' }).click();
  await expect(page.getByRole('status', { name: 'GitHub connection' })).toContainText('Token (GITHUB_TOKEN)');
  await page.screenshot({ path: 'e2e/artifacts/settings.png', fullPage: true });
  await expect(page.getByText('ghp_e2e-not-a-real-token')).toHaveCount(0);

  await sections.getByRole('link', { name: 'Models' }).click();
  await expect(page).toHaveURL(/\/settings\/models$/);
  await page.reload();
  await expect(page.getByLabel('Developer model: provider:model')).toHaveValue('openai:gpt-4o');
  await expect(page.getByLabel('Reviewer model: provider:model')).toHaveValue('anthropic:claude-sonnet-4-5');
  await sections.getByRole('link', { name: 'Skills and prompts' }).click();
  await expect(page.getByRole('list', { name: 'Skills' }).getByRole('switch', { name: 'kysely-migrations' })).not.toBeChecked();
  await page.getByLabel('Prompt file').selectOption('roles/developer.md');
  await expect(page.getByLabel('Prompt text')).toHaveValue(/Always write the changelog entry\./);
  await page.getByRole('button', { name: 'Revert to built-in' }).click();
  await expect(page.getByText('Using the built-in file.')).toBeVisible();
  await expect(page.getByLabel('Prompt text')).toHaveValue(builtIn);
});
