#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark siprec-src against SIPp: RTP send timing at rising stream
# counts, measured by one receiver from kernel arrival times
# (tests/tools/src-rtprecv.c, SO_TIMESTAMPNS), and signalling calls per
# second; print a table and write $B/bench/src.jsonl.
#
# Media: siprec-src sends N G.711 20 ms streams as N/2 two-stream sessions
# (--realtime, one media thread a core, at most 2) to SIPp as the SRS
# (tests/data/sipp-src/bench-uas2.xml), which points every stream at the
# receiver; SIPp's own sender sends N one-stream calls by rtp_stream
# (bench-uac.xml) to the same UAS and receiver.  Calls start over 2 s and
# last BENCH_SRC_SECONDS; the receiver counts loss per SSRC and each
# packet's lateness against its stream's schedule (see src-rtprecv.c).
# Signalling: BENCH_SRC_CALLS calls of one stream, no media time, at
# BENCH_SRC_RATE calls/s and at most 8000 at once, siprec-src and SIPp's
# built-in uac, against the same SIPp UAS, 4 MB socket buffers; BENCH_SRC_RUNS
# runs each, medians of calls/s (calls over the process's wall time, the
# same measure for both), CPU and peak RSS, summed failures and UDP
# receive-buffer drops.  The rate asked is above the target: over the
# process's wall time, a run asked for exactly 16,000 calls/s cannot show
# 16,000 (start-up and the last answers come on top), so the figure is
# what each tool keeps up with when asked for more.
#
# Environment: B (build directory, default build), BENCH_SRC_STREAMS
# ("500 1000 2000 4000"; empty for the signalling part alone), BENCH_SRC_SECONDS (10), BENCH_SRC_RUNS (3),
# BENCH_SRC_SIPP_MAX (2000: larger counts are not run with SIPp's
# rtp_stream), BENCH_SRC_SIPP_RTP (1; 0 skips SIPp's rtp_stream, which
# binds its RTP sockets on 0.0.0.0 from port 8888 up, outside the
# project's test port range), BENCH_SRC_CALLS (20000), BENCH_SRC_RATE
# (24000).  Ports: SIP 24800-24803, the receiver 24950.
# Exit status: 0 when everything was measured (targets met or not); 1 when
# a tool is missing or cannot run.

set -u

prog=bench-src
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

B=${B:-build}
STREAMS=${BENCH_SRC_STREAMS-500 1000 2000 4000}
SECS=${BENCH_SRC_SECONDS:-10}
R=${BENCH_SRC_RUNS:-3}
SIPP_MAX=${BENCH_SRC_SIPP_MAX:-2000}
SIPP_RTP=${BENCH_SRC_SIPP_RTP:-1}
NCALLS=${BENCH_SRC_CALLS:-20000}
RATE=${BENCH_SRC_RATE:-24000}
TARGET_STREAMS=4000
TARGET_P99_US=5000
TARGET_CPS=16000

root=$(cd "$(dirname "$0")/../.." && pwd) || die "cannot find the source tree"
case $B in
/*) ;;
*) B=$(pwd)/$B ;;
esac
SRC=$B/bin/siprec-src
D=$root/tests/data/sipp-src
RECV=$B/tests/src-rtprecv
OUT=$B/bench/src.jsonl

[ -x "$SRC" ] || die "$SRC not found; run 'make all' (or 'make bench')"
command -v sipp >/dev/null 2>&1 || die "sipp not found (Debian: sip-tester)"
command -v sox >/dev/null 2>&1 || die "sox not found"
mkdir -p "$B/bench" || die "cannot create $B/bench"
[ -x "$RECV" ] || die "$RECV not found; run 'make bench'"


tmp=$(mktemp -d "${TMPDIR:-/tmp}/siprec-bench-src.XXXXXX") ||
    die "mktemp failed"
PIDS=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$tmp" || die "cannot enter $tmp"
sox -n -r 8000 -c 1 -e u-law bench.wav synth 5 sine 400 ||
    die "sox cannot make bench.wav"

ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
threads=$ncpu
[ "$threads" -gt 2 ] && threads=2

# A field of a flat JSON object: jget FILE KEY
jget() {
	sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\\1/p" "$1" | head -n 1
}

# run_cpu CMD...: as run_once, and CPU seconds (user + sys) in CPU.
# shellcheck disable=SC2154 # have_gtime comes from lib.sh
run_cpu() {
	if [ "$have_gtime" = 1 ]; then
		/usr/bin/time -f '%U %S %M %e' -o "$tmp/cpu" "$@" \
		    >"$tmp/stdout" 2>"$tmp/stderr"
		RC=$?
		# shellcheck disable=SC2046
		set -- $(tail -n 1 "$tmp/cpu")
		CPU=$(awk -v u="$1" -v s="$2" 'BEGIN { printf "%.2f", u + s }')
		RSS=$3
		WALL=$4
	else
		"$@" >"$tmp/stdout" 2>"$tmp/stderr"
		RC=$?
		CPU=n/a RSS=n/a WALL=n/a
	fi
}

# media TOOL STREAMS: one run; sets M_P50 M_P99 M_LOST M_PKTS M_CPU M_RSS M_RC
media() {
	tool=$1 n=$2
	if [ "$tool" = siprec-src ]; then
		calls=$((n / 2))
		uas=bench-uas2.xml
	else
		calls=$n
		uas=bench-uas1.xml
	fi
	rate=$(((calls + 1) / 2))
	rm -f recv.json
	timeout $((SECS + 200)) "$RECV" 127.0.0.1 24950 1 20 $((SECS + 180)) \
	    recv.json &
	rpid=$!
	timeout $((SECS + 60)) sipp -sf "$D/$uas" -i 127.0.0.1 -p 24800 \
	    -key rtpport 24950 -m "$calls" -nostdin -buff_size 4194304 \
	    >/dev/null 2>&1 &
	upid=$!
	PIDS="$rpid $upid"
	sleep 1
	if [ "$tool" = siprec-src ]; then
		run_cpu timeout $((SECS + 60)) "$SRC" -t udp -q -j --realtime \
		    --media-threads "$threads" -c PCMU -r "$rate" -l "$calls" \
		    -m "$calls" -d $((SECS * 1000)) sip:srs@127.0.0.1:24800
	else
		run_cpu timeout $((SECS + 60)) sipp -sf "$D/bench-uac.xml" \
		    127.0.0.1:24800 -i 127.0.0.1 -p 24802 -r "$rate" \
		    -l "$calls" -m "$calls" -d $((SECS * 1000)) -nostdin \
		    -buff_size 4194304
	fi
	M_RC=$RC
	M_RSS=$RSS
	wait "$rpid" 2>/dev/null
	wait "$upid" 2>/dev/null
	PIDS=
	M_P50=$(jget recv.json dev_p50_us)
	M_P99=$(jget recv.json dev_p99_us)
	M_LOST=$(jget recv.json lost)
	M_PKTS=$(jget recv.json packets)
	M_STREAMS=$(jget recv.json streams)
	[ -n "$M_P99" ] || { M_P50=n/a M_P99=n/a M_LOST=n/a M_PKTS=0 M_STREAMS=0; }
}

: >"$tmp/rows"
for n in $STREAMS; do
	for tool in siprec-src sipp; do
		if [ "$tool" = sipp ]; then
			[ "$SIPP_RTP" = 1 ] || continue
			[ "$n" -le "$SIPP_MAX" ] || continue
		fi
		: >"$tmp/p50" ; : >"$tmp/p99" ; : >"$tmp/cpu_l" ; : >"$tmp/rss_l"
		lost=0 pk=0 rcs=0 st=0
		i=0
		while [ $i -lt "$R" ]; do
			media "$tool" "$n"
			echo "$M_P50" >>"$tmp/p50"
			echo "$M_P99" >>"$tmp/p99"
			echo "$CPU" >>"$tmp/cpu_l"
			echo "$M_RSS" >>"$tmp/rss_l"
			case $M_LOST in n/a) ;; *) lost=$((lost + M_LOST)) ;; esac
			pk=$((pk + M_PKTS))
			st=$M_STREAMS
			[ "$M_RC" -eq 0 ] || rcs=$M_RC
			i=$((i + 1))
		done
		p50=$(median "$tmp/p50")
		p99=$(median "$tmp/p99")
		cpu=$(median "$tmp/cpu_l")
		rss=$(median "$tmp/rss_l")
		sess=$n
		[ "$tool" = siprec-src ] && sess=$((n / 2))
		kbs=$(awk -v r="$rss" -v s="$sess" \
		    'BEGIN { if (r + 0 > 0) printf "%.1f", r / s; else print "n/a" }')
		printf '%s %s %s %s %s %s %s %s %s %s\n' "$tool" "$n" "$st" \
		    "$p50" "$p99" "$lost" "$pk" "$cpu" "$kbs" "$rcs" >>"$tmp/rows"
	done
done

# Signalling: calls per second with no media time.  Both tools are
# measured the same way: NCALLS over the wall time of the process, from
# start to exit (a call that times out counts as time and as a failure).
# The kernel's UDP receive-buffer drops (RcvbufErrors in /proc/net/snmp,
# all sockets of the host) are counted over each run.
rcvbuf_errors() {
	awk '/^Udp:/ && n++ { for (i = 1; i <= NF; i++) if (h[i] == "RcvbufErrors")
	    print $i } /^Udp:/ { for (i = 1; i <= NF; i++) h[i] = $i }' \
	    /proc/net/snmp 2>/dev/null | head -n 1
}
sig() {
	tool=$1
	timeout 120 sipp -sf "$D/bench-uas1.xml" -i 127.0.0.1 -p 24800 \
	    -key rtpport 24950 -m "$NCALLS" -nostdin -buff_size 4194304 \
	    >/dev/null 2>&1 &
	upid=$!
	PIDS=$upid
	sleep 1
	d0=$(rcvbuf_errors)
	rm -f sipp-stat.csv
	if [ "$tool" = siprec-src ]; then
		run_cpu timeout 120 "$SRC" -t udp -q -j -n 1 -d 0 -r "$RATE" \
		    -l 8000 -m "$NCALLS" -x "$NCALLS" \
		    sip:srs@127.0.0.1:24800
		S_FAIL=$(sed -nE 's/.*"failed":([0-9]+).*/\1/p' "$tmp/stdout")
	else
		run_cpu timeout 120 sipp -sn uac 127.0.0.1:24800 -i 127.0.0.1 \
		    -p 24802 -r "$RATE" -l 8000 -m "$NCALLS" -d 0 -nostdin \
		    -buff_size 4194304 -trace_stat -stf sipp-stat.csv
		S_FAIL=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++)
		    if ($i == "FailedCall(C)") c = i } END { print $c + 0 }' \
		    sipp-stat.csv 2>/dev/null)
	fi
	d1=$(rcvbuf_errors)
	S_DROP=$(( ${d1:-0} - ${d0:-0} ))
	S_RC=$RC
	S_CPS=$(awk -v n="$NCALLS" -v w="$WALL" \
	    'BEGIN { if (w + 0 > 0) printf "%.0f", n / w; else print "n/a" }')
	S_CPU=$CPU
	S_RSS=$RSS
	kill "$upid" 2>/dev/null
	wait "$upid" 2>/dev/null
	PIDS=
	[ -n "$S_FAIL" ] || S_FAIL=n/a
}
# sigs TOOL: R runs; medians in M_CPS M_CPU M_RSS, worst of the rest.
sigs() {
	: >"$tmp/s_cps" ; : >"$tmp/s_cpu" ; : >"$tmp/s_rss"
	M_FAIL=0 M_DROP=0 M_RC=0
	i=0
	while [ $i -lt "$R" ]; do
		sig "$1"
		echo "$S_CPS" >>"$tmp/s_cps"
		echo "$S_CPU" >>"$tmp/s_cpu"
		echo "$S_RSS" >>"$tmp/s_rss"
		case $S_FAIL in
		n/a) M_FAIL=n/a ;;
		*) [ "$M_FAIL" = n/a ] || M_FAIL=$((M_FAIL + S_FAIL)) ;;
		esac
		M_DROP=$((M_DROP + S_DROP))
		[ "$S_RC" -eq 0 ] || M_RC=$S_RC
		i=$((i + 1))
	done
	M_CPS=$(median "$tmp/s_cps")
	M_CPU=$(median "$tmp/s_cpu")
	M_RSS=$(median "$tmp/s_rss")
	# CPU per call in microseconds, from the median CPU time.
	M_US=$(awk -v c="$M_CPU" -v n="$NCALLS" \
	    'BEGIN { if (c + 0 > 0) printf "%.0f", c * 1e6 / n; else print "n/a" }')
}
LOAD0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
sigs siprec-src
G_CPS=$M_CPS G_FAIL=$M_FAIL G_CPU=$M_CPU G_RC=$M_RC G_DROP=$M_DROP
G_US=$M_US G_RSS=$M_RSS
sigs sipp
P_CPS=$M_CPS P_FAIL=$M_FAIL P_CPU=$M_CPU P_RC=$M_RC P_DROP=$M_DROP
P_US=$M_US P_RSS=$M_RSS

printf 'siprec-src vs SIPp: G.711 20 ms streams to one receiver (kernel\n'
printf 'arrival times), calls over 2 s then %s s, median of %s runs; %s cores\n' \
    "$SECS" "$R" "$ncpu"
printf '  %-10s %7s %7s %9s %9s %8s %9s %8s %9s %4s\n' tool streams seen \
    'p50 us' 'p99 us' lost packets 'cpu s' 'KiB/sess' exit
while read -r tool n st p50 p99 lost pk cpu kbs rc; do
	printf '  %-10s %7s %7s %9s %9s %8s %9s %8s %9s %4s\n' "$tool" "$n" \
	    "$st" "$p50" "$p99" "$lost" "$pk" "$cpu" "$kbs" "$rc"
done <"$tmp/rows"
printf 'signalling: %s calls asked at %s/s, no media time, median of %s runs' \
    "$NCALLS" "$RATE" "$R"
printf ' (failures and drops summed); load average %s before\n' "$LOAD0"
printf '  %-10s %10s %8s %8s %8s %9s %8s %4s\n' tool 'calls/s' failed \
    'cpu s' 'us/call' 'rss KiB' drops exit
printf '  %-10s %10s %8s %8s %8s %9s %8s %4s\n' siprec-src "$G_CPS" \
    "$G_FAIL" "$G_CPU" "$G_US" "$G_RSS" "$G_DROP" "$G_RC"
printf '  %-10s %10s %8s %8s %8s %9s %8s %4s\n' sipp "$P_CPS" "$P_FAIL" \
    "$P_CPU" "$P_US" "$P_RSS" "$P_DROP" "$P_RC"
met=$(awk -v t=$TARGET_STREAMS -v p=$TARGET_P99_US '
    $1 == "siprec-src" && $2 >= t { run = 1 }
    $1 == "siprec-src" && $2 >= t && $5 != "n/a" && $5 + 0 <= p && $6 == 0 \
	{ ok = 1 }
    END { print ok ? "met" : run ? "MISSED" : "not measured" }' "$tmp/rows")
cmet=$(awk -v v="$G_CPS" -v f="$G_FAIL" -v t=$TARGET_CPS \
    'BEGIN { print (v != "n/a" && v + 0 >= t && f == "0") ? "met" : "MISSED" }')
printf 'target: >= %s streams with p99 <= %s us and no loss (%s);' \
    "$TARGET_STREAMS" "$TARGET_P99_US" "$met"
printf ' >= %s calls/s with 0 failures (%s)\n' "$TARGET_CPS" "$cmet"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
{
	printf '{"type":"env","date":"%s","cpu":"%s","nproc":%s,"seconds":%s,' \
	    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(printf '%s' "$cpu" |
	    tr -d '\042\134')" "$ncpu" "$SECS"
	printf '"runs":%s,"media_threads":%s}\n' "$R" "$threads"
	while read -r tool n st p50 p99 lost pk cpu kbs rc; do
		printf '{"type":"media","tool":"%s","streams":%s,"seen":%s,' \
		    "$tool" "$n" "$st"
		printf '"p50_us":%s,"p99_us":%s,"lost":%s,"packets":%s,' \
		    "$(echo "$p50" | sed 's#n/a#null#')" \
		    "$(echo "$p99" | sed 's#n/a#null#')" "$lost" "$pk"
		printf '"cpu_s":%s,"kib_per_session":%s,"exit":%s}\n' \
		    "$(echo "$cpu" | sed 's#n/a#null#')" \
		    "$(echo "$kbs" | sed 's#n/a#null#')" "$rc"
	done <"$tmp/rows"
	for t in "siprec-src $G_CPS $G_FAIL $G_CPU $G_RC $G_US $G_RSS $G_DROP" \
	    "sipp $P_CPS $P_FAIL $P_CPU $P_RC $P_US $P_RSS $P_DROP"; do
		# shellcheck disable=SC2086
		set -- $t
		printf '{"type":"signalling","tool":"%s","calls":%s,"rate":%s,' \
		    "$1" "$NCALLS" "$RATE"
		printf '"runs":%s,"load_before":%s,' "$R" "${LOAD0:-null}"
		printf '"calls_per_s":%s,"failed":%s,"cpu_s":%s,"exit":%s,' \
		    "$(echo "$2" | sed 's#n/a#null#')" \
		    "$(echo "$3" | sed 's#n/a#null#')" \
		    "$(echo "$4" | sed 's#n/a#null#')" "$5"
		printf '"us_per_call":%s,"rss_kib":%s,"rcvbuf_drops":%s}\n' \
		    "$(echo "$6" | sed 's#n/a#null#')" \
		    "$(echo "$7" | sed 's#n/a#null#')" "$8"
	done
	printf '{"type":"target","streams":%s,"p99_us":%s,"calls_per_s":%s,' \
	    "$TARGET_STREAMS" "$TARGET_P99_US" "$TARGET_CPS"
	printf '"media_met":%s,"signalling_met":%s}\n' \
	    "$([ "$met" = met ] && echo true || echo false)" \
	    "$([ "$cmet" = met ] && echo true || echo false)"
} >"$OUT.tmp" || die "cannot write $OUT.tmp"
mv "$OUT.tmp" "$OUT" || die "cannot write $OUT"
printf 'results: %s\n' "${OUT#"$root"/}"
exit 0
