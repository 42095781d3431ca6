import { parseArgs } from 'node:util';
import { withDatabase } from '../with-db';
import { findOrgBySlug } from '../../services/orgs';
import { createApiToken } from '../../services/api-tokens';

const USAGE = 'usage: nightshift token create --org SLUG --name NAME';

/** `nightshift token create`: prints {"token"} once; only its hash is stored. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, name: { type: 'string' } } });
  if (sub !== 'create' || !values.org || !values.name?.trim()) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const result = await withDatabase(async ({ db }) => {
    const org = await findOrgBySlug(db, values.org!);
    if (!org) return null;
    return createApiToken(db, { orgId: org.id, userId: null }, { name: values.name! });
  });
  if (!result) {
    process.stderr.write(`nightshift token: no organization with slug "${values.org}"\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify({ token: result.token }) + '\n');
  return 0;
}
