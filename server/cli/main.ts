/**
 * Entry of the `nightshift` CLI. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv)`, returning the process exit code. Commands are imported lazily so that a quick
 * command (`edit-apply`, `spec score`) does not pay for loading the server.
 */
import { configureLogging } from '../observability/logger';

export type CommandModule = { run(argv: string[]): Promise<number | void> };

const COMMANDS: Record<string, { load: () => Promise<CommandModule>; help: string }> = {
  start: { load: () => import('./commands/start'), help: 'run the web server (and workers)' },
  build: { load: () => import('./commands/build'), help: 'build the web app (done by start when needed)' },
  worker: { load: () => import('./commands/worker'), help: 'run worker-only processes' },
  org: { load: () => import('./commands/org'), help: 'org create --name NAME --owner-email EMAIL' },
  token: { load: () => import('./commands/token'), help: 'token create --org SLUG --name NAME' },
  user: { load: () => import('./commands/user'), help: 'user set-password --email EMAIL (new password on stdin)' },
  'llm-replay': { load: () => import('./commands/llm-replay'), help: 'replay a recorded model response body' },
  'edit-apply': { load: () => import('./commands/edit-apply'), help: 'apply search/replace edits from JSON Lines on stdin' },
  sandbox: { load: () => import('./commands/sandbox'), help: 'sandbox exec --workspace DIR [--with-deps] -- CMD…' },
  env: { load: () => import('./commands/env'), help: 'env setup --repo DIR | env prune' },
  spec: { load: () => import('./commands/spec'), help: 'spec score FILE.md | spec import-speckit DIR' },
  plan: { load: () => import('./commands/plan'), help: 'plan FILE.json' },
  agent: { load: () => import('./commands/agent'), help: 'agent --repo DIR --task TEXT --model provider:model' },
  run: { load: () => import('./commands/run'), help: 'run --repo DIR --spec FILE.md --model provider:model' },
  eval: { load: () => import('./commands/eval'), help: 'eval run --suite DIR|builtin --model provider:model | eval compare BASE.json NEW.json' },
  replay: { load: () => import('./commands/replay'), help: 'replay --run RUN_ID: run a recorded run again from its recording, compare trees' },
  backup: { load: () => import('./commands/backup'), help: 'backup [--out FILE.tar.gz]: the embedded database and its keys, online' },
  restore: { load: () => import('./commands/restore'), help: 'restore FILE.tar.gz [--force]: a backup into the embedded database (server stopped)' },
  viability: { load: () => import('./commands/viability'), help: 'viability scan --repo DIR [--json] | cleanup --repo DIR --out FILE.md' },
  rsi: { load: () => import('./commands/rsi'), help: 'rsi report [--since 7d] [--json] | rsi run --once --model provider:model' },
};

/** Commands that run as long-lived server processes (logs on stdout). */
const SERVER_COMMANDS = new Set(['start', 'worker']);

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.help}`);
  return `usage: nightshift <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`nightshift: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // Server processes log JSON lines on stdout; every other command keeps stdout for its output
  // (JSON, summaries) and logs to stderr, warnings and errors only unless LOG_LEVEL asks for more.
  const server = SERVER_COMMANDS.has(name);
  configureLogging({ target: server ? 'stdout' : 'stderr', defaultLevel: server ? 'info' : 'warn', proc: server ? (name === 'worker' ? 'worker' : 'web') : `cli-${name}` });
  let mod: CommandModule;
  try {
    mod = await command.load();
  } catch (err) {
    process.stderr.write(`nightshift: the "${name}" command is not available in this build (${(err as Error).message})\n`);
    return 2;
  }
  try {
    const code = await mod.run(rest);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    const e = err as Error & { userMessage?: string };
    process.stderr.write(`nightshift ${name}: ${e.userMessage ?? e.message}\n`);
    return 1;
  }
}
