/// <reference lib="webworker" />
import { handleScoreRequest, type ScoreRequest } from './score-protocol';

/** The spec editor's scoring worker: one request in, one response out. */
self.onmessage = (event: MessageEvent<ScoreRequest>) => {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(handleScoreRequest(event.data));
};
