const OPEN = '<think>';
const CLOSE = '</think>';

export type ThinkSegment = { kind: 'text' | 'reasoning'; value: string };

/**
 * Local reasoning models served without a reasoning parser (DeepSeek-R1 distills, QwQ on
 * llama.cpp or vLLM) put their thinking inside `<think>…</think>` at the start of the content.
 * This moves it to reasoning. Only a leading block counts: a tag later in an answer is text.
 */
export class ThinkTagSplitter {
  /** `after`: the block just closed; whitespace before the answer is dropped. */
  private state: 'start' | 'thinking' | 'after' | 'text' = 'start';
  private buffer = '';

  push(delta: string): ThinkSegment[] {
    if (this.state === 'text') return [{ kind: 'text', value: delta }];
    if (this.state === 'after') {
      const rest = delta.replace(/^\s+/, '');
      if (!rest) return [];
      this.state = 'text';
      return [{ kind: 'text', value: rest }];
    }
    this.buffer += delta;
    const out: ThinkSegment[] = [];
    if (this.state === 'start') {
      const trimmed = this.buffer.trimStart();
      if (trimmed.length < OPEN.length && OPEN.startsWith(trimmed)) return out; // undecided yet
      if (!trimmed.startsWith(OPEN)) {
        this.state = 'text';
        const text = this.buffer;
        this.buffer = '';
        return [{ kind: 'text', value: text }];
      }
      this.state = 'thinking';
      this.buffer = trimmed.slice(OPEN.length);
    }
    // thinking: emit all but a possible partial closing tag
    const close = this.buffer.indexOf(CLOSE);
    if (close !== -1) {
      if (close > 0) out.push({ kind: 'reasoning', value: this.buffer.slice(0, close) });
      const rest = this.buffer.slice(close + CLOSE.length);
      this.buffer = '';
      this.state = 'after';
      return [...out, ...this.push(rest)];
    }
    let keep = 0;
    for (let n = Math.min(this.buffer.length, CLOSE.length - 1); n > 0; n--) {
      if (CLOSE.startsWith(this.buffer.slice(this.buffer.length - n))) {
        keep = n;
        break;
      }
    }
    const emit = this.buffer.slice(0, this.buffer.length - keep);
    this.buffer = this.buffer.slice(this.buffer.length - keep);
    if (emit) out.push({ kind: 'reasoning', value: emit });
    return out;
  }

  /** Text held back while undecided is released at the end of the stream. */
  end(): ThinkSegment[] {
    const rest = this.buffer;
    this.buffer = '';
    // Whatever comes after a flush (a tool call, the end) is past the point a block may open.
    if (this.state === 'start' || this.state === 'after') this.state = 'text';
    if (!rest) return [];
    return [{ kind: this.state === 'thinking' ? 'reasoning' : 'text', value: rest }];
  }
}
