/**
 * The Working State Manager: what the agent knows, kept small and injected every turn instead
 * of the transcript. Filled deterministically from tool results and by the model's own notes
 * (`update_working_state`). Every list is capped; the oldest, least recently touched entries go
 * first, and anything dropped is still in the context cache.
 */
export interface ActiveFile {
  path: string;
  /** Reference of the last content seen (context cache). */
  ref?: string;
  edited?: boolean;
  /** Short note: exported names, what changed. */
  note?: string;
}

export interface Discovery {
  /** Stable key so a re-read fact replaces its older version instead of piling up. */
  key: string;
  text: string;
  /** Turn that last touched the fact (eviction is least-recently-touched first). */
  turn: number;
  /** Facts the model wrote down itself are kept before extracted ones. */
  pinned?: boolean;
}

export interface VerificationStatus {
  state: 'unverified' | 'passing' | 'failing';
  command?: string;
  detail?: string;
  turn?: number;
}

export interface WorkingState {
  activeFiles: ActiveFile[];
  discoveries: Discovery[];
  failedApproaches: string[];
  verificationStatus: VerificationStatus;
  plan: Array<{ step: string; done: boolean }>;
  openQuestions: string[];
}

export const STATE_LIMITS = {
  activeFiles: 12,
  discoveries: 60,
  failedApproaches: 10,
  plan: 15,
  openQuestions: 8,
  /** One entry is a line, not a paragraph. */
  entryChars: 240,
} as const;

export function emptyWorkingState(): WorkingState {
  return { activeFiles: [], discoveries: [], failedApproaches: [], verificationStatus: { state: 'unverified' }, plan: [], openQuestions: [] };
}

export function clip(text: string, max: number = STATE_LIMITS.entryChars): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** What a model may send through `update_working_state` (every field optional). */
export interface WorkingStateNotes {
  plan?: Array<{ step: string; done?: boolean }> | string[];
  discoveries?: string[];
  failedApproaches?: string[];
  openQuestions?: string[];
  resolvedQuestions?: string[];
}

export class WorkingStateManager {
  readonly state: WorkingState;

  constructor(initial: Partial<WorkingState> = {}) {
    this.state = { ...emptyWorkingState(), ...structuredClone(initial) };
  }

  touchFile(path: string, patch: Omit<Partial<ActiveFile>, 'path'> = {}): void {
    const files = this.state.activeFiles;
    const i = files.findIndex((f) => f.path === path);
    const prev = i >= 0 ? files.splice(i, 1)[0] : { path };
    files.push({ ...prev, ...patch, path, edited: prev.edited || patch.edited });
    if (files.length > STATE_LIMITS.activeFiles) files.splice(0, files.length - STATE_LIMITS.activeFiles);
  }

  addDiscovery(key: string, text: string, turn: number, pinned = false): void {
    const list = this.state.discoveries;
    const i = list.findIndex((d) => d.key === key);
    if (i >= 0) list.splice(i, 1);
    list.push({ key, text: clip(text), turn, ...(pinned ? { pinned: true } : {}) });
    while (list.length > STATE_LIMITS.discoveries) {
      // Evict the least recently touched unpinned fact; pinned ones only when nothing else is left.
      let victim = -1;
      for (let j = 0; j < list.length; j++) if (!list[j].pinned && (victim < 0 || list[j].turn < list[victim].turn)) victim = j;
      list.splice(victim < 0 ? 0 : victim, 1);
    }
  }

  addFailedApproach(text: string): void {
    pushCapped(this.state.failedApproaches, clip(text), STATE_LIMITS.failedApproaches);
  }

  setVerification(status: VerificationStatus): void {
    this.state.verificationStatus = { ...status, detail: status.detail ? clip(status.detail, 600) : undefined };
  }

  applyNotes(notes: WorkingStateNotes, turn: number): string[] {
    const changed: string[] = [];
    if (Array.isArray(notes.plan)) {
      this.state.plan = notes.plan
        .map((p) => (typeof p === 'string' ? { step: clip(p), done: false } : { step: clip(String(p?.step ?? '')), done: Boolean(p?.done) }))
        .filter((p) => p.step)
        .slice(0, STATE_LIMITS.plan);
      changed.push(`plan (${this.state.plan.length} steps)`);
    }
    for (const d of strings(notes.discoveries)) this.addDiscovery(`note:${d.slice(0, 60).toLowerCase()}`, d, turn, true);
    if (notes.discoveries?.length) changed.push(`${notes.discoveries.length} discoveries`);
    for (const f of strings(notes.failedApproaches)) this.addFailedApproach(f);
    if (notes.failedApproaches?.length) changed.push(`${notes.failedApproaches.length} failed approaches`);
    for (const q of strings(notes.openQuestions)) pushCapped(this.state.openQuestions, clip(q), STATE_LIMITS.openQuestions);
    if (notes.openQuestions?.length) changed.push(`${notes.openQuestions.length} open questions`);
    const resolved = strings(notes.resolvedQuestions).map((q) => q.toLowerCase());
    if (resolved.length) {
      this.state.openQuestions = this.state.openQuestions.filter((q) => !resolved.some((r) => q.toLowerCase().includes(r)));
      changed.push('resolved questions');
    }
    return changed;
  }

  /** The state as the model reads it each turn. */
  render(): string {
    const s = this.state;
    const out: string[] = ['## Working state'];
    if (s.plan.length) out.push('Plan:', ...s.plan.map((p, i) => `  ${i + 1}. [${p.done ? 'x' : ' '}] ${p.step}`));
    if (s.activeFiles.length)
      out.push('Active files:', ...s.activeFiles.map((f) => `  - ${f.path}${f.edited ? ' (edited)' : ''}${f.ref ? ` ${f.ref}` : ''}${f.note ? ` — ${f.note}` : ''}`));
    if (s.discoveries.length) out.push('Discoveries:', ...s.discoveries.map((d) => `  - ${d.text}`));
    if (s.failedApproaches.length) out.push('Failed approaches (do not repeat):', ...s.failedApproaches.map((f) => `  - ${f}`));
    const v = s.verificationStatus;
    out.push(`Verification: ${v.state}${v.command ? ` (\`${v.command}\`, turn ${v.turn})` : ''}${v.detail ? ` — ${v.detail}` : ''}`);
    if (s.openQuestions.length) out.push('Open questions:', ...s.openQuestions.map((q) => `  - ${q}`));
    return out.join('\n');
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

function pushCapped(list: string[], item: string, cap: number): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
}
