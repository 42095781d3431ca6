import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { migrations } from '../../db/migrations/index';
import type { DB } from './client';

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export type MigrationState = { applied: string[]; pending: string[] };

export class MigrationError extends Error {
  constructor(readonly migrationName: string, cause: unknown) {
    super(`migration "${migrationName}" failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

function migrator(db: DB): Migrator {
  // Migrations are numbered per feature and land in whatever order the features do (0013 may be
  // applied before 0011 arrives): each is independent and is applied once, whatever its number.
  return new Migrator({ db, provider: new StaticProvider(), allowUnorderedMigrations: true });
}

/** Applies every pending migration; throws MigrationError naming the one that failed. */
export async function migrateToLatest(db: DB): Promise<MigrationState> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName ?? 'unknown', error);
  }
  return migrationState(db);
}

export async function migrationState(db: DB): Promise<MigrationState> {
  const all = await migrator(db).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}
