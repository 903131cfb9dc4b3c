#!/bin/sh
# readonly.test.sh - ha-manager's read-only commands (status, config, rules
# list|config, groupconfig) never create or change anything in the store: on
# an empty folder (maybe an unmounted mount point) they fail with one line
# and leave it empty; on a store they leave every file and folder as it was,
# also for a node that has no folder there yet.
# usage: sh test/readonly.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
st=$tmp/st

# Every path below the store with its type, size and modification time.
tree() { (cd "$st" && find . -printf '%p %y %s %T@\n' | sort); }
readonly_cmds() {
    echo "status"
    echo "status --verbose"
    echo "config"
    echo "rules list"
    echo "rules config"
    echo "groupconfig"
}

mkdir "$st"
printf 'node=node1\nstore=dir:%s\n' "$st" >"$tmp/node1.conf"
printf 'node=node9\nstore=dir:%s\n' "$st" >"$tmp/node9.conf"

readonly_cmds | while read -r cmd; do
    # shellcheck disable=SC2086 # the words of the command
    timeout 30 "$haven" ha-manager -c "$tmp/node1.conf" $cmd >"$tmp/out" 2>"$tmp/err"
    echo "$? $cmd" >>"$tmp/rcs"
    [ -z "$(ls -A "$st")" ] || echo "$cmd" >>"$tmp/wrote"
done
while read -r rc cmd; do
    [ "$rc" -eq 2 ] && ok || bad "'$cmd' on an empty folder: exit $rc, want 2"
done <"$tmp/rcs"
[ ! -s "$tmp/wrote" ] && ok || bad "read-only commands wrote into an empty folder: $(head -n 1 "$tmp/wrote")"
rm -rf "${st:?}"/* "$st"/.[!.]* 2>/dev/null
"$haven" ha-manager -c "$tmp/node1.conf" status >"$tmp/out" 2>"$tmp/err"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^ha-manager: $st is empty" "$tmp/err" && ok ||
    bad "empty folder: not one clear line: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] && ok || bad "empty folder: printed on stdout"

# A store made by a changing command; then node9, which never ran, reads it.
rm -rf "${st:?}"/* "$st"/.[!.]* 2>/dev/null
"$haven" ha-manager -c "$tmp/node1.conf" add vm:100 --state stopped >/dev/null 2>"$tmp/err" ||
    bad "add on an empty folder failed: $(cat "$tmp/err")"
[ -f "$st/haven-store" ] && ok || bad "a changing command did not make the folder a store"
tree >"$tmp/before"
readonly_cmds | while read -r cmd; do
    for n in node9 node1; do
        # shellcheck disable=SC2086
        "$haven" ha-manager -c "$tmp/$n.conf" $cmd >/dev/null 2>&1
    done
done
tree >"$tmp/after"
for n in node9 node1; do
    "$haven" ha-manager -c "$tmp/$n.conf" config >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^vm:100" "$tmp/out" && ok || bad "config on $n: $(cat "$tmp/err")"
    "$haven" ha-manager -c "$tmp/$n.conf" status >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^quorum OK" "$tmp/out" && ok || bad "status on $n: $(cat "$tmp/err")"
done
if cmp -s "$tmp/before" "$tmp/after"; then ok; else
    bad "read-only commands changed the store"
    diff "$tmp/before" "$tmp/after" | head -n 10
fi

t_summary
