#!/bin/sh
# fetch.sh - fetch, verify and unpack the pinned libev, cJSON and BearSSL sources.
#
# The sources are Debian source packages (orig tarballs) pinned in sources.txt by
# sha256. They are fetched with 'apt-get source --download-only', or taken from
# the folder named by VENDOR_TARBALLS (offline builds), checked, and unpacked into
# vendor/libev, vendor/cjson and vendor/bearssl, which git ignores. Nothing here is ever committed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dl="$here/downloads"
src_list="$here/sources.txt"

die() {
    echo "vendor/fetch.sh: $*" >&2
    exit 1
}

# Print the URIs and suites of the machine's configured Debian mirror as
# "URI SUITE" lines, from deb822 .sources files and one-line sources.list files.
mirror_of_machine() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '/^URIs:/ {u=$2} /^Suites:/ {s=$2} /^$/ {if (u && s) print u, s; u=s=""}
             END {if (u && s) print u, s}' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" && $2 !~ /^\[/ {print $2, $3}' "$f"
    done
}

# Make 'apt-get source' work: as root add a deb-src entry for the configured
# mirror when there is none; as another user say exactly what to run.
ensure_deb_src() {
    if apt-cache showsrc "$1" 2>/dev/null | grep -q '^Package:'; then
        return 0
    fi
    line=$(mirror_of_machine | grep -v -e security -e updates | head -n 1)
    [ -n "$line" ] || die "no Debian mirror configured in /etc/apt; use VENDOR_TARBALLS=DIR"
    uri=${line% *}
    suite=${line#* }
    if [ "$(id -u)" != 0 ]; then
        echo "vendor/fetch.sh: apt has no deb-src entry; as root run:" >&2
        echo "  printf 'Types: deb-src\\nURIs: $uri\\nSuites: $suite\\nComponents: main\\n' >/etc/apt/sources.list.d/haven-src.sources && apt-get update" >&2
        echo "or download the tarballs listed in vendor/sources.txt and build with VENDOR_TARBALLS=DIR" >&2
        exit 1
    fi
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" "$suite" >/etc/apt/sources.list.d/haven-src.sources
    apt-get update -q >/dev/null || die "apt-get update failed"
}

# Download one orig tarball into $dl unless a good copy is already there.
download() {
    pkg=$1 ver=$2 tarball=$3
    mkdir -p "$dl"
    if [ -n "${VENDOR_TARBALLS:-}" ]; then
        [ -f "$VENDOR_TARBALLS/$tarball" ] || die "$VENDOR_TARBALLS/$tarball: missing"
        cp "$VENDOR_TARBALLS/$tarball" "$dl/$tarball"
        return 0
    fi
    ensure_deb_src "$pkg"
    # The pinned Debian revision may be superseded by a security update; the orig
    # tarball (and so its sha256) stays the same, so fall back to the current one.
    (cd "$dl" && { apt-get source -q --download-only "$pkg=$ver" >/dev/null 2>&1 ||
        apt-get source -q --download-only "$pkg" >/dev/null 2>&1; }) ||
        die "apt-get source --download-only $pkg failed"
    [ -f "$dl/$tarball" ] || die "$tarball: not in the downloaded source package"
}

fetch_one() {
    pkg=$1 ver=$2 tarball=$3 sum=$4 dir=$5
    if [ -f "$here/$dir/.haven-$sum" ]; then
        return 0
    fi
    if [ ! -f "$dl/$tarball" ] || ! echo "$sum  $dl/$tarball" | sha256sum -c - >/dev/null 2>&1; then
        download "$pkg" "$ver" "$tarball"
    fi
    echo "$sum  $dl/$tarball" | sha256sum -c - >/dev/null 2>&1 ||
        die "$tarball: sha256 mismatch (want $sum)"
    rm -rf "${here:?}/$dir" "$here/$dir.tmp"
    mkdir -p "$here/$dir.tmp"
    tar -xf "$dl/$tarball" -C "$here/$dir.tmp" --strip-components=1
    touch "$here/$dir.tmp/.haven-$sum"
    mv "$here/$dir.tmp" "$here/$dir"
    echo "vendor: $dir from $tarball (sha256 ok)"
}

grep -v '^#' "$src_list" | while read -r pkg ver tarball sum dir; do
    [ -n "$pkg" ] || continue
    fetch_one "$pkg" "$ver" "$tarball" "$sum" "$dir"
done
