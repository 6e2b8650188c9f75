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

# The live loop on loopback: siprec-srs records what siprec-src sends;
# tcpdump (when it may capture) watches, siprec-pcap2rec rebuilds the same
# calls from its capture, and the two recordings are compared.
srs=$B/bin/siprec-srs
src=$B/bin/siprec-src
live=$tmp/live
mkdir -p "$live" || exit 4
step "a recording server on an ephemeral loopback port" \
    "siprec-srs -l 127.0.0.1:0 -P 26000-26999 -o srs -n 3 > events.jsonl"
(cd "$live" && exec timeout 60 "$srs" -q -l 127.0.0.1:0 -P 26000-26999 -o srs -n 3 \
    > events.jsonl) &
srspid=$!
port=
i=0
while [ $i -lt 50 ] && [ -z "$port" ]; do
	port=$(sed -n 's/.*"event":"listening".*"transport":"UDP","address":"127.0.0.1:\([0-9]*\)".*/\1/p' \
	    "$live/events.jsonl" 2>/dev/null | head -n 1)
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	echo "siprec-srs did not start; skipping the live loop"
	kill "$srspid" 2>/dev/null
	exit 0
fi
echo "listening on 127.0.0.1:$port"

tcpdump=$(command -v tcpdump 2>/dev/null) || tcpdump=
tdpid=
if [ -n "$tcpdump" ] && [ "$(id -u)" -eq 0 ]; then
	"$tcpdump" -i lo -s 0 -U -w "$live/loop.pcap" \
	    "port $port or portrange 26000-26999" >/dev/null 2>&1 &
	tdpid=$!
	sleep 1
else
	echo "(tcpdump needs root here: the capture step is skipped)"
fi

# UDP even for INVITEs over 1300 bytes: the live SIP core knows when a
# datagram left from the kernel, so the server's times equal the capture's;
# over TCP they can differ by microseconds and shift the leading silence.
step "three SIPREC calls, 3 s each, paused and resumed, a participant joins" \
    "siprec-src -t udp -m 3 -r 3 -d 3000 -e 1:pause,1.5:resume,2:join -j sip:srs@127.0.0.1:$port"
(cd "$live" && timeout 60 "$src" -q -t udp -m 3 -r 3 -d 3000 \
    -e 1:pause,1.5:resume,2:join -j "sip:srs@127.0.0.1:$port" > summary.json)
echo "exit $?"
sed 's/,"/,\n  "/g' "$live/summary.json" |
    grep -E '"(attempted|answered|failed|packets|labels_echoed|recvonly|metadata_accepted)"' |
    sed 's/[{}]//g; s/,$//'
wait "$srspid"
echo "siprec-srs finished (exit $?); its events:"
sed 's/.*"event":"\([a-z]*\)".*/\1/' "$live/events.jsonl" | sort | uniq -c |
    sed 's/^ */  /'
[ -n "$tdpid" ] && { sleep 0.5; kill "$tdpid" 2>/dev/null; wait "$tdpid"; }

step "every recorded session's metadata, in order, linted" \
    "siprec-meta-lint --sequence srs/ID/metadata/*.xml"
for d in "$live"/srs/*/; do
	"$lint" -q --sequence "$d"metadata/*.xml
	echo "  $(basename "$d"): exit $?"
done

if [ -n "$tdpid" ] && [ -s "$live/loop.pcap" ]; then
	step "the same calls rebuilt from the capture" \
	    "siprec-pcap2rec -o p2r loop.pcap"
	(cd "$live" && "$p2r" -q -o p2r loop.pcap > p2r.txt; echo "exit $?")
	echo "$(wc -l < "$live/p2r.txt") recordings rebuilt"
	same=0 differ=0
	for f in "$live"/srs/*/*.wav; do
		g=$live/p2r/${f#"$live"/srs/}
		if cmp -s "$f" "$g"; then
			same=$((same + 1))
		else
			differ=$((differ + 1))
		fi
	done
	echo "audio files byte-identical between siprec-srs and siprec-pcap2rec:" \
	    "$same, different: $differ"
fi
