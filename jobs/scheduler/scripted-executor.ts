import fs from 'node:fs';
import crypto from 'node:crypto';
import { collectStream, createModel } from '../../server/llm';
import type { TaskExecutor } from './types';

/**
 * A stand-in for the agent pipeline, for the crash test and the dispatch bench: each turn is one
 * streamed call to a model server (the fake LLM), then a checkpoint; every `commitEvery` turns it
 * "commits" by appending a line to `commitLog` through `commitOnce`. It resumes after the last
 * checkpoint, so a crashed task neither repeats checkpointed turns nor commits twice.
 */
export type ScriptedExecutorOptions = {
  baseUrl: string;
  turns: number;
  commitEvery?: number;
  /** Append-only file standing in for a branch's history: one line per commit. */
  commitLog?: string;
  model?: string;
};

export type ScriptedState = { turns: number[]; inputTokens: number; outputTokens: number; commits: string[] };

/** The user message of a turn; the fake server and the tests read the task and turn from it. */
export const turnPrompt = (taskKey: string, turn: number) => `task ${taskKey} turn ${turn}`;
export const TURN_PROMPT_RE = /^task (\S+) turn (\d+)$/;

export function createScriptedExecutor(opts: ScriptedExecutorOptions): TaskExecutor {
  const model = createModel(opts.model ?? 'openai:fake-model', { baseUrl: opts.baseUrl, apiKey: 'fake' });
  return async (task, ctx) => {
    const start = ctx.checkpoint;
    let state: ScriptedState = (start?.state as ScriptedState | undefined) ?? { turns: [], inputTokens: 0, outputTokens: 0, commits: [] };
    for (let turn = (start?.turn ?? 0) + 1; turn <= opts.turns; turn++) {
      ctx.signal.throwIfAborted();
      const res = await collectStream(model.stream({ messages: [{ role: 'user', content: turnPrompt(task.key, turn) }], signal: ctx.signal }));
      ctx.signal.throwIfAborted();
      if (res.error) throw new Error(`model call failed on turn ${turn}: ${res.error}`);
      state = {
        ...state,
        turns: [...state.turns, turn],
        inputTokens: state.inputTokens + res.usage.inputTokens,
        outputTokens: state.outputTokens + res.usage.outputTokens,
      };
      if (opts.commitEvery && opts.commitLog && turn % opts.commitEvery === 0) {
        const log = opts.commitLog;
        const sha = await ctx.commitOnce(`${task.key}@turn-${turn}`, async ({ key, recovering }) => appendCommit(log, key, recovering));
        state = { ...state, commits: [...state.commits, sha] };
      }
      await ctx.saveCheckpoint(turn, state);
    }
    return {
      status: 'succeeded',
      summary: `${state.turns.length} turns`,
      output: { turns: state.turns, commits: state.commits },
      commitSha: state.commits.at(-1),
      usage: { inputTokens: state.inputTokens, outputTokens: state.outputTokens },
    };
  };
}

/** Appends `<sha> <key>`; when recovering, first looks for the key (the crash may have come after the write). */
function appendCommit(log: string, key: string, recovering: boolean): string {
  const sha = crypto.createHash('sha1').update(key).digest('hex');
  if (recovering && fs.existsSync(log)) {
    const found = fs.readFileSync(log, 'utf8').split('\n').some((line) => line.endsWith(` ${key}`));
    if (found) return sha;
  }
  fs.appendFileSync(log, `${sha} ${key}\n`);
  return sha;
}
