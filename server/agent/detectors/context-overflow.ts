/** Provider wordings for a prompt that no longer fits (OpenAI, Anthropic, vLLM, llama.cpp, Ollama). */
const OVERFLOW = /context[_ ]length|maximum context|context window|prompt is too long|too many tokens|exceeds? the (?:model'?s? )?(?:maximum|context)|input is too long|n_ctx/i;

export function isContextOverflow(message: string): boolean {
  return OVERFLOW.test(message);
}
