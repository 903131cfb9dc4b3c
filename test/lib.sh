# lib.sh - what every *.test.sh shares (test/README.md). Source it first;
# each check calls ok or bad (or check), and t_summary prints the closing
# line that test/run.sh reads and returns non-zero when anything failed.
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: $*"
    fail=$((fail + 1))
}
check() { # description command...
    what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
# wait_for SECONDS FILE PATTERN: poll every 0.1 s until FILE holds PATTERN.
wait_for() {
    i=0
    while ! grep -q "$3" "$2" 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep -q "$3" "$2" 2>/dev/null
}
# t_need TOOL...: a script that needs a tool this machine lacks says so,
# counts nothing and ends (a test that cannot run is no failure).
t_need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 && continue
        echo "not run: $tool is not installed"
        echo "0 passed, 0 failed"
        exit 0
    done
}
t_summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
