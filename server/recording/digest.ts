import { createHash } from 'node:crypto';
import type { ModelRequest } from '../llm';
import type { RequestDigest } from './types';

const HASH_CHARS = 24;

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** JSON with object keys in sorted order: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/**
 * What a recording keeps of a text: redacted, and with the names that belong to this execution of
 * the task (its ids, worktree path, branch) replaced by placeholders, so the same request made in
 * a fresh worktree by a replay reads the same.
 */
export type Normalizer = (text: string) => string;

export function createNormalizer(redact: (text: string) => string, volatile: Array<[value: string, placeholder: string]>): Normalizer {
  const pairs = volatile.filter(([v]) => v && v.length >= 4).sort((a, b) => b[0].length - a[0].length);
  return (text: string) => {
    let out = redact(text);
    for (const [v, ph] of pairs) if (out.includes(v)) out = out.split(v).join(ph);
    return out;
  };
}

/** The request texts a digest hashes (normalized), by the digest's order. */
export type DigestTexts = { system: string; messages: string[]; tools: string };

/**
 * Hashes a model request: model, system prompt, each message and the tool list. The texts are
 * returned too (the recording stores each once, by hash). Messages repeat from one turn to the
 * next, so their normalized hashes are memoised by their raw text.
 */
export function createDigester(normalize: Normalizer) {
  const memo = new Map<string, { hash: string; text: string }>();
  const once = (raw: string) => {
    let hit = memo.get(raw);
    if (!hit) {
      const text = normalize(raw);
      hit = { hash: hashText(text), text };
      memo.set(raw, hit);
    }
    return hit;
  };
  return (model: string, request: ModelRequest): { digest: RequestDigest; texts: DigestTexts; blobs: Array<{ hash: string; text: string }> } => {
    const system = once(request.system ?? '');
    const messages = request.messages.map((m) => once(canonicalJson(m)));
    const tools = once(canonicalJson(request.tools ?? []));
    const hash = hashText([model, system.hash, ...messages.map((m) => m.hash), tools.hash, String(request.maxTokens ?? '')].join('\n'));
    return {
      digest: { hash, model, system: system.hash, messages: messages.map((m) => m.hash), tools: tools.hash, ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}) },
      texts: { system: system.text, messages: messages.map((m) => m.text), tools: tools.text },
      blobs: [system, ...messages, tools],
    };
  };
}

const QUOTE_CHARS = 160;

function quote(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return `"${one.length > QUOTE_CHARS ? `${one.slice(0, QUOTE_CHARS)}…` : one}"`;
}

/** Where two texts first differ, by line: `line 12: recorded "…", now "…"`. */
export function firstLineDifference(recorded: string, now: string): string {
  const a = recorded.split('\n');
  const b = now.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === undefined) return `line ${i + 1}: the recording ends here, now ${quote(b[i])}`;
    if (b[i] === undefined) return `line ${i + 1}: recorded ${quote(a[i])}, now nothing`;
    return `line ${i + 1}: recorded ${quote(a[i])}, now ${quote(b[i])}`;
  }
  return 'same text';
}

/** A message's text for a person: its role and its content (JSON escapes undone, so lines show). */
function messageView(json: string | undefined): { role: string; text: string } {
  if (json === undefined) return { role: '?', text: '' };
  try {
    const m = JSON.parse(json) as { role?: string; content?: unknown };
    const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 1);
    return { role: m.role ?? '?', text: content };
  } catch {
    return { role: '?', text: json };
  }
}

/**
 * The first difference between a recorded request and the one made now, in words: the model, the
 * system prompt, a message (by number and role, with the first differing line), the tool list.
 * `blob` reads a recorded text by hash (absent when the recording did not keep it).
 */
export function describeDifference(recorded: RequestDigest, now: RequestDigest, nowTexts: DigestTexts, blob: (hash: string) => string | undefined): string {
  if (recorded.model !== now.model) return `the model differs: recorded ${recorded.model}, now ${now.model}`;
  if (recorded.system !== now.system) {
    const was = blob(recorded.system);
    return `the system prompt differs${was === undefined ? '' : ` at ${firstLineDifference(was, nowTexts.system)}`}`;
  }
  const n = Math.max(recorded.messages.length, now.messages.length);
  for (let i = 0; i < n; i++) {
    if (recorded.messages[i] === now.messages[i]) continue;
    const nowView = messageView(nowTexts.messages[i]);
    if (recorded.messages[i] === undefined) return `message ${i + 1} (${nowView.role}) is new: the recorded request had ${recorded.messages.length} messages`;
    const wasJson = blob(recorded.messages[i]);
    const was = messageView(wasJson);
    if (now.messages[i] === undefined) return `message ${i + 1} (${was.role}) is missing: the request now has ${now.messages.length} messages`;
    if (wasJson === undefined) return `message ${i + 1} (${nowView.role}) differs`;
    if (was.role !== nowView.role) return `message ${i + 1} differs: recorded a ${was.role} message, now a ${nowView.role} message`;
    return `message ${i + 1} (${nowView.role}) differs at ${firstLineDifference(was.text, nowView.text)}`;
  }
  if (recorded.tools !== now.tools) {
    const was = blob(recorded.tools);
    return `the tool list differs${was === undefined ? '' : `: ${toolListDifference(was, nowTexts.tools)}`}`;
  }
  if (recorded.maxTokens !== now.maxTokens) return `the output limit differs: recorded ${recorded.maxTokens}, now ${now.maxTokens}`;
  return 'the request differs';
}

function toolListDifference(recorded: string, now: string): string {
  const names = (json: string) => {
    try {
      return (JSON.parse(json) as Array<{ name: string }>).map((t) => t.name);
    } catch {
      return [];
    }
  };
  const a = names(recorded);
  const b = names(now);
  const added = b.filter((x) => !a.includes(x));
  const removed = a.filter((x) => !b.includes(x));
  if (added.length || removed.length) return [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
  const parsed = (json: string) => {
    try {
      return JSON.parse(json) as Array<{ name: string }>;
    } catch {
      return [];
    }
  };
  const pa = parsed(recorded);
  const pb = parsed(now);
  const changed = pb.find((t, i) => canonicalJson(t) !== canonicalJson(pa[i]));
  return changed ? `the description or parameters of ${changed.name} changed` : 'the order changed';
}
