import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { convertSpecKit, type ImportedSpec, type SpecKitFiles } from './speckit-convert';

export { convertSpecKit, type ImportedSpec, type ImportedTask, type SpecKitContract, type SpecKitFiles } from './speckit-convert';
export { parseSpecKitTasks, extractFiles, type SpecKitTask } from './speckit-tasks';

/** Contract folders hold a handful of schemas; anything bigger is not a contract we should inline. */
export const MAX_CONTRACT_FILES = 50;
export const MAX_CONTRACT_BYTES = 512 * 1024;

export type SpecKitImportResult = { ok: true; spec: ImportedSpec } | { ok: false; error: string };

/**
 * Imports a Spec Kit feature folder (`specs/004-feature/`): `spec.md` (required), `plan.md`,
 * `tasks.md` and `contracts/` (optional). The only function here that touches the disk.
 *
 * @example const r = await importSpecKit('specs/004-note-tags'); if (r.ok) r.spec.tasks
 */
export async function importSpecKit(dir: string): Promise<SpecKitImportResult> {
  try {
    if (!(await stat(dir)).isDirectory()) return { ok: false, error: `${dir} is not a directory; pass the Spec Kit feature folder that holds spec.md` };
  } catch {
    return { ok: false, error: `${dir} does not exist; pass the Spec Kit feature folder that holds spec.md` };
  }
  const spec = await readOptional(join(dir, 'spec.md'));
  if (spec === undefined) return { ok: false, error: `${dir} has no spec.md; a Spec Kit feature folder needs at least spec.md (plan.md, tasks.md and contracts/ are optional)` };
  const files: SpecKitFiles = { spec, plan: await readOptional(join(dir, 'plan.md')), tasks: await readOptional(join(dir, 'tasks.md')), contracts: [] };
  const warnings: string[] = [];
  const contractDir = join(dir, 'contracts');
  for (const path of (await listFiles(contractDir)).sort()) {
    if (files.contracts!.length >= MAX_CONTRACT_FILES) {
      warnings.push(`contracts/ has more than ${MAX_CONTRACT_FILES} files; the rest were not imported`);
      break;
    }
    const size = (await stat(path)).size;
    if (size > MAX_CONTRACT_BYTES) {
      warnings.push(`${relative(dir, path)} is larger than ${MAX_CONTRACT_BYTES} bytes and was not imported`);
      continue;
    }
    files.contracts!.push({ path: relative(dir, path).split('\\').join('/'), content: await readFile(path, 'utf8') });
  }
  const converted = convertSpecKit(files);
  return { ok: true, spec: { ...converted, warnings: [...warnings, ...converted.warnings] } };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
