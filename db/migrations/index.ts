import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_specs_runs';
import * as m0003 from './0003_integrations';
import * as m0005 from './0005_mcp';
import * as m0006 from './0006_chat';
import * as m0004 from './0004_context_cache';
import * as m0007 from './0007_agent_settings';
import * as m0008 from './0008_plan_owner';
import * as m0013 from './0013_env_setups';
import * as m0009 from './0009_tenancy_boundaries';
import * as m0009b from './0009_session_signal';
import * as m0010 from './0010_auth_hardening';
import * as m0011 from './0011_cli_runs';
import * as m0012 from './0012_spec_imports';
import * as m0014 from './0014_viability';
import * as m0017 from './0017_evals';
import * as m0017b from './0017_evals_owner';
import * as m0017c from './0017_plan_recordings';
import * as m0016 from './0016_recordings';
import * as m0018 from './0018_worker_processes';
import * as m0020 from './0020_rsi';
import * as m0018b from './0018_released_attempts';
import * as m0019 from './0019_integration_status';
import * as m0021 from './0021_sign_in_addresses';

/**
 * Every migration, in order. A static list (rather than a folder scan) so migrations work the same
 * under tsx, Vitest and bundlers. Forward-only: add a new file, never edit an applied one.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_specs_runs': m0002,
  '0003_integrations': m0003,
  '0005_mcp': m0005,
  '0006_chat': m0006,
  '0004_context_cache': m0004,
  '0007_agent_settings': m0007,
  '0008_plan_owner': m0008,
  '0009_tenancy_boundaries': m0009,
  '0009_session_signal': m0009b,
  '0010_auth_hardening': m0010,
  '0011_cli_runs': m0011,
  '0012_spec_imports': m0012,
  '0013_env_setups': m0013,
  '0014_viability': m0014,
  '0017_evals': m0017,
  '0017_evals_owner': m0017b,
  '0017_plan_recordings': m0017c,
  '0016_recordings': m0016,
  '0018_worker_processes': m0018,
  '0020_rsi': m0020,
  '0018_released_attempts': m0018b,
  '0019_integration_status': m0019,
  '0021_sign_in_addresses': m0021,
};
