import { toolParameters } from './tool-schema';
import type { ModelRequest } from '../types';
import { messageText, resultText, toolCallsOf } from './message-text';

/** Builds an OpenAI Chat Completions streaming body. */
export function openAiRequestBody(modelId: string, req: ModelRequest, opts: { maxTokensField?: 'max_tokens' | 'max_completion_tokens' } = {}): Record<string, unknown> {
  const messages: Array<Record<string, unknown>> = [];
  if (req.system) messages.push({ role: 'system', content: req.system });
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
        messages.push({ role: 'system', content: m.content });
        break;
      case 'user':
        messages.push({ role: 'user', content: messageText(m.content) });
        break;
      case 'assistant': {
        const calls = toolCallsOf(m.content);
        const text = messageText(m.content);
        const msg: Record<string, unknown> = { role: 'assistant', content: text === '' && calls.length ? null : text };
        if (calls.length) {
          msg.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.toolName, arguments: JSON.stringify(c.args) } }));
        }
        messages.push(msg);
        break;
      }
      case 'tool':
        for (const r of m.content) messages.push({ role: 'tool', tool_call_id: r.toolCallId, content: resultText(r.result, r.isError) });
        break;
    }
  }
  const body: Record<string, unknown> = {
    model: modelId,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (req.maxTokens !== undefined) body[opts.maxTokensField ?? 'max_tokens'] = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: toolParameters(t.parameters) } }));
  }
  return body;
}
