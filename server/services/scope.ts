import type { Role } from '../db/schema';

/** Who is acting, and in which organisation. Every tenant-scoped service takes one. */
export type OrgScope = { orgId: string; userId: string | null; role: Role };
