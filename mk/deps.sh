#!/bin/sh
# Checks the build's Debian dependencies; as root installs what is missing,
# otherwise prints the exact command to run. Usage: mk/deps.sh [extra packages]
set -u
pcs="lmdb libcrypto libmicrohttpd jansson libcurl cmocka"
pkgs="pkg-config liblmdb-dev libssl-dev libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libcmocka-dev"
missing=""
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $pcs 2>/dev/null; then
	missing="$pkgs"
fi
for extra in "$@"; do
	dpkg -s "$extra" >/dev/null 2>&1 || missing="$missing $extra"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "cairn: installing missing Debian packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null || {
		echo "cairn: apt-get install failed" >&2
		exit 1
	}
	exit 0
fi
echo "cairn: missing build dependencies; run:" >&2
echo "  sudo apt-get install -y$missing" >&2
exit 1
