import type { ProviderName, StreamPart } from './types';

/**
 * A process-wide listener to every model call made through {@link createModel} — the metrics of
 * server/observability count requests, latency, tokens and cost through it. The library itself
 * stays free of any metrics or logging dependency: with no observer, streams pass through untouched.
 */
export type ModelCallInfo = { provider: ProviderName; modelId: string; vendor?: string };
export type ModelCallWatch = {
  /** Each part as the caller receives it. */
  part(part: StreamPart): void;
  /** Once, when the stream ends, fails or the caller stops reading. */
  end(): void;
};
export type ModelCallObserver = (info: ModelCallInfo) => ModelCallWatch;

const KEY = Symbol.for('nightshift.llm.observers');

function observers(): Set<ModelCallObserver> {
  const g = globalThis as unknown as Record<symbol, Set<ModelCallObserver> | undefined>;
  return (g[KEY] ??= new Set());
}

/** Registers `observer` for every later model call; returns the function that removes it. */
export function observeModelCalls(observer: ModelCallObserver): () => void {
  observers().add(observer);
  return () => observers().delete(observer);
}

/** `parts`, reported to the observers as they pass (the request starts when iteration does). */
export function observedStream(info: ModelCallInfo, parts: AsyncIterable<StreamPart>): AsyncIterable<StreamPart> {
  if (observers().size === 0) return parts;
  return {
    async *[Symbol.asyncIterator]() {
      const watches = [...observers()].map((o) => {
        try {
          return o(info);
        } catch {
          return null;
        }
      });
      const each = (f: (w: ModelCallWatch) => void) => {
        for (const w of watches) if (w) try {
          f(w);
        } catch {
          /* an observer never breaks a model call */
        }
      };
      try {
        for await (const part of parts) {
          each((w) => w.part(part));
          yield part;
        }
      } finally {
        each((w) => w.end());
      }
    },
  };
}
