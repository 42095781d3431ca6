/**
 * `nightshift worker` as shipped (same runtime, signals, shutdown and health), with the agent
 * pipeline replaced by the scripted executor: each turn one streamed call to the fake model server
 * and a checkpoint, a "commit" (a line in COMMIT_LOG, through commitOnce) every COMMIT_EVERY turns.
 *   DATABASE_URL, FAKE_LLM_URL, TURNS, COMMIT_EVERY, COMMIT_LOG (+ every NIGHTSHIFT_* setting)
 */
import { runWorker } from '../../server/cli/commands/worker';
import { createScriptedExecutor } from '../../jobs/scheduler/scripted-executor';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const code = await runWorker({
  executor: createScriptedExecutor({ baseUrl: env('FAKE_LLM_URL'), turns: Number(env('TURNS')), commitEvery: Number(env('COMMIT_EVERY')), commitLog: env('COMMIT_LOG') }),
});
process.exit(code);
