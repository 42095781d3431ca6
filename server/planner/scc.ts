/**
 * Strongly connected components (iterative Tarjan, O(V + E)). Returns a component number per node;
 * two nodes share a number exactly when each can reach the other, i.e. they sit on a common cycle.
 */
export function stronglyConnected(nodeCount: number, successors: readonly (readonly number[])[]): number[] {
  const indexOf = new Array<number>(nodeCount).fill(-1);
  const low = new Array<number>(nodeCount).fill(0);
  const onStack = new Array<boolean>(nodeCount).fill(false);
  const component = new Array<number>(nodeCount).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let components = 0;

  for (let root = 0; root < nodeCount; root++) {
    if (indexOf[root] >= 0) continue;
    // Explicit call stack of [node, next successor position] so deep chains cannot overflow.
    const frames: [number, number][] = [[root, 0]];
    indexOf[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const [v, pos] = frame;
      const succ = successors[v];
      if (pos < succ.length) {
        frame[1]++;
        const w = succ[pos];
        if (indexOf[w] < 0) {
          indexOf[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], indexOf[w]);
        continue;
      }
      frames.pop();
      if (frames.length) {
        const parent = frames[frames.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === indexOf[v]) {
        for (let w = stack.pop() as number; ; w = stack.pop() as number) {
          onStack[w] = false;
          component[w] = components;
          if (w === v) break;
        }
        components++;
      }
    }
  }
  return component;
}
