/**
 * For one file: which waves already hold a task touching it. `nextFree(w)` is the first wave ≥ w
 * not taken, in near-constant time (union-find with path compression over "taken → next wave"),
 * so a file touched by hundreds of tasks does not make placement quadratic.
 */
export class FreeSlots {
  private readonly next = new Map<number, number>();

  nextFree(wave: number): number {
    let w = wave;
    const path: number[] = [];
    for (let n = this.next.get(w); n !== undefined; n = this.next.get(w)) {
      path.push(w);
      w = n;
    }
    for (const p of path) this.next.set(p, w);
    return w;
  }

  take(wave: number): void {
    this.next.set(wave, wave + 1);
  }
}
