#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The main job on the bundled samples: lint a clean document, a faulty
# SIPREC INVITE, and a session's sequence with its merged state.
set -u
cd "$(dirname "$0")/.." || exit 4
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
lint=$B/bin/siprec-meta-lint
p2r=$B/bin/siprec-pcap2rec
gen=$B/tests/gen-capture
tmp=$(mktemp -d) || exit 4
trap 'rm -rf "$tmp"' EXIT INT TERM

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }

step "a clean RFC 7865 document" "siprec-meta-lint samples/call-complete.xml"
$lint samples/call-complete.xml && echo "clean (exit 0)"

step "a faulty SIPREC INVITE" "siprec-meta-lint samples/invite-faulty.sip"
$lint samples/invite-faulty.sip
echo "exit $?"

step "the same as JSON Lines" "siprec-meta-lint --json samples/invite-faulty.sip"
$lint --json samples/invite-faulty.sip

step "a session's sequence, merged" \
    "siprec-meta-lint --sequence --merged samples/call-complete.xml samples/call-hold.xml"
$lint --sequence --merged samples/call-complete.xml samples/call-hold.xml
echo "exit $?"

step "a capture of two SIPREC calls (generated, with 3 packets lost)" \
    "gen-capture --calls 2 --duration 5 --loss 10,11,12 --update-at 2 calls.pcap"
$gen --calls 2 --duration 5 --loss 10,11,12 --update-at 2 "$tmp/calls.pcap" &&
    ls -l "$tmp/calls.pcap" | awk '{ print $5 " bytes" }'

step "rebuilt from the capture" "siprec-pcap2rec -o rec calls.pcap"
(cd "$tmp" && "$p2r" -o rec calls.pcap; echo "exit $?")
d=$(ls -d "$tmp"/rec/*/ | head -n 1)
echo "one recording directory:"
(cd "$d" && find . -type f | sort | sed 's/^/  /')
echo "its streams, from session.json:"
sed -n '/"streams"/,/^  \]/p' "$d/session.json" | grep '"label"' |
    sed 's/, "bytes".*"lost": \([0-9]*\).*/, lost \1/; s/^ */  /'
echo "chain of custody:"
(cd "$d" && sha256sum -c --ignore-missing MANIFEST.sha256 | sed 's/^/  /')

step "every metadata body in the capture, per session, linted" \
    "siprec-meta-lint calls.pcap"
(cd "$tmp" && "$lint" -W info calls.pcap && echo "clean (exit 0)")
