import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { QA_FAILS_ONCE, QA_NEVER_PASSES } from './support/fake-agents';

/**
 * The run as a team follows it, against the fake agents taking the long way (QA fails the first
 * version, the developer fixes it): the plan preview, the run page (role stepper, plain-language
 * steps, exit codes without expanding, verdicts coloured by meaning, follow-latest, raw JSON, the
 * spec's title), the pull request (report as HTML, criteria with their evidence, where the branch
 * was pushed, a real merge into the local repository); then a task QA never passes: its draft pull
 * request warns that the QA cap was hit and which criteria have no evidence; the lists and titles.
 * Screenshots of each state at 1440 and 390 px go to e2e/artifacts/ (not committed).
 */
const SHOTS = path.join(process.cwd(), 'e2e', 'artifacts');
const SPEC_TITLE = 'Greeting for visitors';
const ORG = `Lovelace Labs ${Date.now().toString(36)}`;
const GOOD = fs.readFileSync(path.join(process.cwd(), 'test', 'fixtures', 'specs', 'good-spec.md'), 'utf8');
// One title: a spec's first # heading is its title (the title field edits that heading).
const titled = (title: string, marker: string) => `${GOOD.replace(/^# .*$/m, `# ${title}`)}\n<!-- ${marker} -->\n`;
const SPEC = titled(SPEC_TITLE, QA_FAILS_ONCE);
const STUCK_TITLE = 'Greeting that never lands';
const STUCK_SPEC = titled(STUCK_TITLE, QA_NEVER_PASSES);

function fixtureRepo(): string {
  const dir = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), 'ns-e2e-run-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'greeter', type: 'module', scripts: { test: 'node --test' } }, null, 2));
  fs.writeFileSync(path.join(dir, 'src', 'index.js'), 'export const version = 1;\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return fs.realpathSync(dir);
}

async function setSpec(page: Page, markdown: string) {
  await expect(page.locator('[data-editor-ready="true"]')).toBeVisible();
  await page.waitForFunction(() => {
    const w = window as unknown as { monaco?: { editor?: { getModels(): unknown[] } } };
    return (w.monaco?.editor?.getModels().length ?? 0) > 0;
  });
  await page.evaluate((md) => {
    const w = window as unknown as { monaco: { editor: { getModels(): Array<{ setValue(v: string): void }> } } };
    w.monaco.editor.getModels()[0].setValue(md);
  }, markdown);
}

/**
 * At a 390 px phone the page's content (everything under the top bar, whose menu is the first-run
 * engineer's) does not stick out sideways: `main`'s scroll width fits the window, diffs show one
 * column, and a plan graph on the page is refitted so its tasks are inside it. Polled: each lays
 * itself out after a resize.
 */
async function expectFitsPhone(page: Page, name: string) {
  await expect
    .poll(() => page.evaluate(() => document.querySelector('main')!.scrollWidth - window.innerWidth), { message: `${name}: the content scrolls sideways at 390 px` })
    .toBeLessThanOrEqual(0);
  // Diffs turn into one column (Monaco's inline view) on a phone, rather than two ~150 px panes;
  // also after the spec editor, whose screen-reader setting is global to the page's Monaco.
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const wide = document.querySelector('.monaco-diff-editor.side-by-side');
          if (!wide) return 'one column';
          const chain: string[] = [];
          for (let el: Element | null = wide; el && chain.length < 9; el = el.parentElement) chain.push(`${el.tagName.toLowerCase()}.${String((el as HTMLElement).className).split(' ')[0]}=${Math.round(el.getBoundingClientRect().width)}`);
          return `side by side: ${chain.join(' < ')}`;
        }),
      { message: `${name}: a side-by-side diff at 390 px` },
    )
    .toBe('one column');
  const graph = page.locator('.react-flow');
  for (let g = 0; g < (await graph.count()); g++) {
    await expect
      .poll(
        () =>
          graph.nth(g).evaluate((el) => {
            const box = el.getBoundingClientRect();
            const ok = Array.from(el.querySelectorAll('.react-flow__node')).every((n) => {
              const r = n.getBoundingClientRect();
              return r.width > 0 && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
            });
            if (ok) return true;
            const f = (r: DOMRect) => `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`;
            return `box ${f(box)} nodes ${Array.from(el.querySelectorAll('.react-flow__node')).map((n) => f(n.getBoundingClientRect())).join(' | ')} viewport ${(el.querySelector('.react-flow__viewport') as HTMLElement)?.style.transform}`;
          }),
        { message: `${name}: the plan graph's tasks are inside it at 390 px` },
      )
      .toBe(true);
  }
}

/** The page at 1440 px, then at a 390 px phone (checked for sideways scrolling), then back. */
async function shoot(page: Page, name: string) {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-1440.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expectFitsPhone(page, name);
  await page.screenshot({ path: path.join(SHOTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('a run followed live, its pull request read, merged and listed', async ({ page }) => {
  test.setTimeout(360_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const repo = fixtureRepo();
  const titles = new Map<string, string>();
  const title = async (name: string, pattern: RegExp) => {
    await expect(page).toHaveTitle(pattern);
    titles.set(name, await page.title());
  };

  await page.goto('/signup');
  await title('sign-up', /^Create account — Nightshift$/);
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('analytical-engine');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Organization name').fill(ORG);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  await title('projects', new RegExp(`^Projects · ${ORG} — Nightshift$`));
  await page.getByLabel('Project name').fill('greeter');
  await page.getByLabel('Repository').fill(repo);
  await page.getByRole('button', { name: 'Create project' }).click();
  // The new project opens at once.
  await expect(page.getByRole('heading', { level: 1, name: 'greeter' })).toBeVisible();
  await title('project', new RegExp(`^Project · greeter · ${ORG} — Nightshift$`));
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(`${ORG}›Projects›greeter`);

  await page.getByRole('link', { name: 'New spec' }).click();
  await title('new spec', new RegExp(`^New spec · greeter · ${ORG} — Nightshift$`));
  await page.getByLabel('Spec title').fill(SPEC_TITLE);
  await setSpec(page, SPEC);
  const score = page.getByRole('status', { name: 'Completeness score' });
  await expect.poll(async () => Number((await score.textContent())!.split('/')[0])).toBeGreaterThanOrEqual(70);
  await page.getByRole('button', { name: 'Submit for planning' }).click();
  await expect(page.getByRole('heading', { name: `Plan · ${SPEC_TITLE}` })).toBeVisible();
  await title('plan', new RegExp(`^Plan · ${SPEC_TITLE} · ${ORG} — Nightshift$`));
  await page.getByRole('button', { name: 'Plan with agents' }).click();

  // The plan preview: a readable graph, each task with its description and files, a plain forecast.
  const start = page.getByRole('button', { name: 'Start run' });
  await expect(start).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole('img', { name: 'Plan: 1 wave, 1 task, 0 predicted conflicts' })).toBeVisible();
  const planned = page.getByRole('region', { name: 'Tasks of the plan' });
  await expect(planned).toContainText('Create src/greet.js exporting greet(name) with a test.');
  await expect(planned.getByText('test/greet.test.js', { exact: true })).toBeVisible();
  const forecast = page.getByRole('region', { name: 'Forecast' });
  await expect(forecast).toContainText('Cost unknown: Nightshift has no price for openai:fake');
  await expect(forecast).not.toContainText('price map');
  // "Start run" outweighs "Cancel run".
  const startBox = (await start.boundingBox())!;
  const cancelBox = (await page.getByRole('button', { name: 'Cancel run' }).boundingBox())!;
  expect(startBox.width * startBox.height).toBeGreaterThan(2 * cancelBox.width * cancelBox.height);
  // One task is a card, not a poster: its node is drawn at most at its own size.
  const node = page.locator('.react-flow__node').first();
  expect((await node.boundingBox())!.width).toBeLessThanOrEqual(240);
  await title('run (queued)', new RegExp(`^Run · ${SPEC_TITLE} · ${ORG} — Nightshift$`));
  await shoot(page, 'run-1-plan-preview');
  await start.click();

  // The run page, named by its spec and project.
  await expect(page.getByRole('heading', { level: 1, name: SPEC_TITLE })).toBeVisible();
  await expect(page.getByText(`Run of ${SPEC_TITLE} in greeter`)).toBeVisible();
  const stream = page.getByRole('list', { name: 'Agent stream' });
  // Someone is at work, said in words between the turns.
  await expect(page.getByRole('status').filter({ hasText: /^(Architect|Developer|QA|Reviewer) is working…/ })).toBeVisible({ timeout: 120_000 });
  // The stepper marks that same role as the current step, with its live indicator (read in one go: the run moves on).
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const said = Array.from(document.querySelectorAll('[role="status"]'))
            .map((e) => e.textContent ?? '')
            .find((t) => t.includes(' is working…'));
          const step = document.querySelector('ol[aria-label="Roles of T1"] [data-state="working"]');
          if (!said || !step) return 'nobody is working';
          const role = step.querySelector('.font-medium')?.textContent ?? '';
          return `${said.startsWith(`${role} is working…`)} ${step.getAttribute('aria-current')} ${step.querySelector('.animate-ping') !== null}`;
        }),
      { timeout: 120_000 },
    )
    .toBe('true step true');
  await shoot(page, 'run-2-working');
  await expect(page.getByRole('status', { name: 'Run status' })).toHaveText('succeeded', { timeout: 180_000 });

  // The role stepper: the developer ⇄ QA loop ran twice; verdicts in words, coloured by meaning.
  const roles = page.getByRole('list', { name: 'Roles of T1' });
  await expect(roles.locator('[data-role="developer"]')).toContainText('×2');
  await expect(roles.locator('[data-role="qa"]')).toContainText('passed');
  await expect(roles.locator('[data-role="reviewer"]')).toContainText('approved');
  await expect(roles.locator('[data-state="working"]')).toHaveCount(0);
  await expect(page.getByText('Cycle 2', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Elapsed time')).toHaveText(/^\d+:\d{2} elapsed$/);

  // Steps in plain language, exit codes and failing lines without expanding anything.
  await expect(stream.getByText('Created src/greet.js, test/greet.test.js')).toBeVisible();
  const failingRun = stream.getByRole('listitem', { name: 'Tool call run_command' }).filter({ hasText: 'exit 1, 1 failing' }).first();
  await expect(failingRun).toContainText('Ran node --test — exit 1, 1 failing');
  await expect(failingRun.getByLabel('Exit code')).toHaveText('exit 1');
  await expect(failingRun.getByLabel('Failing lines')).toContainText('not ok 1 - greets by name');
  await expect(failingRun.getByLabel('Failing lines')).toBeVisible();
  const passingRun = stream.getByRole('listitem', { name: 'Tool call run_command' }).filter({ hasText: 'exit 0' }).last();
  await expect(passingRun.getByLabel('Exit code')).toHaveText('exit 0');
  const qaFail = stream.getByRole('listitem', { name: 'QA verdict: failed' });
  const qaPass = stream.getByRole('listitem', { name: 'QA verdict: passed' });
  await expect(qaFail).toHaveAttribute('data-tone', 'bad');
  await expect(qaPass).toHaveAttribute('data-tone', 'good');
  const bg = (l: typeof qaFail) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await bg(qaFail)).not.toBe(await bg(qaPass));
  // Role summaries are sentences, not capitals.
  await expect(stream.getByText(/^Architect finished/)).toBeVisible();
  expect(await stream.getByText(/^Architect finished/).evaluate((el) => getComputedStyle(el).textTransform)).toBe('none');

  // Follow-latest: on by default, the latest event in view; scrolling up offers "Jump to latest".
  const latest = stream.getByRole('listitem').last();
  const scroller = page.getByTestId('agent-stream-scroll');
  await scroller.scrollIntoViewIfNeeded();
  await expect(page.getByRole('button', { name: 'Following latest' })).toHaveAttribute('aria-pressed', 'true');
  await expect(latest).toBeInViewport();
  expect(await scroller.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
  const jump = page.getByRole('button', { name: 'Jump to latest ↓' });
  await expect(jump).toBeVisible();
  await expect(latest).not.toBeInViewport();
  await jump.click();
  await expect(latest).toBeInViewport();
  await expect(jump).toBeHidden();
  // Turning a phone (or resizing the window) keeps following: the layout moving is not the reader scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await scroller.scrollIntoViewIfNeeded();
  await expect(page.getByRole('button', { name: 'Following latest' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThanOrEqual(1);
  await page.setViewportSize({ width: 1440, height: 900 });
  await scroller.scrollIntoViewIfNeeded();
  await expect(page.getByRole('button', { name: 'Following latest' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThanOrEqual(1);

  // Raw JSON is one click away.
  const firstTool = stream.getByRole('listitem', { name: 'Tool call apply_code_changes' }).first();
  await firstTool.getByText('Raw JSON').click();
  await expect(firstTool.locator('pre').filter({ hasText: '"toolName": "apply_code_changes"' })).toBeVisible();

  // The plan stays on the page after the run.
  await expect(page.getByRole('region', { name: 'Plan' }).getByRole('img', { name: /^Plan: 1 wave, 1 task/ })).toBeVisible();
  await title('run', new RegExp(`^Run · ${SPEC_TITLE} · ${ORG} — Nightshift$`));
  await shoot(page, 'run-3-finished');

  // The pull request: the report as HTML, criteria with evidence, the no-evidence warning.
  await page.getByRole('list', { name: 'Pull requests of this run' }).getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add a greet function' })).toBeVisible();
  await title('pull request', new RegExp(`^Pull request · Add a greet function · ${ORG} — Nightshift$`));
  const report = page.getByRole('region', { name: 'Verification report' });
  await expect(report.getByRole('heading', { name: 'Acceptance criteria' })).toBeVisible();
  await expect(report.locator('strong', { hasText: /^approved$/ }).first()).toBeVisible();
  await expect(report.getByRole('table')).toContainText('input tokens');
  await expect(report).not.toContainText('**approved**');
  await expect(report).not.toContainText('###');
  await expect(report).not.toContainText('(1 turns)');
  // Every criterion proven by a recorded command: no warning.
  const criteria = page.getByRole('list', { name: 'Acceptance criteria' });
  await expect(criteria.locator(':scope > li')).toHaveCount(6);
  await expect(criteria.locator('[data-met="true"][data-evidence="some"]')).toHaveCount(6);
  await expect(criteria.getByRole('listitem', { name: 'Criterion 1' })).toContainText('QA (cycle 1): not met');
  await expect(criteria.getByRole('listitem', { name: 'Criterion 1' })).toContainText('QA (cycle 2): met');
  await expect(criteria.getByRole('listitem', { name: 'Criterion 1' }).getByRole('link', { name: 'node --test → exit 0' })).toHaveAttribute('href', /\/runs\/[0-9a-f-]{36}\?task=/);
  await expect(page.getByRole('region', { name: 'Verification warning' })).toHaveCount(0);
  // What was pushed where, and how to check it out.
  await expect(page.getByRole('region', { name: 'Where the branch is' })).toContainText(new RegExp(`Branch nightshift/\\S+ was pushed into ${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(commit [0-9a-f]{10}\\)`));
  await expect(page.getByLabel('Check the branch out')).toHaveText(new RegExp(`^git -C ${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} checkout nightshift/`));
  await shoot(page, 'run-4-pull-request');

  const pullA = page.url();

  // A task QA never passes: the run fails at the cap; its draft pull request says so, prominently.
  await page.getByRole('link', { name: 'greeter', exact: true }).click();
  await page.getByRole('link', { name: 'New spec' }).click();
  await page.getByLabel('Spec title').fill(STUCK_TITLE);
  await setSpec(page, STUCK_SPEC);
  await expect.poll(async () => Number((await score.textContent())!.split('/')[0])).toBeGreaterThanOrEqual(70);
  await page.getByRole('button', { name: 'Submit for planning' }).click();
  await page.getByRole('button', { name: 'Plan with agents' }).click();
  await page.getByRole('button', { name: 'Start run' }).click({ timeout: 90_000 });
  await expect(page.getByRole('status', { name: 'Run status' })).toHaveText('failed', { timeout: 180_000 });
  await expect(page.getByRole('list', { name: 'Roles of T1' }).locator('[data-role="qa"]')).toContainText('×3');
  await expect(page.getByRole('list', { name: 'Roles of T1' }).locator('[data-role="reviewer"]')).toHaveAttribute('data-state', 'skipped');
  await shoot(page, 'run-5-failed-at-cap');
  await page.getByRole('list', { name: 'Pull requests of this run' }).getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1, name: '[needs attention] Add a greet function' })).toBeVisible();
  const warning = page.getByRole('region', { name: 'Verification warning' });
  await expect(warning).toContainText('This change is not fully verified');
  await expect(warning).toContainText('QA and review did not agree within the cap of QA cycles (QA and review did not converge in 3 cycles)');
  await expect(warning).toContainText('5 of 6 acceptance criteria have no evidence recorded (criteria 2, 3, 4, 5, 6)');
  const stuck = page.getByRole('list', { name: 'Acceptance criteria' });
  await expect(stuck.getByRole('listitem', { name: 'Criterion 1' })).toHaveAttribute('data-met', 'false');
  await expect(stuck.getByRole('listitem', { name: 'Criterion 2' })).toContainText('No evidence recorded.');
  await expect(page.getByRole('region', { name: 'Verification report' }).locator('blockquote')).toContainText('The cap of 3 QA cycles was hit');
  await shoot(page, 'run-6-pull-request-unverified');
  // Merging it is the secondary action, and the confirmation says it is not verified; then closed and reopened.
  const bgOf = (l: ReturnType<Page['getByRole']>) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  const mergeStuck = page.getByRole('button', { name: 'Merge into main' });
  const close = page.getByRole('button', { name: 'Close pull request' });
  expect(await bgOf(mergeStuck)).toBe(await bgOf(close));
  await mergeStuck.click();
  await expect(page.getByRole('group', { name: 'Confirm merge' })).toContainText('This change is not verified (see the warning above): merge it only if you checked it yourself.');
  await page.getByRole('group', { name: 'Confirm merge' }).getByRole('button', { name: 'Cancel' }).click();
  await close.click();
  await expect(page.getByRole('status', { name: 'Pull request state' })).toHaveText('closed');
  await expect(page.getByText('Closed. The branch stays where it was pushed.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Merge into main' })).toHaveCount(0);
  const stuckBranch = (await page.getByLabel('Check the branch out').textContent())!.split(' ').pop()!;
  expect(execFileSync('git', ['rev-parse', '--verify', '--quiet', stuckBranch], { cwd: repo, encoding: 'utf8' }).trim()).toMatch(/^[0-9a-f]{40}$/);
  await page.getByRole('button', { name: 'Reopen' }).click();
  await expect(page.getByRole('status', { name: 'Pull request state' })).toHaveText('open');
  await expect(page.getByRole('button', { name: 'Merge into main' })).toBeVisible();

  // Merge the first one into main: a real merge in the local repository. Its checkout command copies.
  await page.goto(pullA);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const checkout = page.getByLabel('Check the branch out');
  await checkout.locator('xpath=..').getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByText('Copied', { exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await checkout.textContent());
  expect(await bgOf(page.getByRole('button', { name: 'Merge into main' }))).not.toBe(await bgOf(page.getByRole('button', { name: 'Close pull request' })));
  await page.getByRole('button', { name: 'Merge into main' }).click();
  await page.getByRole('group', { name: 'Confirm merge' }).getByRole('button', { name: 'Confirm merge' }).click();
  await expect(page.getByText(/^Merged into main in .* \(commit [0-9a-f]{10}\)\.$/)).toBeVisible();
  await expect(page.getByRole('status', { name: 'Pull request state' })).toHaveText('merged');
  await expect(page.getByRole('region', { name: 'Where the branch is' })).toContainText('and is merged into main there.');
  expect(execFileSync('git', ['log', '-1', '--format=%an|%s', 'main'], { cwd: repo, encoding: 'utf8' }).trim()).toMatch(/^Ada Lovelace\|Merge nightshift\/.+: Add a greet function$/);
  expect(fs.readFileSync(path.join(repo, 'src', 'greet.js'), 'utf8')).toContain('Hello, ${name}!');
  expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
  await shoot(page, 'run-7-merged');

  // The pull request list: project, date, verdict.
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Pull requests' }).click();
  await title('pull requests', new RegExp(`^Pull requests · ${ORG} — Nightshift$`));
  const rows = page.getByRole('list', { name: 'Pull requests' }).getByRole('listitem');
  const merged = rows.filter({ hasText: SPEC_TITLE });
  await expect(merged).toContainText('greeter');
  await expect(merged.locator('time')).toBeVisible();
  await expect(merged).toContainText('approved');
  await expect(merged).toContainText('merged');
  const unverified = rows.filter({ hasText: STUCK_TITLE });
  await expect(unverified).toContainText('QA cap hit');
  await expect(unverified).toContainText('open');
  await shoot(page, 'run-8-pull-requests');

  // The dashboard: recent runs by spec title, legends in words, one day one narrow bar.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Dashboard' }).click();
  await title('dashboard', new RegExp(`^Dashboard · ${ORG} — Nightshift$`));
  await expect(page.getByRole('list', { name: 'Recent runs' }).getByRole('link', { name: SPEC_TITLE })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Recent runs' }).getByRole('link', { name: STUCK_TITLE })).toBeVisible();
  await expect(page.getByText('Cost (USD)', { exact: true })).toBeVisible();
  await expect(page.getByText('costUsd')).toHaveCount(0);
  const bars = page.locator('.recharts-bar-rectangle path').filter({ visible: true });
  await expect(bars.first()).toBeVisible();
  const chart = (await page.getByRole('img', { name: 'Runs per day, succeeded and failed' }).boundingBox())!;
  expect((await bars.first().boundingBox())!.width).toBeLessThanOrEqual(chart.width / 10);
  await shoot(page, 'run-9-dashboard');

  // The project page lists its runs by spec title.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Projects' }).click();
  await page.getByRole('list', { name: 'Projects' }).getByRole('link', { name: 'greeter' }).click();
  await expect(page.getByRole('list', { name: 'Runs' }).getByRole('link', { name: SPEC_TITLE })).toBeVisible();

  // Every page had its own title.
  const all = [...titles.entries()].filter(([k]) => k !== 'run (queued)');
  expect(new Set(all.map(([, t]) => t)).size).toBe(all.length);
});
