import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { decodeSpecBytes } from './decode';
import { convertSpecKit, type ImportedSpec, type SpecKitFile } from './speckit-convert';

export { convertSpecKit, findClarifications, type ImportedSpec, type ImportedTask, type SpecKitContract, type SpecKitFile } from './speckit-convert';
export { parseSpecKitTasks, extractFiles, leadingIds, type SpecKitTask } from './speckit-tasks';

/** A feature folder holds a handful of documents; these bounds keep a wrong folder from being slurped. */
export const MAX_FOLDER_FILES = 200;
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const TEXT_EXTENSIONS = new Set(['md', 'markdown', 'txt', 'yaml', 'yml', 'json', 'ts', 'js', 'graphql', 'gql', 'proto', 'sql', 'toml', 'xml', 'http', 'rest', 'csv', 'feature', 'py', 'go', 'rs', 'sh', 'avsc', 'thrift', 'prisma']);

export type SpecKitImportResult = { ok: true; spec: ImportedSpec } | { ok: false; error: string };

/**
 * Imports a Spec Kit feature folder (`specs/004-feature/`): every text file in it — spec.md,
 * plan.md, tasks.md, research.md, data-model.md, quickstart.md, contracts/, checklists/ and any
 * other document — decoded whatever its encoding. The only function here that touches the disk.
 *
 * @example const r = await importSpecKit('specs/004-note-tags'); if (r.ok) r.spec.tasks
 */
export async function importSpecKit(dir: string): Promise<SpecKitImportResult> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    return { ok: false, error: `${dir} does not exist; pass the Spec Kit feature folder that holds spec.md` };
  }
  if (!info.isDirectory()) return { ok: false, error: `${dir} is not a directory; pass the Spec Kit feature folder that holds spec.md` };
  const warnings: string[] = [];
  const paths = await listFiles(dir, warnings);
  if (!paths.some((p) => relative(dir, p) === 'spec.md')) {
    return { ok: false, error: `${dir} has no spec.md; a Spec Kit feature folder needs at least spec.md (plan.md, tasks.md, research.md, data-model.md, quickstart.md, contracts/ and checklists/ are read when present)` };
  }
  const files: SpecKitFile[] = [];
  for (const path of paths.sort()) {
    const rel = relative(dir, path).split('\\').join('/');
    const ext = rel.slice(rel.lastIndexOf('.') + 1).toLowerCase();
    if (!rel.includes('.') || !TEXT_EXTENSIONS.has(ext)) {
      warnings.push(`${rel}: not a text document Nightshift reads (.${ext}); it was not imported`);
      continue;
    }
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) {
      warnings.push(`${rel}: larger than ${MAX_FILE_BYTES} bytes; it was not imported`);
      continue;
    }
    const decoded = decodeSpecBytes(await readFile(path));
    if (!decoded.ok) {
      warnings.push(`${rel} is not a text file (${decoded.reason}); it was not imported`);
      continue;
    }
    if (decoded.replaced > 0) warnings.push(`${rel}: ${decoded.replaced} byte(s) were not valid ${decoded.encoding} and were replaced with U+FFFD`);
    files.push({ path: rel, content: decoded.text });
  }
  const converted = convertSpecKit(files);
  return { ok: true, spec: { ...converted, warnings: [...warnings, ...converted.warnings] } };
}

async function listFiles(dir: string, warnings: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        if (out.length >= MAX_FOLDER_FILES) {
          warnings.push(`more than ${MAX_FOLDER_FILES} files; ${relative(dir, path)} and the rest were not imported`);
          return;
        }
        out.push(path);
      }
    }
  };
  await walk(dir);
  return out;
}
