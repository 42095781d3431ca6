import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { captureBoth } from './support/layout';

// Its own address for the sign-up throttle (the e2e server trusts loopback as a proxy).
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.14' } });

/**
 * Team admin from the browser, each action checked by what it does rather than by its message
 * alone: a member joins through a link, is made a viewer (whose Settings then says who to ask) and
 * removed; an e-mail invitation is revoked; an API token authenticates until it is revoked; a Slack
 * channel shows the outcome of its last delivery (a real webhook receiver on this machine), is
 * turned off and removed.
 */

async function signUp(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a-long-password-for-e2e');
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('members, invitations, tokens and channels are managed from the browser', async ({ page, browser, request }) => {
  test.setTimeout(180_000);
  // A webhook receiver standing in for Slack: /ok accepts, /gone answers as a deleted webhook does.
  const deliveries: string[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/gone') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no_service');
        return;
      }
      deliveries.push(body);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  try {
    const stamp = Date.now();
    await page.goto('/signup');
    await signUp(page, 'Frances Allen', `frances-${stamp}@example.com`);
    await page.getByLabel('Organization name').fill('Optimizers');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page).toHaveURL(/\/o\/optimizers[^/]*\/projects$/);
    const slug = new URL(page.url()).pathname.split('/')[2];

    // Invitations: one for anyone with the link, one by e-mail that is then revoked.
    await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Members', exact: true }).click();
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = (await page.getByLabel('Invitation link').textContent())!;
    expect(link).toContain('/invite/nsi_');
    await page.getByLabel('Invitee email').fill('john@example.com');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const invitations = page.getByRole('list', { name: 'Invitations' });
    await expect(invitations).toContainText('john@example.com');
    await page.getByRole('button', { name: 'Revoke invitation for john@example.com' }).click();
    await page.getByRole('button', { name: 'Revoke the link' }).click();
    await expect(invitations).not.toContainText('john@example.com');

    // Someone joins through the first link (their own browser).
    const theirs = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.15' } });
    const them = await theirs.newPage();
    // Their live connections (Socket.IO over WebSocket), to see them end when their access does.
    const sockets: Array<{ url: () => string; isClosed: () => boolean; page: string }> = [];
    them.on('websocket', (ws) => void sockets.push({ url: () => ws.url(), isClosed: () => ws.isClosed(), page: them.url() }));
    const origin = new URL(link).origin;
    await them.goto(link);
    await expect(them.getByText(/You are invited to join Optimizers as member/)).toBeVisible();
    await them.getByRole('link', { name: 'Create account' }).click();
    await signUp(them, 'Jean Sammet', `jean-${stamp}@example.com`);
    await them.getByRole('button', { name: 'Accept invitation' }).click();
    await expect(them).toHaveURL(new RegExp(`/o/${slug}/projects$`));

    // As a member they may create a project.
    await expect(them.getByRole('button', { name: 'New project' })).toBeVisible();

    // The owner makes them a viewer: the page they have open follows at once, without a reload
    // (no "New project" any more), and says why; their Settings sections say who to ask instead of forms.
    await page.reload();
    const people = page.getByRole('list', { name: 'People' });
    await expect(people).toContainText('Jean Sammet');
    await page.getByLabel('Role of Jean Sammet').selectOption('viewer');
    await expect(page.getByText('Jean Sammet is now viewer.')).toBeVisible();
    await captureBoth(page, 'team-1-members', people);
    await expect(them.getByRole('status').filter({ hasText: 'Your role in Optimizers is now viewer' })).toBeVisible();
    await expect(them.getByRole('button', { name: 'New project' })).toHaveCount(0);
    // Only this page's connections count below (a page left behind may not report its socket's close).
    sockets.length = 0;
    await them.goto(`${origin}/o/${slug}/settings/secrets`);
    const ask = them.getByRole('region', { name: 'Managed by admins' });
    await expect(ask).toContainText('you are a viewer');
    await expect(ask.getByRole('list', { name: 'Admins' })).toContainText(`frances-${stamp}@example.com`);
    await expect(them.getByLabel('Secret value')).toHaveCount(0);
    await captureBoth(them, 'team-2-viewer-settings', ask);

    // A second tab on a run page, which holds its own live connection (subscribed to that run;
    // this run id has no run, which the page says — the connection is open all the same).
    const runTab = await theirs.newPage();
    runTab.on('websocket', (ws) => void sockets.push({ url: () => ws.url(), isClosed: () => ws.isClosed(), page: runTab.url() }));
    await runTab.goto(`${origin}/o/${slug}/runs/00000000-0000-4000-8000-000000000000`);
    await expect(runTab.getByRole('main').getByRole('alert')).toContainText('Run not found');

    // Removed while the pages are open: each says so at once and shows nothing of the organisation
    // any more, and every live connection ends; it leads to their organisations. Their next request is refused.
    await expect.poll(() => sockets.filter((ws) => !ws.isClosed()).length).toBeGreaterThanOrEqual(3);
    await page.getByRole('button', { name: 'Remove Jean Sammet' }).click();
    await page.getByRole('button', { name: 'Remove Jean Sammet' }).click();
    await expect(people).not.toContainText('Jean Sammet');
    const ended = them.getByRole('alert').filter({ hasText: 'You no longer have access to this organization' });
    await expect(ended).toBeVisible();
    await expect(them.getByRole('region', { name: 'Managed by admins' })).toHaveCount(0);
    await expect(runTab.getByRole('alert').filter({ hasText: 'You no longer have access to this organization' })).toBeVisible();
    await expect(runTab.getByText('Run not found')).toHaveCount(0);
    await expect.poll(() => sockets.filter((ws) => !ws.isClosed()).map((ws) => `${ws.url()} opened on ${ws.page}`)).toEqual([]);
    await runTab.close();
    await captureBoth(them, 'team-2b-access-ended', ended);
    await ended.getByRole('link', { name: 'Go to your organizations' }).click();
    // With no organisation left, their organisations page leads on to creating one.
    await expect(them).toHaveURL(/\/(orgs|onboarding)$/);
    await them.goto(`${origin}/o/${slug}/settings/secrets`);
    await expect(them.getByRole('main').getByRole('alert')).toBeVisible();
    await expect(them.getByLabel('Secret value')).toHaveCount(0);
    await theirs.close();

    // API tokens: shown once, authenticates, then revoked and refused.
    const orgRes = await page.request.get(`/api/trpc/org.bySlug?input=${encodeURIComponent(JSON.stringify({ json: { slug } }))}`);
    const orgId = (await orgRes.json()).result.data.json.id as string;
    // `request` has no session cookie: the token alone must authenticate.
    const listProjects = (token: string) => request.get(`/api/trpc/project.list?input=${encodeURIComponent(JSON.stringify({ json: { orgId } }))}`, { headers: { authorization: `Bearer ${token}` } });
    await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Settings', exact: true }).click();
    const sections = page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByLabel('New API token').textContent())!.trim();
    expect(token).toMatch(/^nst_/);
    expect((await listProjects(token)).status()).toBe(200);
    await captureBoth(page, 'team-3-token', page.getByLabel('New API token'));
    await page.getByRole('button', { name: 'Revoke token ci' }).click();
    await page.getByRole('button', { name: 'Revoke ci' }).click();
    await expect(page.getByText('Token ci revoked: it no longer authenticates.')).toBeVisible();
    expect((await listProjects(token)).status()).toBe(401);

    // Slack channels: the last delivery's outcome, turned off, removed.
    await sections.getByRole('link', { name: 'Slack, Discord and MCP' }).click();
    const addChannel = page.getByRole('form', { name: 'Add a channel' });
    await addChannel.getByLabel('Channel name').fill('builds');
    await addChannel.getByLabel('Webhook URL').fill(`${hook}/ok`);
    await addChannel.getByRole('button', { name: 'Add channel' }).click();
    // The form is emptied once a channel is saved: the next one is typed after that.
    await expect(page.getByRole('list', { name: 'Notification channels' }).getByRole('listitem', { name: 'builds' })).toBeVisible();
    await expect(addChannel.getByLabel('Channel name')).toHaveValue('');
    await addChannel.getByLabel('Channel name').fill('old-room');
    await addChannel.getByLabel('Webhook URL').fill(`${hook}/gone`);
    await addChannel.getByRole('button', { name: 'Add channel' }).click();
    const channels = page.getByRole('list', { name: 'Notification channels' });
    const builds = channels.getByRole('listitem', { name: 'builds' });
    const oldRoom = channels.getByRole('listitem', { name: 'old-room' });
    await expect(builds).toContainText('On · no delivery yet');

    await builds.getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByText('Test message delivered to builds.')).toBeVisible();
    await expect(builds).toContainText('last delivery ok');
    expect(deliveries).toHaveLength(1);
    await oldRoom.getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'old-room: the test message was not delivered' })).toBeVisible();
    await expect(oldRoom).toContainText('last delivery failed');
    await expect(oldRoom).toContainText('404');
    await captureBoth(page, 'team-4-channels', channels);

    await oldRoom.getByRole('button', { name: 'Turn off' }).click();
    await expect(oldRoom).toContainText('Off ·');
    await page.getByRole('button', { name: 'Remove channel old-room' }).click();
    await page.getByRole('button', { name: 'Remove old-room' }).click();
    await expect(page.getByText('Channel old-room removed.')).toBeVisible();
    await expect(channels.getByRole('listitem', { name: 'old-room' })).toHaveCount(0);
    await page.reload();
    await expect(channels.getByRole('listitem', { name: 'builds' })).toContainText('last delivery ok');
    await expect(channels.getByRole('listitem', { name: 'old-room' })).toHaveCount(0);
  } finally {
    receiver.close();
  }
});
