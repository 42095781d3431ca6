import { parseArgs } from 'node:util';
import { z } from 'zod';
import { withDatabase } from '../with-db';
import { ZEmail, ZOrgName } from '../../api/schemas';
import { ensureUser } from '../../services/users';
import { createOrganization } from '../../services/orgs';

const USAGE = 'usage: nightshift org create --name NAME --owner-email EMAIL';

/** `nightshift org create`: prints one JSON line {"id","slug"}; creates the owner user if needed. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, 'owner-email': { type: 'string' } } });
  const parsed = z.object({ name: ZOrgName, ownerEmail: ZEmail }).safeParse({ name: values.name, ownerEmail: values['owner-email'] });
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => `--${i.path.join('.') === 'ownerEmail' ? 'owner-email' : i.path.join('.')}: ${i.message}`).join('\n')}\n${USAGE}\n`);
    return 2;
  }
  const org = await withDatabase(async ({ db }) => {
    const owner = await ensureUser(db, { email: parsed.data.ownerEmail });
    return createOrganization(db, { name: parsed.data.name, ownerId: owner.id });
  });
  process.stdout.write(JSON.stringify({ id: org.id, slug: org.slug }) + '\n');
  return 0;
}
