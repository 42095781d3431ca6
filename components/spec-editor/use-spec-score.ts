'use client';
import { useEffect, useRef, useState } from 'react';
import type { ScoreJson } from '../../server/specs/score-json';
import type { ScoreRequest, ScoreResponse } from './score-protocol';

/** Typing pauses this long before the text is sent to the worker. */
export const SCORE_DEBOUNCE_MS = 150;

type Pending = { resolve: (r: ScoreResponse) => void };

/**
 * The completeness score of `text`, computed in a Web Worker by the same code as the CLI and the
 * server, so typing never waits for it (a 20 MB paste included). Only the latest answer is shown.
 */
export function useSpecScore(text: string, threshold: number): { result: ScoreJson | null; pending: boolean; ms: number | null; scoredChars: number | null; worker: SpecWorker | null } {
  const worker = useSpecWorker();
  const [state, setState] = useState<{ result: ScoreJson | null; pending: boolean; ms: number | null; scoredChars: number | null }>({ result: null, pending: true, ms: null, scoredChars: null });
  const latest = useRef(0);
  useEffect(() => {
    if (!worker) return;
    setState((s) => ({ ...s, pending: true }));
    const timer = setTimeout(() => {
      const id = worker.nextId();
      latest.current = id;
      void worker.request({ kind: 'score', id, text, threshold }).then((r) => {
        if (r.kind === 'score' && r.id === latest.current) setState({ result: r.result, pending: false, ms: r.ms, scoredChars: text.length });
      });
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
