#!/bin/sh
# notify-hook.sh - the recording notification hook of test/events.test.sh:
# one line per call in <its folder>/events, "event|node|sid|from|to|host|
# daemon|time|<number of arguments>|<HOME or unset>|<the JSON line from stdin>". <its folder>/hook-mode says how it
# ends after recording: "hang" (sleeps), "fail" (exit 3), else exit 0.
dir=$(dirname "$0")
json=$(head -c 4096)
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$HAVEN_EVENT" "$HAVEN_NODE" "$HAVEN_SID" \
    "$HAVEN_FROM" "$HAVEN_TO" "$HAVEN_HOST" "$HAVEN_DAEMON" "$HAVEN_TIME" "$#" "${HOME-unset}" \
    "$json" >>"$dir/events"
case $(cat "$dir/hook-mode" 2>/dev/null) in
hang) exec sleep 1000 ;;
fail) exit 3 ;;
esac
exit 0
