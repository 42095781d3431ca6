#!/usr/bin/env node
// The `nightshift` command. The sources are TypeScript; tsx compiles them on load so the CLI,
// the server and the tests all run the same files without a separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
