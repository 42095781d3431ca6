import { decodeSpecBytes } from '../../server/specs/decode';
import { scoreSpec } from '../../server/specs/score';
import { scoreJson, type ScoreJson } from '../../server/specs/score-json';
import { recordingRepo, repoFromAnswer, type GroundingAnswer, type GroundingNames } from '../../server/specs/grounding';

/**
 * Messages between the spec editor and its scoring Web Worker. The worker runs exactly the code
 * the CLI runs (`scoreSpec` → `scoreJson`), off the main thread, so typing never waits for it.
 */
export type ScoreRequest =
  /** Without `grounding` the answer lists the names to ask the repository about; with it the score is grounded. */
  | { kind: 'score'; id: number; text: string; threshold: number; grounding?: { answer: GroundingAnswer; asked: GroundingNames } }
  | { kind: 'decode'; id: number; name: string; bytes: ArrayBuffer };
export type ScoreResponse =
  | { kind: 'score'; id: number; result: ScoreJson; ms: number; names: GroundingNames; grounded: boolean }
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
  if (req.grounding) {
    const repo = repoFromAnswer(req.grounding.answer, req.grounding.asked);
    const result = scoreJson(scoreSpec(req.text, { threshold: req.threshold, ...(repo ? { repo } : {}) }));
    return { kind: 'score', id: req.id, result, ms: Math.round(performance.now() - started), names: req.grounding.asked, grounded: !!repo };
  }
  // An index that has every name scores exactly like no index, and records what to ask about.
  const recorder = recordingRepo();
  const result = scoreJson(scoreSpec(req.text, { threshold: req.threshold, repo: recorder.repo }));
  return { kind: 'score', id: req.id, result, ms: Math.round(performance.now() - started), names: recorder.names(), grounded: false };
}
