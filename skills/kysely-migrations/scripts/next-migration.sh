#!/bin/sh
# Lists existing migrations and prints the next free number.
dir="${1:-db/migrations}"
if [ ! -d "$dir" ]; then echo "no migrations folder at $dir (pass the folder as the first argument)"; exit 1; fi
ls "$dir" | grep -E '^[0-9]+_' | sort
last=$(ls "$dir" | grep -E '^[0-9]+_' | sort | tail -1 | sed -E 's/^([0-9]+)_.*/\1/')
next=$(printf '%04d' $(( $(echo "${last:-0}" | sed 's/^0*//;s/^$/0/') + 1 )))
echo "next: ${next}_<name>.ts"
