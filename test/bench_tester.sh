#!/bin/sh
# bench_tester.sh - run ha-tester on every scenario folder below DIR once.
# usage: bench_tester.sh HAVEN DIR     (exit 1 if any run fails)
haven=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
for d in "$2"/*/; do
    [ -f "$d/cmdlist" ] || continue
    "$haven" ha-tester -q "$d" "$out" >/dev/null 2>&1 || rc=1
done
exit $rc
