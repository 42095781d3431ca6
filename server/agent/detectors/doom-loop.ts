import { ALTERNATION_WINDOW, DOOM_LOOP_THRESHOLD } from '../budgets';

/**
 * The doom-loop detector: the same call with the same arguments DOOM_LOOP_THRESHOLD times in a
 * row, or an A-B-A-B alternation. Returns the signatures that loop, or undefined.
 */
export function detectDoomLoop(signatures: readonly string[]): { kind: 'repeat' | 'alternation'; signatures: string[] } | undefined {
  const n = signatures.length;
  if (n >= DOOM_LOOP_THRESHOLD) {
    const last = signatures[n - 1];
    let run = 0;
    for (let i = n - 1; i >= 0 && signatures[i] === last; i--) run++;
    if (run >= DOOM_LOOP_THRESHOLD) return { kind: 'repeat', signatures: [last] };
  }
  if (n >= ALTERNATION_WINDOW) {
    const w = signatures.slice(n - ALTERNATION_WINDOW);
    const a = w[0];
    const b = w[1];
    if (a !== b && w.every((s, i) => s === (i % 2 === 0 ? a : b))) return { kind: 'alternation', signatures: [a, b] };
  }
  return undefined;
}
