import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startSmtpStandIn, type SmtpStandIn } from '../support/smtp-stand-in';
import { userContext } from '../support/trpc';
import { createCallerFactory } from '../../server/api/trpc';
import { invitationRouter } from '../../server/api/routers/member';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createInvitationWithMail } from '../../server/services/members';
import { smtpConfig } from '../../server/notify/email';

/**
 * Invitations by e-mail: with SMTP configured (NIGHTSHIFT_SMTP_URL), an invitation that names an
 * address is mailed there with its link; without it, or without an address, the link is only shown.
 * A mail server that is down loses nothing: the invitation exists and its link is still returned.
 */
let t: TestDatabase;
let smtp: SmtpStandIn;
const ids: Record<string, string> = {};
const saved = { url: process.env.NIGHTSHIFT_SMTP_URL, from: process.env.NIGHTSHIFT_MAIL_FROM, pub: process.env.NEXTAUTH_URL };

beforeAll(async () => {
  t = await createTestDatabase('invmail');
  smtp = await startSmtpStandIn();
  const owner = await createUser(t.db, { name: 'Margaret Hamilton', email: 'margaret@mail.test', password: 'password-123' });
  const org = await createOrganization(t.db, { name: 'Apollo Guidance', ownerId: owner.id });
  Object.assign(ids, { owner: owner.id, orgId: org.id });
});

afterAll(async () => {
  for (const [k, v] of [['NIGHTSHIFT_SMTP_URL', saved.url], ['NIGHTSHIFT_MAIL_FROM', saved.from], ['NEXTAUTH_URL', saved.pub]] as const) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await smtp?.close();
  await t?.close();
});

describe('invitation e-mail', () => {
  it('is off without NIGHTSHIFT_SMTP_URL: the link is returned, nothing is sent', async () => {
    delete process.env.NIGHTSHIFT_SMTP_URL;
    const api = createCallerFactory(invitationRouter)(userContext(t.db, ids.owner!));
    expect(await api.mailEnabled({ orgId: ids.orgId! })).toEqual({ enabled: false });
    const inv = await api.create({ orgId: ids.orgId!, email: 'nobody@mail.test', role: 'member' });
    expect(inv.emailed).toBeNull();
    expect(inv.path).toMatch(/^\/invite\/nsi_/);
    expect(smtp.messages).toHaveLength(0);
  });

  it('mails the link to the invitee through the configured SMTP server, authenticated', async () => {
    process.env.NIGHTSHIFT_SMTP_URL = smtp.url('mailer', 'p@ss word');
    process.env.NIGHTSHIFT_MAIL_FROM = 'Nightshift <nightshift@apollo.test>';
    process.env.NEXTAUTH_URL = 'https://nightshift.apollo.test';
    const api = createCallerFactory(invitationRouter)(userContext(t.db, ids.owner!));
    expect(await api.mailEnabled({ orgId: ids.orgId! })).toEqual({ enabled: true });
    const before = smtp.messages.length;
    const inv = await api.create({ orgId: ids.orgId!, email: 'Katherine@Mail.test', role: 'admin' });
    expect(inv.emailed).toEqual({ ok: true, to: 'katherine@mail.test' });
    const mail = await smtp.nextMessage(before);
    expect(mail.auth).toEqual({ user: 'mailer', pass: 'p@ss word' });
    expect(mail.from).toBe('nightshift@apollo.test');
    expect(mail.to).toEqual(['katherine@mail.test']);
    expect(mail.data).toMatch(/^Subject: Join Apollo Guidance on Nightshift$/m);
    // The body is quoted-printable: soft line breaks (=CRLF) joined, =3D back to "=".
    const body = mail.data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
    expect(body).toContain('Margaret Hamilton invites you to join Apollo Guidance on Nightshift as an admin.');
    // The link in the message is the one the page shows, on the public URL.
    expect(body).toContain(`https://nightshift.apollo.test${inv.path}`);
    // The invitation works: its link previews the organisation.
    const preview = await createCallerFactory(invitationRouter)({ db: t.db, userId: null, apiToken: null, ip: null }).preview({ token: inv.token });
    expect(preview).toEqual({ orgName: 'Apollo Guidance', role: 'admin' });
  });

  it('sends nothing for a link without an address', async () => {
    process.env.NIGHTSHIFT_SMTP_URL = smtp.url();
    const before = smtp.messages.length;
    const inv = await createCallerFactory(invitationRouter)(userContext(t.db, ids.owner!)).create({ orgId: ids.orgId!, email: '', role: 'viewer' });
    expect(inv.emailed).toBeNull();
    expect(smtp.messages.length).toBe(before);
  });

  it('a mail server that is down loses nothing: the invitation exists, the link is returned, the error is said without the password', async () => {
    const down = await startSmtpStandIn();
    await down.close();
    const config = smtpConfig({ NIGHTSHIFT_SMTP_URL: down.url('mailer', 'secret-smtp-password') })!;
    const inv = await createInvitationWithMail(t.db, { orgId: ids.orgId!, userId: ids.owner!, role: 'owner' }, { email: 'grace@mail.test', role: 'member' }, { smtp: config, publicUrl: 'http://localhost:3000' });
    expect(inv.emailed).toMatchObject({ ok: false, to: 'grace@mail.test' });
    expect(inv.emailed && !inv.emailed.ok && inv.emailed.error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(inv)).not.toContain('secret-smtp-password');
    const row = await t.db.selectFrom('invitations').select(['email', 'accepted_at']).where('id', '=', inv.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ email: 'grace@mail.test', accepted_at: null });
  });
});
