import type { McpServerConfig } from './config-schema';

/**
 * Starting points for well-known MCP servers: the endpoint, how the credential is sent, and
 * which secrets the admin must supply. All four are the vendors' hosted Streamable HTTP
 * servers: a stdio server runs in the sandbox without network, so it could not reach the
 * vendor's API. Admins can edit the URL (e.g. a self-hosted gateway) after choosing a preset.
 */
export type McpPreset = {
  id: string;
  label: string;
  /** Default registry line for agents. */
  description: string;
  config: McpServerConfig;
  /** Secrets the configuration refers to as {{NAME}}, with where to obtain each. */
  secrets: Array<{ name: string; help: string }>;
  docs: string;
};

export const MCP_PRESETS = [
  {
    id: 'sentry',
    label: 'Sentry',
    description: 'Sentry error tracking: issues, events, stack traces, releases',
    config: { transport: 'http', url: 'https://mcp.sentry.dev/mcp', headers: { Authorization: 'Bearer {{SENTRY_TOKEN}}' } },
    secrets: [{ name: 'SENTRY_TOKEN', help: 'an OAuth access token for Sentry MCP, or a Sentry user auth token with org:read, project:read, event:read' }],
    docs: 'https://docs.sentry.io/product/sentry-mcp/',
  },
  {
    id: 'jira',
    label: 'Jira (Atlassian)',
    description: 'Jira and Confluence: search, read and update issues and pages',
    config: { transport: 'http', url: 'https://mcp.atlassian.com/v1/mcp', headers: { Authorization: 'Bearer {{ATLASSIAN_TOKEN}}' } },
    secrets: [{ name: 'ATLASSIAN_TOKEN', help: "an OAuth 2.1 access token for Atlassian's remote MCP server" }],
    docs: 'https://support.atlassian.com/atlassian-rovo-mcp-server/',
  },
  {
    id: 'slack',
    label: 'Slack',
    description: 'Slack: search messages, read channels and threads, post messages',
    config: { transport: 'http', url: 'https://mcp.slack.com/mcp', headers: { Authorization: 'Bearer {{SLACK_TOKEN}}' } },
    secrets: [{ name: 'SLACK_TOKEN', help: "a Slack OAuth user token (xoxp-…) from an app allowed to use Slack's MCP server" }],
    docs: 'https://docs.slack.dev/ai/mcp-server/',
  },
  {
    id: 'github',
    label: 'GitHub',
    description: 'GitHub: repositories, issues, pull requests, code search, Actions',
    config: { transport: 'http', url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer {{GITHUB_TOKEN}}' } },
    secrets: [{ name: 'GITHUB_TOKEN', help: 'a fine-grained personal access token or GitHub App token with the scopes the agents need' }],
    docs: 'https://github.com/github/github-mcp-server',
  },
] as const satisfies readonly McpPreset[];

export type McpPresetId = (typeof MCP_PRESETS)[number]['id'];
export const MCP_PRESET_IDS = MCP_PRESETS.map((p) => p.id) as [McpPresetId, ...McpPresetId[]];

export function findPreset(id: string): McpPreset | undefined {
  return MCP_PRESETS.find((p) => p.id === id);
}
