#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Oracle: for every capture in the shared corpus, the SIP messages and UDP
# datagrams the capture module delivers (through tests/tools/capdump) match
# tshark's, frame by frame: same record numbers, same number of SIP
# messages per record, same capture times.  Prints TAP; skips when tshark
# or the corpus is absent.
set -u
cd "$(dirname "$0")/../.." || exit 4
B=${B:-build}
dump="$B/tests/capdump"
corpus=../shared/corpus/pcap/sip-rtp
if ! command -v tshark >/dev/null 2>&1; then
	echo "ok 1 # skip tshark is not installed (package tshark)"
	exit 0
fi
if [ ! -d "$corpus" ]; then
	echo "ok 1 # skip $corpus is absent"
	exit 0
fi
if [ ! -x "$dump" ]; then
	echo "not ok 1 $dump is not built (make $dump)"
	echo "1..1"
	exit 0
fi
tmp=$(mktemp -d) || exit 4
trap 'rm -rf "$tmp"' EXIT INT TERM
us=$(printf '\037')

# The files where our answer differs from tshark's on purpose: how, and
# why.  Every other file must match exactly.
#   out REGEX  tshark finds SIP in frames whose protocol stack matches
#              REGEX, which is out of scope here: those frames are left
#              out of tshark's list (there must be some).
#   dup        the capture holds exact IP-level copies of packets; we drop
#              them (SPEC T-06), tshark shows both.  Every frame we miss
#              must repeat, within 10 ms, the IP ID, addresses and UDP
#              length of a frame we delivered (there must be some).
exception() {
	case $1 in
	heplify_sip_sctp_sll.pcap)
		echo "out :sctp: SIP over SCTP is out of scope" ;;
	heplify_sip_tcp_websocket.pcap)
		echo "out :websocket SIP over WebSocket is out of scope" ;;
	ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap)
		echo "dup - SPAN copies: 23 SIP datagrams appear twice," \
		    "same IP ID, 0.3 to 1.5 ms apart" ;;
	*)
		echo "none - -" ;;
	esac
}

n=0
tap() {
	# $1: 0 for ok; the rest: the description.
	n=$((n + 1))
	r=$1
	shift
	if [ "$r" -eq 0 ]; then
		echo "ok $n $*"
	else
		echo "not ok $n $*"
	fi
}

for f in "$corpus"/*; do
	[ -f "$f" ] || continue
	name=${f##*/}
	set -- $(exception "$name")
	kind=$1 arg=$2
	shift 2
	why=$*

	if ! "$dump" "$f" > "$tmp/ours" 2> "$tmp/err"; then
		tap 1 "$name: capdump failed: $(head -n 1 "$tmp/err")"
		continue
	fi
	awk '$1 == "udp" { print $5, $2 }' "$tmp/ours" | sort > "$tmp/o.udp"
	awk '/ \| / { c[$5]++ } END { for (r in c) print r, c[r] }' \
	    "$tmp/ours" | sort > "$tmp/o.sip"

	# One pass of tshark: frame, time, protocols, UDP lengths, IP IDs
	# and addresses, request and status lines (all occurrences).
	tshark -r "$f" -Y "sip || udp" -T fields -E occurrence=a \
	    -E "aggregator=$us" -e frame.number -e frame.time_epoch \
	    -e frame.protocols -e udp.length -e ip.id -e ip.src -e ip.dst \
	    -e sip.Request-Line -e sip.Status-Line > "$tmp/t" 2> /dev/null
	awk -F '\t' -v us="$us" -v kind="$kind" -v re="$arg" \
	    -v tdir="$tmp" '
	function last(s,   a, k) { k = split(s, a, us); return a[k] }
	function ns(t) { sub(/\./, "", t); sub(/^0+/, "", t); return t }
	{
		if ($4 != "") {
			print $1, ns($2) > (tdir "/t.udp")
			print $1, $2, last($5), last($6), last($7), \
			    last($4) > (tdir "/t.key")
		}
		k = 0
		for (i = 8; i <= 9; i++) {
			m = split($i, a, us)
			for (j = 1; j <= m; j++)
				if (a[j] != "")
					k++
		}
		if (k == 0)
			next
		if (kind == "out" && $3 ~ re) {
			out++
			next
		}
		print $1, k > (tdir "/t.sip")
	}
	END { print out + 0 > (tdir "/t.out") }' "$tmp/t"
	touch "$tmp/t.udp" "$tmp/t.sip" "$tmp/t.key"
	sort -o "$tmp/t.udp" "$tmp/t.udp"
	sort -o "$tmp/t.sip" "$tmp/t.sip"

	# Frames tshark has and we do not, and whether each is a copy.
	: > "$tmp/dups"
	bad=0
	if [ "$kind" = dup ]; then
		bad=$(awk -v ours="$tmp/o.udp" -v dups="$tmp/dups" '
		BEGIN {
			while ((getline l < ours) > 0) {
				split(l, a, " ")
				got[a[1]] = 1
			}
		}
		{
			key = $3 " " $4 " " $5 " " $6
			if ($1 in got) {
				seen[key] = $2
				next
			}
			if ((key in seen) && $2 - seen[key] <= 0.010)
				print $1 > dups
			else
				bad++
		}
		END { print bad + 0 }' "$tmp/t.key")
	fi
	ndup=$(wc -l < "$tmp/dups" | tr -d ' ')
	awk -v dups="$tmp/dups" 'BEGIN { while ((getline l < dups) > 0)
	    d[l] = 1 } !($1 in d)' "$tmp/t.udp" > "$tmp/t.udp2"
	awk -v dups="$tmp/dups" 'BEGIN { while ((getline l < dups) > 0)
	    d[l] = 1 } !($1 in d)' "$tmp/t.sip" > "$tmp/t.sip2"

	ours=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/o.sip")
	theirs=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/t.sip")
	theirs_all=$((theirs + $(cat "$tmp/t.out")))
	ou=$(wc -l < "$tmp/o.udp" | tr -d ' ')
	tu=$(wc -l < "$tmp/t.udp" | tr -d ' ')

	nout=$(cat "$tmp/t.out")
	unote=
	case $kind in
	out)
		note=" less $nout out of scope ($why)"
		[ "$nout" -gt 0 ] ||
		    note=" (exception no longer needed: $why)" ;;
	dup)
		note=" less $ndup duplicate frames ($why)"
		unote=" less $ndup duplicate frames"
		[ "$ndup" -gt 0 ] && [ "$bad" -eq 0 ] ||
		    note=" ($bad missing frames not copies, $ndup are: $why)" ;;
	*)
		note= ;;
	esac
	ok=1
	if cmp -s "$tmp/o.sip" "$tmp/t.sip2"; then
		ok=0
	fi
	case $note in
	*"no longer needed"*|*"are not copies"*) ok=1 ;;
	esac
	tap $ok "$name: SIP messages: ours $ours, tshark $theirs_all$note"
	ok=1
	if cmp -s "$tmp/o.udp" "$tmp/t.udp2" && [ "$bad" -eq 0 ]; then
		ok=0
	fi
	tap $ok "$name: UDP datagrams and times: ours $ou, tshark $tu$unote"
	if [ $ok -ne 0 ]; then
		diff "$tmp/o.udp" "$tmp/t.udp2" | head -n 5 | sed 's/^/# /'
	fi
	rm -f "$tmp"/t.*
done
echo "1..$n"
