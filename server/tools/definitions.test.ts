import { describe, expect, it } from 'vitest';
import { applyCodeChangesTool } from './apply-code-changes';
import { listFilesTool } from './list-files';
import { readFileTool } from './read-file';
import { searchCodeTool } from './search-code';
import type { ToolDefinition } from './types';

// Typed as the generic definition a registry would hold: this line fails to compile if a tool
// stops fitting the shared type.
const TOOLS: ToolDefinition[] = [readFileTool, listFilesTool, searchCodeTool, applyCodeChangesTool];

/** Every property of every (nested) object schema, with its path. */
function properties(schema: unknown, at = ''): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [];
  const s = schema as { properties?: Record<string, Record<string, unknown>>; items?: unknown };
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    out.push([`${at}${name}`, prop]);
    out.push(...properties(prop, `${at}${name}.`));
  }
  if (s.items) out.push(...properties(s.items, `${at}[].`));
  return out;
}

describe('tool definitions', () => {
  it('use the agreed names', () => {
    expect(TOOLS.map((t) => t.name)).toEqual(['read_file', 'list_files', 'search_code', 'apply_code_changes']);
  });

  it('describe themselves and every schema field for the model', () => {
    for (const tool of TOOLS) {
      expect(tool.description.length, tool.name).toBeGreaterThan(80);
      expect(tool.parameters.type).toBe('object');
      const props = properties(tool.parameters);
      expect(props.length, tool.name).toBeGreaterThan(0);
      for (const [name, prop] of props) expect(typeof prop.description === 'string' && prop.description.length > 10, `${tool.name}.${name}`).toBe(true);
      for (const required of tool.parameters.required ?? []) expect(tool.parameters.properties).toHaveProperty(required);
    }
  });
});
