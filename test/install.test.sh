#!/bin/sh
# install.test.sh - `make install DESTDIR=...`: the tree (binary, one link and
# one man page per applet, agents, systemd units, OpenRC scripts, the example
# configuration), the units checked by systemd-analyze verify, the pages by
# groff's warnings, each page holding its applet's --help text, and the
# example configuration accepted by the applets. A missing tool is said and
# its checks are not counted.
# usage: sh test/install.test.sh HAVEN_BINARY   (run from the source tree)
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

note() { echo "note: $*" >&2; }

if ! make -s install DESTDIR="$root" >"$tmp/make.log" 2>&1; then
    bad "make install failed: $(tail -n 3 "$tmp/make.log")"
    echo "$pass passed, $fail failed"
    exit 1
fi
sbin=$root/usr/sbin
haven=$sbin/haven
[ -x "$haven" ] && ok || bad "no $haven"

# one link per applet, and a man page for each
for a in $("$haven" --list); do
    [ "$(readlink "$sbin/$a")" = haven ] && ok || bad "$a: no link to haven in sbin"
    [ -f "$root/usr/share/man/man1/$a.1" ] || [ -f "$root/usr/share/man/man8/$a.8" ] && ok ||
        bad "$a: no man page"
done
for f in usr/libexec/haven/agents/daemon usr/libexec/haven/agents/vm usr/libexec/haven/agents/ct; do
    [ -x "$root/$f" ] && ok || bad "no agent $f"
done
for f in usr/libexec/haven/notify/log usr/libexec/haven/notify/mail; do
    [ -x "$root/$f" ] && sh -n "$root/$f" && ok || bad "no example hook $f"
done
[ -f "$root/etc/haven/haven.conf.example" ] && [ ! -e "$root/etc/haven/haven.conf" ] && ok ||
    bad "haven.conf.example missing, or a haven.conf installed"
for s in ha-watchdog ha-crm ha-lrm; do
    [ -f "$root/usr/lib/systemd/system/$s.service" ] && ok || bad "no unit $s.service"
    rc=$(find "$root" -path "*/openrc/$s" -o -path "*/init.d/$s" | head -n 1)
    [ -n "$rc" ] && [ -x "$rc" ] && sh -n "$rc" && ok || bad "no OpenRC script $s (or not sh)"
done

# the example configuration is accepted: ha-manager then fails only on the
# store (an empty folder), not on the file
mkdir "$tmp/store"
sed "s|^store=.*|store=dir:$tmp/store|" "$root/etc/haven/haven.conf.example" >"$tmp/haven.conf"
"$haven" ha-manager -c "$tmp/haven.conf" status >/dev/null 2>"$tmp/err"
grep -q "is empty - not a haven store yet" "$tmp/err" && ok ||
    bad "haven.conf.example not accepted: $(cat "$tmp/err")"

# The units, verified with their commands in the installed tree.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir "$tmp/units"
    for s in ha-watchdog ha-crm ha-lrm; do
        sed "s|/usr/sbin/|$sbin/|g" "$root/usr/lib/systemd/system/$s.service" >"$tmp/units/$s.service"
    done
    systemd-analyze verify --man=no --generators=no "$tmp"/units/*.service >"$tmp/verify" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify" ] && ok ||
        bad "systemd-analyze verify: exit $rc: $(head -n 3 "$tmp/verify")"
    grep -q '^OOMScoreAdjust=-1000$' "$tmp/units/ha-watchdog.service" &&
        grep -q '^Restart=no$' "$tmp/units/ha-watchdog.service" && ok ||
        bad "ha-watchdog.service: no OOMScoreAdjust or automatic restarts"
    for s in ha-crm ha-lrm; do
        grep -q '^After=ha-watchdog.service' "$tmp/units/$s.service" && ok ||
            bad "$s.service does not start after ha-watchdog"
    done
else
    note "systemd-analyze not found: the units are not verified"
fi

# The pages: no groff warning, and each holds its applet's help text.
if command -v groff >/dev/null 2>&1; then
    cd "$root/usr/share/man" || exit 1
    for page in man1/*.1 man8/*.8; do
        groff -man -ww -z "$page" >"$tmp/warn" 2>&1 && [ ! -s "$tmp/warn" ] && ok ||
            bad "groff warns on $page: $(head -n 2 "$tmp/warn")"
    done
    for a in $("$haven" --list) haven; do
        page=$(ls man1/"$a".1 man8/"$a".8 2>/dev/null | head -n 1)
        [ -n "$page" ] || continue
        groff -man -Tascii -P-cbou "$page" 2>/dev/null | tr -s ' \t' ' ' | sed 's/^ //' >"$tmp/page"
        if [ "$a" = haven ]; then "$haven" --help; else "$haven" "$a" --help; fi |
            sed '1s/^usage: //' | tr -s ' \t' ' ' | sed 's/^ //' | grep -v '^$' >"$tmp/help"
        missing=$(grep -v -x -F -f "$tmp/page" "$tmp/help" | head -n 1)
        [ -z "$missing" ] && ok || bad "$page lacks a line of '$a --help': $missing"
        ! grep -q -e 'ha-stack\.md' -e 'simulator\.md' "$tmp/page" && ok || bad "$page cites a spec"
    done
    cd - >/dev/null || exit 1
else
    note "groff not found: the man pages are not checked"
fi

t_summary
