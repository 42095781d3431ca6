import nodemailer from 'nodemailer';

/**
 * E-mail through the operator's SMTP server, configured by the environment only (an organisation
 * cannot point the server's mail at a host of its choosing):
 *   NIGHTSHIFT_SMTP_URL   smtp://user:pass@mail.example.com:587 (STARTTLS when offered) or smtps://…:465;
 *                         user and password percent-encoded
 *   NIGHTSHIFT_MAIL_FROM  the sender, e.g. "Nightshift <nightshift@example.com>"
 * Without NIGHTSHIFT_SMTP_URL no mail is sent and invitations are links to share by hand.
 */
export type SmtpConfig = { url: string; from: string };

/** Longest wait for the SMTP server at each step: an unreachable server must not hold a request. */
const SMTP_TIMEOUT_MS = 15_000;

export function smtpConfig(env: Record<string, string | undefined> = process.env): SmtpConfig | null {
  const url = env.NIGHTSHIFT_SMTP_URL?.trim();
  if (!url) return null;
  let host = 'localhost';
  try {
    host = new URL(url).hostname || host;
  } catch {
    /* nodemailer reports a bad URL when sending */
  }
  return { url, from: env.NIGHTSHIFT_MAIL_FROM?.trim() || `Nightshift <nightshift@${host}>` };
}

export type MailMessage = { to: string; subject: string; text: string };
export type MailResult = { ok: true; messageId: string } | { ok: false; error: string };

/** Sends one plain-text message. Never throws; the SMTP password never appears in the error. */
export async function sendMail(config: SmtpConfig, message: MailMessage): Promise<MailResult> {
  try {
    const transport = nodemailer.createTransport({ url: config.url, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS });
    try {
      const info = await transport.sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text });
      return { ok: true, messageId: String(info.messageId ?? '') };
    } finally {
      transport.close();
    }
  } catch (err) {
    return { ok: false, error: scrubCredentials((err as Error).message, config.url) };
  }
}

function scrubCredentials(message: string, url: string): string {
  try {
    const u = new URL(url);
    let out = message;
    for (const part of [u.password, decodeURIComponent(u.password)]) if (part) out = out.split(part).join('<redacted>');
    return out;
  } catch {
    return message;
  }
}

/** The invitation e-mail: who invites whom to what, the link, and when it expires. */
export function invitationMail(input: { to: string; orgName: string; inviterName: string | null; role: string; link: string; expiresAt: Date }): MailMessage {
  const who = input.inviterName ? `${input.inviterName} invites you` : 'You are invited';
  return {
    to: input.to,
    subject: `Join ${input.orgName} on Nightshift`,
    text: [
      `${who} to join ${input.orgName} on Nightshift as ${input.role === 'admin' ? 'an' : 'a'} ${input.role}.`,
      '',
      'Nightshift turns the specs your team writes into pull requests, built by coding agents you can watch.',
      '',
      `Accept the invitation (create an account with this address, or sign in): ${input.link}`,
      '',
      `The link works once and expires on ${input.expiresAt.toUTCString()}. If you did not expect it, ignore this message.`,
    ].join('\n'),
  };
}
