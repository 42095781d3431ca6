import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDependencies } from './analyze';
import { planTasks } from './plan';
import type { PlanTask } from './types';

/** A small polyglot checkout: TypeScript, Python (package and src layouts) and Go. */
const REPO: Record<string, string> = {
  'web/src/api/types.ts': 'export type User = { id: string };\n',
  'web/src/util/format.ts': 'export const fmt = (s: string) => s.trim();\n',
  'web/src/api/client.ts': "import type { User } from './types';\nimport { fmt } from '../util/format.js';\nimport { z } from 'zod';\nexport const get = (u: User) => fmt(u.id);\n",
  'web/src/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'web/src/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
  'app/__init__.py': '',
  'app/models/__init__.py': '',
  'app/models/user.py': 'class User:\n    pass\n',
  'app/services/__init__.py': '',
  'app/services/user_service.py': 'import os\nfrom app.models.user import User\n\ndef get(): return User()\n',
  'app/api/routes.py': 'from ..services import user_service\n',
  'svc/src/pkg/core.py': 'VALUE = 1\n',
  'svc/src/pkg/cli.py': 'import sys, pkg.core as core\n',
  'go.mod': 'module example.com/shop\n\ngo 1.22\n',
  'internal/store/store.go': 'package store\n\nfunc Get() string { return "" }\n',
  'internal/store/store_test.go': 'package store\n',
  'cmd/server/main.go': 'package main\n\nimport (\n\t"fmt"\n\tst "example.com/shop/internal/store"\n)\n\nfunc main() { fmt.Println(st.Get()) }\n',
};

const TASKS: PlanTask[] = [
  { id: 'client', files: ['web/src/api/client.ts'] },
  { id: 'types', files: ['web/src/api/types.ts'] },
  { id: 'format', files: ['web/src/util/format.ts'] },
  { id: 'a', files: ['web/src/a.ts'] },
  { id: 'b', files: ['web/src/b.ts'] },
  { id: 'routes', files: ['app/api/routes.py'] },
  { id: 'service', files: ['app/services/user_service.py'] },
  { id: 'model', files: ['app/models/user.py'] },
  { id: 'cli', files: ['svc/src/pkg/cli.py'] },
  { id: 'core', files: ['svc/src/pkg/core.py'] },
  { id: 'server', files: ['cmd/server/main.go'] },
  { id: 'store', files: ['internal/store/store.go', 'internal/store/store_test.go'] },
  { id: 'new', files: ['web/src/new.ts'], dependsOn: ['types'] },
];

let repoDir = '';
beforeAll(() => {
  repoDir = mkdtempSync(join(tmpdir(), 'nightshift-planner-'));
  for (const [path, text] of Object.entries(REPO)) {
    mkdirSync(dirname(join(repoDir, path)), { recursive: true });
    writeFileSync(join(repoDir, path), text);
  }
});
afterAll(() => rmSync(repoDir, { recursive: true, force: true }));

describe('analyzeDependencies', () => {
  it('finds import edges in TypeScript, Python and Go, each with a reason', async () => {
    const { edges, dropped, warnings } = await analyzeDependencies(TASKS, { repoDir });
    expect(warnings).toEqual([]);
    const pairs = edges.map((e) => `${e.task}<-${e.dependsOn}:${e.kind}`).sort();
    expect(pairs).toEqual(
      [
        'client<-types:import',
        'client<-format:import',
        'routes<-service:import',
        'service<-model:import',
        'cli<-core:import',
        'server<-store:import',
        'new<-types:explicit',
        'b<-a:import',
      ].sort(),
    );
    expect(edges.find((e) => e.task === 'client' && e.dependsOn === 'format')?.reason).toBe('web/src/api/client.ts imports web/src/util/format.ts, which format changes');
    expect(edges.find((e) => e.task === 'server')?.reason).toBe('cmd/server/main.go imports internal/store/store.go, which store changes');
    // a.ts and b.ts import each other: the inferred edge against the listed order is dropped, and said so.
    expect(dropped.map((d) => `${d.task}<-${d.dependsOn}`)).toEqual(['a<-b']);
    expect(dropped[0].why).toMatch(/cycle/);
  });

  it('reads through an injected reader as well as from disk', async () => {
    const { edges } = await analyzeDependencies(TASKS, { readFile: (path) => REPO[path] });
    expect(edges).toHaveLength(8);
  });

  it('plans the analysed tasks into waves that respect the code graph', async () => {
    const result = await planTasks(TASKS, { repoDir });
    if (!result.ok) throw new Error(result.error.message);
    const w = result.waveOf;
    expect(w.types).toBeLessThan(w.client);
    expect(w.format).toBeLessThan(w.client);
    expect(w.model).toBeLessThan(w.service);
    expect(w.service).toBeLessThan(w.routes);
    expect(w.core).toBeLessThan(w.cli);
    expect(w.store).toBeLessThan(w.server);
    expect(w.a).toBeLessThan(w.b);
    expect(result.waves).toHaveLength(3);
  });

  it('drops the remaining import edges of a cycle that an explicit edge closes', async () => {
    const tasks = TASKS.map((t) => (t.id === 'a' ? { ...t, dependsOn: ['b'] } : t));
    const { edges, dropped } = await analyzeDependencies(tasks, { repoDir });
    expect(edges.filter((e) => e.task === 'a' || e.task === 'b').map((e) => `${e.task}<-${e.dependsOn}:${e.kind}`)).toEqual(['a<-b:explicit']);
    expect(dropped.map((d) => `${d.task}<-${d.dependsOn}`)).toEqual(['b<-a']);
  });

  it('adds no import edges without a repo or reader', async () => {
    const { edges } = await analyzeDependencies(TASKS);
    expect(edges.map((e) => e.kind)).toEqual(['explicit']);
  });
});
