import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createUsageAccumulator, type StreamPart, type ToolCallPart, type ToolDefinition as WireTool } from '../llm';
import { composeSystemPrompt, detectStack, loadPromptLibrary } from '../prompts';
import type { SkillLibrary } from '../skills/library';
import { skillProfile } from '../skills/profile';
import { FINISH_TOOL, finishToolFor } from '../tools/finish';
import { parseToolArgs } from '../tools/define-tool';
import { createRecallTool } from '../tools/recall';
import { createUpdateWorkingStateTool } from '../tools/update-working-state';
import {
  DRIFT_PATIENCE,
  DRIFT_THRESHOLD,
  EMPTY_RESPONSE_RETRIES,
  MAX_CONSECUTIVE_MONOLOGUES,
  MAX_OUTPUT_TOKENS,
  MAX_OVERFLOW_RETRIES,
  MAX_PROVIDER_ERRORS,
  OVERFLOW_SHRINK,
  RECENT_TURNS_VERBATIM,
  resolveBudgets,
  SUMMARY_MAX_LINES,
} from './budgets';
import { buildPrompt, summariseTurn } from './compaction';
import type { CacheKind } from './context-cache';
import { callSignature } from './detectors/call-signature';
import { isContextOverflow } from './detectors/context-overflow';
import { detectDoomLoop } from './detectors/doom-loop';
import { driftAnchors, driftScore, judgeCall } from './detectors/drift';
import { classifyToolless } from './detectors/monologue';
import { truncatedCallResult, truncatedCalls, truncationNudge } from './detectors/truncated-tool-call';
import type { AgentCheckpoint, ToolExchange, TurnRecord } from './loop-state';
import { doomLoopNudge, driftNudge, forcedStrategyNudge, malformedResult, monologueNudge, unknownToolResult } from './nudges';
import { createRedactor } from './redact';
import { extractIntoState } from './state-extraction';
import { estimateTokens, modelFamily } from './token-estimate';
import { DETECTORS, type AgentEvent, type AgentRunHandle, type AgentRunResult, type AgentTool, type DetectorName, type FinishPayload, type Phase, type RunAgentOptions } from './types';
import { clip, WorkingStateManager } from './working-state';

export type { RunAgentOptions } from './types';

/** Turns of recent activity the drift score looks at. */
const DRIFT_WINDOW_TURNS = 3;
/** Turns a fired detector keeps its failure-mode guidance in the system prompt. */
const FAILURE_MEMORY_TURNS = 3;

export interface AgentRunOptions extends RunAgentOptions {
  /** Skills for the role's profile (registry in the prompt, autoloaded manifests). */
  skills?: SkillLibrary;
}

/** Runs an agent to completion. See `startAgent` for mid-run steering and cancellation. */
export function runAgent(opts: AgentRunOptions): Promise<AgentRunResult> {
  return startAgent(opts).result;
}

/**
 * The ReAct loop as a state machine (planning → implementing → verifying, with recovering on
 * trouble; ends in done or failed, or stopped when cancelled). Each turn: compose the prompt
 * (role, phase, family, stack, recent failures), compact the context under budget, stream the
 * model, run the tools, update the working state and cache, run the detectors, checkpoint.
 */
export function startAgent(opts: AgentRunOptions): AgentRunHandle {
  const inbox: string[] = [];
  const controller = new AbortController();
  let abortReason: string | undefined;
  const onOuterAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const result = loop(opts, inbox, controller.signal, () => abortReason).finally(() => opts.signal?.removeEventListener('abort', onOuterAbort));
  return {
    result,
    injectMessage(text: string) {
      if (text.trim()) inbox.push(text.trim());
    },
    abort(reason?: string) {
      abortReason = reason;
      controller.abort();
    },
  };
}

function zeroCounts(): Record<DetectorName, number> {
  return Object.fromEntries(DETECTORS.map((d) => [d, 0])) as Record<DetectorName, number>;
}

async function loop(opts: AgentRunOptions, inbox: string[], signal: AbortSignal, abortReason: () => string | undefined): Promise<AgentRunResult> {
  const budgets = resolveBudgets(opts.budgets);
  const family = modelFamily(opts.model.provider, opts.model.modelId);
  const modelName = opts.modelName ?? `${opts.model.provider}:${opts.model.modelId}`;
  const taskKey = opts.taskKey ?? `run-${randomBytes(6).toString('hex')}`;
  const checkpointKey = `${taskKey}:${opts.role}`;
  const usage = opts.usage ?? createUsageAccumulator();
  const usageBase = usage.totals();
  const redact = createRedactor(opts.secrets);
  const emit = (e: AgentEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A broken listener must not end the run.
    }
  };
  const objective = redact(opts.objective.trim());
  const criteria = (opts.acceptanceCriteria ?? []).map(redact);
  const driftBasis = driftAnchors(objective, criteria, opts.scope);

  // ---- state (restored from a checkpoint when one exists) -------------------------------
  const saved = opts.checkpoint ? await opts.checkpoint.load(checkpointKey).catch(() => undefined) : undefined;
  const st: AgentCheckpoint = saved ?? {
    version: 1,
    turn: 0,
    phase: 'planning',
    transcript: [],
    summary: [],
    workingState: new WorkingStateManager(opts.initialState).state,
    detectorCounts: zeroCounts(),
    nudges: 0,
    repairedToolCalls: 0,
    usage: { inputTokens: 0, outputTokens: 0, calls: 0, costUsd: 0 },
    drift: [],
    callSignatures: [],
    doomLevel: 0,
    flaggedSignatures: [],
    pendingNotes: [],
    startedAt: Date.now(),
  };
  // A checkpoint written before a detector existed has no count for it.
  st.detectorCounts = { ...zeroCounts(), ...st.detectorCounts };
  const state = new WorkingStateManager(st.workingState);
  st.workingState = state.state;
  const blocked = new Set<string>(st.doomLevel >= 2 ? st.flaggedSignatures : []);
  const firedAt = new Map<string, number>();

  // ---- tools ----------------------------------------------------------------------------
  const tools: AgentTool[] = [...opts.tools];
  const has = (name: string) => tools.some((t) => t.name === name);
  if (!has('recall')) tools.push({ ...createRecallTool(opts.cache, taskKey), readOnly: true });
  if (!has('update_working_state')) tools.push(createUpdateWorkingStateTool(state, () => st.turn));
  if (!has(FINISH_TOOL)) tools.push(finishToolFor(opts.role));
  const toolMap = new Map(tools.map((t) => [t.name, t]));
  const toolNames = tools.map((t) => t.name);
  const wireTools: WireTool[] = tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  const toolTokens = estimateTokens(JSON.stringify(wireTools), family);

  // ---- prompt pieces that do not change per turn -----------------------------------------
  const overridesDir = opts.promptDirs?.overrides ?? join(opts.workspace, 'system-prompts');
  const library = loadPromptLibrary({ builtInDir: opts.promptDirs?.builtIn, overridesDir: existsSync(overridesDir) ? overridesDir : undefined });
  const stack = detectStack(opts.workspace);
  const skillText = opts.skills ? skillProfile(opts.skills, opts.role, `${objective}\n${criteria.join('\n')}\n${stack.join(' ')}\n${(opts.scope ?? []).join(' ')}`).registryText : '(no skills installed)';
  const variables = { tools: toolNames.join(', '), skills: skillText, ...opts.promptVariables };
  const systemCache = new Map<string, { text: string; used: Array<{ id: string; version: string }> }>();
  const promptsUsed = new Map<string, string>();
  const task = [
    `# Task (${opts.role})`,
    objective,
    criteria.length ? `\nAcceptance criteria:\n${criteria.map((c) => `- ${c}`).join('\n')}` : '',
    opts.scope?.length ? `\nFiles in scope: ${opts.scope.join(', ')}` : '',
    opts.handoffRefs?.length ? `\nHandoff from earlier roles (use recall): ${opts.handoffRefs.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');

  function systemPrompt(failures: string[]): string {
    if (opts.systemPrompt) return opts.systemPrompt;
    const key = `${st.phase}|${failures.join(',')}`;
    let hit = systemCache.get(key);
    if (!hit) {
      hit = composeSystemPrompt(library, { role: opts.role, phase: st.phase, family, stack, failures, variables });
      systemCache.set(key, hit);
    }
    for (const u of hit.used) promptsUsed.set(u.id, u.version);
    return hit.text;
  }

  function recentFailures(): string[] {
    const out: string[] = [];
    for (const [name, turn] of firedAt) if (st.turn - turn < FAILURE_MEMORY_TURNS) out.push(name);
    if (state.state.verificationStatus.state === 'failing') out.push('test-failing');
    return out.sort();
  }

  function setPhase(to: Phase): void {
    if (st.phase === to) return;
    emit({ type: 'phase', turn: st.turn, from: st.phase, to });
    st.phase = to;
  }

  /** The phase the work itself implies (recovering is set by detectors for one turn). */
  function naturalPhase(): Phase {
    const edited = state.state.activeFiles.some((f) => f.edited);
    if (!edited) return 'planning';
    return state.state.verificationStatus.state === 'unverified' ? 'implementing' : 'verifying';
  }

  function fire(detector: DetectorName): void {
    st.detectorCounts[detector]++;
    firedAt.set(detector, st.turn);
  }

  function nudge(record: TurnRecord, detector: DetectorName, message: string): void {
    fire(detector);
    st.nudges++;
    record.notes.push(message);
    emit({ type: 'nudge', turn: st.turn, detector, message });
  }

  // What this role spent before the checkpoint it resumes from (another process, another host):
  // it counts in the role's usage, so in its budgets and in the run's cost.
  const before = { inputTokens: 0, outputTokens: 0, calls: 0, costUsd: 0, ...saved?.usage };
  const usageNow = () => {
    const t = usage.totals();
    return {
      inputTokens: before.inputTokens + t.inputTokens - usageBase.inputTokens,
      outputTokens: before.outputTokens + t.outputTokens - usageBase.outputTokens,
      calls: before.calls + t.calls - usageBase.calls,
      costUsd: before.costUsd + t.costUsd - usageBase.costUsd,
    };
  };

  function finishWith(status: AgentRunResult['status'], reason?: string, finish?: FinishPayload): AgentRunResult {
    if (status === 'done') setPhase('done');
    else if (status === 'failed') setPhase('failed');
    const u = usageNow();
    const result: AgentRunResult = {
      status,
      ...(finish ? { finish } : {}),
      turns: st.turn,
      nudges: st.nudges,
      detectorCounts: { ...st.detectorCounts },
      repairedToolCalls: st.repairedToolCalls,
      usage: { inputTokens: u.inputTokens, outputTokens: u.outputTokens, calls: u.calls },
      costUsd: Math.round(u.costUsd * 1e6) / 1e6,
      ...(reason ? { reason } : {}),
      phase: st.phase,
      drift: [...st.drift],
      prompts: [...promptsUsed].map(([id, version]) => ({ id, version })),
      workingState: structuredClone(state.state),
    };
    emit({ type: 'end', result });
    return result;
  }

  async function cachePut(kind: CacheKind, content: string, label: string): Promise<string | undefined> {
    try {
      return await opts.cache.put({ taskKey, kind, content, label });
    } catch {
      // The cache is an aid; a failed write costs a reference, not the run.
      return undefined;
    }
  }

  /**
   * Runs one call and returns what the model reads, never throwing. `repeatKey` is what the
   * doom-loop detector compares: the call's signature, or — for a call refused before it could
   * act (unknown tool, unparseable or invalid arguments, a refused `finish`) — the tool and the
   * refusal, so the same refusal earned again counts as a repeat whatever the arguments said.
   */
  async function execute(call: ToolCallPart): Promise<{ exchange: ToolExchange; repeatKey: string; meta?: unknown; finish?: FinishPayload }> {
    const base = { callId: call.id, toolName: call.toolName, args: call.args };
    const sig = callSignature(call.toolName, call.args);
    const refuse = (output: string, refusal: string) => ({ exchange: { ...base, output, isError: true }, repeatKey: refusalKey(call.toolName, refusal) });
    // Cut by the output limit: its arguments are a prefix, so it never runs (see the detector).
    if (call.truncated) return refuse(truncatedCallResult(call), 'cut off by the output limit');
    const tool = toolMap.get(call.toolName);
    if (!tool) {
      fire('unknown-tool');
      return refuse(unknownToolResult(call.toolName, toolNames), 'unknown tool');
    }
    if (call.invalid) {
      fire('malformed-tool-call');
      return refuse(malformedResult(call.toolName, call.rawArgs, 'they are not valid JSON'), 'arguments are not valid JSON');
    }
    const parsed = parseToolArgs(tool, call.args);
    if (!parsed.ok) {
      fire('malformed-tool-call');
      return refuse(parsed.message, parsed.problem);
    }
    if (blocked.has(sig)) return { exchange: { ...base, output: `Error: this exact call is blocked (it was repeated without progress). Choose a different approach.`, isError: true }, repeatKey: sig };
    let output: string;
    let isError = false;
    let meta: unknown;
    try {
      const r = await tool.execute(parsed.args, { workspaceDir: opts.workspace, signal });
      output = redact(r.output);
      isError = Boolean(r.isError);
      meta = r.meta;
    } catch (err) {
      output = `Error: ${call.toolName} failed unexpectedly: ${(err as Error).message}`;
      isError = true;
    }
    const label = `${call.toolName} ${clip(JSON.stringify(call.args), 120)}`;
    const ref = await cachePut(call.toolName === 'read_file' && !isError ? 'file' : isError ? 'failed-attempt' : 'tool-result', output, label);
    extractIntoState(state, { toolName: call.toolName, args: call.args, output, isError, meta, ref, turn: st.turn });
    if (call.toolName === 'apply_code_changes' && isError) firedAt.set('edit-refused', st.turn);
    const exchange: ToolExchange = { ...base, output, isError, ...(ref ? { ref } : {}) };
    if (call.toolName === FINISH_TOOL) {
      // A refused finish is a refusal like any other: the model must change what it sends.
      if (isError) return { exchange, meta, repeatKey: refusalKey(call.toolName, output) };
      const m = (meta ?? call.args) as FinishPayload;
      // Everything the finish tool validated is passed on: roles may define richer finish payloads.
      return { exchange, meta, repeatKey: sig, finish: { ...(m as object), summary: m.summary } as FinishPayload };
    }
    return { exchange, meta, repeatKey: sig };
  }

  // ---- the loop ---------------------------------------------------------------------------
  let shrink = 1;
  let overflowRetries = 0;
  let providerErrors = 0;
  let emptyRetries = 0;
  let consecutiveMonologues = 0;
  let driftStreak = 0;

  while (true) {
    if (signal.aborted) return finishWith('stopped', abortReason() ?? 'cancelled');
    if (st.turn >= budgets.maxTurns) return finishWith('failed', `turn budget exhausted (${budgets.maxTurns} turns) before finish`);
    const spent = usageNow();
    if (spent.inputTokens + spent.outputTokens >= budgets.maxTokens) return finishWith('failed', `token budget exhausted (${spent.inputTokens + spent.outputTokens} of ${budgets.maxTokens})`);
    if (spent.costUsd >= budgets.maxCostUsd) return finishWith('failed', `cost budget exhausted ($${spent.costUsd.toFixed(4)} of $${budgets.maxCostUsd})`);
    if (Date.now() - st.startedAt >= budgets.maxWallClockMs) return finishWith('failed', `wall-clock budget exhausted (${Math.round(budgets.maxWallClockMs / 1000)} s)`);

    st.turn++;
    const record: TurnRecord = { turn: st.turn, text: '', exchanges: [], notes: [] };
    const injected = inbox.splice(0).map((t) => `[message from the user] ${redact(t)}`);
    for (const text of injected) emit({ type: 'injected', turn: st.turn, text });
    emit({ type: 'turn-start', turn: st.turn, phase: st.phase });

    const anchor = `## Objective (re-anchored — turn ${st.turn} of at most ${budgets.maxTurns}, phase ${st.phase})\n${objective}${
      criteria.length ? `\nAcceptance criteria:\n${criteria.map((c) => `- ${c}`).join('\n')}` : ''
    }\nRespond with a tool call. Call \`finish\` when the acceptance criteria hold.`;
    const built = buildPrompt({
      system: systemPrompt(recentFailures()),
      task,
      summary: st.summary,
      transcript: st.transcript,
      workingState: state.render(),
      anchor,
      pending: [...st.pendingNotes, ...injected],
      family,
      budget: Math.floor(budgets.contextTokens * shrink),
      toolTokens,
    });
    if (built.level > 0) emit({ type: 'compaction', turn: st.turn, estimatedTokens: built.estimatedTokens, budget: Math.floor(budgets.contextTokens * shrink), droppedTurns: built.droppedTurns });

    // ---- stream one answer -------------------------------------------------------------
    let text = '';
    let reasoning = '';
    const calls: ToolCallPart[] = [];
    let refusal: string | undefined;
    let error: Extract<StreamPart, { type: 'error' }> | undefined;
    for await (const part of opts.model.stream({ system: built.system, messages: built.messages, tools: wireTools, maxTokens: MAX_OUTPUT_TOKENS, signal })) {
      emit({ type: 'stream', turn: st.turn, part });
      switch (part.type) {
        case 'text-delta':
          text += part.delta;
          break;
        case 'reasoning-delta':
          reasoning += part.delta;
          break;
        case 'tool-call':
          calls.push(part);
          break;
        case 'usage':
          if (part.inputTokens || part.outputTokens) usage.add(modelName, part);
          break;
        case 'error':
          error = part;
          break;
        case 'refusal':
          // The provider's own refusal signal (OpenAI delta.refusal, Anthropic stop_reason refusal).
          refusal = (refusal ?? '') + part.text;
          break;
        case 'server-tool-call':
        case 'server-tool-result':
        case 'provider-block':
          // Run (or kept) by the provider: nothing for the harness to execute.
          break;
        case 'text-start':
        case 'text-end':
        case 'reasoning-start':
        case 'reasoning-end':
        case 'tool-call-start':
        case 'tool-call-delta':
        case 'tool-call-end':
        case 'finish':
          break;
      }
    }
    if (signal.aborted) {
      st.turn--;
      return finishWith('stopped', abortReason() ?? 'cancelled');
    }

    if (error && calls.length === 0) {
      st.turn--;
      if (isContextOverflow(error.message)) {
        fire('context-overflow');
        if (++overflowRetries > MAX_OVERFLOW_RETRIES) return finishWith('failed', `the prompt does not fit the model's context even after ${MAX_OVERFLOW_RETRIES} compactions: ${error.message}`);
        shrink *= OVERFLOW_SHRINK;
        continue;
      }
      if (++providerErrors > MAX_PROVIDER_ERRORS) return finishWith('failed', `model error: ${error.message}`);
      continue;
    }
    providerErrors = 0;
    overflowRetries = 0;

    if (!text.trim() && refusal === undefined && calls.length === 0 && emptyRetries < EMPTY_RESPONSE_RETRIES) {
      fire('empty-response');
      emptyRetries++;
      st.turn--;
      continue;
    }
    emptyRetries = 0;
    if (reasoning.trim()) await cachePut('reasoning', reasoning, `turn ${st.turn} reasoning`);
    // A refusal is what the model said this turn, even when it came apart from the text.
    record.text = redact([text, refusal].filter((t) => t?.trim()).join('\n'));
    st.pendingNotes = [];
    if (injected.length) record.notes.push(...injected);

    // ---- tool-less answer: never an ending ----------------------------------------------
    let finish: FinishPayload | undefined;
    /** The doom-loop key of each exchange of this turn, in order (see `execute`). */
    const repeatKeys: string[] = [];
    if (calls.length === 0) {
      consecutiveMonologues++;
      if (consecutiveMonologues > MAX_CONSECUTIVE_MONOLOGUES) {
        fire('monologue');
        return finishWith('failed', `the model answered ${consecutiveMonologues} times in a row without calling a tool, despite ${MAX_CONSECUTIVE_MONOLOGUES} nudges`);
      }
      nudge(record, 'monologue', monologueNudge(classifyToolless(text, refusal), objective, toolNames, consecutiveMonologues, MAX_CONSECUTIVE_MONOLOGUES));
      setPhase('recovering');
    } else {
      consecutiveMonologues = 0;
      for (const call of calls) {
        emit({ type: 'tool-call', turn: st.turn, call });
        if (call.repaired) {
          st.repairedToolCalls++;
          emit({ type: 'repair', turn: st.turn, callId: call.id, toolName: call.toolName, rawArgs: call.rawArgs });
        }
        const r = await execute(call);
        record.exchanges.push(r.exchange);
        repeatKeys.push(r.repeatKey);
        emit({ type: 'tool-result', turn: st.turn, callId: call.id, toolName: call.toolName, output: r.exchange.output, isError: r.exchange.isError, ref: r.exchange.ref, ...(r.meta === undefined ? {} : { meta: r.meta }) });
        if (r.finish) finish = r.finish;
        if (signal.aborted) break;
      }
      const cut = truncatedCalls(calls);
      if (cut.length) {
        nudge(record, 'truncated-tool-call', truncationNudge(cut, MAX_OUTPUT_TOKENS));
        setPhase('recovering');
      }
    }

    // ---- detectors over the turn ----------------------------------------------------------
    let doomFailure: string | undefined;
    if (!finish && calls.length) {
      // Every call counts, `finish` included: a refused finish sent again is the costliest loop of all.
      const sigs = repeatKeys;
      const repeatedFlag = sigs.find((s) => st.flaggedSignatures.includes(s));
      st.callSignatures.push(...sigs);
      const loopHit = repeatedFlag ? { signatures: [repeatedFlag] } : detectDoomLoop(st.callSignatures);
      if (loopHit) {
        st.doomLevel++;
        st.callSignatures = [];
        for (const s of loopHit.signatures) if (!st.flaggedSignatures.includes(s)) st.flaggedSignatures.push(s);
        const shown = loopHit.signatures.map((s) => clip(s, 160));
        if (st.doomLevel === 1) {
          const learned = record.exchanges.filter((_e, i) => loopHit.signatures.includes(repeatKeys[i])).map((e) => `${clip(e.output, 300)}${e.ref ? ` (full: ${e.ref})` : ''}`);
          nudge(record, 'doom-loop', doomLoopNudge(shown, learned.length ? learned : ['(see the compacted turns)'], state));
          setPhase('recovering');
        } else if (st.doomLevel === 2) {
          for (const s of st.flaggedSignatures) blocked.add(s);
          state.addFailedApproach(`repeating ${shown.join(' / ')} (blocked by the harness)`);
          nudge(record, 'doom-loop', forcedStrategyNudge(shown));
          setPhase('recovering');
        } else {
          fire('doom-loop');
          doomFailure = `doom loop: ${shown.join(' / ')} kept repeating after a nudge and a forced change of strategy`;
        }
      }
    }
    if (!finish && !doomFailure) {
      // Judged on what the recent turns touched and named, never on what the model said.
      const recent = [...st.transcript.slice(-(DRIFT_WINDOW_TURNS - 1)), record];
      const tallies = recent.map((t) => t.exchanges.map((e) => judgeCall(driftBasis, e)));
      const now = driftScore(tallies[tallies.length - 1]);
      const judgedNow = tallies[tallies.length - 1].some((t) => t.on + t.off > 0);
      const score = driftScore(tallies.flat());
      st.drift.push(score);
      emit({ type: 'drift', turn: st.turn, score });
      // A turn of bookkeeping only (working state, recall, a finish attempt) neither adds to the streak nor ends it.
      // Three judged turns in a row mostly off task earn a nudge (the window score is what the UI shows).
      if (judgedNow) driftStreak = now > DRIFT_THRESHOLD ? driftStreak + 1 : 0;
      if (driftStreak >= DRIFT_PATIENCE) {
        const offTargets = [...new Set(tallies.flat().flatMap((t) => t.offTargets))];
        nudge(record, 'drift', driftNudge(objective, criteria, now, offTargets, opts.scope ?? []));
        driftStreak = 0;
        setPhase('recovering');
      }
    }
    if (!record.notes.some((n) => n.startsWith('[harness]'))) setPhase(naturalPhase());

    // ---- transcript, rolling summary, checkpoint ----------------------------------------------
    st.transcript.push(record);
    while (st.transcript.length > RECENT_TURNS_VERBATIM) st.summary.push(summariseTurn(st.transcript.shift()!));
    if (st.summary.length > SUMMARY_MAX_LINES) st.summary.splice(0, st.summary.length - SUMMARY_MAX_LINES);
    const u = usageNow();
    st.usage = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, calls: u.calls, costUsd: u.costUsd };
    if (opts.checkpoint) {
      // Not caught: a turn that cannot be checkpointed (a lost lease, the database gone) must not
      // be followed by another model call. The caller decides (the scheduler gives the task back).
      await opts.checkpoint.save(checkpointKey, st);
      emit({ type: 'checkpoint', turn: st.turn });
    }
    if (doomFailure) return finishWith('failed', doomFailure);
    if (finish) return finishWith('done', undefined, finish);
  }
}

/** The doom-loop key of a refused call: its tool and the refusal (the arguments do not matter). */
function refusalKey(toolName: string, refusal: string): string {
  return `${toolName} (refused: ${refusal.replace(/\s+/g, ' ').trim()})`;
}
