#!/bin/sh
# Lists React component files and which are client components.
find "${1:-.}" -path '*/node_modules' -prune -o -name '*.tsx' -print 2>/dev/null | head -100 | while read -r f; do
  if head -3 "$f" | grep -q "use client"; then echo "client  $f"; else echo "server  $f"; fi
done
