#!/bin/sh
# rules.test.sh - 'ha-tester --rules-check FILE' (upstream's rules_cfgs test
# output) on test/rules/*.cfg, compared byte for byte with
# FILE.expect; then the error cases of the option.
# usage: test/rules.test.sh HAVEN_BINARY
# Upstream's 12 cases: RULES_CFGS=/path/to/rules_cfgs sh test/rules.test.sh BIN
haven=$1
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for f in test/rules/*.cfg ${RULES_CFGS:+"$RULES_CFGS"/*.cfg}; do
    [ -f "$f" ] || continue
    if timeout 30 "$haven" ha-tester --rules-check "$f" >"$work/out" 2>"$work/err" &&
        [ ! -s "$work/err" ] && cmp -s "$f.expect" "$work/out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $f"
        diff "$f.expect" "$work/out" | head -n 10
        head -n 5 "$work/err"
    fi
done

# expect_error WHAT ARGS...: exit 2, one stderr line, nothing on stdout.
expect_error() {
    what=$1
    shift
    timeout 10 "$haven" ha-tester "$@" >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && ! grep -q -E 'Sanitizer|runtime error:' "$work/err" &&
        { [ "$(wc -l <"$work/err")" -eq 1 ] || [ "$what" = usage ]; }; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: --rules-check $what: rc=$rc"
        head -n 5 "$work/err"
    fi
}
expect_error "missing file" --rules-check "$work/no-such.cfg"
expect_error "directory" --rules-check "$work"
printf 'node-affinity: a\n\tresources vm:1\n\tnodes node1\0\n' >"$work/nul.cfg"
expect_error "NUL byte" --rules-check "$work/nul.cfg"
nl="$work/a
info forged line$(printf '\033')[2J"
expect_error "newline and ESC in the path (one escaped line)" --rules-check "$nl"
LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$work/err" &&
    { fail=$((fail + 1)); echo "FAIL: a control character of the path was printed"; } || pass=$((pass + 1))
expect_error usage --rules-check
expect_error usage --rules-check a.cfg b.cfg

# Garbage is not an error: unparsable sections are skipped, the dump is empty.
printf 'this is not\n  a rules file\n' >"$work/garbage.cfg"
if timeout 10 "$haven" ha-tester --rules-check "$work/garbage.cfg" >"$work/out" 2>"$work/err" &&
    grep -q '^--- Compiled Config ---$' "$work/out"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: --rules-check on garbage text"
fi

t_summary
