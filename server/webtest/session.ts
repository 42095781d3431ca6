import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser } from './browser';

/** How an agent names an element: a ref from the last snapshot, or a role and accessible name. */
export type Target = { ref: string } | { role: string; name?: string; exact?: boolean };

export const ACTION_TIMEOUT_MS = 10_000;

/** What the web tester's tools drive: a browser on the app under test (host or sandboxed). */
export interface BrowserSession {
  readonly transcript: string[];
  readonly screenshots: string[];
  open(url: string): Promise<string>;
  snapshot(): Promise<string>;
  click(target: Target): Promise<string>;
  fill(target: Target, value: string): Promise<string>;
  press(key: string, target?: Target): Promise<string>;
  evaluate(expression: string): Promise<boolean>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** An agent-given URL, resolved against the app and refused when it leaves the app's origins. */
export function resolveAppUrl(url: string, baseUrl: string, allowedOrigins: string[] = []): string {
  const full = new URL(url, baseUrl);
  const allowed = [new URL(baseUrl).origin, ...allowedOrigins];
  if (!allowed.includes(full.origin)) throw new Error(`only the app under test may be opened (${allowed.join(', ')}), not ${full.origin}`);
  return full.toString();
}

export function describeTarget(target: Target): string {
  return 'ref' in target ? `ref ${target.ref}` : `${target.role}${target.name ? ` "${target.name}"` : ''}`;
}

export function clipSnapshot(yaml: string): string {
  return yaml.length > SNAPSHOT_MAX_CHARS ? `${yaml.slice(0, SNAPSHOT_MAX_CHARS)}\n… (snapshot cut at ${SNAPSHOT_MAX_CHARS} characters)` : yaml;
}

export function screenshotFile(dir: string, index: number, name: string): string {
  const safe = name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'screenshot';
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${String(index).padStart(2, '0')}-${safe}.png`);
}
export const SNAPSHOT_MAX_CHARS = 12_000;

/**
 * One agent's browser: a page, what was done on it (the transcript the verification report
 * quotes) and the screenshots taken. Only URLs on `allowedOrigins` may be opened — the web tester
 * checks the app under test, it does not browse.
 */
export class WebTestSession implements BrowserSession {
  readonly transcript: string[] = [];
  readonly screenshots: string[] = [];
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  private page: Page | null = null;

  constructor(private readonly opts: { baseUrl: string; screenshotDir: string; allowedOrigins?: string[] }) {}

  private async current(): Promise<Page> {
    if (!this.page) {
      this.browser = await launchBrowser();
      this.context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
      this.page = await this.context.newPage();
      this.page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    }
    return this.page;
  }

  private resolveUrl(url: string): string {
    return resolveAppUrl(url, this.opts.baseUrl, this.opts.allowedOrigins);
  }

  private locate(page: Page, target: Target): Locator {
    if ('ref' in target) return page.locator(`aria-ref=${target.ref}`);
    return page.getByRole(target.role as Parameters<Page['getByRole']>[0], { name: target.name, exact: target.exact });
  }

  private describe(target: Target): string {
    return describeTarget(target);
  }

  async open(url: string): Promise<string> {
    const page = await this.current();
    const full = this.resolveUrl(url);
    const res = await page.goto(full, { waitUntil: 'load' });
    const line = `open ${full} → ${res?.status() ?? 'no response'} "${await page.title()}"`;
    this.transcript.push(line);
    return line;
  }

  /** The accessibility tree with element refs (Playwright's AI-mode aria snapshot). */
  async snapshot(): Promise<string> {
    const page = await this.current();
    const yaml = await page.ariaSnapshot({ mode: 'ai' });
    this.transcript.push('snapshot');
    return clipSnapshot(yaml);
  }

  async click(target: Target): Promise<string> {
    const page = await this.current();
    await this.locate(page, target).click();
    const line = `click ${this.describe(target)}`;
    this.transcript.push(line);
    return `${line} → now at ${page.url()}`;
  }

  async fill(target: Target, value: string): Promise<string> {
    const page = await this.current();
    await this.locate(page, target).fill(value);
    const line = `fill ${this.describe(target)} with ${JSON.stringify(value)}`;
    this.transcript.push(line);
    return line;
  }

  async press(key: string, target?: Target): Promise<string> {
    const page = await this.current();
    if (target) await this.locate(page, target).press(key);
    else await page.keyboard.press(key);
    const line = `press ${key}${target ? ` on ${this.describe(target)}` : ''}`;
    this.transcript.push(line);
    return line;
  }

  /** Evaluates an assertion expression in the page; anything but `true` counts as false. */
  async evaluate(expression: string): Promise<boolean> {
    const page = await this.current();
    const value = await page.evaluate((expr) => {
      // eslint-disable-next-line no-new-func
      const result = new Function(`return (${expr});`)();
      return result === true;
    }, expression);
    this.transcript.push(`assert ${expression} → ${value}`);
    return value;
  }

  async screenshot(name: string): Promise<string> {
    const page = await this.current();
    const file = screenshotFile(this.opts.screenshotDir, this.screenshots.length + 1, name);
    await page.screenshot({ path: file, fullPage: true });
    this.screenshots.push(file);
    this.transcript.push(`screenshot ${path.basename(file)}`);
    return file;
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    this.page = null;
    this.context = null;
    this.browser = null;
  }
}
