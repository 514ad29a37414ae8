#!/bin/sh
# Seeds the parse_check corpus with the project's plans: the reference
# plans, the diagnostics corpus and the diff examples. Run from anywhere;
# libFuzzer mutates these into the inputs it tries.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus/parse_check"
mkdir -p "$corpus"
for plan in "$root"/plans/*.plan "$root"/tests/diagnostics/*.plan "$root"/tests/diff/*.plan; do
    [ -f "$plan" ] || continue
    dir=$(basename "$(dirname "$plan")")
    cp "$plan" "$corpus/$dir-$(basename "$plan")"
done
echo "seeded $(ls "$corpus" | wc -l) files in $corpus"
