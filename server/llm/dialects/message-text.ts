import type { AssistantMessage, ReasoningContent, TextContent, ToolCallContent, UserMessage } from '../types';

type AssistantPart = TextContent | ReasoningContent | ToolCallContent;

/** Joins the text of a user or assistant message. */
export function messageText(content: UserMessage['content'] | AssistantMessage['content']): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

export function assistantParts(content: AssistantMessage['content']): AssistantPart[] {
  return typeof content === 'string' ? (content ? [{ type: 'text', text: content }] : []) : content;
}

export function toolCallsOf(content: AssistantMessage['content']): ToolCallContent[] {
  return assistantParts(content).filter((p): p is ToolCallContent => p.type === 'tool-call');
}

/** How a failed tool result is marked for providers that have no error flag. */
export function resultText(result: string, isError?: boolean): string {
  return isError ? `Error: ${result}` : result;
}
