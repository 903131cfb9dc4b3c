#!/bin/sh
# cli.test.sh - ha-manager on a store folder prepared here: golden
# status/--verbose/config output from fixed store contents
# (TZ=UTC, timestamps relative to now), JSON output, every subcommand, bad
# input (upstream error, <= 4 lines, exit 2 usage / 1 runtime, store
# unchanged), 8 concurrent writers losing no edit.
# usage: sh test/cli.test.sh HAVEN_BINARY
haven=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
st=$tmp/st
conf=$tmp/haven.conf
export TZ=UTC LC_ALL=C

hm() { timeout 60 "$haven" ha-manager -c "$conf" "$@"; }
run() { hm "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
expect_rc() { # want description
    if [ "$rc" -eq "$1" ]; then ok; else bad "$2: exit $rc, want $1 ($(head -n 3 "$tmp/err"))"; fi
}
expect_out() { # description expected-file
    if cmp -s "$2" "$tmp/out"; then ok; else
        bad "$1: output differs"
        diff -u "$2" "$tmp/out" | head -n 30
    fi
}
# The store's config and state files (locks excluded: taking domain-ha
# advances its generation even when the command then fails).
snap() { (cd "$st" && find ha nodes datacenter.cfg -type f 2>/dev/null | sort | xargs md5sum); }
spool() { # the queued command lines, in order; then empty the spool
    for f in $(ls "$st/ha/crm_commands.d"); do cat "$st/ha/crm_commands.d/$f"; done
    rm -f "$st/ha/crm_commands.d/"*
}
bad_input() { # want-rc stderr-text args...
    want=$1 text=$2
    shift 2
    snap >"$tmp/before"
    run "$@"
    snap >"$tmp/after"
    expect_rc "$want" "$*"
    grep -qF -- "$text" "$tmp/err" && ok || bad "$*: stderr lacks '$text': $(head -n 3 "$tmp/err")"
    # upstream's message, for a 400 error a blank line and the usage line
    [ "$(wc -l <"$tmp/err")" -le 4 ] && ok || bad "$*: more than 4 lines on stderr"
    [ ! -s "$tmp/out" ] && ok || bad "$*: printed on stdout"
    cmp -s "$tmp/before" "$tmp/after" && ok || bad "$*: the store changed"
}
err_is() { # the exact stderr of the last run, one argument a line
    printf '%s\n' "$@" >"$tmp/want_err"
    cmp -s "$tmp/want_err" "$tmp/err" && ok || bad "stderr: $(cat "$tmp/err"), want: $(cat "$tmp/want_err")"
}
tm() { date -u -d "@$1" '+%a %b %e %H:%M:%S %Y'; }
has_python=false
command -v python3 >/dev/null 2>&1 && has_python=true
json_keys() { # file python-expression-printing-something
    if $has_python; then python3 -c "import json,sys; d=json.load(open('$1')); $2"; else echo skip; fi
}

mkdir "$st"
printf 'node=node1\nstore=dir:%s\n' "$st" >"$conf"

# ---- a fresh store, no daemon ----
# a read-only command leaves an empty folder empty (test/readonly.test.sh);
# the first changing one makes it a store
run status
expect_rc 2 "status on an empty folder"
[ -z "$(ls -A "$st")" ] && ok || bad "status wrote into an empty folder"
run crm-command arm-ha
expect_rc 0 "the first changing command"
rm -f "$st/ha/crm_commands.d/"*
run status
expect_rc 0 "status on a fresh store"
printf 'quorum OK\nfencing standby (CRM watchdog standby)\n' >"$tmp/want"
expect_out "fresh status" "$tmp/want"
[ -f "$st/haven-store" ] && ok || bad "a changing command did not initialise the store"

# ---- fixed store contents ----
now=$(date +%s)
mts=$((now - 5)) t1=$((now - 1)) t2=$((now - 2)) t3=$((now - 100))
mkdir -p "$st/nodes/node2/resources" "$st/nodes/node3/resources"
cat >"$st/ha/manager_status" <<EOF
{"master_node":"node1","timestamp":$mts,"node_status":{"node1":"online","node2":"online","node3":"maintenance","node4":"unknown"},"service_status":{"vm:100":{"state":"started","node":"node1","uid":"a","running":1},"vm:101":{"state":"started","node":"node1","uid":"b"},"vm:102":{"state":"stopped","node":"node2","uid":"c"},"vm:103":{"state":"error","node":"node1","uid":"d"},"ct:200":{"state":"migrate","node":"node1","target":"node2","uid":"e"},"vm:999":{"state":"started","node":"node1","uid":"f","running":1}}}
EOF
printf '{"state":"active","mode":"active","results":{},"timestamp":%d}' $t1 >"$st/nodes/node1/lrm_status"
printf '{"state":"wait_for_agent_lock","mode":"active","results":{},"timestamp":%d}' $t2 \
    >"$st/nodes/node2/lrm_status"
printf '{"state":"wait_for_agent_lock","mode":"maintenance","results":{},"timestamp":%d}' $t3 \
    >"$st/nodes/node3/lrm_status"
printf 'ct: 200\n\tcomment a container\n\nvm: 100\n\tmax_restart 2\n\nvm: 101\n\nvm: 102\n\tstate disabled\n\nvm: 103\n\nvm: 104\n\tfailback 0\n\nvm: 105\n\tstate ignored\n\nvm: 106\n' \
    >"$st/ha/resources.cfg"
for s in ct:200 vm:100 vm:101 vm:103 vm:105; do : >"$st/nodes/node1/resources/$s"; done
for s in vm:102 vm:104; do : >"$st/nodes/node2/resources/$s"; done
printf 'keyboard: en-us\ncrs: ha=static\n' >"$st/datacenter.cfg"
for n in node2 node3; do printf '0123456789abcdef0123456789abcdef 1 %d\n' "$now" >"$st/nodes/$n/heartbeat.crm"; done

cat >"$tmp/status" <<EOF
quorum OK
master node1 (active, $(tm $mts)) - static load CRS
fencing armed (CRM watchdog active)
lrm node1 (active, watchdog active, $(tm $t1))
lrm node2 (wait_for_agent_lock, watchdog standby, $(tm $t2))
lrm node3 (maintenance mode, watchdog standby, $(tm $t3))
lrm node4 (unable to read lrm status)
service ct:200 (node1, migrate)
service vm:100 (node1, started)
service vm:101 (node1, starting)
service vm:102 (node2, disabled)
service vm:103 (node1, error)
service vm:999 (node1, deleting)
service vm:104 (node2, queued)
service vm:105 (node1, ignored)
service vm:106 (---, not found)
EOF
run status
expect_rc 0 "status"
expect_out "golden status" "$tmp/status"

# node2 is not idle: ct:200 migrates to it (Tools count_active_services
# counts a service on its node and on its target); node4 has no lrm_status
# file, so --verbose shows read_lrm_status's {"mode":"unknown"}.
cp "$tmp/status" "$tmp/verbose"
cat >>"$tmp/verbose" <<EOF
full cluster state:
{
   "lrm_status" : {
      "node1" : {
         "mode" : "active",
         "results" : {},
         "state" : "active",
         "timestamp" : $t1
      },
      "node2" : {
         "mode" : "active",
         "results" : {},
         "state" : "wait_for_agent_lock",
         "timestamp" : $t2
      },
      "node3" : {
         "mode" : "maintenance",
         "results" : {},
         "state" : "wait_for_agent_lock",
         "timestamp" : $t3
      },
      "node4" : {
         "mode" : "unknown"
      }
   },
   "manager_status" : {
      "master_node" : "node1",
      "node_status" : {
         "node1" : "online",
         "node2" : "online",
         "node3" : "maintenance",
         "node4" : "unknown"
      },
      "service_status" : {
         "ct:200" : {
            "node" : "node1",
            "state" : "migrate",
            "target" : "node2",
            "uid" : "e"
         },
         "vm:100" : {
            "node" : "node1",
            "running" : 1,
            "state" : "started",
            "uid" : "a"
         },
         "vm:101" : {
            "node" : "node1",
            "state" : "started",
            "uid" : "b"
         },
         "vm:102" : {
            "node" : "node2",
            "state" : "stopped",
            "uid" : "c"
         },
         "vm:103" : {
            "node" : "node1",
            "state" : "error",
            "uid" : "d"
         },
         "vm:999" : {
            "node" : "node1",
            "running" : 1,
            "state" : "started",
            "uid" : "f"
         }
      },
      "timestamp" : $mts
   },
   "quorum" : {
      "node" : "node1",
      "quorate" : 1
   }
}
EOF
run status --verbose
expect_rc 0 "status --verbose"
expect_out "golden status --verbose" "$tmp/verbose"
run status --verb=1 --output-format json
expect_rc 0 "status --verbose json"
if $has_python; then
    python3 -c "import json; d=json.load(open('$tmp/out')); assert sorted(d)==['lrm_status','manager_status','quorum'] and d['quorum']['quorate']==1" &&
        ok || bad "status --verbose json: wrong object"
fi

# JSON status: parses, one entry per text line, the stable key set.
run status --output-format json
expect_rc 0 "status json"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok || bad "status json is not compact"
if $has_python; then
    cp "$tmp/out" "$tmp/status.json"
    python3 - "$tmp/status.json" "$tmp/status" <<'EOF' && ok || bad "status json: entries or keys wrong"
import json, sys
d = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert [e["type"] + " " + e["status"] for e in d] == lines, "text mismatch"
want = {
    "quorum": {"id", "type", "node", "status", "quorate"},
    "master": {"id", "type", "node", "status", "timestamp"},
    "fencing": {"id", "type", "node", "status", "armed-state"},
    "lrm:node1": {"id", "type", "node", "status", "timestamp"},
    "lrm:node4": {"id", "type", "node", "status"},
    "service:vm:100": {"id", "type", "node", "status", "sid", "state", "crm_state",
                       "request_state", "max_restart", "max_relocate", "failback"},
    "service:ct:200": {"id", "type", "node", "status", "sid", "state", "crm_state",
                       "request_state", "max_restart", "max_relocate", "failback", "comment"},
    "service:vm:999": {"id", "type", "node", "status", "sid", "state", "crm_state"},
    "service:vm:106": {"id", "type", "status", "sid", "state", "request_state",
                       "max_restart", "max_relocate", "failback"},
}
byid = {e["id"]: e for e in d}
for k, keys in want.items():
    assert set(byid[k]) == keys, (k, sorted(byid[k]))
s = byid["service:vm:100"]
assert s["max_restart"] == 2 and s["failback"] == 1 and s["crm_state"] == "started"
assert byid["quorum"]["quorate"] == 1 and byid["fencing"]["armed-state"] == "armed"
EOF
fi
run status --output-format json-pretty
expect_rc 0 "status json-pretty"
head -n 2 "$tmp/out" | tail -n 1 | grep -q '^   {$' && ok || bad "status json-pretty layout"

# request_start is not counted as active (count_active_services): the LRM
# waiting for its lock is idle.
mkdir "$tmp/st5"
printf 'node=node1\nstore=dir:%s\n' "$tmp/st5" >"$tmp/c5.conf"
# status only reads: the first changing command makes the folder a store
"$haven" ha-manager -c "$tmp/c5.conf" crm-command arm-ha >/dev/null 2>&1
rm -f "$tmp/st5/ha/crm_commands.d/"*
printf '{"master_node":"node1","timestamp":%d,"node_status":{"node1":"online"},"service_status":{"vm:100":{"state":"request_start","node":"node1","uid":"a"}}}' $mts \
    >"$tmp/st5/ha/manager_status"
printf '{"state":"wait_for_agent_lock","mode":"active","results":{},"timestamp":%d}' $t1 >"$tmp/st5/nodes/node1/lrm_status"
"$haven" ha-manager -c "$tmp/c5.conf" status >"$tmp/out" 2>"$tmp/err"
grep -qx "lrm node1 (idle, watchdog standby, $(tm $t1))" "$tmp/out" && ok ||
    bad "request_start counted as active: $(grep lrm "$tmp/out")"

# A stale master, disarmed in ignore mode; no configured service -> idle.
mkdir "$tmp/st2"
printf 'node=node1\nstore=dir:%s\n' "$tmp/st2" >"$tmp/c2.conf"
"$haven" ha-manager -c "$tmp/c2.conf" crm-command arm-ha >/dev/null 2>&1 # makes it a store
rm -f "$tmp/st2/ha/crm_commands.d/"*
old=$((now - 300))
printf '{"master_node":"node2","timestamp":%d,"node_status":{},"service_status":{"vm:100":{"state":"started","node":"node2","uid":"a","running":1}},"disarm":{"mode":"ignore","state":"disarmed"}}' $old \
    >"$tmp/st2/ha/manager_status"
cat >"$tmp/want" <<EOF
quorum OK
master node2 (idle, $(tm $old)) - disarmed, resource mode: ignore
fencing disarmed, resource mode: ignore (CRM watchdog released)
service vm:100 (node2, ignore)
EOF
"$haven" ha-manager -c "$tmp/c2.conf" status >"$tmp/out" 2>"$tmp/err"
expect_out "status of a stale, disarmed master" "$tmp/want"

# The same as JSON (a golden file: the key set holds without python too).
printf 'vm: 100\n\tcomment x\n' >"$tmp/st2/ha/resources.cfg"
cat >"$tmp/want" <<EOF
[
   {
      "id" : "quorum",
      "node" : "node1",
      "quorate" : 1,
      "status" : "OK",
      "type" : "quorum"
   },
   {
      "id" : "master",
      "node" : "node2",
      "status" : "node2 (old timestamp - dead?, $(tm $old)) - disarmed, resource mode: ignore",
      "timestamp" : $old,
      "type" : "master"
   },
   {
      "armed-state" : "disarmed",
      "id" : "fencing",
      "node" : "node2",
      "resource_mode" : "ignore",
      "status" : "disarmed, resource mode: ignore (CRM watchdog released)",
      "type" : "fencing"
   },
   {
      "comment" : "x",
      "crm_state" : "started",
      "failback" : 1,
      "id" : "service:vm:100",
      "max_relocate" : 1,
      "max_restart" : 1,
      "node" : "node2",
      "request_state" : "started",
      "sid" : "vm:100",
      "state" : "ignore",
      "status" : "vm:100 (node2, ignore)",
      "type" : "service"
   }
]
EOF
"$haven" ha-manager -c "$tmp/c2.conf" status --output-format json-pretty >"$tmp/out" 2>"$tmp/err"
expect_out "golden status json-pretty" "$tmp/want"
printf '[{"comment":"x","digest":"ea52bffe4754e853e8d25525b6ee6e491e824693","sid":"vm:100","type":"vm"}]\n' >"$tmp/want"
"$haven" ha-manager -c "$tmp/c2.conf" config --output-format json >"$tmp/out" 2>"$tmp/err"
expect_out "golden config json" "$tmp/want"

# ---- command words (upstream's CLIHandler resolve_cmd and handle_cmd) ----
# A unique prefix stands for its command, at every level.
run st
expect_rc 0 "st is status"
run status
cp "$tmp/out" "$tmp/want"
run st
expect_out "st prints status" "$tmp/want"
# Words that end at a group: "incomplete command" and its commands, in
# print_usage_short's order (groups, then by handler class and name).
run crm-command node-maintenance
expect_rc 2 "incomplete command"
cat >"$tmp/want" <<'EOF'
ERROR: incomplete command 'ha-manager crm-command node-maintenance'
USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]

       ha-manager crm-command node-maintenance disable <node>
       ha-manager crm-command node-maintenance enable <node>
EOF
cmp -s "$tmp/want" "$tmp/err" && ok || bad "incomplete command text: $(cat "$tmp/err")"
run crm
cat >"$tmp/want" <<'EOF'
ERROR: incomplete command 'ha-manager crm-command'
USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]

       ha-manager crm-command node-maintenance disable <node>
       ha-manager crm-command node-maintenance enable <node>
       ha-manager crm-command migrate <sid> <node>
       ha-manager crm-command relocate <sid> <node>
       ha-manager crm-command arm-ha 
       ha-manager crm-command disarm-ha <resource-mode>
       ha-manager crm-command stop <sid> <timeout>
EOF
cmp -s "$tmp/want" "$tmp/err" && ok || bad "incomplete crm-command: $(cat "$tmp/err")"
# A prefix of several commands is incomplete too (haven lists those it may
# mean); an alias is taken only as it is written.
run g
expect_rc 2 "an ambiguous prefix"
cat >"$tmp/want" <<'EOF'
ERROR: incomplete command 'ha-manager g'
USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]

       ha-manager groupadd <group> --nodes <string> [OPTIONS]
       ha-manager groupconfig  [FORMAT_OPTIONS]
       ha-manager groupremove <group>
       ha-manager groupset <group> [OPTIONS]
EOF
cmp -s "$tmp/want" "$tmp/err" && ok || bad "ambiguous prefix text: $(cat "$tmp/err")"
bad_input 2 "ERROR: unknown command 'ha-manager mig'" mig vm:100 node2
# help: the full usage by default, the short one with --verbose 0; an
# unknown command is an error (CLIHandler help and generate_usage_str).
run help status
cat >"$tmp/want" <<'EOF'
USAGE: ha-manager status  [OPTIONS] [FORMAT_OPTIONS]

  Show the status of the HA stack: quorum, master, fencing, LRMs and
  resources.

  --verbose  <boolean>   (default=0)
             Also print the complete CRM and LRM status (JSON).

  --watch    <integer> (0 - 3600)   (default=2)
             Redraw the status every N seconds (1 to 3600; --watch alone:
             2) until interrupted; the screen is cleared only on a
             terminal.


EOF
expect_out "help status" "$tmp/want"
run help crm-command node-m --verbose 0
printf 'USAGE: ha-manager crm-command node-maintenance disable <node>\n       ha-manager crm-command node-maintenance enable <node>\n\n' >"$tmp/want"
expect_out "help of a group, short" "$tmp/want"
run help migrate --verbose 0
printf 'USAGE: ha-manager crm-command migrate <sid> <node>\n\n' >"$tmp/want"
expect_out "help of an alias" "$tmp/want"
run help --verbose 0
expect_rc 0 "help --verbose 0"
[ "$(grep -c '^       ha-manager ' "$tmp/out")" -eq 21 ] && head -n 1 "$tmp/out" | grep -qx 'USAGE: ha-manager add <sid> \[OPTIONS\]' &&
    ok || bad "help --verbose 0 lists every command: $(head -n 3 "$tmp/out")"
run help
expect_rc 0 "help"
[ "$(grep -c '^USAGE: ha-manager ' "$tmp/out")" -eq 22 ] && grep -q '^  --max_relocate <integer> (0 - 1000000)   (default=1)$' "$tmp/out" &&
    ok || bad "help describes every command"
bad_input 2 "ERROR: unknown command 'foo'" help foo
# A 400 error ends with the command's usage line (RESTHandler cli_handler).
bad_input 2 "400 not enough arguments" add
printf '400 not enough arguments\nha-manager add <sid> [OPTIONS]\n' >"$tmp/want"
cmp -s "$tmp/want" "$tmp/err" && ok || bad "usage after a 400 error: $(cat "$tmp/err")"
# The words may be abbreviated for a command that changes something too.
spool >/dev/null
run crm node-m en node2
expect_rc 0 "an abbreviated crm-command"
printf 'enable-node-maintenance node2\n' >"$tmp/want"
spool >"$tmp/out"
expect_out "an abbreviated crm-command queues its line" "$tmp/want"

# ---- config ----
cat >"$tmp/want" <<'EOF'
ct:200
	comment a container

vm:100
	max_restart 2

vm:101

vm:102
	state disabled

vm:103

vm:104
	failback 0

vm:105
	state ignored

vm:106

EOF
run config
expect_rc 0 "config"
expect_out "golden config" "$tmp/want"
run config --type ct
printf 'ct:200\n\tcomment a container\n\n' >"$tmp/want"
expect_out "config --type ct" "$tmp/want"
run config --output-format json
expect_rc 0 "config json"
if $has_python; then
    python3 - "$tmp/out" <<'EOF' && ok || bad "config json: wrong objects"
import json, sys
d = json.load(open(sys.argv[1]))
assert [o["sid"] for o in d] == ["ct:200", "vm:100", "vm:101", "vm:102", "vm:103", "vm:104", "vm:105", "vm:106"]
by = {o["sid"]: o for o in d}
assert set(by["vm:100"]) == {"sid", "type", "digest", "node", "max_restart"} and by["vm:100"]["max_restart"] == 2
assert set(by["vm:106"]) == {"sid", "type", "digest"}
assert by["vm:104"]["failback"] == 0 and by["vm:104"]["node"] == "node2"
assert len(by["ct:200"]["digest"]) == 40
EOF
fi

# ---- add, set, remove ----
run add vm:300 --state stopped --max_rel 3 --comment "web server" --node node3
expect_rc 0 "add"
[ -f "$st/nodes/node3/resources/vm:300" ] && ok || bad "add --node: not registered on node3"
run add 301
expect_rc 0 "add a bare guest id"
[ -f "$st/nodes/node1/resources/vm:301" ] && ok || bad "add: not registered on the local node"
run set vm:300 --state started --max_restart 1 --delete comment
expect_rc 0 "set"
run set vm:301 --failback=no --comment=x
expect_rc 0 "set with ="
printf 'vm:300\n\tmax_relocate 3\n\tmax_restart 1\n\tstate started\n\nvm:301\n\tcomment x\n\tfailback 0\n\n' >"$tmp/want"
run config
sed -n '/^vm:300$/,$p' "$tmp/out" >"$tmp/out2" && mv "$tmp/out2" "$tmp/out"
expect_out "config after add and set" "$tmp/want"
: >"$st/nodes/node2/resources/vm:302"
run add vm:302 --node node3
expect_rc 1 "add --node against the registry"
grep -qF "resource 'vm:302' is located on node 'node2'" "$tmp/err" && ok || bad "registry conflict text"
run add vm:302
expect_rc 0 "add keeps an existing registration"
[ -f "$st/nodes/node2/resources/vm:302" ] && [ ! -f "$st/nodes/node1/resources/vm:302" ] && ok ||
    bad "add moved an existing registration"
run remove vm:302
expect_rc 0 "remove"
[ -f "$st/nodes/node2/resources/vm:302" ] && ok || bad "remove dropped the registry entry"
run config
grep -q '^vm:302$' "$tmp/out" && bad "remove kept the resource" || ok

# ---- CRM commands ----
spool >/dev/null
run migrate vm:100 node2
expect_rc 0 "migrate"
run relocate vm:100 node2
expect_rc 0 "relocate"
run crm-command migrate vm:101 node2
expect_rc 0 "crm-command migrate"
run crm-command stop vm:100 0
expect_rc 0 "crm-command stop"
run crm-command stop vm:100 0086400
expect_rc 0 "crm-command stop with leading zeros and the largest timeout"
run crm-command node-maintenance enable node2
expect_rc 0 "node-maintenance enable"
run crm-command node-maintenance disable node2
expect_rc 0 "node-maintenance disable"
run crm-command disarm-ha freeze
expect_rc 0 "disarm-ha"
run crm-command arm-ha
expect_rc 0 "arm-ha"
cat >"$tmp/want" <<'EOF'
migrate vm:100 node2
relocate vm:100 node2
migrate vm:101 node2
stop vm:100 0
stop vm:100 86400
enable-node-maintenance node2
disable-node-maintenance node2
disarm-ha freeze
arm-ha
EOF
spool >"$tmp/out"
expect_out "the spool holds every command in order" "$tmp/want"

# ---- rules ----
run rules add node-affinity prefer1 --resources vm:103 --nodes node1:2,node2 --comment "keep on 1"
expect_rc 0 "rules add node-affinity"
run rules add resource-affinity together --resources vm:100,vm:101 --affinity positive
expect_rc 0 "rules add resource-affinity positive"
spool >/dev/null
run migrate vm:100 node2
expect_rc 0 "migrate with a positive partner"
printf "also migrate resource 'vm:101' in positive affinity with resource 'vm:100' to target node 'node2'\n" >"$tmp/want"
expect_out "co-migration report" "$tmp/want"
run rules add resource-affinity apart --resources vm:100,vm:102 --affinity negative
expect_rc 0 "rules add resource-affinity negative"
spool >/dev/null
run migrate vm:100 node2
expect_rc 1 "migrate blocked by a negative partner"
# upstream's print_resource_motion_output text; haven checks before it
# queues, so a refused migrate changes nothing (upstream queues it first;
# README, differences).
printf "cannot migrate resource 'vm:100' to node 'node2':\n\n- resource 'vm:102' on target node 'node2' in negative affinity with resource 'vm:100'\n" >"$tmp/want"
cmp -s "$tmp/want" "$tmp/err" && ok || bad "blocker text: $(cat "$tmp/err")"
spool >"$tmp/out"
[ ! -s "$tmp/out" ] && ok || bad "a blocked migrate was queued: $(cat "$tmp/out")"
printf 'node-affinity: prefer1\n\tcomment keep on 1\n\tnodes node1:2,node2\n\tresources vm:103\n\n' >"$tmp/want"
# the store's first line (the length of the rest, a comment to pve's
# parsers), then the file as upstream writes it
head -n 1 "$st/ha/rules.cfg" | grep -q '^# haven-store: len=[0-9]* ' && ok ||
    bad "rules.cfg: no store header line: $(head -n 1 "$st/ha/rules.cfg")"
sed -n 2,6p "$st/ha/rules.cfg" >"$tmp/out"
expect_out "rules.cfg written by the section writer" "$tmp/want"
# The tables follow upstream's CLIFormatter print_text_table: rows sorted
# by the first column, widths in characters, the title counted even without
# a header; its one-column ASCII header rule has no closing '+'.
run rules list
cat >"$tmp/want" <<'EOF'
+----------+
| rule     |
+==========
| apart    |
+----------+
| prefer1  |
+----------+
| together |
+----------+
EOF
expect_out "rules list" "$tmp/want"
# rules config: sorted by `enabled` as text (stable, so in rule order
# within; rules added one after the other share an order, as upstream's
# get_next_ordinal gives them, and are then in id order), every column
# left-aligned (the API schema types only `rule`).
run rules config --type resource-affinity --noborder
cat >"$tmp/want" <<'EOF'
enabled state  rule     type              resources     comment
1       in use apart    resource-affinity vm:100,vm:102 
1       in use together resource-affinity vm:100,vm:101 
EOF
expect_out "rules config --noborder" "$tmp/want"
run rules list --resource vm:102 --output-format json
if $has_python; then
    python3 -c "import json; d=json.load(open('$tmp/out')); assert [r['rule'] for r in d]==['apart'] and d[0]['affinity']=='negative' and d[0]['resources']=='vm:100,vm:102'" &&
        ok || bad "rules list json"
fi
run rules set resource-affinity apart --comment split --disable 1
expect_rc 0 "rules set"
grep -q "^	disable$" "$st/ha/rules.cfg" && ok || bad "rules set --disable: no bare disable line"
# update_rule drops a false --disable: only --delete disable enables again.
run rules set resource-affinity apart --disable 0
expect_rc 0 "rules set --disable 0"
grep -q "^	disable$" "$st/ha/rules.cfg" && ok || bad "rules set --disable 0 enabled the rule"
run rules set resource-affinity apart --delete disable
grep -q "disable" "$st/ha/rules.cfg" && bad "rules set --delete disable kept it" || ok
run rules add resource-affinity bad1 --resources vm:100,vm:101 --affinity negative
expect_rc 1 "rules add of a conflicting rule"
# API2::HA::Rules assert_feasibility: a 400 exception with the rule's
# errors as the parameter lines, raised inside lock_ha_domain.
err_is "create ha rule failed: 400 Rule 'bad1' is invalid." \
    "resources: rule shares two or more resources with a positive resource affinity rule"
run remove vm:102
expect_rc 0 "remove with purge"
grep -q "vm:102" "$st/ha/rules.cfg" && bad "purge kept vm:102 in rules" || ok
bad_input 1 "unable to delete required option 'nodes'" rules set node-affinity prefer1 --delete nodes
bad_input 1 "HA rule 'together' is of type 'resource-affinity'" rules set node-affinity together --strict 1
bad_input 1 "HA rule 'nope' does not exist" rules set node-affinity nope --strict 1
err_is "update HA rules failed: HA rule 'nope' does not exist" # update_rule's lock message
bad_input 1 "detected modified configuration" rules set node-affinity prefer1 --strict 1 --digest 00
bad_input 2 "strict: property is not defined in schema" rules set resource-affinity together --strict 1
digest=$(sed 1d "$st/ha/rules.cfg" | sha1sum | cut -d' ' -f1) # the file without the store's line
run rules set node-affinity prefer1 --strict 1 --delete comment --digest "$digest"
expect_rc 0 "rules set with the right digest"
grep -q "keep on 1" "$st/ha/rules.cfg" && bad "rules set --delete comment kept it" || ok
grep -q "^	strict 1$" "$st/ha/rules.cfg" && ok || bad "rules set --strict 1 not written"
run rules remove apart
expect_rc 0 "rules remove"
grep -q "apart" "$st/ha/rules.cfg" && bad "rules remove kept the rule" || ok

# ---- legacy groups ----
bad_input 1 "cannot create group: ha groups have been migrated to rules" groupadd g1 --nodes node1
printf 'group: g1\n\tnodes node1:2,node2\n\trestricted 1\n\n' >"$st/ha/groups.cfg"
run groupconfig
printf 'group: g1\n\tnodes node1:2,node2\n\trestricted 1\n\n' >"$tmp/want"
expect_out "groupconfig" "$tmp/want"
run groupconfig --output-format json
printf '[{"digest":"%s","group":"g1","nodes":"node1:2,node2","restricted":1,"type":"group"}]\n' \
    "$(sha1sum "$st/ha/groups.cfg" | cut -d' ' -f1)" >"$tmp/want"
expect_out "groupconfig json" "$tmp/want"
run groupadd g2 --nodes node3 --nofailback
expect_rc 0 "groupadd"
run groupset g2 --comment two --nodes node2,node3:1
expect_rc 0 "groupset"
run groupconfig
printf 'group: g1\n\tnodes node1:2,node2\n\trestricted 1\n\ngroup: g2\n\tcomment two\n\tnodes node2,node3:1\n\tnofailback 1\n\n' >"$tmp/want"
expect_out "groupconfig after groupadd and groupset" "$tmp/want"
bad_input 1 "unable to delete required option 'nodes'" groupset g2 --delete nodes
bad_input 1 "no such ha group 'g3'" groupset g3 --comment x
bad_input 1 "ha group ID 'g1' already defined" groupadd g1 --nodes node1
bad_input 1 "cannot use non-existent node(s) node9." groupadd g3 --nodes node9
# Resources update: the group is checked before the lock, no prefix.
bad_input 1 "group 'g7' does not exist" set vm:104 --group g7
err_is "HA group 'g7' does not exist"
bad_input 1 "group 'g7' does not exist" add vm:400 --group g7
err_is "HA group 'g7' does not exist"
run set vm:104 --group g2
expect_rc 0 "set --group"
bad_input 1 "used by service 'vm:104'" groupremove g2
err_is "delete ha group failed: ha group is used by service 'vm:104'" # Groups delete
# Rules create_rule and update_rule check the groups before the lock.
bad_input 1 "ha groups have not been migrated yet" rules add resource-affinity r9 --resources vm:100 --affinity positive
err_is "cannot create ha rule: ha groups have not been migrated yet"
bad_input 1 "ha groups have not been migrated yet" rules set resource-affinity together --comment x
err_is "cannot update ha rule: ha groups have not been migrated yet"
run set vm:104 --delete group
expect_rc 0 "set --delete group"
run groupremove g2
expect_rc 0 "groupremove"
# Groups delete of a group that does not exist: nothing to do, no error.
snap >"$tmp/before"
run groupremove g9
expect_rc 0 "groupremove of a missing group"
snap >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && [ ! -s "$tmp/err" ] && ok || bad "groupremove of a missing group: $(cat "$tmp/err")"
run groupremove g1
expect_rc 0 "groupremove of the last group"
bad_input 1 "ha groups have been migrated to rules" groupconfig
err_is "cannot index groups: ha groups have been migrated to rules" # Groups index

# ---- bad input: one upstream line or three, exit 2 or 1, nothing changes ----
bad_input 2 "ERROR: unknown command 'ha-manager frobnicate'" frobnicate
bad_input 2 "ERROR: unknown command 'ha-manager crm-command frob'" crm-command frob
bad_input 2 "400 not enough arguments" add
bad_input 2 "400 too many arguments" add vm:400 vm:401
# A failed format check is "invalid format - ..." and a blank line before
# the usage (JSONSchema check_prop); the name is checked on add, as
# upstream's verify_name does, with a plain error.
bad_input 2 "sid: invalid format - value does not look like a valid ha resource id" add foo
printf '400 Parameter verification failed.\nsid: invalid format - value does not look like a valid ha resource id\n\nha-manager add <sid> [OPTIONS]\n' >"$tmp/want"
cmp -s "$tmp/want" "$tmp/err" && ok || bad "format error text: $(cat "$tmp/err")"
bad_input 2 "sid: invalid format - value does not look like a valid ha resource id" add VM:100
bad_input 2 "invalid VMID" add vm:01
[ "$(cat "$tmp/err")" = "invalid VMID" ] && ok || bad "invalid VMID text: $(cat "$tmp/err")"
bad_input 2 "state: value 'bogus' does not have a value in the enumeration" add vm:400 --state bogus
bad_input 2 "max_restart: value must have a minimum value of 0" add vm:400 --max_restart -1
bad_input 2 "max_restart: type check ('integer') failed - got 'x'" add vm:400 --max_restart x
# get_options parses booleans before the schema check.
bad_input 2 "400 unable to parse boolean option" add vm:400 --failback maybe
bad_input 2 "Unknown option: bogus" add vm:400 --bogus 1
bad_input 2 "Option max is ambiguous (max_restart, max_relocate)" add vm:400 --max 1
bad_input 2 "node: invalid format - value does not look like a valid node name" migrate vm:100 bad_node
bad_input 2 "timeout: type check ('integer') failed" crm-command stop vm:100 soon
bad_input 2 "timeout: type check ('integer') failed - got '1;id'" crm-command stop vm:100 '1;id'
bad_input 2 "timeout: type check ('integer') failed - got ' 5'" crm-command stop vm:100 ' 5'
# JSONSchema is_integer takes a sign and leading zeros; the number is queued.
spool >/dev/null
run crm-command stop vm:100 +5
expect_rc 0 "a timeout with a + sign"
run crm-command stop vm:100 -0
expect_rc 0 "a timeout of -0"
run crm-command stop vm:100 0007
printf 'stop vm:100 5\nstop vm:100 0\nstop vm:100 7\n' >"$tmp/want"
spool >"$tmp/out"
expect_out "signed and zero-padded timeouts are queued as numbers" "$tmp/want"
bad_input 2 "timeout: value must have a minimum value of 0" crm-command stop vm:100 -1
bad_input 2 "timeout: value must have a maximum value of 86400" crm-command stop vm:100 86401
bad_input 2 "timeout: value must have a maximum value of 86400" crm-command stop vm:100 99999999999999999999
bad_input 2 "max_restart: value must have a maximum value of 1000000" add vm:400 --max_restart 1000001
bad_input 2 "max_relocate: value must have a maximum value of 1000000" set vm:100 --max_relocate 99999999999
bad_input 2 "resource-mode: value 'all'" crm-command disarm-ha all
bad_input 2 "group: invalid format - invalid configuration ID '1x'" add vm:400 --group 1x
bad_input 2 "resources: property is missing and it is not optional" rules add resource-affinity r1 --affinity positive
bad_input 2 "nodes: property is not defined in schema" rules add resource-affinity r1 --resources vm:100 --affinity positive --nodes node1
bad_input 1 "create resource failed: resource ID 'vm:100' already defined" add vm:100
# Config update_resources_config's lock message.
bad_input 1 "update resources config failed: no such resource 'vm:424242'" set vm:424242 --state stopped
bad_input 1 "cannot delete service 'vm:424242', not HA managed!" remove vm:424242
bad_input 1 "no such cluster node 'nosuch'" add vm:400 --node nosuch
bad_input 1 "no such cluster node 'nosuch'" crm-command node-maintenance enable nosuch
# node-maintenance-set checks the node for both actions (check_node_exists).
bad_input 1 "no such cluster node 'node9'" crm-command node-maintenance disable node9
err_is "no such cluster node 'node9'"
bad_input 1 "resource 'vm:424242' is not HA managed" migrate vm:424242 node2
bad_input 1 "resource 'vm:105' is not HA managed" crm-command stop vm:105 10
bad_input 1 "no such cluster node 'nosuch'" migrate vm:100 nosuch
bad_input 1 "service 'vm:103' in error state, must be disabled and fixed first" set vm:103 --comment x
err_is "service 'vm:103' in error state, must be disabled and fixed first" # before the lock
bad_input 1 "service 'vm:103' in error state, must be disabled and fixed first" migrate vm:103 node2
bad_input 1 "detected modified configuration - file changed by other user? Try again." set vm:100 --comment x --digest 0000
err_is "update resources config failed: detected modified configuration - file changed by other user? Try again."
# type is no option of a resource section (update_single_resource_config_inplace).
bad_input 1 "no such option 'type'" set vm:100 --delete type
err_is "update resources config failed: no such option 'type'"
bad_input 1 "cannot use unmanaged resource(s) vm:777." rules add resource-affinity r1 --resources vm:100,vm:777 --affinity positive
bad_input 1 "cannot use non-existent node(s) node9." rules add node-affinity r1 --resources vm:100 --nodes node9
bad_input 1 "HA rule 'prefer1' already defined" rules add node-affinity prefer1 --resources vm:100 --nodes node1
run set vm:103 --state disabled
expect_rc 0 "set of a service in error to disabled"
# update_single_resource_config_inplace sets, then deletes: --comment x
# --delete comment leaves no comment. --state enabled is stored as given.
run set vm:101 --comment x --delete comment --state enabled --max_relocate +2
expect_rc 0 "set and delete one property"
sed -n '/^vm: 101$/,/^$/p' "$st/ha/resources.cfg" >"$tmp/out"
printf 'vm: 101\n\tmax_relocate 2\n\tstate enabled\n\n' >"$tmp/want"
expect_out "stored after set and delete, --state enabled" "$tmp/want"
# maxLength counts characters: 4096 two-byte characters are a fine comment.
run set vm:101 --comment "$(printf '\303\251%.0s' $(seq 4096))"
expect_rc 0 "a comment of 4096 characters in 8192 bytes"
run config
grep -q "^	comment $(printf '\303\251%.0s' $(seq 4096))$" "$tmp/out" && ok || bad "the long comment does not read back"
bad_input 2 "comment: value may only be 4096 characters long" set vm:101 --comment "$(printf '\303\251%.0s' $(seq 4097))"
run set vm:101 --delete comment --state started
# A VMID too long for a file name: one error, the store's, not wrapped twice.
long_id=$(printf '1%.0s' $(seq 300))
bad_input 1 "name too long" add "vm:$long_id" # glibc: File name, musl: Filename
[ "$(grep -o "vm:$long_id" "$tmp/err" | wc -l)" -eq 1 ] && ok || bad "long VMID: the error names the file $(grep -o "vm:$long_id" "$tmp/err" | wc -l) times"

# A corrupt resources.cfg. status and config read it as upstream's
# SectionConfig parse_config does: a warning per bad section, the section
# skipped (upstream drops only the bad line; README, differences), the rest
# shown, exit 0. No command that changes anything accepts the file.
cp "$st/ha/resources.cfg" "$tmp/good.cfg"
long=$(head -c 4097 /dev/zero | tr '\0' x)
printf 'vm: 100\n\tstate bogus\n\nvm: 1\n\n# a comment\nvm: 102\n\tfoo bar\n\nvm: 103\n\tcomment %s\n\nvm: 106\n\tmax_restart 3\n' \
    "$long" >"$st/ha/resources.cfg"
cat >"$tmp/warn" <<'EOF'
file ha/resources.cfg line 2 (skip section 'vm:100'): bad value for property 'state'
file ha/resources.cfg line 4 (skip section 'vm:1'): invalid resource id 'vm:1'
file ha/resources.cfg line 8 (skip section 'vm:102'): unknown property 'foo'
file ha/resources.cfg line 11 (skip section 'vm:103'): bad value for property 'comment'
EOF
run config
expect_rc 0 "config of a resources.cfg with bad sections"
printf 'vm:106\n\tmax_restart 3\n\n' >"$tmp/want"
expect_out "config shows the good sections" "$tmp/want"
cmp -s "$tmp/warn" "$tmp/err" && ok || bad "config warnings: $(cat "$tmp/err")"
run status
expect_rc 0 "status of a resources.cfg with bad sections"
grep -qx 'service vm:106 (---, not found)' "$tmp/out" && grep -qx 'service vm:100 (node1, deleting)' "$tmp/out" &&
    ok || bad "status with bad sections: $(grep service "$tmp/out")"
cmp -s "$tmp/warn" "$tmp/err" && ok || bad "status warnings: $(cat "$tmp/err")"
printf 'vm: 100\n\tstate bogus\n' >"$st/ha/resources.cfg"
msg="unable to parse ha/resources.cfg: line 2: bad value for property 'state'"
bad_input 1 "$msg" add vm:400
bad_input 1 "$msg" set vm:100 --state stopped
bad_input 1 "$msg" remove vm:100
# A NUL byte in resources.cfg: a read error naming the file, never a
# config cut at the NUL (add would rewrite the file without what follows).
{ head -c 20 "$tmp/good.cfg"; printf '\000'; tail -c +21 "$tmp/good.cfg"; } >"$st/ha/resources.cfg"
msg="unable to read file 'ha/resources.cfg' - contains a NUL byte"
bad_input 1 "$msg" add vm:400
[ "$(cat "$tmp/err")" = "$msg" ] && ok || bad "NUL: not exactly one line: $(cat "$tmp/err")"
bad_input 1 "$msg" config
bad_input 1 "$msg" status
# A FIFO (or anything but a regular file) in the store: every command
# returns at once (a 5 s timeout is a hang), reading it is an error.
cp "$tmp/good.cfg" "$st/ha/resources.cfg"
for f in ha/manager_status ha/resources.cfg nodes/node1/lrm_status ha/rules.cfg ha/groups.cfg datacenter.cfg; do
    [ -e "$st/$f" ] && mv "$st/$f" "$tmp/saved"
    mkfifo "$st/$f"
    for cmd in status config "add vm:400"; do
        # shellcheck disable=SC2086 # the words of the command
        timeout 5 "$haven" ha-manager -c "$conf" $cmd >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ "$rc" -ne 124 ] && ok || bad "$cmd with a FIFO at $f: hangs"
        if [ "$rc" -ne 0 ]; then
            grep -qF "unable to read file '$f' - not a regular file" "$tmp/err" && ok ||
                bad "$cmd with a FIFO at $f: exit $rc, $(head -n 2 "$tmp/err")"
        fi
        [ "$f" = ha/resources.cfg ] || cp "$tmp/good.cfg" "$st/ha/resources.cfg" # undo an add
    done
    rm -f "$st/$f"
    [ -e "$tmp/saved" ] && mv "$tmp/saved" "$st/$f"
done
run status
expect_rc 0 "status once the FIFOs are gone"
cp "$st/ha/manager_status" "$tmp/ms"
printf '{"master_node":}' >"$st/ha/manager_status"
bad_input 1 "unable to parse ha/manager_status" status
printf '{"master_node":' >"$st/ha/manager_status" # cut short: never parsed
bad_input 1 "unable to read file 'ha/manager_status' - incomplete JSON" status
cp "$tmp/ms" "$st/ha/manager_status"
# Names with control characters in the store never reach the terminal as
# they are (an ESC sequence would drive it, a newline forge a line).
ctl=$(printf '[\001-\011\013-\037\177]')
for ms in '{"master_node":"node1","node_status":{"node1":"online","evil\u001b[2J":"online"}}' \
    '{"master_node":"node1\u001b]0;owned\u0007","node_status":{"node1":"online"}}' \
    '{"node_status":{"node1":"online"},"service_status":{"vm:100":{"state":"started","node":"node1\u001b[31m"}}}' \
    '{"node_status":{"node1":"online"},"service_status":{"vm:100\ninfo forged":{"state":"started","node":"node1"}}}'; do
    printf '%s' "$ms" >"$st/ha/manager_status"
    for args in status "status --verbose" "status --output-format json"; do
        # shellcheck disable=SC2086
        run $args
        if LC_ALL=C grep -q "$ctl" "$tmp/out" "$tmp/err"; then
            bad "$args: a control character from the manager status was printed"
        else
            ok
        fi
    done
done
cp "$tmp/ms" "$st/ha/manager_status"
printf 'garbage' >"$st/nodes/node1/lrm_status"
run status
grep -qx "lrm node1 (unable to read lrm status)" "$tmp/out" && ok || bad "corrupt lrm_status not reported"
printf 'node=node1\nstore=dir:%s\nstore_id=00000000000000000000000000000000\n' "$st" >"$tmp/other.conf"
run -c "$tmp/other.conf" status
expect_rc 2 "store id mismatch"
grep -q "store id mismatch" "$tmp/err" && ok || bad "store id mismatch text: $(cat "$tmp/err")"
run add 310 --type ct
expect_rc 0 "add of a bare id with --type"
[ -f "$st/nodes/node1/resources/ct:310" ] && ok || bad "add 310 --type ct did not add ct:310"
bad_input 1 "types does not match" add vm:311 --type ct
mkdir "$tmp/nostore" && : >"$tmp/nostore/somefile"
printf 'node=node1\nstore=dir:%s\n' "$tmp/nostore" >"$tmp/nostore.conf"
run -c "$tmp/nostore.conf" add vm:100
expect_rc 2 "a folder that is not a store"
grep -q "is not a haven store" "$tmp/err" && ok || bad "not a store text: $(cat "$tmp/err")"
[ "$(ls "$tmp/nostore")" = somefile ] && ok || bad "a non-store folder was written to"
run -c "$tmp/none.conf" status
expect_rc 2 "missing config file"
[ "$(wc -l <"$tmp/err")" -le 3 ] && ok || bad "missing config: more than 3 lines"

# domain-ha held (its lock record) by a live owner on another node: the change
# waits 10 s, then fails with upstream's timeout and changes nothing; held by
# a dead process of this node: it proceeds at once.
hold_domain() { # node pid
    lk=$st/priv/lock/domain-ha
    g=$(ls "$lk" | grep -E '^[0-9]{20}$' | tail -n 1)
    n=$(echo "${g:-0}" | sed 's/^0*//')
    next=$(printf '%020d' $((${n:-0} + 1)))
    printf 'haven-lock 1 held node=%s instance=0123456789abcdef0123456789abcdef pid=%s wall=%s\n' \
        "$1" "$2" "$(date +%s)" >"$lk/$next"
    [ -n "$g" ] && rm -f "$lk/$g"
}
hold_domain node2 1
snap >"$tmp/before"
run add vm:400
snap >"$tmp/after"
expect_rc 1 "add while another node holds domain-ha"
tail -n 1 "$tmp/err" | grep -qx "create resource failed: cfs-lock 'domain-ha' error: got lock request timeout" &&
    ok || bad "lock timeout text: $(tail -n 1 "$tmp/err")"
grep -q "^trying to acquire cfs lock 'domain-ha' ...$" "$tmp/err" && ok || bad "no waiting notice"
cmp -s "$tmp/before" "$tmp/after" && ok || bad "the store changed without the lock"
sh -c 'exit 0' &
dead=$!
wait $dead
hold_domain node1 $dead
run add vm:400
expect_rc 0 "add after a dead local lock holder"
[ ! -s "$tmp/err" ] && ok || bad "add after a dead holder waited: $(head -n 2 "$tmp/err")"
# A name beyond the largest generation (2^64 and up) in the lock folder is
# no head: it must not wedge domain-ha.
: >"$st/priv/lock/domain-ha/99999999999999999999"
run add vm:401
expect_rc 0 "add with an overflowing generation name in the lock folder"
run remove vm:401
expect_rc 0 "remove with an overflowing generation name in the lock folder"

# Canonical JSON escapes.
run set vm:400 --comment 'say "hi" \ tab	end'
run config --output-format json
grep -qF '"comment":"say \"hi\" \\ tab\tend"' "$tmp/out" && ok || bad "JSON string escapes: $(grep -o '"comment":[^,]*' "$tmp/out" | tail -n 1)"

# ---- rules list|config tables and JSON (upstream's API2::HA::Rules index,
# CLIFormatter print_api_result / print_text_table) ----
mkdir "$tmp/st3"
printf 'node=node1\nstore=dir:%s\n' "$tmp/st3" >"$tmp/c3.conf"
hm3() { timeout 60 "$haven" ha-manager -c "$tmp/c3.conf" "$@"; }
hm3 crm-command arm-ha >/dev/null 2>&1 # a changing command makes the folder a store
rm -f "$tmp/st3/ha/crm_commands.d/"*
printf 'vm: 100\n\tgroup g1\n\nvm: 101\n\tgroup g1\n\nvm: 102\n\nvm: 103\n\nvm: 104\n' >"$tmp/st3/ha/resources.cfg"
printf 'group: g1\n\tnodes node1:2,node2\n' >"$tmp/st3/ha/groups.cfg"
cat >"$tmp/st3/ha/rules.cfg" <<'EOF'
resource-affinity: zeta
	affinity positive
	resources vm:103,vm:104

node-affinity: alpha
	comment first
	nodes node1
	resources vm:102

node-affinity: beta
	nodes node2
	resources vm:102

node-affinity: gamma
	disable
	nodes node1
	resources vm:104
EOF
# While legacy groups exist, their generated ha-group-<g> rules are listed
# (upstream's migrate_groups_to_rules; their order is get_next_ordinal's).
LC_ALL=C hm3 rules list >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'EOF'
+-------------+
| rule        |
+=============
| alpha       |
+-------------+
| beta        |
+-------------+
| gamma       |
+-------------+
| ha-group-g1 |
+-------------+
| zeta        |
+-------------+
EOF
expect_out "rules list with a generated group rule" "$tmp/want"
LC_ALL=C hm3 rules config >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'EOF'
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
| enabled | state               | rule        | type              | resources     | comment                       |
+=========+=====================+=============+===================+===============+===============================+
| 0       | in use              | gamma       | node-affinity     | vm:104        |                               |
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
| 1       | in use              | zeta        | resource-affinity | vm:103,vm:104 |                               |
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
| 1       | ignored (conflicts) | alpha       | node-affinity     | vm:102        | first                         |
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
| 1       | in use              | ha-group-g1 | node-affinity     | vm:100,vm:101 | Generated from HA group 'g1'. |
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
| 1       | ignored (conflicts) | beta        | node-affinity     | vm:102        |                               |
+---------+---------------------+-------------+-------------------+---------------+-------------------------------+
EOF
expect_out "rules config, ASCII" "$tmp/want"
# Box characters in a UTF-8 locale; --noheader keeps the title's width.
LC_ALL=C.UTF-8 hm3 rules config --type resource-affinity --noheader >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'EOF'
┌─────────┬────────┬──────┬───────────────────┬───────────────┬─────────┐
│ 1       │ in use │ zeta │ resource-affinity │ vm:103,vm:104 │         │
└─────────┴────────┴──────┴───────────────────┴───────────────┴─────────┘
EOF
expect_out "rules config --noheader, UTF-8" "$tmp/want"
LC_ALL=C.UTF-8 hm3 rules list --type resource-affinity >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'EOF'
┌──────┐
│ rule │
╞══════╡
│ zeta │
└──────┘
EOF
expect_out "rules list, UTF-8" "$tmp/want"
LC_ALL=C hm3 rules config --noborder --noheader --resource vm:102 >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'EOF'
1       ignored (conflicts) alpha node-affinity vm:102    first
1       ignored (conflicts) beta  node-affinity vm:102    
EOF
expect_out "rules config --noborder --noheader" "$tmp/want"
# An empty list prints nothing (print_api_result returns on an empty array).
LC_ALL=C hm3 rules config --resource vm:999 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ ! -s "$tmp/out" ] && ok || bad "an empty rules config printed: $(cat "$tmp/out")"
# On a terminal, lines are cut to its width (query_terminal_options).
if command -v script >/dev/null 2>&1; then
    LC_ALL=C script -qec "stty cols 24; '$haven' ha-manager -c '$tmp/c3.conf' rules config --type resource-affinity" \
        /dev/null 2>&1 | tr -d '\r' >"$tmp/out"
    cat >"$tmp/want" <<'EOF'
+---------+--------+----
| enabled | state  | rul
+=========+========+====
| 1       | in use | zet
+---------+--------+----
EOF
    expect_out "rules config cut to the terminal width" "$tmp/want"
fi
# JSON: the API objects, with upstream's `errors` of a conflicting rule and
# the generated group rule (strict null when the group sets no restricted).
LC_ALL=C hm3 rules list --output-format json >"$tmp/out" 2>"$tmp/err"
if $has_python; then
    python3 - "$tmp/out" <<'EOF' && ok || bad "rules list json: errors or group rule wrong: $(cat "$tmp/out")"
import json, sys
d = {r["rule"]: r for r in json.load(open(sys.argv[1]))}
msg = "resource 'vm:102' is already used in another node affinity rule"
assert d["alpha"]["errors"] == {"resources": [msg]} and d["beta"]["errors"] == {"resources": [msg]}
assert "errors" not in d["zeta"] and "errors" not in d["gamma"] and d["gamma"]["disable"] == 1
g = d["ha-group-g1"]
assert g["comment"] == "Generated from HA group 'g1'." and g["nodes"] == "node1:2,node2"
assert g["resources"] == "vm:100,vm:101" and g["strict"] is None and g["type"] == "node-affinity"
EOF
fi

# ---- output options: yaml and --quiet (CLIFormatter print_api_result) ----
printf 'vm: 100\n\tgroup g1\n\nvm: 101\n\tgroup g1\n\nvm: 102\n\tcomment x\ty\n\nvm: 103\n\tcomment 123\n\nvm: 104\n\tcomment a: b #c\n\nvm: 105\n\tcomment \304\243x\n' \
    >"$tmp/st3/ha/resources.cfg"
d=$(sha1sum "$tmp/st3/ha/resources.cfg" | cut -d' ' -f1)
hm3 config --output-format yaml >"$tmp/out" 2>"$tmp/err"
# YAML::XS: sorted keys; plain where libyaml allows it, a string that
# looks like a number or holds ": " single-quoted, a tab double-quoted.
cat >"$tmp/want" <<EOF
---
- digest: $d
  group: g1
  sid: vm:100
  type: vm
- digest: $d
  group: g1
  sid: vm:101
  type: vm
- comment: "x\ty"
  digest: $d
  sid: vm:102
  type: vm
- comment: '123'
  digest: $d
  sid: vm:103
  type: vm
- comment: 'a: b #c'
  digest: $d
  sid: vm:104
  type: vm
- comment: $(printf '\304\243')x
  digest: $d
  sid: vm:105
  type: vm
EOF
expect_out "config as yaml" "$tmp/want"
hm3 rules list --output-format yaml --resource vm:102 --type node-affinity >"$tmp/out" 2>"$tmp/err"
d=$(sha1sum "$tmp/st3/ha/rules.cfg" | cut -d' ' -f1)
cat >"$tmp/want" <<EOF
---
- comment: first
  digest: $d
  errors:
    resources:
    - resource 'vm:102' is already used in another node affinity rule
  nodes: node1
  order: 2
  resources: vm:102
  rule: alpha
  type: node-affinity
- digest: $d
  errors:
    resources:
    - resource 'vm:102' is already used in another node affinity rule
  nodes: node2
  order: 3
  resources: vm:102
  rule: beta
  type: node-affinity
EOF
expect_out "rules list as yaml (a sequence under a key is not indented)" "$tmp/want"
hm3 rules list --output-format yaml --resource vm:999 >"$tmp/out" 2>"$tmp/err"
printf -- '--- []\n' >"$tmp/want"
expect_out "an empty list as yaml" "$tmp/want"
hm3 rules config --quiet >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/out" ] && ok || bad "rules config --quiet printed"
hm3 rules list --quiet 1 --output-format json >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/out" ] &&
    ok || bad "rules list --quiet printed"

# ---- bash completion: the shipped file registers `ha-manager bashcomplete`,
# which answers from the command table (CLIHandler print_bash_completion) ----
compfile=$(cd "$(dirname "$0")/.." && pwd)/applets/cli/ha-manager.bash-completion
mkdir "$tmp/bin"
printf '#!/bin/sh\nexec "%s" ha-manager -c "%s" "$@"\n' "$haven" "$tmp/c3.conf" >"$tmp/bin/ha-manager"
chmod +x "$tmp/bin/ha-manager"
# What bash does on TAB: run the -C command of the spec with the command
# name, the word under the cursor and the one before, COMP_LINE and
# COMP_POINT set.
cat >"$tmp/comp.bash" <<'EOF'
. "$1" || exit 1
spec=$(complete -p ha-manager) || exit 1
cmd=${spec#*-C \'}
cmd=${cmd%%\'*}
eval "$cmd ha-manager \"\$2\" \"\$3\""
EOF
comp() { # line cur prev: the candidates, sorted, on one line
    PATH="$tmp/bin:$PATH" COMP_LINE="$1" COMP_POINT=${#1} bash "$tmp/comp.bash" "$compfile" "$2" "$3" |
        sort | tr '\n' ' '
}
if command -v bash >/dev/null 2>&1; then
    got=$(bash -c '. "$0"; complete -p ha-manager' "$compfile")
    [ "$got" = "complete -o default -C 'ha-manager bashcomplete' ha-manager" ] && ok ||
        bad "the completion file registers: $got"
    check_comp() { # want line cur prev
        got=$(comp "$2" "$3" "$4")
        [ "$got" = "$1" ] && ok || bad "completion of '$2': '$got', want '$1'"
    }
    check_comp "remove rules " "ha-manager r" r ha-manager
    check_comp "status " "ha-manager st" st ha-manager
    check_comp "list " "ha-manager rules l" l rules
    check_comp "add config list remove set " "ha-manager rules " "" rules
    check_comp "disable enable " "ha-manager crm-command node-maintenance " "" node-maintenance
    check_comp "node-affinity resource-affinity " "ha-manager rules list --type " "" --type
    check_comp "vm:100 vm:101 vm:102 vm:103 vm:104 vm:105 " "ha-manager set " "" set
    check_comp "gamma " "ha-manager rules remove g" g remove
    check_comp "alpha beta gamma zeta " "ha-manager rules remove " "" remove
    check_comp "g1 " "ha-manager groupset " "" groupset
    check_comp "node1 " "ha-manager migrate vm:100 " "" vm:100
    check_comp "--failback " "ha-manager set vm:100 --fa" --fa vm:100
    check_comp "0 1 " "ha-manager set vm:100 --failback " "" --failback
    check_comp "--purge " "ha-manager remove vm:100 " "" vm:100
fi

# ---- 8 concurrent writers: every add and every remove is kept ----
# A lock timeout (exit 1, nothing changed) on a loaded machine is retried:
# what must never happen is an edit that reports success and is lost.
try() { for t in 1 2 3 4 5; do hm "$@" >/dev/null 2>&1 && return 0; done; }
for w in 1 2 3 4 5 6 7 8; do
    (
        for i in 0 1 2 3 4 5 6 7 8 9; do try add "vm:$((1000 + w * 10 + i))"; done
        for i in 0 2 4 6 8; do try remove "vm:$((1000 + w * 10 + i))"; done
    ) &
done
wait
hm config | grep '^vm:1[0-9][0-9][0-9]$' >"$tmp/out"
for w in 1 2 3 4 5 6 7 8; do for i in 1 3 5 7 9; do echo "vm:$((1000 + w * 10 + i))"; done; done |
    sort >"$tmp/want"
expect_out "8 concurrent writers: 80 adds and 40 removes all kept" "$tmp/want"
ls "$st/ha" | grep -q '^\.tmp' && bad "temp files left behind" || ok

t_summary
