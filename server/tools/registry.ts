import type { Sandbox } from '../../sandbox/types';
import type { AgentRole, AgentTool } from '../agent/types';
import type { SkillLibrary } from '../skills/library';
import { applyCodeChangesTool } from './apply-code-changes';
import { finishToolFor, type FinishOptions } from './finish';
import { listFilesTool } from './list-files';
import { createLoadSkillTool } from './load-skill';
import { readFileTool } from './read-file';
import { createReadSkillResourceTool } from './read-skill-resource';
import { createRunCommandTool } from './run-command';
import { createRunSkillScriptTool } from './run-skill-script';
import { searchCodeTool } from './search-code';
import { createSpawnExplorersTool, type ExplorerMandate, type ExplorerReport } from './spawn-explorers';

/**
 * Assembles the tools a role is offered. The loop itself adds `recall` and
 * `update_working_state` (they are bound to its own state). Explorers are read-only; each role
 * gets its own `finish` (`finishToolFor`: judges give a verdict, the reviewer a steelman).
 */
export interface ToolsetOptions {
  sandbox?: Sandbox;
  skills?: SkillLibrary;
  spawnExplorers?: (mandates: ExplorerMandate[], signal?: AbortSignal) => Promise<ExplorerReport[]>;
  /** Scrubs secrets from command output before the model sees it. */
  redact?: (text: string) => string;
  /** How the role's `finish` checks what it claims (QA's evidence against the recording). */
  finish?: FinishOptions;
}

const READ_ONLY: AgentTool[] = [
  { ...readFileTool, readOnly: true },
  { ...listFilesTool, readOnly: true },
  { ...searchCodeTool, readOnly: true },
];

interface RoleProfile {
  edits: boolean;
  commands: boolean;
  skills: 'none' | 'read' | 'all';
  explorers: boolean;
}

export const ROLE_TOOL_PROFILES: Record<AgentRole, RoleProfile> = {
  planner: { edits: false, commands: false, skills: 'read', explorers: true },
  architect: { edits: false, commands: true, skills: 'read', explorers: true },
  developer: { edits: true, commands: true, skills: 'all', explorers: true },
  qa: { edits: true, commands: true, skills: 'all', explorers: false },
  reviewer: { edits: false, commands: true, skills: 'all', explorers: false },
  explorer: { edits: false, commands: false, skills: 'none', explorers: false },
};

export function toolsForRole(role: AgentRole, opts: ToolsetOptions = {}): AgentTool[] {
  const p = ROLE_TOOL_PROFILES[role];
  const tools: AgentTool[] = [...READ_ONLY];
  if (p.edits) tools.push(applyCodeChangesTool);
  if (p.commands && opts.sandbox) tools.push(createRunCommandTool(opts.sandbox, opts.redact));
  if (p.skills !== 'none' && opts.skills) {
    tools.push({ ...createLoadSkillTool(opts.skills), readOnly: true }, { ...createReadSkillResourceTool(opts.skills), readOnly: true });
    if (p.skills === 'all' && opts.sandbox) tools.push(createRunSkillScriptTool(opts.skills, opts.sandbox));
  }
  if (p.explorers && opts.spawnExplorers) tools.push(createSpawnExplorersTool(opts.spawnExplorers));
  tools.push(finishToolFor(role, opts.finish));
  return tools;
}
