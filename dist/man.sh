#!/bin/sh
# man.sh - the man page of an applet, made from the --help text the applet
# prints, so that page and help never disagree: NAME from the first line
# after the usage, SYNOPSIS the usage lines, DESCRIPTION the whole text as
# printed (not refilled: it is laid out for a terminal already), and for
# ha-manager its 'help' (every command) as COMMANDS.
# usage: sh dist/man.sh HAVEN_BINARY APPLET SECTION VERSION >PAGE
#   APPLET may be "haven" for the multicall binary itself.
set -eu
haven=$1 applet=$2 section=$3 version=$4
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

if [ "$applet" = haven ]; then
    "$haven" --help >"$tmp"
else
    "$haven" "$applet" --help >"$tmp"
fi

# roff-safe text: backslashes and hyphens escaped, a leading dot or quote
# neutralised (it would be a request)
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
# the usage lines: the first, without "usage: ", and those indented under it
usage() { awk 'NR == 1 { sub(/^usage: /, ""); print; next } /^[ \t]/ { print; next } { exit }' "$tmp"; }
# the text after them
body() { awk 'NR == 1 || (/^[ \t]/ && !more) { next } { more = 1; print }' "$tmp"; }
# what the applet is: its first line up to the first ':', '(' or '.' (after
# a leading "haven: ")
summary() { body | head -n 1 | sed -e "s/^$applet: //" -e 's/[:(.].*//' -e 's/ *$//'; }

upper=$(printf '%s' "$applet" | tr 'a-z' 'A-Z')
printf '.TH %s %s "" "haven %s" "haven manual"\n' "$upper" "$section" "$version"
printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$applet" | esc)" "$(summary | esc)"
printf '.SH SYNOPSIS\n.nf\n'
usage | esc
printf '.fi\n.SH DESCRIPTION\n.nf\n'
body | esc
printf '.fi\n'
if [ "$applet" = ha-manager ]; then
    printf '.SH COMMANDS\n.nf\n'
    "$haven" ha-manager help | esc
    printf '.fi\n'
fi
printf '.SH SEE ALSO\n'
for page in haven.1 ha-crm.8 ha-lrm.8 ha-watchdog.8 ha-manager.8 ha-tester.1 ha-sim.1; do
    [ "$page" = "$applet.$section" ] && continue
    printf '.BR %s (%s)\n' "$(printf '%s' "${page%.*}" | esc)" "${page##*.}"
done | sed '$!s/$/ ,/'
printf 'and the README of haven.\n'
