import { parseArgs } from 'node:util';
import { withDatabase } from '../with-db';
import { ZEmail, ZPassword } from '../../api/schemas';
import { setPasswordByOperator } from '../../services/users';

const USAGE = 'usage: echo NEW_PASSWORD | nightshift user set-password --email EMAIL';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * `nightshift user set-password`: the operator's reset while Nightshift sends no mail. The new
 * password is read from standard input (never an argument: those show in `ps`); every session of
 * the account ends and its sign-in budgets start over.
 */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { email: { type: 'string' } } });
  const email = ZEmail.safeParse(values.email ?? '');
  if (sub !== 'set-password' || !email.success) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const password = ZPassword.safeParse(await readStdin());
  if (!password.success) {
    process.stderr.write(`nightshift user: the new password ${password.error.issues[0]?.message ?? 'is not valid'}\n`);
    return 2;
  }
  const found = await withDatabase(({ db }) => setPasswordByOperator(db, { email: email.data, password: password.data }));
  if (!found) {
    process.stderr.write(`nightshift user: no account with email "${email.data}"\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify({ email: email.data.toLowerCase(), sessionsRevoked: true }) + '\n');
  return 0;
}
