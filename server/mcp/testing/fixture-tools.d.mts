import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
export declare const FIXTURE_PNG_BASE64: string;
export declare const FIXTURE_REPORT_URI: string;
export declare const FIXTURE_REPORT_TEXT: string;
export declare function registerFixtureTools(server: McpServer, flavour: string): void;
