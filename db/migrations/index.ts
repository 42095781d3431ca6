import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation';

/**
 * Every migration, in order. A static list (rather than a folder scan) so migrations work the same
 * under tsx, Vitest and bundlers. Forward-only: add a new file, never edit an applied one.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};
