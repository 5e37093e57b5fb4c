#!/bin/sh
# Builds the node image (`make image`): assembles a rootfs from this machine's files and builds
# daemonset/image/Containerfile FROM scratch with podman, pulling nothing. Inside:
#   /opt/twill/          dist/: twilld, the plugin bundles, the runtimes they name (Node, Bun)
#   /usr/sbin/           ip, bridge, nft, iptables* (xtables-nft-multi), ethtool, conntrack
#   /usr/bin/sh          dash: the bundles' launchers are sh scripts
#   /usr/lib*/           exactly the shared libraries those binaries link (ldd), plus the
#                        xtables extensions iptables loads at run time (dlopen: ldd cannot see them)
#   /etc/                passwd, group, nsswitch.conf; /tmp
#
#   VERSION=0.1.0 daemonset/image/build.sh [--dist DIR] [--image NAME] [--archive FILE]
#
# podman honours CONTAINERS_CONF and CONTAINERS_STORAGE_CONF (the tests build into a store of
# their own). --archive also writes the image as an OCI archive (for `ctr images import`).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist=$root/dist
version=${VERSION:?VERSION must be set (make image takes it from package.json)}
image=localhost/twill:$version
archive=
while [ $# -gt 0 ]; do
  case $1 in
    --dist) dist=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

PROGRAMS="/usr/sbin/ip /usr/sbin/bridge /usr/sbin/nft /usr/sbin/xtables-nft-multi /usr/sbin/ethtool /usr/sbin/conntrack /usr/bin/dash"
XTABLES_DIR=/usr/lib/x86_64-linux-gnu/xtables
IPTABLES_NAMES="iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore"

for f in twilld twill twill-ipam; do
  [ -x "$dist/$f" ] || { echo "build.sh: $dist/$f is missing (make build)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/twill-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/opt/twill" "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/usr/lib" "$rootfs/usr/lib64" "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
# The layout of a merged-/usr Debian, so the paths ldd prints and the loader's defaults hold.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done

# Copies a file to the same path under the rootfs, by its real directory (/lib → /usr/lib),
# following symlinks so the image holds the file itself.
place() {
  dir=$(readlink -f "$(dirname "$1")")
  mkdir -p "$rootfs$dir"
  cp -L "$1" "$rootfs$dir/$(basename "$1")"
}

# The runtimes and bundles of dist/, regular files only (dist/ holds no others).
for f in "$dist"/*; do
  [ -f "$f" ] && cp "$f" "$rootfs/opt/twill/"
done

for p in $PROGRAMS; do place "$p"; done
for n in $IPTABLES_NAMES; do ln -s xtables-nft-multi "$rootfs/usr/sbin/$n"; done
ln -s dash "$rootfs/usr/bin/sh"
place_dir() { mkdir -p "$rootfs$1" && cp -L "$1"/*.so "$rootfs$1/"; }
place_dir "$XTABLES_DIR"

# Every shared library the ELF files above link, each once.
elves=$(for f in $PROGRAMS "$XTABLES_DIR"/*.so "$rootfs"/opt/twill/twill-node-* "$rootfs"/opt/twill/twill-bun-*; do [ -e "$f" ] && echo "$f"; done)
libs=$(for f in $elves; do ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; done | sort -u)
for l in $libs; do place "$l"; done

printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

cp "$here/Containerfile" "$work/Containerfile"
podman build --pull=never --network=none --tag "$image" --file "$work/Containerfile" "$work" >&2

if [ -n "$archive" ]; then
  rm -f "$archive"
  podman save --format oci-archive --output "$archive" "$image" >&2
fi
bytes=$(podman image inspect --format '{{.Size}}' "$image")
nlibs=$(echo "$libs" | wc -w)
echo "$bytes" | awk -v image="$image" -v nlibs="$nlibs" '{ printf "%s: %d MB (%d bytes; %d shared libraries)\n", image, $1 / 1000000, $1, nlibs }'
