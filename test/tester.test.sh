#!/bin/sh
# tester.test.sh - ha-tester on bad input: test/bad-scenarios/<case>/ each hold
# one defect, and <case>/expect says what must happen:
#   FILE     exit 2, exactly one line on stderr naming <case>/FILE, no log
#            (an unknown command word, node or service id form in the
#            cmdlist is found before the run)
#   runtime  the simulation starts and ends with the err line
#            "hardware: exit simulation - ..." (applets/sim/README.md), exit 0,
#            nothing on stderr
# Every run: no sanitizer report, no hang, and the scenario folder (a
# read-only copy) is byte for byte and stat for stat unchanged. Then the
# argument handling and OUT_DIR checks.
# usage: test/tester.test.sh HAVEN_BINARY
haven=$1
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT


# The state of a folder: names, sizes, modes, mtimes and contents.
listing() {
    find "$1" -printf '%P %s %m %T@\n' | sort
    find "$1" -type f -exec sha1sum {} + | sort
}

# run DIR OUT: ha-tester with a time bound; sets rc, errlines, $work/err.
run() {
    timeout 60 "$haven" ha-tester -q "$1" "$2" >"$work/out" 2>"$work/err"
    rc=$?
    errlines=$(wc -l <"$work/err")
}

no_sanitizer() { # what
    if grep -q -E 'Sanitizer|runtime error:' "$work/err"; then
        bad "$1: sanitizer report"
        sed 's/^/  /' "$work/err" | head -n 10
        return 1
    fi
    return 0
}

# expect_usage_error WHAT NEEDLE: exit 2 and one stderr line containing NEEDLE.
expect_usage_error() {
    if [ "$rc" -eq 2 ] && [ "$errlines" -eq 1 ] && grep -q -F -- "$2" "$work/err" &&
        no_sanitizer "$1"; then
        ok
    else
        bad "$1: rc=$rc, $errlines stderr lines, want 2 and one line with '$2'"
        sed 's/^/  /' "$work/err" | head -n 5
    fi
}

for d in test/bad-scenarios/*/; do
    name=$(basename "$d")
    want=$(cat "$d/expect")
    scn="$work/scn/$name"
    out="$work/out-$name"
    mkdir -p "$work/scn"
    cp -R "$d" "$scn"
    chmod -R a-w "$scn"
    before=$(listing "$scn")
    run "$scn" "$out"
    if [ "$want" = runtime ]; then
        if [ "$rc" -eq 0 ] && [ "$errlines" -eq 0 ] &&
            grep -q -E '^err +[0-9]+ +hardware: exit simulation - ' "$out/log" 2>/dev/null; then
            ok
        else
            bad "$name: rc=$rc, $errlines stderr lines, want 0, none and an err exit line"
            sed 's/^/  /' "$work/err" | head -n 5
        fi
    else
        expect_usage_error "$name" "$scn/$want:"
        [ ! -e "$out/log" ] || bad "$name: a log was written for an unreadable scenario"
    fi
    [ "$(listing "$scn")" = "$before" ] && ok || bad "$name: SCENARIO_DIR changed"
done

# A valid scenario leaves its (read-only) folder alone and exits 0.
good="$work/good"
cp -R test/bad-scenarios/cmd-unknown-node "$good"
printf '[["power node1 on","power node2 on","power node3 on"],["service vm:101 stopped"]]\n' \
    >"$good/cmdlist"
chmod -R a-w "$good"
before=$(listing "$good")
run "$good" "$work/good-out"
[ "$rc" -eq 0 ] && [ "$errlines" -eq 0 ] && no_sanitizer good && ok ||
    bad "valid scenario: rc=$rc, $errlines stderr lines"
grep -q 'hardware: exit simulation - done' "$work/good-out/log" && ok || bad "valid scenario: no end line"
[ "$(listing "$good")" = "$before" ] && ok || bad "valid scenario: SCENARIO_DIR changed"
# an existing OUT_DIR is reused, the old log replaced
run "$good" "$work/good-out"
[ "$rc" -eq 0 ] && [ "$(grep -c 'starting simulation' "$work/good-out/log")" -eq 1 ] && ok ||
    bad "rerun into the same OUT_DIR: rc=$rc"

# Special files where a scenario file should be: must neither block nor run away.
special="$work/special"
cp -R "$work/good" "$special"
chmod -R u+w "$special"
rm "$special/manager_status"
mkfifo "$special/manager_status"
run "$special" "$work/special-out"
expect_usage_error "FIFO as manager_status" "$special/manager_status:"
rm "$special/manager_status"
rm "$special/service_config"
ln -s /dev/zero "$special/service_config"
run "$special" "$work/special-out"
expect_usage_error "/dev/zero as scenario file" "$special/service_config:"

# Arguments.
timeout 10 "$haven" ha-tester --help >"$work/out" 2>"$work/err"
[ $? -eq 0 ] && head -n 1 "$work/out" | grep -q '^usage: ha-tester' && [ ! -s "$work/err" ] && ok ||
    bad "--help: want exit 0 and the usage on stdout"
for args in "" "$good" "$good $work/o1 extra" "-x $good $work/o1"; do
    # shellcheck disable=SC2086 # the words are the point
    timeout 10 "$haven" ha-tester $args >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q '^usage: ha-tester' "$work/err" && [ ! -e "$work/o1" ]; then
        ok
    else
        bad "arguments '$args': rc=$rc, want 2 and the usage line on stderr"
    fi
done

# SCENARIO_DIR and OUT_DIR problems are usage errors, one line each.
run "$work/no-such-dir" "$work/o2"
expect_usage_error "missing SCENARIO_DIR" "no-such-dir"
: >"$work/a-file"
run "$good" "$work/a-file"
expect_usage_error "OUT_DIR is a file" "a-file"
run "$good" "$work/a-file/sub"
expect_usage_error "OUT_DIR below a file" "a-file/sub"
run "$good" "$work/missing/parent"
expect_usage_error "OUT_DIR without parent" "missing/parent"
run "$good" "$good"
expect_usage_error "OUT_DIR = SCENARIO_DIR" "must differ"
run "$good" "$good/."
expect_usage_error "OUT_DIR = SCENARIO_DIR/." "must differ"
if [ "$(id -u)" -ne 0 ]; then # root writes anywhere
    mkdir "$work/ro-out"
    chmod a-w "$work/ro-out"
    run "$good" "$work/ro-out"
    expect_usage_error "read-only OUT_DIR" "ro-out"
fi

# Control characters from the scenario (here in crm and service commands)
# never reach the log as they are: a newline would forge a line, an ESC
# drive a terminal. The log keeps one line per message.
rm -rf "$work/ctl" "$work/ctl.out"
cp -r test/scenarios/cfs-failures "$work/ctl"
chmod -R u+w "$work/ctl"
sed -i '$ s/]$/, [ "crm node1 stop vm:101 5\\u001b[2J", "service vm:101 migrate node2\\u001b[31m" ], [ "crm node1 stop vm:101\\ninfo    999    node1\/crm: forged 5" ] ]/' "$work/ctl/cmdlist"
run "$work/ctl" "$work/ctl.out"
no_sanitizer "control characters in commands"
if [ "$rc" -eq 0 ] && [ -f "$work/ctl.out/log" ] && grep -q 'u001b\|\\x1b' "$work/ctl.out/log" &&
    ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$work/ctl.out/log" &&
    ! grep -q '^info    999' "$work/ctl.out/log"; then
    ok
else
    bad "control characters in commands reach the log (rc=$rc)"
fi

t_summary
