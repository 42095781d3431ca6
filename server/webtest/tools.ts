import type { JsonSchemaObject, ToolDefinition, ToolResult } from '../tools/types';
import { toolError } from '../tools/types';
import type { BrowserSession, Target } from './session';

const TARGET_PROPS = {
  ref: { type: 'string', description: 'An element ref from the last browser_snapshot, e.g. "e12". Use either ref, or role + name.' },
  role: { type: 'string', description: 'ARIA role of the element, e.g. "button", "link", "textbox", "heading".' },
  name: { type: 'string', description: 'Accessible name of the element (its label or text).' },
};

function targetOf(args: Record<string, unknown>): Target | null {
  if (typeof args.ref === 'string' && args.ref) return { ref: args.ref };
  if (typeof args.role === 'string' && args.role) return { role: args.role, name: typeof args.name === 'string' ? args.name : undefined };
  return null;
}

const wrap = (fn: () => Promise<string>): Promise<ToolResult> =>
  fn().then(
    (output) => ({ output }),
    (err: Error) => toolError(`browser error: ${err.message.split('\n')[0]}`),
  );

function def(name: string, description: string, properties: Record<string, unknown>, required: string[], run: (args: Record<string, unknown>) => Promise<string>): ToolDefinition {
  const parameters: JsonSchemaObject = { type: 'object', properties, required, additionalProperties: false };
  return { name, description, parameters, execute: (args) => wrap(() => run(args as Record<string, unknown>)) };
}

const needTarget = (args: Record<string, unknown>): Target => {
  const t = targetOf(args);
  if (!t) throw new Error('give either "ref" (from browser_snapshot) or "role" and "name"');
  return t;
};

/** The web tester's tools: QA drives the app under test through its accessibility tree. */
export function browserTools(session: BrowserSession): ToolDefinition[] {
  return [
    def('browser_open', 'Open a page of the app under test (a path like "/login" or a full URL on the app).', { url: { type: 'string', description: 'Path or URL on the app under test.' } }, ['url'], (a) => session.open(String(a.url))),
    def('browser_snapshot', 'The accessibility tree of the current page, with element refs like [ref=e5] to use in other browser tools.', {}, [], () => session.snapshot()),
    def('browser_click', 'Click an element, by ref or by role and accessible name.', TARGET_PROPS, [], (a) => session.click(needTarget(a))),
    def('browser_fill', 'Type a value into a text field (replacing its content), by ref or by role and name.', { ...TARGET_PROPS, value: { type: 'string', description: 'The text to enter.' } }, ['value'], (a) => session.fill(needTarget(a), String(a.value))),
    def('browser_press', 'Press a key (e.g. "Enter", "Tab", "Control+A"), optionally on an element.', { key: { type: 'string', description: 'Key name as Playwright spells it.' }, ...TARGET_PROPS }, ['key'], (a) => session.press(String(a.key), targetOf(a) ?? undefined)),
    def(
      'browser_eval',
      'Check an assertion in the page: a JavaScript expression that must be exactly true, e.g. document.title === "Dashboard". Returns PASS or FAIL.',
      { expression: { type: 'string', description: 'A boolean JavaScript expression evaluated in the page.' } },
      ['expression'],
      async (a) => ((await session.evaluate(String(a.expression))) ? 'PASS' : 'FAIL'),
    ),
    def('browser_screenshot', 'Take a full-page screenshot for the verification report.', { name: { type: 'string', description: 'Short name for the file, e.g. "login-error".' } }, ['name'], async (a) => `saved ${await session.screenshot(String(a.name))}`),
  ];
}
