#!/bin/sh
# Installs the Debian packages in packages/debian.txt that are missing (as root on Debian:
# apt-get update once, then one apt-get install of just those), or, when it cannot (not root,
# not Debian), names them in one line and fails. Silent and fast when nothing is missing: it
# runs before every `make test`, `make demo` and `make bench`.
#   TWILL_PACKAGES_LIST  another list (default: packages/debian.txt beside this script)
#   TWILL_APT_UPDATED=1  skip apt-get update (the caller has just run it, as .ci/run does)
set -eu
list=${TWILL_PACKAGES_LIST:-$(dirname "$0")/../packages/debian.txt}
[ -r "$list" ] || { echo "ensure-packages: cannot read $list" >&2; exit 1; }

# "package program..." lines, without comments and without the machine's own programs
entries=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e '/^(machine)/d' "$list")
packages=$(printf '%s\n' "$entries" | awk '{ print $1 }')

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  debian=yes
  # shellcheck disable=SC2086 # one word per package
  installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $packages 2>/dev/null | awk '$1 ~ /^.i/ { print $2 }') || true
  missing=$(printf '%s\n' $packages | grep -vxF -e "${installed:-^}" | tr '\n' ' ') || true
else
  # No dpkg: a package counts as missing when one of its programs is not there.
  debian=no
  missing=$(printf '%s\n' "$entries" | while read -r pkg progs; do
    for p in $progs; do
      case $p in /*) [ -e "$p" ] ;; *) command -v "$p" >/dev/null ;; esac || { printf '%s ' "$pkg"; break; }
    done
  done)
fi
missing=${missing% }
[ -n "$missing" ] || exit 0

install="apt-get install -y --no-install-recommends $missing"
if [ "$debian" = no ]; then
  echo "twill needs programs from these Debian packages, missing here: $missing (install their equivalents)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "twill needs Debian packages that are not installed: $missing; as root run: apt-get update && $install" >&2
  exit 1
fi
echo "ensure-packages: installing $missing (from $list)" >&2
export DEBIAN_FRONTEND=noninteractive
[ "${TWILL_APT_UPDATED:-}" = 1 ] || apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $missing >/dev/null
