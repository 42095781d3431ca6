import { decodeSpecBytes } from '../../server/specs/decode';
import { scoreSpec } from '../../server/specs/score';
import { scoreJson, type ScoreJson } from '../../server/specs/score-json';

/**
 * Messages between the spec editor and its scoring Web Worker. The worker runs exactly the code
 * the CLI runs (`scoreSpec` → `scoreJson`), off the main thread, so typing never waits for it.
 */
export type ScoreRequest =
  | { kind: 'score'; id: number; text: string; threshold: number }
  | { kind: 'decode'; id: number; name: string; bytes: ArrayBuffer };
export type ScoreResponse =
  | { kind: 'score'; id: number; result: ScoreJson; ms: number }
  | { kind: 'decode'; id: number; name: string; ok: true; text: string; encoding: string }
  | { kind: 'decode'; id: number; name: string; ok: false; error: string };

/** The worker's whole job, as a plain function (tests call it directly). */
export function handleScoreRequest(req: ScoreRequest): ScoreResponse {
  if (req.kind === 'decode') {
    const decoded = decodeSpecBytes(new Uint8Array(req.bytes));
    return decoded.ok
      ? { kind: 'decode', id: req.id, name: req.name, ok: true, text: decoded.text, encoding: decoded.encoding }
      : { kind: 'decode', id: req.id, name: req.name, ok: false, error: `${req.name} is not a text file (${decoded.reason})` };
  }
  const started = performance.now();
  const result = scoreJson(scoreSpec(req.text, { threshold: req.threshold }));
  return { kind: 'score', id: req.id, result, ms: Math.round(performance.now() - started) };
}
