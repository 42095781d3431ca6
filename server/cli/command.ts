/**
 * What the commands that run agents (`eval`, `rsi`, `replay`, `agent`) do alike before they start:
 * errors as `nightshift NAME: …` on stderr with exit 2, strict flags (a bad one fails with the
 * usage, --help prints it), subcommands, --driver, and progress lines on stderr. Imports only leaf
 * modules, like run-options.ts: a bad flag fails in the time it takes to start node.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDriver } from '@/sandbox/driver-name';
import type { SandboxDriverName } from '@/sandbox/types';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values `parseArgs` gives for these options (strict, no positionals). */
export type Flags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: O }>>['values'];

/** The command is over: return this exit code (the usage or the error has been printed). */
export type Exit = { exit: number };

export type CliCommand = {
  /** Prints `nightshift NAME: message` on stderr; returns 2, the exit code for bad input. */
  fail(message: string): number;
  /**
   * Runs `table[argv[0]]` with the rest. No subcommand: the usage on stdout, exit 2; --help, -h or
   * help: the usage, exit 0; an unknown one: fails with the usage.
   */
  subcommands(argv: string[], table: Record<string, (argv: string[]) => Promise<number>>): Promise<number>;
  /**
   * The flags, strictly (`parseArgs` with `strict: true`): an unknown or malformed flag fails with
   * the usage. When `options` has `help` and it is given, prints the usage: exit 0.
   *
   * @example const parsed = command.flags(argv, { suite: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
   *          if ('exit' in parsed) return parsed.exit;
   */
  flags<const O extends Options>(argv: string[], options: O): { values: Flags<O> } | Exit;
  /** --driver, else SANDBOX_DRIVER, else auto; an unknown driver fails. */
  driver(flag: string | undefined): { driver: SandboxDriverName } | Exit;
};

export function cliCommand(name: string, usage: string): CliCommand {
  const fail = (message: string): number => {
    process.stderr.write(`nightshift ${name}: ${message}\n`);
    return 2;
  };
  return {
    fail,
    async subcommands(argv, table) {
      const [sub, ...rest] = argv;
      if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
        process.stdout.write(usage);
        return sub ? 0 : 2;
      }
      if (Object.hasOwn(table, sub)) return table[sub](rest);
      return fail(`unknown subcommand "${sub}"\n\n${usage}`);
    },
    flags(argv, options) {
      let values;
      try {
        ({ values } = parseArgs({ args: argv, strict: true, options }));
      } catch (err) {
        return { exit: fail(`${(err as Error).message}\n\n${usage}`) };
      }
      if ((values as { help?: unknown }).help) {
        process.stdout.write(usage);
        return { exit: 0 };
      }
      return { values };
    },
    driver(flag) {
      try {
        return { driver: parseDriver(flag ?? process.env.SANDBOX_DRIVER) };
      } catch (err) {
        return { exit: fail((err as Error).message) };
      }
    },
  };
}

/** Progress lines on stderr, none with --quiet. */
export function stderrLog(quiet: boolean): (line: string) => void {
  return (line) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
}
