import { z } from 'zod/v4';
import { defineTool } from '../tools/define-tool';
import type { ToolDefinition, ToolResult } from '../tools/types';
import { toolError } from '../tools/types';
import type { BrowserSession, Target } from './session';

/** Either `ref`, or `role` (+ `name`): how every browser tool names an element. */
const target = {
  ref: z.string().optional().describe('An element ref from the last browser_snapshot, e.g. "e12". Use either ref, or role + name.'),
  role: z.string().optional().describe('ARIA role of the element, e.g. "button", "link", "textbox", "heading".'),
  name: z.string().optional().describe('Accessible name of the element (its label or text).'),
};
type TargetArgs = { ref?: string; role?: string; name?: string };

function targetOf(args: TargetArgs): Target | null {
  if (args.ref) return { ref: args.ref };
  if (args.role) return { role: args.role, name: args.name };
  return null;
}

/** A target is required: one of ref or role (checked with the arguments, before the browser acts). */
const withTarget = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ ...target, ...shape }).refine((a) => targetOf(a as TargetArgs) !== null, { message: 'give either "ref" (from browser_snapshot) or "role" and "name"', path: ['ref'] });

const wrap = (fn: () => Promise<string>): Promise<ToolResult> =>
  fn().then(
    (output) => ({ output }),
    (err: Error) => toolError(`browser error: ${err.message.split('\n')[0]}`),
  );

/** The web tester's tools: QA drives the app under test through its accessibility tree. */
export function browserTools(session: BrowserSession): ToolDefinition[] {
  return [
    defineTool({
      name: 'browser_open',
      description: 'Open a page of the app under test (a path like "/login" or a full URL on the app).',
      parameters: z.object({ url: z.string().min(1).describe('Path or URL on the app under test.') }),
      execute: (a) => wrap(() => session.open(a.url)),
    }),
    defineTool({
      name: 'browser_snapshot',
      description: 'The accessibility tree of the current page, with element refs like [ref=e5] to use in other browser tools.',
      parameters: z.object({}),
      execute: () => wrap(() => session.snapshot()),
    }),
    defineTool({
      name: 'browser_click',
      description: 'Click an element, by ref or by role and accessible name.',
      parameters: withTarget({}),
      execute: (a) => wrap(() => session.click(targetOf(a)!)),
    }),
    defineTool({
      name: 'browser_fill',
      description: 'Type a value into a text field (replacing its content), by ref or by role and name.',
      parameters: withTarget({ value: z.string().describe('The text to enter.') }),
      execute: (a) => wrap(() => session.fill(targetOf(a)!, a.value)),
    }),
    defineTool({
      name: 'browser_press',
      description: 'Press a key (e.g. "Enter", "Tab", "Control+A"), optionally on an element.',
      parameters: z.object({ key: z.string().min(1).describe('Key name as Playwright spells it.'), ...target }),
      execute: (a) => wrap(() => session.press(a.key, targetOf(a) ?? undefined)),
    }),
    defineTool({
      name: 'browser_eval',
      description: 'Check an assertion in the page: a JavaScript expression that must be exactly true, e.g. document.title === "Dashboard". Returns PASS or FAIL.',
      parameters: z.object({ expression: z.string().min(1).describe('A boolean JavaScript expression evaluated in the page.') }),
      execute: (a) => wrap(async () => ((await session.evaluate(a.expression)) ? 'PASS' : 'FAIL')),
    }),
    defineTool({
      name: 'browser_screenshot',
      description: 'Take a full-page screenshot for the verification report.',
      parameters: z.object({ name: z.string().min(1).describe('Short name for the file, e.g. "login-error".') }),
      execute: (a) => wrap(async () => `saved ${await session.screenshot(a.name)}`),
    }),
  ];
}
