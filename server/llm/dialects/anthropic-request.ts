import { toolParameters } from './tool-schema';
import type { ModelRequest } from '../types';
import { assistantParts, messageText } from './message-text';

/** Anthropic requires max_tokens; this is used when the caller gives none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 8192;
export const ANTHROPIC_DEFAULT_THINKING_BUDGET = 4096;
/** The minimum thinking budget the API accepts. */
const MIN_THINKING_BUDGET = 1024;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Builds an Anthropic Messages streaming body. */
export function anthropicRequestBody(modelId: string, req: ModelRequest): Record<string, unknown> {
  const systemTexts: string[] = req.system ? [req.system] : [];
  const messages: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: Block[]) => {
    if (!blocks.length) return;
    const last = messages[messages.length - 1];
    // The API wants alternating roles; consecutive same-role turns (tool results followed by a
    // user nudge) are merged into one message.
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
        systemTexts.push(m.content);
        break;
      case 'user': {
        const text = messageText(m.content);
        push('user', text ? [{ type: 'text', text }] : []);
        break;
      }
      case 'assistant': {
        const blocks: Block[] = [];
        for (const p of assistantParts(m.content)) {
          if (p.type === 'text') {
            if (p.text) blocks.push({ type: 'text', text: p.text });
          } else if (p.type === 'reasoning') {
            // Thinking can only go back with its signature; unsigned reasoning (from another
            // provider) is dropped rather than rejected by the API.
            if (p.redactedData !== undefined) blocks.push({ type: 'redacted_thinking', data: p.redactedData });
            else if (p.signature) blocks.push({ type: 'thinking', thinking: p.text, signature: p.signature });
          } else {
            blocks.push({ type: 'tool_use', id: p.id, name: p.toolName, input: p.args });
          }
        }
        push('assistant', blocks);
        break;
      }
      case 'tool':
        push(
          'user',
          m.content.map((r) => ({ type: 'tool_result', tool_use_id: r.toolCallId, content: r.result, ...(r.isError ? { is_error: true } : {}) })),
        );
        break;
    }
  }
  const system: Block[] = systemTexts.filter(Boolean).map((text) => ({ type: 'text', text }));
  const tools: Block[] | undefined = req.tools?.length
    ? req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: toolParameters(t.parameters) }))
    : undefined;
  if (req.cache) {
    // Breakpoints at the stable prefix (tools, system) and at the newest message, so the next
    // turn reads everything up to here from cache.
    const mark = (b: Block | undefined) => b && (b.cache_control = EPHEMERAL);
    mark(tools?.[tools.length - 1]);
    mark(system[system.length - 1]);
    const lastMsg = messages[messages.length - 1];
    mark(lastMsg?.content[lastMsg.content.length - 1]);
  }
  let maxTokens = req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = { model: modelId, messages, stream: true };
  if (system.length) body.system = system;
  if (tools) body.tools = tools;
  if (req.reasoning) {
    const budget = Math.max(MIN_THINKING_BUDGET, req.reasoning.budgetTokens ?? ANTHROPIC_DEFAULT_THINKING_BUDGET);
    // max_tokens must exceed the thinking budget or the API rejects the request.
    if (maxTokens <= budget) maxTokens = budget + ANTHROPIC_DEFAULT_MAX_TOKENS;
    body.thinking = { type: 'enabled', budget_tokens: budget };
  } else if (req.temperature !== undefined) {
    // Temperature is not allowed together with extended thinking.
    body.temperature = req.temperature;
  }
  body.max_tokens = maxTokens;
  return body;
}
