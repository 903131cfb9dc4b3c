#!/bin/sh
# dispatch.test.sh - the multicall dispatcher: names, symlinks, help, exit codes.
# usage: sh test/dispatch.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_rc() { # want-rc description command...
    want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want"; fi
}

expect_rc 0 "--list" "$haven" --list
for a in ha-crm ha-lrm ha-watchdog watchdog-mux ha-manager ha-tester ha-sim; do
    grep -qx "$a" "$tmp/out" && ok || bad "--list lacks $a"
done
expect_rc 0 "--version" "$haven" --version
grep -q '^haven [0-9]' "$tmp/out" && ok || bad "--version prints no version"
expect_rc 0 "--help" "$haven" --help
expect_rc 2 "no arguments" "$haven"
expect_rc 127 "unknown applet" "$haven" no-such-applet
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "unknown applet: not one line of error"
for a in $("$haven" --list); do
    expect_rc 0 "$a --help" "$haven" "$a" --help
    head -n 1 "$tmp/out" | grep -q "^usage: " && ok || bad "$a --help: no usage line"
    # a help text cites no document: none is installed with the binary
    if grep -qE '[A-Za-z0-9_]\.md([^A-Za-z0-9]|$)' "$tmp/out"; then
        bad "$a --help cites a document"
    else
        ok
    fi
    ln -sf "$haven" "$tmp/$a"
    expect_rc 0 "symlink $a --help" "$tmp/$a" --help
done
# --help prints the applet's text file of applets/help/ byte for byte (the
# binary holds them compressed and expands them when printed).
root=$(dirname "$0")/..
conf=$(sed -n 's/^#define CONF_DEFAULT_PATH "\(.*\)"$/\1/p' "$root/applets/conf.h")
for a in ha-crm ha-lrm ha-manager ha-sim ha-tester ha-watchdog; do
    sed "s|@CONF_DEFAULT_PATH@|$conf|g" "$root/applets/help/$a.txt" >"$tmp/want"
    "$haven" "$a" --help >"$tmp/out" 2>&1
    cmp -s "$tmp/want" "$tmp/out" && ok || bad "$a --help differs from applets/help/$a.txt"
done
"$haven" --help | head -n "$(wc -l <"$root/applets/help/haven.txt")" >"$tmp/out"
cmp -s "$root/applets/help/haven.txt" "$tmp/out" && ok || bad "haven --help differs from applets/help/haven.txt"
"$haven" watchdog-mux --help | cmp -s - "$root/applets/help/ha-watchdog.txt" && ok ||
    bad "watchdog-mux --help is not ha-watchdog's"
# An applet called through its symlink runs that applet, not the multiplexer.
"$tmp/ha-tester" >/dev/null 2>&1
rc=$?
[ "$rc" -ne 127 ] && [ "$rc" -ne 0 ] && ok || bad "ha-tester symlink without args: exit $rc"

# The shipped binary (make builds it before check): static, stripped and,
# TLS included, under 512 KiB. HAVEN_SHIPPED names another one.
shipped=${HAVEN_SHIPPED:-$(dirname "$0")/../build/haven}
if [ ! -f "$shipped" ]; then
    bad "$shipped is missing (make build/haven)"
else
    size=$(stat -c %s "$shipped")
    [ "$size" -lt 524288 ] && ok || bad "$shipped is $size bytes, want under 512 KiB (524288)"
    info=$(file -b "$shipped")
    case $info in *"statically linked"*", stripped"*) ok ;; *) bad "$shipped is not static and stripped: $info" ;; esac
    strings "$shipped" | grep -q 'https endpoints need etcd_cacert' && ok ||
        bad "$shipped has no TLS (etcd_cacert text missing)"
    # Its sscanf is applets/sscanf_lg.c (cJSON's "%lg" read-back of each
    # number it prints): numbers that need 15 and 17 digits and exponents
    # come out as from the libc build.
    cp -r "$(dirname "$0")/scenarios/crs-static" "$tmp/frac"
    printf '{ "vm:101": { "maxcpu": 3.1415926535897931, "maxmem": 123456789.12345679 },\n%s\n' \
        '"vm:102": { "maxcpu": 0.25, "maxmem": 1.5e-7 } }' >"$tmp/frac/static_service_stats"
    "$shipped" ha-tester -q "$tmp/frac" "$tmp/frac-shipped" >/dev/null 2>&1
    "$haven" ha-tester -q "$tmp/frac" "$tmp/frac-libc" >/dev/null 2>&1
    grep -q '3.1415926535897931' "$tmp/frac-shipped/static_service_stats" &&
        cmp -s "$tmp/frac-shipped/static_service_stats" "$tmp/frac-libc/static_service_stats" && ok ||
        bad "$shipped prints numbers unlike the libc build"
fi

t_summary
