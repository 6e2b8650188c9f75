#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install the Debian packages the project builds and tests with, when they
# are missing.  Idempotent; works as root or through sudo; on a system
# without apt-get it says what is needed and leaves the rest to the tests,
# which skip what they cannot run.
set -u
PKGS="gcc make pkg-config libxml2-dev libosip2-dev libgcrypt20-dev
libpcap-dev libsndfile1-dev libsrtp2-dev libspandsp-dev libbcg729-dev
libopus-dev libxml2-utils bats bats-assert bats-support groff-base mandoc
time tshark tcpdump sox python3 sip-tester espeak-ng"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: not a Debian system; please install:$missing" >&2
	exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "deps: need root or sudo to install:$missing" >&2
	exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || exit 4
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    exit 4
