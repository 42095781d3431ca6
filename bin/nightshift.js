#!/usr/bin/env node
// The `nightshift` command. The sources are TypeScript; tsx compiles them on load so the CLI,
// the server and the tests all run the same files without a separate build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Our tsconfig (its `@/…` paths), whatever folder the command runs in — a user's repository may
// have a tsconfig of its own.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../server/cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
