import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export const SHOTS = path.join(process.cwd(), 'e2e', 'artifacts');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** The elements that stick out on the right, for a failure message that says what to fix. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const width = window.innerWidth;
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        const label = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${String((el as HTMLElement).className || '').split(' ').slice(0, 3).join('.')} right=${Math.round(r.right)}`;
        out.push(label);
        if (out.length >= 8) break;
      }
    }
    return out;
  });
}

/**
 * The page does not scroll sideways: `document.documentElement.scrollWidth <= innerWidth`. Polled,
 * so a chart or list that lays itself out after a resize is judged once it has.
 */
export async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  try {
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), { message: `${where} scrolls sideways`, timeout: 5_000 }).toBeLessThanOrEqual(0);
  } catch (err) {
    const culprits = await overflowing(page);
    throw new Error(`${(err as Error).message}\n${where}: elements past the right edge: ${culprits.join(' | ')}`);
  }
}

/**
 * One state of a page at 1440 px and at 390 px: a full-page screenshot at each width (named
 * `<name>-1440.png`, `<name>-390.png`), the phone width checked for sideways scrolling. `ready`
 * is what must be visible before each shot. Leaves the page at the width it found.
 */
export async function captureBoth(page: Page, name: string, ready?: Locator): Promise<void> {
  const before = page.viewportSize() ?? DESKTOP;
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    if (ready) await expect(ready).toBeVisible();
    if (size.width === PHONE.width) await expectNoSidewaysScroll(page, name);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

/**
 * Moves keyboard focus with Tab (or Shift+Tab) until `target` has it: proof it is reachable from
 * the keyboard in order. Fails after `max` presses.
 */
export async function tabTo(page: Page, target: Locator, opts: { max?: number; back?: boolean } = {}): Promise<void> {
  const max = opts.max ?? 60;
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)).catch(() => false)) return;
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200) ?? 'nothing');
  throw new Error(`${max} presses of ${opts.back ? 'Shift+Tab' : 'Tab'} did not reach ${target}; focus is on ${focused}`);
}
