#!/bin/sh
# Finds the Playwright config and spec files.
ls playwright.config.* e2e/playwright.config.* 2>/dev/null | sed 's/^/config: /'
find . -path ./node_modules -prune -o \( -name '*.spec.ts' -o -name '*.e2e.ts' \) -print 2>/dev/null | head -20
