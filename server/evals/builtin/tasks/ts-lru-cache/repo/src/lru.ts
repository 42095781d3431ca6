/** A cache of at most `capacity` entries that drops the least recently used one when full. */
export class LruCache<K, V> {
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    throw new Error(`not implemented (get ${String(key)})`);
  }

  set(key: K, value: V): void {
    throw new Error(`not implemented (set ${String(key)} = ${String(value)})`);
  }

  delete(key: K): boolean {
    throw new Error(`not implemented (delete ${String(key)})`);
  }

  get size(): number {
    return 0;
  }
}
