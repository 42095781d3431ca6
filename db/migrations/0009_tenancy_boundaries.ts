import { sql, type Kysely } from 'kysely';

// Boundaries between organisations that were only conventions before:
// - a local-path repository belongs to one organisation (its resolved path, per project);
// - a Slack workspace (team id) is connected to one organisation;
// - every change of a membership is announced on the `nightshift_access` channel, so every web
//   process re-authorises that person's live sockets at once, whoever made the change.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('local_repository_paths')
    .addColumn('project_id', 'uuid', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // The repository's real path (symlinks and `..` resolved) when it was last checked.
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Prefix searches (a path inside, or above, another organisation's path).
  await sql`create index local_repository_paths_path on local_repository_paths (path text_pattern_ops)`.execute(db);

  await db.schema
    .createTable('slack_teams')
    .addColumn('team_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Existing bot channels: a team named by several organisations stays with the one that named it first.
  await sql`
    insert into slack_teams (team_id, org_id, created_at)
    select distinct on (config->>'slackTeamId') config->>'slackTeamId', org_id, created_at
    from notification_channels
    where kind = 'slack-bot' and coalesce(config->>'slackTeamId', '') <> ''
    order by config->>'slackTeamId', created_at, id
  `.execute(db);

  await sql`
    create function nightshift_membership_changed() returns trigger language plpgsql as $$
    declare
      changed record;
    begin
      if tg_op = 'DELETE' then changed := old; else changed := new; end if;
      perform pg_notify('nightshift_access', json_build_object('userId', changed.user_id, 'orgId', changed.org_id, 'op', lower(tg_op))::text);
      if tg_op = 'UPDATE' and old.user_id <> new.user_id then
        perform pg_notify('nightshift_access', json_build_object('userId', old.user_id, 'orgId', old.org_id, 'op', 'delete')::text);
      end if;
      return null;
    end $$
  `.execute(db);
  await sql`
    create trigger memberships_access_changed after insert or update or delete on memberships
    for each row execute function nightshift_membership_changed()
  `.execute(db);
}
