#!/bin/sh
# Prints which test runner the project uses and how to run a single test file.
if [ ! -f package.json ]; then echo "no package.json here"; exit 1; fi
has() { grep -q "\"$1\"" package.json; }
echo "test script: $(node -e 'const p=require("./package.json");console.log((p.scripts&&p.scripts.test)||"(none)")' 2>/dev/null)"
if has vitest; then echo "runner: vitest"; echo "one file: npx vitest run <path>";
elif has jest; then echo "runner: jest"; echo "one file: npx jest <path>";
elif has mocha; then echo "runner: mocha"; echo "one file: npx mocha <path>";
else echo "runner: node:test (no framework dependency)"; echo "one file: node --test <path>"; fi
ls -d test tests __tests__ 2>/dev/null | sed 's/^/test folder: /'
find . -path ./node_modules -prune -o \( -name '*.test.*' -o -name '*.spec.*' \) -print 2>/dev/null | head -5 | sed 's/^/example: /'
