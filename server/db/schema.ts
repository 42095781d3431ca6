import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types for Kysely. Keep in step with db/migrations (forward-only). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp column with a database default: optional on insert. */
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, T | string, T | string>;
type JsonDefault<T = unknown> = ColumnType<T, T | string | undefined, T | string>;

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  github_id: string | null;
  created_at: TimestampDefault;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  settings: JsonDefault<OrgSettings>;
  plan: Generated<string>;
  created_at: TimestampDefault;
}

export interface OrgSettings {
  specThreshold?: number;
  defaultModels?: Record<string, string>;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: TimestampDefault;
}

export interface InvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string | null;
  role: Role;
  token_hash: string;
  invited_by: string;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
}

export interface ProjectsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  repository: string;
  default_branch: Generated<string>;
  settings: JsonDefault<Record<string, unknown>>;
  created_at: TimestampDefault;
}

export interface OrgSecretsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  ciphertext: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface ApiTokensTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_by: string | null;
  created_at: TimestampDefault;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuthAttemptsTable {
  id: Generated<string>;
  key: string;
  succeeded: boolean;
  attempted_at: TimestampDefault;
}

export interface WorkerHeartbeatsTable {
  worker_id: string;
  hostname: string;
  pid: number;
  beats: Generated<number>;
  started_at: TimestampDefault;
  last_beat_at: TimestampDefault;
}

export interface EventsTable {
  seq: Generated<string>;
  org_id: string;
  run_id: string | null;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: TimestampDefault;
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  projects: ProjectsTable;
  org_secrets: OrgSecretsTable;
  api_tokens: ApiTokensTable;
  auth_attempts: AuthAttemptsTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  events: EventsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type Project = Selectable<ProjectsTable>;
export type ProjectUpdate = Updateable<ProjectsTable>;
