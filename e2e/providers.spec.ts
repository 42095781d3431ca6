import { expect, test } from '@playwright/test';
import { captureBoth, DESKTOP } from './support/layout';

// Its own address for the sign-up throttle (the e2e server trusts loopback as a proxy).
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.13' } });

/**
 * Settings → Models against the project's fake model server (which answers its model list only to
 * the key it was started with, as providers do): a refused key shows the provider's own error, the
 * right one lists its models, the saved connection shows its base URL, the default model is chosen
 * from the list, and a secret is deleted.
 */
const LLM_PORT = Number(process.env.E2E_LLM_PORT ?? 3299);
const BASE_URL = `http://127.0.0.1:${LLM_PORT}/v1`;

test('connect an OpenAI-compatible server: a refused key, then the models it lists', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Radia Perlman');
  await page.getByLabel('Email').fill(`radia-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('spanning-tree');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill('Bridges');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Models' }).click();

  // Nothing connected yet; Anthropic is the default, this server supplies its own (fake) OpenAI.
  const providerCard = page.getByRole('region', { name: 'Model provider' });
  await expect(providerCard).toContainText('Nightshift uses Anthropic');
  await expect(page.getByRole('list', { name: 'Connected providers' })).toContainText('This server supplies OpenAI itself');
  await captureBoth(page, 'providers-1-none', providerCard);

  // A wrong key: the provider's 401 and its own words.
  await page.getByRole('radio', { name: /OpenAI-compatible/ }).check();
  await page.getByLabel('Base URL').fill(BASE_URL);
  await page.getByLabel('API key (if the server needs one)').fill('sk-not-the-right-key');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'did not accept the connection' });
  await expect(refused).toContainText(`OpenAI-compatible did not accept the connection (${BASE_URL}/models): 401`);
  await expect(refused).toContainText('Incorrect API key provided');
  await expect(refused).not.toContainText('sk-not-the-right-key');
  await captureBoth(page, 'providers-2-refused', refused);

  // The right key lists the server's models.
  await page.getByLabel('API key (if the server needs one)').fill('sk-e2e-fake-key');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const ok = page.getByRole('status', { name: 'Connection test' });
  await expect(ok).toContainText(`Connected to OpenAI-compatible: 2 models listed by ${BASE_URL}/models (fake, fake-large).`);
  await captureBoth(page, 'providers-3-connected', ok);

  // Saved: the key is never shown again, the base URL is.
  await page.getByRole('button', { name: 'Save provider' }).click();
  await expect(page.getByText('OpenAI-compatible saved.')).toBeVisible();
  const connected = page.getByRole('list', { name: 'Connected providers' });
  await expect(connected).toContainText('OpenAI-compatible · key saved · ' + BASE_URL);
  await expect(connected).toContainText('2 models listed');
  await expect(page.getByText('sk-e2e-fake-key')).toHaveCount(0);

  // The default model is chosen from what the provider listed, and kept.
  await page.getByLabel('Default model', { exact: true }).selectOption('openai:fake-large');
  await page.getByRole('button', { name: 'Save models' }).click();
  await expect(page.getByText('Models saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Default model', { exact: true })).toHaveValue('openai:fake-large');
  await expect(page.getByLabel('Developer model', { exact: true })).toContainText('The default (openai:fake-large)');
  await expect(page.getByRole('list', { name: 'Connected providers' })).toContainText(BASE_URL);
  await captureBoth(page, 'providers-4-saved', page.getByRole('region', { name: 'Models per use' }));

  // Secrets are deletable: the key goes, the provider says it has none.
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Secrets' }).click();
  const secrets = page.getByRole('list', { name: 'Secrets' });
  await expect(secrets).toContainText('OPENAI_API_KEY');
  await expect(secrets).toContainText('OPENAI_BASE_URL');
  await page.getByRole('button', { name: 'Delete secret OPENAI_API_KEY' }).click();
  await page.getByRole('button', { name: 'Delete OPENAI_API_KEY' }).click();
  await expect(page.getByText('Secret OPENAI_API_KEY deleted.')).toBeVisible();
  await expect(secrets).not.toContainText('OPENAI_API_KEY');
  await captureBoth(page, 'providers-5-secrets', secrets);
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Models' }).click();
  await expect(page.getByRole('list', { name: 'Connected providers' })).toContainText('OpenAI-compatible · no key · ' + BASE_URL);
});
