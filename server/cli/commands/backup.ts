import { parseArgs } from 'node:util';
import { dataDir } from '../../config';
import { onceEach } from '../once-each';
import { backupEmbedded, BackupError, defaultBackupFile } from '../../db/embedded-backup';

const USAGE = 'usage: nightshift backup [--out FILE.tar.gz]   (the embedded database of NIGHTSHIFT_DATA_DIR, online)';

/**
 * `nightshift backup`: the data directory's embedded PostgreSQL and its keys into one tar.gz,
 * while the server runs (or starting the database for it). Prints one JSON line (the summary).
 * @example nightshift backup --out /backups/nightshift-$(date +%F).tar.gz
 */
export async function run(argv: string[]): Promise<number> {
  let values: { out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`nightshift backup: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const summary = await backupEmbedded({ dataDir: dataDir(), out: values.out ?? defaultBackupFile(), log: onceEach((m) => process.stderr.write(`nightshift backup: ${m}\n`)) });
    process.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof BackupError) {
      process.stderr.write(`nightshift backup: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
