/**
 * Splits a unified diff into files, each with an "original" and "modified" text made of its hunks
 * (context + removed / context + added), which Monaco's diff viewer shows side by side.
 */
export type DiffFile = { path: string; original: string; modified: string; added: number; removed: number };

export function parseUnifiedDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let cur: DiffFile | null = null;
  const orig: string[] = [];
  const mod: string[] = [];
  const flush = () => {
    if (cur) {
      cur.original = orig.join('\n');
      cur.modified = mod.join('\n');
      files.push(cur);
    }
    orig.length = 0;
    mod.length = 0;
  };
  const lines = diff.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fileHeader = line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ');
    if (line.startsWith('diff --git ')) {
      flush();
      const m = / b\/(.+)$/.exec(line);
      cur = { path: m?.[1] ?? line.slice(11), original: '', modified: '', added: 0, removed: 0 };
    } else if (fileHeader && (!cur || orig.length || mod.length)) {
      // A patch without git's header (e.g. from the `diff` package): the ---/+++ pair opens a file.
      flush();
      const target = lines[i + 1].slice(4).split('\t')[0].trim();
      const source = line.slice(4).split('\t')[0].trim();
      const name = target === '/dev/null' ? source : target;
      cur = { path: name.replace(/^[ab]\//, ''), original: '', modified: '', added: 0, removed: 0 };
      i++;
    } else if (!cur) {
      continue;
    } else if (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('index ') || line.startsWith('new file') || line.startsWith('deleted file') || line.startsWith('similarity') || line.startsWith('rename ')) {
      continue;
    } else if (line.startsWith('@@')) {
      if (orig.length || mod.length) {
        orig.push('⋯');
        mod.push('⋯');
      }
    } else if (line.startsWith('+')) {
      mod.push(line.slice(1));
      cur.added++;
    } else if (line.startsWith('-')) {
      orig.push(line.slice(1));
      cur.removed++;
    } else if (line.startsWith(' ')) {
      orig.push(line.slice(1));
      mod.push(line.slice(1));
    }
  }
  flush();
  return files;
}

export function languageOf(path: string): string {
  const ext = path.split('.').pop() ?? '';
  return ({ ts: 'typescript', tsx: 'typescript', js: 'javascript', jsx: 'javascript', mjs: 'javascript', py: 'python', go: 'go', md: 'markdown', json: 'json', css: 'css', html: 'html', yml: 'yaml', yaml: 'yaml', sql: 'sql', sh: 'shell' } as Record<string, string>)[ext] ?? 'plaintext';
}
