#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark siprec-srs: N concurrent two-stream SIPREC sessions (SIPp
# sets them up), then every stream gets a 20 ms G.711 packet every 20 ms
# from a paced sender (tests/tools/srs-rtpsend.c load) for
# D seconds on loopback; once the server is idle again, SIGTERM finishes
# every recording.  Reports the server's CPU from the first packet until
# it is idle (the last 0.5 s idle included), peak memory per session, the
# time the sender really took ("media s"; above D it could not keep the
# pace), the time to finish every recording, and the packets sent but not
# recorded per step; the knee is the first step that loses packets.
# Writes $B/bench/srs.jsonl.
#
# Environment: B (build directory, default build), SRS_BENCH_STEPS
# (sessions per step, default "2500 3500 5000"), SRS_BENCH_SECONDS (media
# seconds per step, default 20).
# Exit status: 0 measured; 1 a tool is missing or a step could not run.

set -u

prog=bench-srs
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

B=${B:-build}
STEPS=${SRS_BENCH_STEPS:-2500 3500 5000}
D=${SRS_BENCH_SECONDS:-20}
root=$(cd "$(dirname "$0")/../.." && pwd) || die "cannot find the source tree"
cd "$root" || die "cannot enter $root"
SRS=$root/$B/bin/siprec-srs
[ -x "$SRS" ] || die "$SRS is not built"
command -v sipp >/dev/null || { echo "$prog: sipp is not installed: skipped"; exit 0; }
command -v python3 >/dev/null || die "python3 is needed to read the events"
mkdir -p "$B/bench" || die "cannot create $B/bench"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-srs.XXXXXX") || die "mktemp"
SRS_PID=
SIPP_PID=
cleanup() {
	[ -n "$SRS_PID" ] && kill -KILL "$SRS_PID" 2>/dev/null
	[ -n "$SIPP_PID" ] && kill -KILL "$SIPP_PID" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

SENDER=$root/$B/tests/srs-rtpsend
[ -x "$SENDER" ] || die "$SENDER is not built (make bench builds it)"

# CPU seconds (user + system) of process $1 so far.
cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat"
}

# UDP datagrams dropped for full socket buffers, system-wide.
rcvbuf_errors() {
	awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $6; exit }' /proc/net/snmp
}

out=$B/bench/srs.jsonl
: > "$out"
printf '%-9s %-8s %-10s %-6s %-9s %-11s %-12s %-8s %s\n' sessions streams \
    packets lost "srs cpu%" "media s" "KiB/session" "setup s" "finish s"
knee=
for n in $STEPS; do
	rm -rf "$tmp/rec" "$tmp/ev.jsonl" "$tmp/ports.log"
	: > "$tmp/ev.jsonl"
	"$SRS" -l 127.0.0.1:0 -P 0 -q -T 600 -o "$tmp/rec" \
	    -e "$tmp/ev.jsonl" 2> "$tmp/srs.err" &
	SRS_PID=$!
	port=
	i=0
	while [ -z "$port" ] && [ $i -lt 100 ]; do
		port=$(sed -n 's/.*"UDP","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' \
		    "$tmp/ev.jsonl" | head -n 1)
		i=$((i + 1))
		sleep 0.05
	done
	[ -n "$port" ] || die "siprec-srs did not start: $(cat "$tmp/srs.err")"
	rate=250
	# The calls are held until the server is stopped: every recording
	# ends at the SIGTERM, after the media, however slow the sender.
	hold=$(( (n / rate + 8 * D + 60) * 1000 ))
	t0=$(date +%s)
	(cd "$tmp" && exec timeout $((hold / 1000 + 60)) sipp \
	    -sf "$root/tests/data/sipp/srs-bench.xml" -m "$n" -l "$n" \
	    -r "$rate" -d "$hold" -i 127.0.0.1 -p 0 -t u1 -nostdin \
	    -trace_logs -log_file "$tmp/ports.log" "127.0.0.1:$port" \
	    > "$tmp/sipp.out" 2>&1) &
	SIPP_PID=$!
	want=$((2 * n))
	got=0
	while [ "$got" -lt "$want" ]; do
		got=$({ wc -l < "$tmp/ports.log"; } 2>/dev/null || echo 0)
		kill -0 "$SIPP_PID" 2>/dev/null ||
		    die "SIPp ended early: $(tail -n 5 "$tmp/sipp.out")"
		[ $(($(date +%s) - t0)) -lt $((n / rate + 60)) ] ||
		    die "only $got of $want streams set up in time"
		sleep 0.2
	done
	setup=$(($(date +%s) - t0))
	rb0=$(rcvbuf_errors)
	c0=$(cpu "$SRS_PID")
	w0=$(date +%s%N)
	# One sender: on loopback the sender also runs the receive path of
	# every packet, so a second sender takes the server's CPU away (on
	# two cores it starved the server into socket-buffer drops).
	"$SENDER" load 127.0.0.1 "$tmp/ports.log" "$D" > "$tmp/sender.out"
	w1=$(date +%s%N)
	c1=$(cpu "$SRS_PID")
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SRS_PID/status")
	# Let the server drain its sockets: until it is idle for 0.5 s.
	i=0
	while [ $i -lt 60 ]; do
		a=$(cpu "$SRS_PID")
		sleep 0.5
		b=$(cpu "$SRS_PID")
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.02) }' && break
		i=$((i + 1))
	done
	c1=$(cpu "$SRS_PID")
	w2=$(date +%s%N)
	# SIGTERM finishes every recording; then the SRC goes.
	f0=$(date +%s%N)
	kill -TERM "$SRS_PID"
	wait "$SRS_PID"
	SRS_PID=
	f1=$(date +%s%N)
	kill "$SIPP_PID" 2>/dev/null
	wait "$SIPP_PID" 2>/dev/null
	SIPP_PID=
	set -- $(python3 - "$tmp/ev.jsonl" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [s for e in ev if e["event"] == "end" for s in e["streams"]]
print(len([e for e in ev if e["event"] == "end"]), len(st),
      sum(s.get("packets", 0) for s in st), sum(s.get("lost", 0) for s in st))
EOF
	)
	recs=$1 streams=$2 packets=$3 lost=$4
	sent=$(awk '{ s += $2 } END { print s }' "$tmp/sender.out")
	late=$(awk '{ if ($6 > l) l = $6 } END { print l }' "$tmp/sender.out")
	fin=$(awk -v a="$f0" -v b="$f1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	cpupct=$(awk -v a="$c0" -v b="$c1" -v t0="$w0" -v t1="$w2" \
	    'BEGIN { printf "%.1f", 100 * (b - a) / ((t1 - t0) / 1e9) }')
	perses=$(awk -v h="$hwm" -v n="$n" 'BEGIN { printf "%.1f", h / n }')
	# Lost: what the sender sent that no recording counted.
	missing=$((sent - packets))
	wall=$(awk -v t0="$w0" -v t1="$w1" 'BEGIN { printf "%.2f", (t1 - t0) / 1e9 }')
	printf '%-9s %-8s %-10s %-6s %-9s %-11s %-12s %-8s %s\n' "$n" "$streams" \
	    "$packets" "$missing" "$cpupct" "$wall/$D" "$perses" "$setup" "$fin"
	drops=$(($(rcvbuf_errors) - rb0))
	printf '{"sessions":%s,"recordings":%s,"streams":%s,"sent":%s,"recorded":%s,"lost":%s,"rtp_lost":%s,"srs_cpu_pct":%s,"sender_late_ticks":%s,"peak_rss_kib":%s,"kib_per_session":%s,"media_seconds":%s,"media_wall_seconds":%s,"finish_seconds":%s,"udp_rcvbuf_drops":%s}\n' \
	    "$n" "$recs" "$streams" "$sent" "$packets" "$missing" "$lost" \
	    "$cpupct" "$late" "$hwm" "$perses" "$D" "$wall" "$fin" "$drops" >> "$out"
	if [ "$missing" -gt 0 ] || [ "$recs" -lt "$n" ]; then
		# The events of a losing step, to see where the packets went.
		cp "$tmp/ev.jsonl" "$B/bench/srs-events-$n.jsonl"
		[ -n "$knee" ] || knee=$n
	fi
done
if [ -n "$knee" ]; then
	echo "$prog: knee: packets lost from $knee sessions ($((2 * knee)) streams)"
else
	echo "$prog: no loss up to the largest step ($(echo "$STEPS" | awk '{ print $NF }') sessions)"
fi
echo "$prog: SIPp as a plain receiver of the same load is not comparable:" \
    "it receives RTP on one media port per instance (-mp, -rtp_echo), not" \
    "on a port per stream, and records nothing."
echo "$prog: results in $out"
