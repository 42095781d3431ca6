'use client';
import { useEffect, useRef, useState } from 'react';
import type { ScoreJson } from '../../server/specs/score-json';
import type { ScoreRequest, ScoreResponse } from './score-protocol';
import type { GroundingAnswer, GroundingNames } from '../../server/specs/grounding';

/** Typing pauses this long before the text is sent to the worker. */
export const SCORE_DEBOUNCE_MS = 150;

type Pending = { resolve: (r: ScoreResponse) => void };

/**
 * Whether the names the spec gives were checked against the project's repository: `checked` (the
 * score is the grounded one the gate computes), `no-checkout` (the server has no copy of the
 * repository to ask yet), `none` (the spec names nothing to check).
 */
export type GroundingState = 'checked' | 'no-checkout' | 'none';
type ScoreState = { result: ScoreJson | null; pending: boolean; ms: number | null; scoredChars: number | null; grounding: GroundingState | null };

/**
 * The completeness score of `text`, computed in a Web Worker by the same code as the CLI and the
 * server, so typing never waits for it (a 20 MB paste included). Only the latest answer is shown.
 * With `ground`, the names the spec gives are sent to the server, which answers which of them the
 * project's repository has; the worker then scores again with that answer — the gate's score.
 */
export function useSpecScore(text: string, threshold: number, ground?: (names: GroundingNames) => Promise<GroundingAnswer>): ScoreState & { worker: SpecWorker | null } {
  const worker = useSpecWorker();
  const [state, setState] = useState<ScoreState>({ result: null, pending: true, ms: null, scoredChars: null, grounding: null });
  const latest = useRef(0);
  const groundRef = useRef(ground);
  groundRef.current = ground;
  useEffect(() => {
    if (!worker) return;
    setState((s) => ({ ...s, pending: true }));
    const timer = setTimeout(() => {
      const id = worker.nextId();
      latest.current = id;
      void (async () => {
        const first = await worker.request({ kind: 'score', id, text, threshold });
        if (first.kind !== 'score' || id !== latest.current) return;
        const names = first.names;
        const asking = groundRef.current;
        if (!asking || names.paths.length + names.symbols.length + names.scripts.length === 0) {
          setState({ result: first.result, pending: false, ms: first.ms, scoredChars: text.length, grounding: 'none' });
          return;
        }
        // The ungrounded score shows at once; it stays "busy" until the repository has answered.
        setState({ result: first.result, pending: true, ms: first.ms, scoredChars: null, grounding: null });
        const answer = await asking(names).catch((): GroundingAnswer => ({ known: false, paths: [], symbols: [], scripts: null }));
        if (id !== latest.current) return;
        if (!answer.known) {
          setState({ result: first.result, pending: false, ms: first.ms, scoredChars: text.length, grounding: 'no-checkout' });
          return;
        }
        const second = await worker.request({ kind: 'score', id: worker.nextId(), text, threshold, grounding: { answer, asked: names } });
        if (second.kind !== 'score' || id !== latest.current) return;
        setState({ result: second.result, pending: false, ms: first.ms + second.ms, scoredChars: text.length, grounding: 'checked' });
      })();
    }, SCORE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [worker, text, threshold]);
  return { ...state, worker };
}

export type SpecWorker = { request(req: ScoreRequest): Promise<ScoreResponse>; nextId(): number };

/** One scoring worker per editor, ended with it. */
export function useSpecWorker(): SpecWorker | null {
  const [api, setApi] = useState<SpecWorker | null>(null);
  useEffect(() => {
    const w = new Worker(new URL('./score.worker.ts', import.meta.url), { type: 'module', name: 'spec-score' });
    const pending = new Map<number, Pending>();
    let seq = 0;
    w.onmessage = (e: MessageEvent<ScoreResponse>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      p.resolve(e.data);
    };
    setApi({
      nextId: () => ++seq,
      request: (req) =>
        new Promise<ScoreResponse>((resolve) => {
          pending.set(req.id, { resolve });
          if (req.kind === 'decode') w.postMessage(req, [req.bytes]);
          else w.postMessage(req);
        }),
    });
    return () => {
      w.terminate();
      pending.clear();
    };
  }, []);
  return api;
}
