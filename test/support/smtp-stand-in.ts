import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A local SMTP server for tests, written for them: it speaks just enough of RFC 5321 (EHLO/HELO,
 * AUTH PLAIN, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) for a client such as nodemailer to deliver
 * a message, and keeps what it received. No TLS is offered, so clients send in plain text.
 */
export type ReceivedMail = { from: string; to: string[]; data: string; auth: { user: string; pass: string } | null };

export type SmtpStandIn = {
  url(user?: string, pass?: string): string;
  port: number;
  messages: ReceivedMail[];
  /** Resolves with the next message received (or one already waiting beyond `after`). */
  nextMessage(after?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
};

export async function startSmtpStandIn(): Promise<SmtpStandIn> {
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let mail: ReceivedMail = { from: '', to: [], data: '', auth: null };
    let auth: ReceivedMail['auth'] = null;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 stand-in.test ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // Undo dot-stuffing (a leading "." doubled by the client).
          mail.data = buffer.slice(0, end).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push({ ...mail, auth });
          mail = { from: '', to: [], data: '', auth: null };
          reply('250 2.0.0 queued');
          for (const w of waiters.splice(0)) w();
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') {
          socket.write('250-stand-in.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n');
        } else if (verb === 'HELO') {
          reply('250 stand-in.test');
        } else if (verb === 'AUTH') {
          const [, mech, initial] = line.split(' ');
          if (mech?.toUpperCase() !== 'PLAIN' || !initial) {
            reply('504 5.5.4 only AUTH PLAIN with an initial response');
            continue;
          }
          const [, user = '', pass = ''] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
          auth = { user, pass };
          reply('235 2.7.0 authenticated');
        } else if (verb === 'MAIL') {
          mail.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') {
          mail = { from: '', to: [], data: '', auth: null };
          reply('250 2.0.0 ok');
        } else if (verb === 'NOOP') {
          reply('250 2.0.0 ok');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
          return;
        } else {
          reply('502 5.5.2 command not implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    messages,
    url: (user, pass) => `smtp://${user ? `${encodeURIComponent(user)}:${encodeURIComponent(pass ?? '')}@` : ''}127.0.0.1:${port}`,
    nextMessage(after = messages.length) {
      if (messages.length > after) return Promise.resolve(messages[after]!);
      return new Promise((resolve) => waiters.push(() => resolve(messages[after]!)));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
