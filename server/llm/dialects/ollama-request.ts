import { toolParameters } from './tool-schema';
import type { ModelRequest } from '../types';
import { assistantParts, messageText, resultText } from './message-text';

/** Builds an Ollama `/api/chat` streaming body. */
export function ollamaRequestBody(modelId: string, req: ModelRequest, opts: { think?: boolean } = {}): Record<string, unknown> {
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
        const parts = assistantParts(m.content);
        const msg: Record<string, unknown> = { role: 'assistant', content: messageText(m.content) };
        const thinking = parts.filter((p) => p.type === 'reasoning').map((p) => p.text).join('');
        if (thinking) msg.thinking = thinking;
        const calls = parts.filter((p) => p.type === 'tool-call');
        // Ollama takes arguments as an object, not a JSON string.
        if (calls.length) msg.tool_calls = calls.map((c) => ({ function: { name: c.toolName, arguments: c.args } }));
        messages.push(msg);
        break;
      }
      case 'tool':
        for (const r of m.content) messages.push({ role: 'tool', content: resultText(r.result, r.isError), tool_name: r.toolName });
        break;
    }
  }
  const body: Record<string, unknown> = { model: modelId, messages, stream: true };
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: toolParameters(t.parameters) } }));
  }
  const options: Record<string, unknown> = {};
  if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
  if (req.temperature !== undefined) options.temperature = req.temperature;
  if (Object.keys(options).length) body.options = options;
  if (opts.think !== undefined) body.think = opts.think;
  return body;
}
