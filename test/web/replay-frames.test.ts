import { describe, expect, it } from 'vitest';
import { frameOfRecord, framesOf, MAX_FRAME_DELAY_MS, streamedSoFar } from '../../components/run/replay-frames';
import type { RecordEntry } from '../../server/recording/types';

/** The run page's Replay steps through a recording at the pace it was recorded (capped), part by part. */
const model: RecordEntry = {
  kind: 'model',
  seq: 1,
  call: 1,
  role: 'developer',
  cycle: 1,
  turn: 1,
  digest: { hash: 'h', model: 'openai:fake', system: 's', messages: ['m'], tools: 't' },
  parts: [
    { type: 'text-delta', id: 'a', delta: 'Reading ' },
    { type: 'text-delta', id: 'a', delta: 'the cart.' },
    { type: 'tool-call-start', id: 'c1', toolName: 'read_file' },
    { type: 'tool-call-delta', id: 'c1', toolName: 'read_file', delta: '{"path":"src/' },
    { type: 'tool-call', id: 'c1', toolName: 'read_file', args: { path: 'src/cart.js' } },
    { type: 'finish', reason: 'tool-calls' },
  ],
  times: [40, 45, 50, 60, 70, 5000],
  startedAt: '2025-01-01T00:00:00.000Z',
  firstPartMs: 40,
  durationMs: 5000,
  usage: { inputTokens: 10, outputTokens: 5 },
};
const command: RecordEntry = { kind: 'command', seq: 3, role: 'developer', cycle: 1, turn: 2, command: 'npm test', argv: ['sh', '-c', 'npm test'], exitCode: 0, timedOut: false, oom: false, stdout: 'ok', stderr: '', truncated: false, durationMs: 900 };
const checkpoint: RecordEntry = { kind: 'checkpoint', seq: 2, checkpoint: 1, commit: 'a'.repeat(40), label: 'turn 1' };

describe('replay frames', () => {
  it('one frame per stream part at its recorded pace (long waits capped), one per other record', () => {
    const frames = framesOf([model, checkpoint, command]);
    expect(frames.map((f) => [f.entry, f.part, f.delayMs])).toEqual([
      [0, 0, 40],
      [0, 1, 5],
      [0, 2, 5],
      [0, 3, 10],
      [0, 4, 10],
      [0, 5, MAX_FRAME_DELAY_MS],
      [1, undefined, 150],
      [2, undefined, 900],
    ]);
    expect(frameOfRecord([model, checkpoint, command], frames, 3)).toBe(7);
    expect(frameOfRecord([model, checkpoint, command], frames, 1)).toBe(5);
    expect(frameOfRecord([model], framesOf([model]), 99)).toBe(-1);
  });

  it('shows the stream as it was at a part: text so far, a call still being written, then the call', () => {
    if (model.kind !== 'model') throw new Error('model');
    expect(streamedSoFar(model, 0)).toMatchObject({ text: 'Reading ', calls: [] });
    expect(streamedSoFar(model, 3)).toMatchObject({ text: 'Reading the cart.', calls: [{ name: 'read_file', args: '{"path":"src/' }] });
    expect(streamedSoFar(model)).toMatchObject({ calls: [{ name: 'read_file', args: { path: 'src/cart.js' } }], finish: 'tool-calls' });
  });
});
