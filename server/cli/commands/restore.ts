import { parseArgs } from 'node:util';
import { dataDir } from '../../config';
import { onceEach } from '../once-each';
import { BackupError, restoreEmbedded } from '../../db/embedded-backup';

const USAGE = 'usage: nightshift restore FILE.tar.gz [--force]   (into the embedded database of NIGHTSHIFT_DATA_DIR; stop the server first)';

/**
 * `nightshift restore FILE`: a `nightshift backup` file back into the data directory's embedded
 * PostgreSQL. Refuses while Nightshift runs on the data directory, and refuses to replace a
 * database holding data unless --force (the replaced one is kept aside). Prints one JSON line.
 */
export async function run(argv: string[]): Promise<number> {
  let parsed: { values: { force?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`nightshift restore: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`nightshift restore: name one backup file\n${USAGE}\n`);
    return 2;
  }
  try {
    const summary = await restoreEmbedded({
      dataDir: dataDir(),
      file: parsed.positionals[0],
      force: parsed.values.force,
      log: onceEach((m) => process.stderr.write(`nightshift restore: ${m}\n`)),
    });
    process.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof BackupError) {
      process.stderr.write(`nightshift restore: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
