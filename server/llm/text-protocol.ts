import { jsonrepair } from 'jsonrepair';
import { finalReason } from './stream-assembler';
import { isCompleteJson, ToolCallTracker } from './tool-call-tracker';
import type { Message, ModelRequest, StreamPart, ToolDefinition } from './types';

/**
 * Tool calling for models without a native tool API: the tools are described in the system
 * prompt, the model writes calls as tagged JSON in its text, and the stream is rewritten so the
 * caller sees ordinary `tool-call` parts. Earlier calls and results in the conversation are
 * rendered in the same text form so the model sees a consistent history.
 */
export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

/** The text a model writes to call a tool (also used by the fake server). */
export function formatToolCallText(toolName: string, args: unknown): string {
  return `${TOOL_CALL_OPEN}${JSON.stringify({ name: toolName, arguments: args })}${TOOL_CALL_CLOSE}`;
}

export function describeToolsForPrompt(tools: ToolDefinition[]): string {
  const list = tools
    .map((t) => `### ${t.name}\n${t.description}\nParameters (JSON Schema): ${JSON.stringify(t.parameters)}`)
    .join('\n\n');
  return [
    '# Tools',
    'You can call the tools below. To call one, write exactly one line per call in this form and nothing else on that line:',
    `${TOOL_CALL_OPEN}{"name": "TOOL_NAME", "arguments": {...}}${TOOL_CALL_CLOSE}`,
    'The arguments must be a JSON object matching the tool\'s parameters. You may call several tools in one reply.',
    'After your calls, stop and wait: each result comes back in a <tool_result> block.',
    '',
    list,
  ].join('\n');
}

function renderResult(toolName: string, id: string, result: string, isError?: boolean): string {
  return `<tool_result name="${toolName}" id="${id}"${isError ? ' error="true"' : ''}>\n${result}\n</tool_result>`;
}

/** Rewrites a request with tools into one without: tools in the prompt, history as text. */
export function toTextProtocolRequest(req: ModelRequest): ModelRequest {
  if (!req.tools?.length) return req;
  const messages: Message[] = req.messages.map((m): Message => {
    if (m.role === 'assistant' && typeof m.content !== 'string') {
      let text = '';
      for (const p of m.content) {
        if (p.type === 'text') text += p.text;
        else if (p.type === 'tool-call') text += `${text && !text.endsWith('\n') ? '\n' : ''}${formatToolCallText(p.toolName, p.args)}\n`;
      }
      return { role: 'assistant', content: text };
    }
    if (m.role === 'tool') {
      return { role: 'user', content: m.content.map((r) => renderResult(r.toolName, r.toolCallId, r.result, r.isError)).join('\n') };
    }
    return m;
  });
  const system = [req.system, describeToolsForPrompt(req.tools)].filter(Boolean).join('\n\n');
  const { tools: _tools, ...rest } = req;
  return { ...rest, system, messages };
}

/**
 * Splits streamed text into visible text and tool-call bodies. Text that could be the start of
 * an opening tag is held back until the next delta decides it.
 */
export class TextToolCallScanner {
  private buffer = '';
  private inCall = false;

  /** Returns the segments found so far, in order. */
  push(delta: string): Array<{ kind: 'text' | 'call'; value: string }> {
    this.buffer += delta;
    const out: Array<{ kind: 'text' | 'call'; value: string }> = [];
    for (;;) {
      if (this.inCall) {
        const close = this.buffer.indexOf(TOOL_CALL_CLOSE);
        if (close === -1) break;
        out.push({ kind: 'call', value: this.buffer.slice(0, close) });
        this.buffer = this.buffer.slice(close + TOOL_CALL_CLOSE.length);
        this.inCall = false;
        continue;
      }
      const open = this.buffer.indexOf(TOOL_CALL_OPEN);
      if (open !== -1) {
        if (open > 0) out.push({ kind: 'text', value: this.buffer.slice(0, open) });
        this.buffer = this.buffer.slice(open + TOOL_CALL_OPEN.length);
        this.inCall = true;
        continue;
      }
      const keep = partialTagSuffix(this.buffer);
      const visible = this.buffer.slice(0, this.buffer.length - keep);
      if (visible) out.push({ kind: 'text', value: visible });
      this.buffer = this.buffer.slice(this.buffer.length - keep);
      break;
    }
    return out;
  }

  /** The text ended: an unclosed call is still a call (the model ran out of tokens). */
  end(): Array<{ kind: 'text' | 'call'; value: string }> {
    const rest = this.buffer;
    this.buffer = '';
    if (!rest) return [];
    const kind = this.inCall ? 'call' : 'text';
    this.inCall = false;
    return [{ kind, value: rest }];
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of the opening tag. */
function partialTagSuffix(text: string): number {
  const max = Math.min(text.length, TOOL_CALL_OPEN.length - 1);
  for (let n = max; n > 0; n--) {
    if (TOOL_CALL_OPEN.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

/**
 * Rewrites a part stream from a model using the text protocol: tagged calls inside text become
 * `tool-call-*` and `tool-call` parts (repaired like native ones), and the finish reason becomes
 * `tool-calls` when any call was found.
 */
export async function* parseTextToolCalls(parts: AsyncIterable<StreamPart>, newId: (n: number) => string): AsyncGenerator<StreamPart> {
  const scanner = new TextToolCallScanner();
  const tracker = new ToolCallTracker({ newId });
  let textId: string | undefined;
  let blocks = 0;
  let calls = 0;
  let finalised = false;

  function* emit(segments: Array<{ kind: 'text' | 'call'; value: string }>): Generator<StreamPart> {
    for (const s of segments) {
      if (s.kind === 'text') {
        if (!textId) {
          textId = `text-${blocks++}`;
          yield { type: 'text-start', id: textId };
        }
        yield { type: 'text-delta', id: textId, delta: s.value };
      } else {
        if (textId) {
          yield { type: 'text-end', id: textId };
          textId = undefined;
        }
        yield* callParts(s.value);
      }
    }
  }

  function* callParts(body: string, cut = false): Generator<StreamPart> {
    const out: StreamPart[] = [];
    const key = calls++;
    const parsed = parseCallEnvelope(body);
    tracker.delta(key, { id: newId(key), toolName: parsed.name, args: parsed.args }, out);
    tracker.flush(out, key);
    for (const p of out) {
      if (p.type !== 'tool-call') continue;
      if (cut && !isCompleteJson(body)) {
        // The output limit cut this call: reported, never something to run.
        delete p.repaired;
        delete p.invalid;
        p.truncated = true;
        p.rawArgs = body;
      } else if (parsed.repaired && !p.invalid) {
        p.repaired = true;
        p.rawArgs = body;
      }
    }
    yield* out;
  }

  /**
   * The text ended. An unclosed call is still a call (models forget the closing tag) unless the
   * stream stopped at the output limit with its JSON unfinished (`cut`), or failed (`abandon`:
   * half-received arguments never run).
   */
  function* finalise(mode: 'complete' | 'cut' | 'abandon'): Generator<StreamPart> {
    if (finalised) return;
    finalised = true;
    for (const s of scanner.end()) {
      if (s.kind === 'call' && mode === 'abandon') continue;
      if (s.kind === 'call') {
        if (textId) {
          yield { type: 'text-end', id: textId };
          textId = undefined;
        }
        yield* callParts(s.value, mode === 'cut');
      } else yield* emit([s]);
    }
    if (textId) {
      yield { type: 'text-end', id: textId };
      textId = undefined;
    }
  }

  // Usage is held until the finish reason is known, because that decides what an unclosed call is.
  let usage: StreamPart | undefined;
  for await (const part of parts) {
    switch (part.type) {
      case 'text-start':
        break;
      case 'text-delta':
        yield* emit(scanner.push(part.delta));
        break;
      case 'text-end':
        // a following text block may continue a call, so only close the visible block here
        break;
      case 'error':
        yield* finalise('abandon');
        yield part;
        break;
      case 'usage':
        usage = part;
        break;
      case 'finish':
        yield* finalise(part.reason === 'length' ? 'cut' : 'complete');
        if (usage) yield usage;
        usage = undefined;
        yield { ...part, reason: finalReason(part.reason === 'error', part.reason, tracker.callCount) };
        break;
      default:
        yield part;
    }
  }
  yield* finalise('complete');
  if (usage) yield usage;
}

/**
 * Reads `{"name": ..., "arguments": ...}`. The arguments go on as text so the tracker parses
 * them like native ones; an envelope that needed repair marks the call repaired.
 */
function parseCallEnvelope(body: string): { name?: string; args: string; repaired: boolean } {
  const text = body.trim();
  let envelope: unknown;
  let repaired = false;
  try {
    envelope = JSON.parse(text);
  } catch {
    try {
      envelope = JSON.parse(jsonrepair(text));
      repaired = true;
    } catch {
      envelope = undefined;
    }
  }
  if (envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope)) {
    const v = envelope as { name?: unknown; arguments?: unknown; parameters?: unknown };
    const args = v.arguments ?? v.parameters ?? {};
    return { name: typeof v.name === 'string' ? v.name : undefined, args: typeof args === 'string' ? args : JSON.stringify(args), repaired };
  }
  // Beyond repair: keep what can be read so the call is reported (invalid) rather than lost.
  const name = /["']name["']\s*:\s*["']([^"']+)["']/.exec(text)?.[1];
  return { name, args: text, repaired: true };
}
