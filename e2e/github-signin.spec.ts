import { expect, test } from '@playwright/test';

/**
 * "Continue with GitHub" through the OAuth web flow (against e2e/support/fake-github.ts): a new
 * person gets an account named from GitHub with their *verified* email, and a second sign-in lands
 * in the same account.
 */
test('signs in with GitHub, with the verified email, into the same account each time', async ({ page }) => {
  await page.goto('/signin');
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize Nightshift' })).toBeVisible();
  await page.getByRole('link', { name: 'Authorize' }).click();

  // A new account has no organization yet: onboarding.
  await page.getByLabel('Organization name').fill('Octo Labs');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(/\/o\/octo-labs\/projects$/);
  const session = await (await page.request.get('/api/auth/session')).json();
  // The primary address is unverified, so the verified one is used (an unverified one could be anyone's).
  expect(session.user).toMatchObject({ name: 'Grace Octocat', email: 'grace@octo.example' });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Continue with GitHub' }).click();
  await page.getByRole('link', { name: 'Authorize' }).click();
  // The same account: it already has its organization, so /orgs goes straight to it.
  await expect(page).toHaveURL(/\/o\/octo-labs\/projects$/);
  expect((await (await page.request.get('/api/auth/session')).json()).user.email).toBe('grace@octo.example');
});
