import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { planTasks } from '../../planner/plan';

const USAGE = 'usage: nightshift plan FILE.json [--repo DIR] [--explain]\n  FILE.json: {"tasks":[{"id","files":[…],"dependsOn":[…],"done"?}]} (the output of `nightshift spec import-speckit` works as is)\n';

const ZPlanFile = z.object({
  tasks: z.array(
    z.object({
      id: z.string().min(1),
      files: z.array(z.string()).default([]),
      dependsOn: z.array(z.string()).default([]),
      repo: z.string().optional(),
      title: z.string().optional(),
      /** Done tasks (a Spec Kit `[x]`) are not planned again; they are listed under "done". */
      done: z.boolean().optional(),
    }),
  ),
});

/**
 * `nightshift plan FILE.json` → `{"waves":[[…]],"planMs"}`. With `--repo DIR` the code graph of
 * that checkout adds import edges; `--explain` adds the edges with their reasons. A cycle exits 2
 * and names its tasks.
 */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { repo: { type: 'string' }, explain: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`nightshift plan: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write(`nightshift plan: expected exactly one FILE.json\n${USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`nightshift plan: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    process.stderr.write(`nightshift plan: ${file} is not valid JSON (${(err as Error).message})\n`);
    return 2;
  }
  const input = ZPlanFile.safeParse(json);
  if (!input.success) {
    const issues = input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    process.stderr.write(`nightshift plan: ${file} does not match {"tasks":[{"id","files","dependsOn"}]}: ${issues}\n`);
    return 2;
  }

  // Done tasks leave the waves; a dependency on one is already satisfied.
  const done = input.data.tasks.filter((t) => t.done).map((t) => t.id);
  const doneSet = new Set(done);
  const open = input.data.tasks.filter((t) => !t.done).map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => !doneSet.has(d)) }));
  const result = await planTasks(open, values.repo ? { repoDir: values.repo } : {});
  if (!result.ok) {
    process.stderr.write(`nightshift plan: ${result.error.message}\n`);
    return 2;
  }
  const out: Record<string, unknown> = { waves: result.waves, ...(done.length ? { done } : {}), planMs: result.planMs };
  if (values.explain) {
    out.edges = result.edges;
    if (result.dropped.length) out.dropped = result.dropped;
  }
  if (result.warnings.length) out.warnings = result.warnings;
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}
