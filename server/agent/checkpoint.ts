import type { AgentCheckpoint } from './loop-state';

/**
 * Where a run's state is saved after every turn so a restarted worker resumes instead of
 * starting over. The state is plain JSON (no functions, no class instances).
 */
export interface CheckpointStore {
  save(key: string, checkpoint: AgentCheckpoint): Promise<void>;
  load(key: string): Promise<AgentCheckpoint | undefined>;
}

export function createMemoryCheckpointStore(): CheckpointStore & { saves: number } {
  const map = new Map<string, string>();
  const store = {
    saves: 0,
    async save(key: string, checkpoint: AgentCheckpoint) {
      store.saves++;
      // Serialised on purpose: a checkpoint must survive a process boundary.
      map.set(key, JSON.stringify(checkpoint));
    },
    async load(key: string) {
      const text = map.get(key);
      return text ? (JSON.parse(text) as AgentCheckpoint) : undefined;
    },
  };
  return store;
}
