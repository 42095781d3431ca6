// Judges test/email.test.js by mutation: it must pass on src/email.js as written and fail on each
// broken version in eval/mutants/ (each breaks one rule the task named).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';

const TEST = 'test/email.test.js';
const SOURCE = 'src/email.js';
if (!existsSync(TEST)) {
  console.log(`FAIL: ${TEST} does not exist`);
  process.exit(1);
}
const original = readFileSync('eval/original-email.js', 'utf8');
if (readFileSync(SOURCE, 'utf8') !== original) console.log(`note: ${SOURCE} was changed; judging the tests against the original`);
const run = () => spawnSync(process.execPath, ['--test', TEST], { encoding: 'utf8', timeout: 30_000 });

copyFileSync('eval/original-email.js', SOURCE);
const green = run();
if (green.status !== 0) {
  console.log(`FAIL: the tests do not pass on the original ${SOURCE}`);
  console.log(`${green.stdout}${green.stderr}`.split('\n').slice(-30).join('\n'));
  process.exit(1);
}
const survivors = [];
for (const mutant of readdirSync('eval/mutants').sort()) {
  copyFileSync(`eval/mutants/${mutant}`, SOURCE);
  if (run().status === 0) survivors.push(mutant.replace(/\.js$/, ''));
}
copyFileSync('eval/original-email.js', SOURCE);
const total = readdirSync('eval/mutants').length;
console.log(`${total - survivors.length}/${total} broken versions caught`);
if (survivors.length) {
  console.log(`FAIL: the tests pass on broken versions: ${survivors.join(', ')}`);
  process.exit(1);
}
console.log('PASS');
