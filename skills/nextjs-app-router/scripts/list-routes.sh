#!/bin/sh
# Lists App Router routes (pages and route handlers) as URL paths.
root="${1:-app}"
[ -d "$root" ] || { echo "no $root folder"; exit 1; }
find "$root" \( -name 'page.tsx' -o -name 'page.ts' -o -name 'page.jsx' -o -name 'page.js' -o -name 'route.ts' -o -name 'route.js' \) | sort | while read -r f; do
  url=$(dirname "$f" | sed "s#^$root##; s#/([^/]*)##g")
  kind=$(basename "$f" | sed 's/\..*//')
  echo "${url:-/}  ($kind: $f)"
done
