import { sql, type Kysely } from 'kysely';

// Ending a person's sessions (sign-out, a password change, an operator's reset: every bump of
// users.session_version, added by 0010_auth_hardening) is announced on `nightshift_access` like a
// membership change, so every web process closes that person's live sockets at once. The column
// is read through the row's JSON, so this trigger can exist before the column does.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function nightshift_sessions_changed() returns trigger language plpgsql as $$
    begin
      if to_jsonb(old)->'session_version' is distinct from to_jsonb(new)->'session_version' then
        perform pg_notify('nightshift_access', json_build_object('userId', new.id, 'op', 'sessions')::text);
      end if;
      return null;
    end $$
  `.execute(db);
  await sql`
    create trigger users_sessions_changed after update on users
    for each row execute function nightshift_sessions_changed()
  `.execute(db);
}
