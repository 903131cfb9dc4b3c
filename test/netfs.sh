#!/bin/sh
# netfs.sh - one shared folder seen by each node through its own network
# file system client: per node an sshfs mount over OpenSSH's sftp-server,
# reached through the node's own TCP forwarder (socat), which stands for
# the node's network cable: nf_freeze stops it (a server that hangs, the
# mount blocks as a hard NFS mount does), nf_thaw resumes it. Source it,
# then call the nf_* functions. Needs root, /dev/fuse, sshfs, socat and
# /usr/lib/openssh/sftp-server; nf_usable says whether they are there.
NF_SFTP=/usr/lib/openssh/sftp-server
# The options README.md requires for sshfs: no sshfs caches, no kernel
# attribute or name caching, reconnect after a lost connection.
NF_OPTS=cache=no,attr_timeout=0,entry_timeout=0,negative_timeout=0,reconnect

nf_usable() {
    [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] && command -v sshfs >/dev/null 2>&1 &&
        command -v socat >/dev/null 2>&1 && command -v fusermount >/dev/null 2>&1 &&
        [ -x "$NF_SFTP" ]
}

# nf_forwarder NAME PORT: start NAME's forwarder (one connection) on PORT,
# detached (not a child a plain "wait" would wait for).
nf_forwarder() {
    (
        socat "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr" "EXEC:$NF_SFTP" </dev/null >/dev/null 2>&1 &
        echo $! >"$NF_DIR/$1.fwd"
    )
    echo "$2" >"$NF_DIR/$1.port"
}

# nf_mount NAME [OPTIONS]: NF_DIR/srv mounted at NF_DIR/mnt.NAME through a
# forwarder of its own; 0 when mounted.
nf_mount() {
    opts=${2:-$NF_OPTS}
    mkdir -p "$NF_DIR/mnt.$1"
    tries=0
    while [ $tries -lt 20 ]; do
        port=$((20000 + ($$ * 7 + tries * 131 + $(printf '%s' "$1" | cksum | cut -d' ' -f1)) % 40000))
        nf_forwarder "$1" "$port"
        sleep 0.2
        if kill -0 "$(cat "$NF_DIR/$1.fwd")" 2>/dev/null &&
            sshfs -o "directport=$port,$opts" "127.0.0.1:$NF_DIR/srv" "$NF_DIR/mnt.$1" 2>/dev/null; then
            echo "$1" >>"$NF_DIR/mounts"
            return 0
        fi
        kill "$(cat "$NF_DIR/$1.fwd")" 2>/dev/null
        tries=$((tries + 1))
    done
    return 1
}

# nf_init DIR: the shared folder DIR/srv; mounts come with nf_mount.
nf_init() {
    NF_DIR=$1
    mkdir -p "$NF_DIR/srv"
    : >"$NF_DIR/mounts"
}

nf_fwd_pid() { cat "$NF_DIR/$1.fwd" 2>/dev/null; }
nf_freeze() { kill -s STOP "$(nf_fwd_pid "$1")" 2>/dev/null; }
nf_thaw() { kill -s CONT "$(nf_fwd_pid "$1")" 2>/dev/null; }

# nf_stop: unmount everything, stop every forwarder.
nf_stop() {
    [ -n "$NF_DIR" ] && [ -f "$NF_DIR/mounts" ] || return 0
    while read -r m; do
        nf_thaw "$m"
        fusermount -u -z "$NF_DIR/mnt.$m" 2>/dev/null
        p=$(nf_fwd_pid "$m")
        [ -n "$p" ] && kill "$p" 2>/dev/null
    done <"$NF_DIR/mounts"
    : >"$NF_DIR/mounts"
}
