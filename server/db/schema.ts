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
  /** Bumped on sign-out and password change; a session token of an older version is refused. */
  session_version: ColumnType<number, number | undefined, number>;
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
  /** Days a run's recording is kept (issue 15; default 30). */
  recordingRetentionDays?: number;
  /** The organisation's default model (`provider:model`); absent or null: the deployment's. */
  defaultModel?: string | null;
  /** The models each provider listed at its last successful "Test connection" (Settings → Models). */
  providerModels?: Partial<Record<'anthropic' | 'openai' | 'ollama', { models: string[]; checkedAt: string; endpoint: string }>>;
  /** The setup phase's registries (server/services/env-settings.ts). */
  registries?: OrgRegistrySettings;
  /** The self-improvement loop (server/rsi/settings.ts holds the defaults and the checks). */
  rsi?: Record<string, unknown>;
}

/** Where an organisation's dependency setups may reach, and with which credentials. */
export interface OrgRegistrySettings {
  /** Allowed beyond the defaults: host, host:port, *.domain or URL. */
  extra: string[];
  /** Only `extra` (and the mirrors): the default public registries are not allowed. */
  replaceDefaults: boolean;
  /** Installers pointed at these (mirrors, private indexes). */
  urls: { npm?: string; pip?: string; go?: string };
  /** The organisation secret holding the token for a registry host (host or host:port). */
  tokens: Array<{ host: string; secret: string }>;
}

/** A project's setup settings (projects.settings.env). */
export interface ProjectEnvSettingsDoc {
  /** Replaces the detected install command (a committed .nightshift/setup.sh still wins); null: detect. */
  setupCommand?: string | null;
  /** More workspace-relative folders the setup produces that tasks need. */
  cachePaths?: string[];
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

/** Sign-in and sign-up budgets, one row per key (see server/services/auth-throttle.ts). */
export interface AuthThrottleTable {
  key: string;
  failures: number;
  blocked_until: Timestamp | null;
  last_allowed: boolean;
  budget_limit: number;
  delay_ms: ColumnType<string, number | string, number | string>;
  reset_ms: ColumnType<string, number | string, number | string>;
  updated_at: TimestampDefault;
}

/** Addresses an account signed in from (see server/services/auth-throttle.ts, the per-account budget). */
export interface SignInAddressesTable {
  user_id: string;
  address: string;
  last_signed_in_at: TimestampDefault;
}

/** The instance's one row of settings (id is always true). */
export interface InstanceSettingsTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  open_sign_up: ColumnType<boolean, boolean | undefined, boolean>;
  updated_by: string | null;
  updated_at: TimestampDefault;
}

export interface WorkerHeartbeatsTable {
  worker_id: string;
  hostname: string;
  pid: number;
  beats: Generated<number>;
  started_at: TimestampDefault;
  last_beat_at: TimestampDefault;
  /** Tasks the process was running at its last beat. */
  active_tasks: Generated<number>;
  /** Set when the process stopped gracefully; null while it runs (or after a crash). */
  stopped_at: Date | null;
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
  auth_throttle: AuthThrottleTable;
  sign_in_addresses: SignInAddressesTable;
  instance_settings: InstanceSettingsTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  events: EventsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type Project = Selectable<ProjectsTable>;
export type ProjectUpdate = Updateable<ProjectsTable>;

// ── Integrations (db/migrations/0003_integrations.ts): notifications, billing, webhooks ──

export const NOTIFICATION_CHANNEL_KINDS = ['slack-webhook', 'slack-bot', 'discord-webhook'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNEL_KINDS)[number];

/** Non-secret channel settings; the webhook URL or bot token lives in `secret_ciphertext`. */
export interface NotificationChannelConfig {
  /** slack-bot: the channel id (C0123…) messages go to. */
  slackChannel?: string;
  /** slack-bot: the workspace (team) id, used to route `/nightshift` slash commands to the org. */
  slackTeamId?: string;
  /** Notice kinds to send; absent means all. */
  notices?: string[];
}

export interface NotificationChannelsTable {
  id: Generated<string>;
  org_id: string;
  kind: NotificationChannelKind;
  name: string;
  config: JsonDefault<NotificationChannelConfig>;
  secret_ciphertext: string;
  enabled: Generated<boolean>;
  created_at: TimestampDefault;
  /** The last delivery (a notice or "Send test"), db/migrations/0019_integration_status.ts. */
  last_delivery_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_delivery_ok: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  last_delivery_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SlackThreadsTable {
  channel_id: string;
  run_id: string;
  org_id: string;
  slack_channel: string;
  thread_ts: string;
  created_at: TimestampDefault;
}

export interface BillingAccountsTable {
  org_id: string;
  plan: ColumnType<string, string | undefined, string>;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  status: ColumnType<string, string | undefined, string>;
  current_period_end: Timestamp | null;
  last_event_at: Timestamp | null;
  updated_at: TimestampDefault;
}

export interface ProcessedWebhookEventsTable {
  provider: string;
  event_id: string;
  event_type: string;
  processed_at: TimestampDefault;
}

export interface UsageRecordsTable {
  id: Generated<string>;
  org_id: string;
  run_id: string | null;
  /** bigint: read back as a string (see server/db/client.ts). */
  tokens: ColumnType<string, number | string, number | string>;
  recorded_at: TimestampDefault;
  reported_at: Timestamp | null;
  report_id: string | null;
}

export interface FollowUpRequestsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string | null;
  repository: string;
  pull_request_number: number;
  branch: string;
  source: string;
  source_id: string;
  author: string;
  body: string;
  path: string | null;
  line: number | null;
  url: string | null;
  status: Generated<string>;
  created_at: TimestampDefault;
}

// Declaration merging adds these tables to the Database interface above.
export interface Database {
  notification_channels: NotificationChannelsTable;
  slack_threads: SlackThreadsTable;
  billing_accounts: BillingAccountsTable;
  processed_webhook_events: ProcessedWebhookEventsTable;
  usage_records: UsageRecordsTable;
  follow_up_requests: FollowUpRequestsTable;
}

// ---- Specs, runs, tasks, pull requests (db/migrations/0002_specs_runs) ----

export const SPEC_STATUSES = ['draft', 'submitted', 'accepted', 'rejected'] as const;
export type SpecStatus = (typeof SPEC_STATUSES)[number];
export const RUN_STATUSES = ['queued', 'planning', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_RUNNERS = ['scheduler', 'cli'] as const;
export type RunRunner = (typeof RUN_RUNNERS)[number];
export const TASK_STATUSES = ['pending', 'blocked', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface SpecsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  title: string;
  markdown: string;
  score: Generated<number>;
  findings: JsonDefault<unknown[]>;
  status: ColumnType<SpecStatus, SpecStatus | undefined, SpecStatus>;
  created_by: string | null;
  submitted_at: Timestamp | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** Tasks of a Spec Kit import (the team's plan); null for a spec written in the editor. */
  imported_tasks: ColumnType<unknown[] | null, string | null | undefined, string | null>;
  import_warnings: JsonDefault<string[]>;
}

export interface RunsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  spec_id: string;
  status: ColumnType<RunStatus, RunStatus | undefined, RunStatus>;
  model: string;
  plan: JsonDefault<Record<string, unknown>>;
  forecast: Json<Record<string, unknown>> | null;
  /** bigint: strings on read (see db/client). */
  input_tokens: ColumnType<string, number | string | undefined, number | string>;
  output_tokens: ColumnType<string, number | string | undefined, number | string>;
  cost_usd: ColumnType<number, number | undefined, number>;
  error: string | null;
  plan_job_id: string | null;
  /** The worker running the plan-run job, or the CLI process driving a `cli` run (its liveness lock tells whether it still lives). */
  plan_owner: string | null;
  /** Who runs the tasks: the scheduler's workers, or the CLI process that created the run (0011). */
  runner: ColumnType<RunRunner, RunRunner | undefined, RunRunner>;
  /** The branch tasks start from when not the project's default (0011). */
  base_branch: string | null;
  created_by: string | null;
  created_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: TimestampDefault;
}

export interface TasksTable {
  id: Generated<string>;
  org_id: string;
  run_id: string;
  key: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  files: JsonDefault<string[]>;
  depends_on: JsonDefault<string[]>;
  wait_for_merge: JsonDefault<string[]>;
  repo: string | null;
  wave: ColumnType<number, number | undefined, number>;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  attempts: Generated<number>;
  failures: Generated<number>;
  result: Json<Record<string, unknown>> | null;
  error: string | null;
  branch: string | null;
  commit_sha: string | null;
  job_id: string | null;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  queued_at: Timestamp | null;
  started_at: Timestamp | null;
  first_started_at: Timestamp | null;
  finished_at: Timestamp | null;
  landed_at: Timestamp | null;
  /** Key of the task this remediation task was split off (0011). */
  remediation_of: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface TaskAttemptsTable {
  id: Generated<string>;
  task_id: string;
  worker_id: string;
  resumed_from_turn: number | null;
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'retry' | 'released' | null;
  error: string | null;
  started_at: TimestampDefault;
  ended_at: Timestamp | null;
}

export interface TaskCheckpointsTable {
  id: Generated<string>;
  task_id: string;
  turn: number;
  state: Json<unknown>;
  worker_id: string;
  created_at: TimestampDefault;
}

export interface TaskCommitsTable {
  task_id: string;
  key: string;
  status: ColumnType<'pending' | 'done', 'pending' | 'done' | undefined, 'pending' | 'done'>;
  result: Json<unknown> | null;
  worker_id: string;
  created_at: TimestampDefault;
  completed_at: Timestamp | null;
}

export interface PullRequestsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  run_id: string | null;
  task_id: string | null;
  branch: string;
  base: string;
  title: string;
  body: ColumnType<string, string | undefined, string>;
  diff: string | null;
  url: string | null;
  number: number | null;
  state: ColumnType<'open' | 'closed' | 'merged', 'open' | 'closed' | 'merged' | undefined, 'open' | 'closed' | 'merged'>;
  draft: ColumnType<boolean, boolean | undefined, boolean>;
  labels: JsonDefault<string[]>;
  provider: ColumnType<string, string | undefined, string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface Database {
  specs: SpecsTable;
  runs: RunsTable;
  tasks: TasksTable;
  task_attempts: TaskAttemptsTable;
  task_checkpoints: TaskCheckpointsTable;
  task_commits: TaskCommitsTable;
  pull_requests: PullRequestsTable;
}

// ── MCP (db/migrations/0005_mcp.ts): the organisation's MCP servers and per-project access ──

export interface McpServersTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  preset: string | null;
  /** McpServerConfig (server/mcp/config-schema.ts); values may hold {{SECRET}} placeholders. */
  config: Json<unknown>;
  /** The server's secrets as one encrypted JSON object; never returned through the API. */
  secret_ciphertext: string | null;
  timeout_ms: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** The last connection test ("Test"), db/migrations/0019_integration_status.ts. */
  last_check_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_check_ok: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  last_check_error: ColumnType<string | null, string | null | undefined, string | null>;
  last_check_tools: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ProjectMcpServersTable {
  org_id: string;
  project_id: string;
  server_id: string;
  /** null: every tool of the server; otherwise only these tool names. */
  tools: Json<string[]> | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface Database {
  mcp_servers: McpServersTable;
  project_mcp_servers: ProjectMcpServersTable;
}

export interface ChatMessagesTable {
  id: Generated<string>;
  org_id: string;
  run_id: string;
  task_id: string | null;
  author_id: string | null;
  author_name: string;
  body: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  chat_messages: ChatMessagesTable;
}

/** The agents' shared context cache (0004): content-addressed items per task. */
export interface ContextCacheItemsTable {
  task_key: string;
  ref: string;
  kind: 'file' | 'tool-result' | 'reasoning' | 'failed-attempt' | 'handoff' | 'note';
  label: ColumnType<string, string | undefined, string>;
  content: string;
  created_at: TimestampDefault;
}

export interface Database {
  context_cache_items: ContextCacheItemsTable;
}

// ── Agent settings (db/migrations/0007_agent_settings.ts): skills and prompt overrides per org ──

/** A skill's switch in an organisation; uploaded skills also carry their SKILL.md text. */
export interface OrgSkillsTable {
  org_id: string;
  name: string;
  /** null: a built-in skill (manifest on disk); text: an uploaded SKILL.md. */
  manifest: string | null;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  updated_by: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** Every save of a prompt override is a new version; the highest version is the active one. */
export interface PromptOverridesTable {
  id: Generated<string>;
  org_id: string;
  /** Path of the built-in file under prompts/, e.g. roles/developer.md. */
  prompt_path: string;
  version: number;
  /** Full file text; null: this version reverted to the built-in file. */
  content: string | null;
  author_id: string | null;
  created_at: TimestampDefault;
}

export interface Database {
  org_skills: OrgSkillsTable;
  prompt_overrides: PromptOverridesTable;
}

// ── Tenancy boundaries (db/migrations/0009_tenancy_boundaries.ts) ──

/** The resolved path of a project's local repository: one organisation per path. */
export interface LocalRepositoryPathsTable {
  project_id: string;
  org_id: string;
  path: string;
  checked_at: TimestampDefault;
}

/** The organisation a Slack workspace is connected to: one per team id on the instance. */
export interface SlackTeamsTable {
  team_id: string;
  org_id: string;
  created_at: TimestampDefault;
}

export interface Database {
  local_repository_paths: LocalRepositoryPathsTable;
  slack_teams: SlackTeamsTable;
}

// ── Environment setups (db/migrations/0013_env_setups.ts) ──

/** One setup of a project's dependencies: an install in the fenced sandbox or a cache hit. */
export interface EnvSetupsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  run_id: string | null;
  task_id: string | null;
  status: 'ready' | 'failed' | 'none';
  source: string;
  stacks: JsonDefault<string[]>;
  command: string | null;
  cache_key: string | null;
  cached: Generated<boolean>;
  duration_ms: number;
  size_bytes: ColumnType<string | null, number | null, number | null>;
  toolchain: JsonDefault<unknown[]>;
  log: Generated<string>;
  error: string | null;
  created_at: TimestampDefault;
}

export interface Database {
  env_setups: EnvSetupsTable;
}

// ── Viability (db/migrations/0014_viability.ts) ──

export type PatternSource = 'scan' | 'review' | 'rsi';
export type PatternSeverity = 'critical' | 'high' | 'medium' | 'low';
/** A negative example from the repository, or one place a scan found the pattern. */
export type PatternLocation = { file: string; line?: number; snippet?: string };

/** An anti-pattern a project's agents are told to avoid: learned from scans or recurring findings. */
export interface LearnedPatternsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  key: string;
  source: PatternSource;
  rule: string | null;
  title: string;
  severity: PatternSeverity;
  do_not: string;
  instead: string;
  example: Json<PatternLocation> | null;
  locations: JsonDefault<PatternLocation[]>;
  occurrences: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  version: ColumnType<number, number | undefined, number>;
  source_runs: JsonDefault<string[]>;
  last_scan_at: Timestamp | null;
  last_scan_commit: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

/** Every state a pattern's editable fields had, newest version highest. */
export interface LearnedPatternVersionsTable {
  id: Generated<string>;
  pattern_id: string;
  org_id: string;
  version: number;
  title: string;
  severity: PatternSeverity;
  do_not: string;
  instead: string;
  enabled: boolean;
  example: Json<PatternLocation> | null;
  change: string;
  author_id: string | null;
  created_at: TimestampDefault;
}

/** A QA/reviewer (or diff guard) finding of a task, kept so recurrences across tasks can be counted. */
export interface ReviewFindingsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string;
  run_id: string;
  task_id: string | null;
  role: string;
  rule: string | null;
  cluster: string;
  message: string;
  file: string | null;
  line: number | null;
  evidence: string | null;
  created_at: TimestampDefault;
}

export interface Database {
  learned_patterns: LearnedPatternsTable;
  learned_pattern_versions: LearnedPatternVersionsTable;
  review_findings: ReviewFindingsTable;
}

// ── Evals (db/migrations/0017_evals.ts) ──

export type EvalRunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

/** One eval run of a suite in an organisation: its figures once finished, and its regressions. */
export interface EvalRunsTable {
  id: Generated<string>;
  org_id: string;
  suite: string;
  suite_source: 'builtin' | 'folder';
  model: string;
  mode: 'agent' | 'pipeline';
  repeat: ColumnType<number, number | undefined, number>;
  total: ColumnType<number, number | undefined, number>;
  status: ColumnType<EvalRunStatus, EvalRunStatus | undefined, EvalRunStatus>;
  runner: 'cli' | 'server';
  prompt_versions: JsonDefault<Record<string, string>>;
  prompt_version: string | null;
  pass_rate: number | null;
  passed: ColumnType<number, number | undefined, number>;
  runs: ColumnType<number, number | undefined, number>;
  cost_usd: ColumnType<number, number | undefined, number>;
  /** bigint: strings on read (see db/client). */
  input_tokens: ColumnType<string, number | string | undefined, number | string>;
  output_tokens: ColumnType<string, number | string | undefined, number | string>;
  duration_ms: ColumnType<string, number | string | undefined, number | string>;
  compared_to: string | null;
  regressions: JsonDefault<string[]>;
  error: string | null;
  job_id: string | null;
  /** The CLI or worker driving it (its liveness lock tells whether it still lives) (0017_evals_owner). */
  owner: string | null;
  started_by: string | null;
  /** eval: the organisation's own; calibration: made by the self-improvement gate (0020). */
  purpose: ColumnType<EvalRunPurpose, EvalRunPurpose | undefined, EvalRunPurpose>;
  created_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: TimestampDefault;
}

export type EvalRunPurpose = 'eval' | 'calibration';

/** One task attempt of an eval run: verified with the suite's hidden files. */
export interface EvalResultsTable {
  id: Generated<string>;
  eval_run_id: string;
  org_id: string;
  task: string;
  attempt: number;
  status: 'passed' | 'failed' | 'error';
  verify_exit_code: number | null;
  turns: ColumnType<number, number | undefined, number>;
  cost_usd: ColumnType<number, number | undefined, number>;
  input_tokens: ColumnType<string, number | string | undefined, number | string>;
  output_tokens: ColumnType<string, number | string | undefined, number | string>;
  duration_ms: ColumnType<string, number | string | undefined, number | string>;
  run_id: string | null;
  branch: string | null;
  reason: string | null;
  created_at: TimestampDefault;
}

export interface Database {
  eval_runs: EvalRunsTable;
  eval_results: EvalResultsTable;
}

// ── Recordings (db/migrations/0016_recordings.ts): every run's model exchanges, tool calls, commands ──

/** One task's recording: header (task, model, base), ending (status, final tree) and size. */
export interface TaskRecordingsTable {
  task_id: string;
  org_id: string;
  run_id: string;
  header: Json<Record<string, unknown>>;
  ending: Json<Record<string, unknown>> | null;
  records: ColumnType<number, number | undefined, number>;
  /** bigint: strings on read (see db/client). */
  bytes: ColumnType<string, number | string | undefined, number | string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface RecordingEntriesTable {
  task_id: string;
  seq: number;
  org_id: string;
  kind: 'model' | 'tool' | 'command' | 'checkpoint';
  role: string | null;
  cycle: number | null;
  turn: number | null;
  data: Json<Record<string, unknown>>;
  created_at: TimestampDefault;
}

/** A request text (system prompt, message, tool list) a model record's digest names, stored once per recording. */
export interface RecordingBlobsTable {
  task_id: string;
  hash: string;
  org_id: string;
  text: string;
}

/**
 * The planner's recording (0017_plan_recordings): same lines as a task's (header, blobs, records,
 * ending), kept as one array; tied to its spec at once and to its run when the run exists.
 */
export interface PlanRecordingsTable {
  id: Generated<string>;
  org_id: string;
  spec_id: string | null;
  run_id: string | null;
  header: Json<Record<string, unknown>>;
  ending: Json<Record<string, unknown>> | null;
  lines: JsonDefault<Array<Record<string, unknown>>>;
  records: ColumnType<number, number | undefined, number>;
  /** bigint: strings on read (see db/client). */
  bytes: ColumnType<string, number | string | undefined, number | string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface Database {
  task_recordings: TaskRecordingsTable;
  recording_entries: RecordingEntriesTable;
  recording_blobs: RecordingBlobsTable;
  plan_recordings: PlanRecordingsTable;
}

// ── Self-improvement (db/migrations/0020_rsi.ts) ──

export const RSI_TRIGGERS = ['schedule', 'cli', 'manual'] as const;
export type RsiTrigger = (typeof RSI_TRIGGERS)[number];
export type RsiReportStatus = 'queued' | 'running' | 'finished' | 'failed';
export const RSI_PROPOSAL_KINDS = ['prompt', 'skill', 'doc', 'eval-challenge'] as const;
export type RsiProposalKind = (typeof RSI_PROPOSAL_KINDS)[number];
export const RSI_PROPOSAL_STATUSES = ['proposed', 'rejected', 'calibrating', 'awaiting-approval', 'adopted', 'reverted', 'dismissed', 'error'] as const;
export type RsiProposalStatus = (typeof RSI_PROPOSAL_STATUSES)[number];
export type RsiCalibrationStatus = 'running' | 'passed' | 'failed' | 'error';
/** One place an observation showed, quoted. */
export type RsiExample = { runId: string; taskId?: string | null; text: string };
/** One search/replace of a proposal's patch. */
export type RsiEdit = { search: string; replace: string };
/** An eval task folder as a proposal carries it. */
export type RsiChallenge = { id: string; title: string; prompt: string; verify: string; timeoutSec?: number; files: Array<{ path: string; content: string }>; hidden: Array<{ path: string; content: string }> };
/** How an observed failing run went when re-run with a proposal. */
export type RsiRerun = { runId: string; target: string; status: 'passed' | 'failed' | 'error' | 'skipped'; reason?: string; newRunId?: string | null };

export interface RsiReportsTable {
  id: Generated<string>;
  org_id: string;
  trigger: RsiTrigger;
  status: ColumnType<RsiReportStatus, RsiReportStatus | undefined, RsiReportStatus>;
  since: Timestamp;
  until: Timestamp | null;
  runs_mined: ColumnType<number, number | undefined, number>;
  observations: ColumnType<number, number | undefined, number>;
  proposals: ColumnType<number, number | undefined, number>;
  model: string | null;
  summary: string | null;
  error: string | null;
  job_id: string | null;
  started_by: string | null;
  created_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface RsiObservationsTable {
  id: Generated<string>;
  org_id: string;
  report_id: string;
  key: string;
  kind: string;
  pattern: string;
  count: number;
  failed_runs: ColumnType<number, number | undefined, number>;
  runs: JsonDefault<string[]>;
  example: Json<RsiExample>;
  details: JsonDefault<Record<string, unknown>>;
  created_at: TimestampDefault;
}

export interface RsiProposalsTable {
  id: Generated<string>;
  org_id: string;
  report_id: string | null;
  kind: RsiProposalKind;
  target: string;
  title: string;
  rationale: ColumnType<string, string | undefined, string>;
  observation_ids: JsonDefault<string[]>;
  edits: JsonDefault<RsiEdit[]>;
  base_version: number | null;
  before_text: string | null;
  after_text: string | null;
  challenge: Json<RsiChallenge> | null;
  project_id: string | null;
  status: RsiProposalStatus;
  status_reason: string | null;
  model: string | null;
  adopted_ref: Json<Record<string, unknown>> | null;
  adopted_at: Timestamp | null;
  adopted_by: string | null;
  reverted_at: Timestamp | null;
  reverted_by: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface RsiCalibrationsTable {
  id: Generated<string>;
  org_id: string;
  proposal_id: string;
  status: ColumnType<RsiCalibrationStatus, RsiCalibrationStatus | undefined, RsiCalibrationStatus>;
  suite: string;
  model: string;
  mode: string;
  baseline_eval_run_id: string | null;
  candidate_eval_run_id: string | null;
  baseline_pass_rate: number | null;
  candidate_pass_rate: number | null;
  baseline_passed: number | null;
  baseline_runs: number | null;
  candidate_passed: number | null;
  candidate_runs: number | null;
  reruns: JsonDefault<RsiRerun[]>;
  fixed: ColumnType<number, number | undefined, number>;
  verdict: string | null;
  error: string | null;
  run_ids: JsonDefault<string[]>;
  cost_usd: ColumnType<number, number | undefined, number>;
  created_at: TimestampDefault;
  finished_at: Timestamp | null;
}

export interface Database {
  rsi_reports: RsiReportsTable;
  rsi_observations: RsiObservationsTable;
  rsi_proposals: RsiProposalsTable;
  rsi_calibrations: RsiCalibrationsTable;
}
