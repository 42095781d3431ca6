import type { WorkingStateManager } from './working-state';

/** The texts the harness says to the model when a detector fires. Kept together so they read as one voice. */
export function monologueNudge(kind: 'refusal' | 'monologue', objective: string, toolNames: string[], strike: number, maxStrikes: number): string {
  const opener =
    kind === 'refusal'
      ? 'You said you cannot do this, but you can: you have tools that read, search, edit and run code in this repository.'
      : 'You answered with text only. Text alone does nothing here and does not end the task.';
  return `[harness] ${opener}\nObjective: ${objective}\nAvailable tools: ${toolNames.join(', ')}.\nYour next answer must call a tool (use \`finish\` only when the objective is met). Warning ${strike} of ${maxStrikes}.`;
}

export function doomLoopNudge(calls: string[], learned: string[], state: WorkingStateManager): string {
  const facts = state.state.discoveries.slice(-5).map((d) => `  - ${d.text}`);
  return [
    `[harness] You have repeated ${calls.length > 1 ? 'an alternation of these calls' : 'this call'} without progress: ${calls.map((c) => `\`${c}\``).join(' / ')}.`,
    'What you already learned from it:',
    ...learned.map((l) => `  - ${l}`),
    ...(facts.length ? ['Other facts in your working state:', ...facts] : []),
    'Repeating it will return the same result. Take a different step.',
  ].join('\n');
}

export function forcedStrategyNudge(calls: string[]): string {
  return `[harness] Forced change of strategy: you repeated ${calls.map((c) => `\`${c}\``).join(' / ')} again after a warning. That call is now blocked for the rest of this run. Re-read the objective and your working state, write a new plan with update_working_state, and act on a different approach. One more repetition ends the run as failed.`;
}

export function driftNudge(objective: string, criteria: string[], score: number, offTargets: string[], scope: string[]): string {
  const touched = offTargets.length ? ` You touched ${offTargets.slice(0, 6).map((t) => `\`${t}\``).join(', ')}, which neither the task names nor its scope holds.` : '';
  const inScope = scope.length ? `\nFiles in scope: ${scope.join(', ')}` : '';
  return `[harness] Re-focus: your recent actions look unrelated to the objective (drift ${score.toFixed(2)}).${touched} Work only on:\n${objective}${criteria.length ? `\nAcceptance criteria:\n${criteria.map((c) => `- ${c}`).join('\n')}` : ''}${inScope}`;
}

export function malformedResult(toolName: string, rawArgs: string | undefined, problem: string): string {
  const raw = rawArgs === undefined ? '' : `\nWhat you sent: ${rawArgs.length > 300 ? `${rawArgs.slice(0, 300)}…` : rawArgs}`;
  return `Error: the arguments of your ${toolName} call could not be used: ${problem}.${raw}\nResend only this call, with the arguments as one valid JSON object matching the tool's schema. Your other calls in that answer were processed.`;
}

export function unknownToolResult(toolName: string, valid: string[]): string {
  return `Error: there is no tool named "${toolName}". Valid tools: ${valid.join(', ')}. Call one of them by its exact name.`;
}
