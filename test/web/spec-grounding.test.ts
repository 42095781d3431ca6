import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { appRouter } from '../../server/api/router';
import { createCallerFactory } from '../../server/api/trpc';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { handleScoreRequest } from '../../components/spec-editor/score-protocol';
import { buildRepoIndex } from '../../server/specs/repo-index';
import { scoreSpec } from '../../server/specs/score';
import { errorCode } from '../support/trpc';
import { serveRemoteLocally } from '../support/git-remote';

/**
 * Grounding when a project is known: the server's gate checks the files, identifiers and npm
 * scripts a spec names against the project's repository (a granted local checkout, or the mirror
 * a plan fetched), and the editor's worker — which has no repository — asks `spec.ground` which
 * names exist and then shows exactly the gate's score and findings. Also what the CLI prints with
 * `nightshift spec score --repo` on the same checkout.
 */
const createCaller = createCallerFactory(appRouter);
const GOOD = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
// The calibration spec plus a section that names things that exist and things that do not.
const SPEC = `${GOOD.trimEnd()}

## Dependencies in this repository

- The filter reuses \`parseTags\` from \`src/tags.ts\` and is wired in \`src/cli/filter.ts\`.
- It calls \`renderWidget\` from \`src/widgets/render.ts\`.
- CI runs \`npm run test\` and \`npm run lint:strict\`.
`;

let t: TestDatabase;
let root: string;
let repo: string;
let dataDir: string;
let orgId: string;
let owner: ReturnType<typeof createCaller>;
let stranger: ReturnType<typeof createCaller>;
const saved: Record<string, string | undefined> = {};

function setEnv(name: string, value: string | undefined) {
  if (!(name in saved)) saved[name] = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
}

beforeAll(async () => {
  t = await createTestDatabase('specground');
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-ground-')));
  dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  setEnv('NIGHTSHIFT_DATA_DIR', dataDir);
  setEnv('NIGHTSHIFT_LOCAL_REPOS', undefined);
  repo = path.join(root, 'app');
  const files: Record<string, string> = {
    'src/tags.ts': 'export function parseTags(s: string): string[] {\n  return s.split(",");\n}\n',
    'src/cli/filter.ts': 'import { parseTags } from "../tags";\nexport const filter = parseTags;\n',
    'package.json': JSON.stringify({ name: 'app', scripts: { test: 'vitest run' } }),
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    fs.writeFileSync(path.join(repo, name), text);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'init');

  const u = await createUser(t.db, { name: 'Owner', email: 'owner@ground.test', password: 'password-123' });
  orgId = (await createOrganization(t.db, { name: 'Ground Inc', ownerId: u.id })).id;
  owner = createCaller({ db: t.db, userId: u.id, apiToken: null, ip: null });
  const v = await createUser(t.db, { name: 'Other', email: 'other@ground.test', password: 'password-123' });
  await createOrganization(t.db, { name: 'Other Inc', ownerId: v.id });
  stranger = createCaller({ db: t.db, userId: v.id, apiToken: null, ip: null });
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await t?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** "missing-path src/x.ts" for each grounding finding (the name is the message's first code span). */
const codes = (findings: unknown) =>
  (findings as Array<{ code?: string; message: string }>).filter((f) => f.code?.startsWith('missing-')).map((f) => `${f.code} ${f.message.split('`')[1]}`);

/** The editor's two steps: score with a recording index, ask the server, score with its answer. */
async function editorScore(projectId: string, text: string) {
  const first = handleScoreRequest({ kind: 'score', id: 1, text, threshold: 70 });
  if (first.kind !== 'score') throw new Error('not a score');
  const answer = await owner.spec.ground({ orgId, projectId, ...first.names });
  const second = handleScoreRequest({ kind: 'score', id: 2, text, threshold: 70, grounding: { answer, asked: first.names } });
  if (second.kind !== 'score') throw new Error('not a score');
  return { first, answer, second };
}

describe('grounding a spec in its project repository', () => {
  it('a local checkout: the gate, the editor and `spec score --repo` name the same missing file, identifier and script', async () => {
    const projectId = (await owner.project.create({ orgId, name: 'app', repository: repo })).id;
    const spec = await owner.spec.create({ orgId, projectId, title: 'Tag filter', markdown: SPEC });
    const missing = codes(spec.findings);
    expect(missing).toEqual(expect.arrayContaining(['missing-path src/widgets/render.ts', 'missing-script npm run lint:strict', 'missing-symbol renderWidget']));
    // Names that exist are not flagged (the calibration spec's own paths do not exist here: flagged too).
    expect(missing).toContain('missing-path server/auth/roles.ts');
    for (const present of ['src/tags.ts', 'src/cli/filter.ts', 'parseTags', 'npm run test']) expect(missing.join('\n')).not.toMatch(new RegExp(` ${present.replace(/[.]/g, '\\.')}$`, 'm'));

    const cli = scoreSpec(SPEC, { repo: await buildRepoIndex(repo) });
    expect(spec.score).toBe(cli.score);
    expect(codes(cli.findings).sort()).toEqual(missing.sort());
    const ungrounded = scoreSpec(SPEC);
    expect(spec.score).toBeLessThan(ungrounded.score);

    const { first, answer, second } = await editorScore(projectId, SPEC);
    expect(first.result.score).toBe(ungrounded.score);
    expect(first.names.paths).toEqual(expect.arrayContaining(['src/tags.ts', 'src/cli/filter.ts', 'src/widgets/render.ts']));
    expect(answer.known).toBe(true);
    expect(answer.paths).toEqual(expect.arrayContaining(['src/tags.ts', 'src/cli/filter.ts']));
    expect(answer.paths).not.toContain('src/widgets/render.ts');
    expect(second.grounded).toBe(true);
    expect(second.result.score).toBe(spec.score);
    expect(second.result.findings.map((f) => f.message)).toEqual((spec.findings as Array<{ message: string }>).map((f) => f.message));

    // The file is added to the checkout: the next save grounds it (the index follows the checkout).
    fs.mkdirSync(path.join(repo, 'src/widgets'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'src/widgets/render.ts'), 'export function renderWidget() {}\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'widgets');
    const saved2 = await owner.spec.update({ orgId, specId: spec.id, markdown: SPEC });
    expect(codes(saved2.findings)).not.toContain('missing-path src/widgets/render.ts');
    expect(codes(saved2.findings)).not.toContain('missing-symbol renderWidget');
    expect(codes(saved2.findings)).toContain('missing-script npm run lint:strict');
  });

  it("a remote repository: nothing is grounded until a mirror exists, then its default branch is", async () => {
    // Projects are checked when added: the URL answers (from a local stand-in) while it is created.
    const restore = serveRemoteLocally('https://example.test/ground/app.git');
    const projectId = (await owner.project.create({ orgId, name: 'remote', repository: 'https://example.test/ground/app.git' }).finally(restore)).id;
    const before = await owner.spec.create({ orgId, projectId, title: 'Tag filter', markdown: SPEC });
    expect(codes(before.findings)).toEqual([]);
    expect(before.score).toBe(scoreSpec(SPEC).score);
    const { answer, second } = await editorScore(projectId, SPEC);
    expect(answer).toEqual({ known: false, paths: [], symbols: [], scripts: null });
    expect(second.grounded).toBe(false);
    expect(second.result.score).toBe(before.score);

    // The mirror a plan would have fetched (same layout as server/repos/mirror.ts).
    const mirror = path.join(dataDir, 'mirrors', `${projectId}.git`);
    fs.mkdirSync(path.dirname(mirror), { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', mirror]);
    git(mirror, 'fetch', '-q', repo, '+refs/heads/*:refs/remotes/origin/*');
    git(mirror, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
    const after = await owner.spec.update({ orgId, specId: before.id, markdown: SPEC });
    const cli = scoreSpec(SPEC, { repo: await buildRepoIndex(repo) });
    expect(codes(after.findings).sort()).toEqual(codes(cli.findings).sort());
    expect(after.score).toBe(cli.score);
    const editor = await editorScore(projectId, SPEC);
    expect(editor.answer.known).toBe(true);
    expect(editor.second.result.score).toBe(after.score);
  });

  it("a checkout this organisation may no longer use grounds nothing, and another organisation cannot ask about a project", async () => {
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    const projectId = (await owner.project.create({ orgId, name: 'revoked', repository: repo })).id;
    setEnv('NIGHTSHIFT_LOCAL_REPOS', other);
    try {
      const spec = await owner.spec.create({ orgId, projectId, title: 'Tag filter', markdown: SPEC });
      expect(codes(spec.findings)).toEqual([]);
      const { answer } = await editorScore(projectId, SPEC);
      expect(answer.known).toBe(false);
    } finally {
      setEnv('NIGHTSHIFT_LOCAL_REPOS', undefined);
    }
    const strangerOrg = (await stranger.org.list())[0];
    expect(await errorCode(stranger.spec.ground({ orgId: strangerOrg.id, projectId, paths: ['src/tags.ts'], symbols: [], scripts: [] }))).toBe('NOT_FOUND');
  });
});
