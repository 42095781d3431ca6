import type { Turn } from './script';

/** Helpers for common scripted behaviours (the misbehaviours agent tests need). */

/** A long answer with no tool call: the model talks instead of acting. */
export function monologueTurn(paragraphs = 3): Turn {
  const para = 'I will now explain at length what could be done, without actually doing any of it. ';
  return { text: Array.from({ length: paragraphs }, (_, i) => `${i + 1}. ${para.repeat(4)}`).join('\n\n') };
}

/** The same tool call with the same arguments, `times` turns in a row (doom-loop material). */
export function repeatedCallTurns(name: string, args: Record<string, unknown>, times: number): Turn[] {
  return Array.from({ length: times }, () => ({ toolCalls: [{ name, args }] }));
}

export function textTurn(text: string): Turn {
  return { text };
}

export function toolTurn(name: string, args: Record<string, unknown>, text?: string): Turn {
  return { ...(text ? { text } : {}), toolCalls: [{ name, args }] };
}
