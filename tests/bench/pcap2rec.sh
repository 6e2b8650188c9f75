#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark siprec-pcap2rec against a tshark pipeline and the pcapfloor
# read-and-extract floor on one generated SIPREC capture; print a table
# and write $B/bench/pcap2rec.jsonl.
#
# Environment: B (build directory, default build), BENCH_CALLS (1000),
# BENCH_CONCURRENT (the calls, at most 1000), BENCH_DURATION (60 seconds),
# BENCH_RUNS (3: the tshark pipeline, the half-length capture),
# BENCH_RUNS_FAST (5: siprec-pcap2rec and pcapfloor on the full capture,
# taking turns after a warm-up run each, so that both meet the same state
# of the machine: on a virtual machine it drifts by 10-20 % between
# minutes), BENCH_SEED (1), BENCH_TSHARK_LIMIT (600: when one run
# of the tshark pipeline over the whole capture is expected to take
# longer, in seconds, it runs on a capture of 1/BENCH_TSHARK_SCALE of the
# calls instead, and so does siprec-pcap2rec for the ratio),
# BENCH_TSHARK_SCALE (10), BENCH_OUTDIR (where the tools write; default
# /dev/shm when it has room, else TMPDIR).  TMPDIR holds the captures:
# about 1.4 GB for the defaults, 0.7 GB for the half-length one; the
# output directory about 2 GB at a time (one run's recordings).
# Exit status: 0 when everything was measured (targets met or not); 1 when
# a tool is missing, the generator fails, or a tool fails or writes the
# wrong number of streams (shown as exit -1 in the table and the JSON).

set -u

prog=bench-pcap2rec
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

B=${B:-build}
N=${BENCH_CALLS:-1000}
D=${BENCH_DURATION:-60}
R=${BENCH_RUNS:-3}
RF=${BENCH_RUNS_FAST:-5}
SEED=${BENCH_SEED:-1}
LIMIT=${BENCH_TSHARK_LIMIT:-600}
SCALE=${BENCH_TSHARK_SCALE:-10}
TARGET_TSHARK=20	# at least this many times faster than tshark
TARGET_FLOOR=2		# at most this many times slower than pcapfloor
TARGET_RSS=262144	# KiB (256 MiB)
TARGET_FLAT=10		# per cent growth of peak RSS from half to full length

isnum "$N" || die "BENCH_CALLS must be a positive integer: $N"
isnum "$R" || die "BENCH_RUNS must be a positive integer: $R"
isnum "$RF" || die "BENCH_RUNS_FAST must be a positive integer: $RF"
isnum "$LIMIT" || die "BENCH_TSHARK_LIMIT must be a positive integer: $LIMIT"
isnum "$SCALE" || die "BENCH_TSHARK_SCALE must be a positive integer: $SCALE"
if [ -n "${BENCH_CONCURRENT:-}" ]; then
	C=$BENCH_CONCURRENT
	isnum "$C" || die "BENCH_CONCURRENT must be a positive integer: $C"
else
	C=$N
	[ "$C" -le 1000 ] || C=1000
fi
[ "$C" -le "$N" ] || C=$N
case $D in
'' | *[!0-9.]* | *.*.* | . ) die "BENCH_DURATION must be a number: $D" ;;
esac
awk -v d="$D" 'BEGIN { exit !(d >= 0.04) }' ||
    die "BENCH_DURATION must be at least 0.04 s (two packets): $D"
HALF=$(awk -v d="$D" 'BEGIN { printf "%g", d / 2 }')

root=$(cd "$(dirname "$0")/../.." && pwd) || die "cannot find the source tree"
case $B in
/*) ;;
*) B=$(pwd)/$B ;;
esac
OURS=$B/bin/siprec-pcap2rec
FLOOR=$B/tests/pcapfloor
GEN=$B/tests/gen-capture
OUT=$B/bench/pcap2rec.jsonl

[ -x "$OURS" ] || die "$OURS not found; run 'make all' (or 'make bench')"
[ -x "$GEN" ] || die "$GEN not found; run 'make $B/tests/gen-capture'"
[ -x "$FLOOR" ] || die "$FLOOR not found; run 'make $B/tests/pcapfloor'"

# The tshark pipeline needs tshark, xxd and sox.
TSHARK=
missing=
for t in tshark xxd sox; do
	command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "$prog:$missing not found (Debian: tshark, xxd, sox):" \
	    "skipping the tshark measurements" >&2
else
	TSHARK=$(command -v tshark)
fi


tmp=$(mktemp -d "${TMPDIR:-/tmp}/siprec-bench.XXXXXX") ||
    die "mktemp failed"
# Where the tools write: BENCH_OUTDIR, else tmpfs (/dev/shm) when it has
# room, else TMPDIR.  On tmpfs the figures are the programs', the same for
# all three, not the disk's: no writeback behind the runs, and no cost of
# the inodes the previous run deleted (ext4 without a journal passes over
# inodes deleted in the last minute when it allocates, which a run made
# right after rm -rf of the last one's output pays for every file).
need_kib=$(awk -v n="$N" -v d="$D" 'BEGIN { printf "%d", n * 4096 * d / 60 }')
if [ -n "${BENCH_OUTDIR:-}" ]; then
	obase=$BENCH_OUTDIR
elif [ -d /dev/shm ] && [ -w /dev/shm ] && df -Pk /dev/shm 2>/dev/null |
    awk -v need="$need_kib" 'NR == 2 { ok = $4 >= need } END { exit !ok }'
then
	obase=/dev/shm
else
	obase=$tmp
fi
outd=$(mktemp -d "$obase/siprec-bench-out.XXXXXX") ||
    die "cannot make an output directory in $obase"
OUTFS=$(stat -f -c %T "$outd" 2>/dev/null || echo unknown)
trap 'rm -rf "$tmp" "$outd"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# About 1.4 MB of capture and 1.9 MB of recordings per call-minute, the
# half-length capture, and a margin: 4 MiB per call-minute.
df -Pk "$tmp" | awk -v n="$N" -v d="$D" -v p=$prog 'NR == 2 {
	need = n * 4096 * d / 60
	if ($4 < need)
		printf "%s: warning: %s has %.1f GiB free, the benchmark " \
		    "needs about %.1f GiB\n", p, $6, $4 / 1048576,
		    need / 1048576 > "/dev/stderr"
}'

# The tshark pipeline: tshark finds RTP through the SDP of the INVITE and
# its 200 (no heuristics or decode-as needed), prints each payload in hex
# by UDP destination port (a stream, in these captures), and awk, xxd and
# sox turn each stream into 16-bit PCM WAV from mu-law, as
# siprec-pcap2rec writes.  Its peak RSS is that of its largest process.
cat >"$tmp/tshark-wav.sh" <<'EOF'
set -u
cap=$1 out=$2
mkdir -p "$out" || exit 4
{
	tshark -r "$cap" -Y rtp -T fields -e udp.dstport -e rtp.payload \
	    2>"$out/tshark.err"
	echo $? >"$out/tshark.rc"
} | awk -v d="$out" '{ f = d "/" $1 ".hex"; print $2 > f }' || exit 1
if [ "$(cat "$out/tshark.rc")" != 0 ]; then
	cat "$out/tshark.err" >&2
	exit 1
fi
for h in "$out"/*.hex; do
	[ -f "$h" ] || exit 1
	xxd -r -p "$h" | sox -t ul -r 8000 -c 1 - -e signed-integer -b 16 \
	    "${h%.hex}.wav" || exit 1
done
EOF


failed=0

# fail NAME WHAT: report a failed run with the start of its output.
fail() {
	failed=1
	{
		echo "$prog: ******************************************"
		echo "$prog: ERROR: $1 $2.  First lines of its output:"
		cat "$tmp/stdout" "$tmp/stderr" | head -n 10
		echo "$prog: ******************************************"
	} >&2
}

# measure NAME DIR EXT COUNT CMD...: MR runs (default BENCH_RUNS) of CMD,
# which writes into DIR (fresh for each run, removed after); each must
# exit 0 and leave COUNT files *.EXT in DIR.  Sets M_MED (median wall
# seconds), M_RSS (largest peak RSS, KiB) and M_RC (0, or the failing
# exit status); the walls are in $tmp/walls.  Stops at the first failure.
measure() {
	m_name=$1 m_dir=$2 m_ext=$3 m_want=$4 m_runs=${MR:-$R}
	shift 4
	: >"$tmp/walls"
	M_RSS=n/a
	M_RC=0
	i=0
	while [ $i -lt "$m_runs" ]; do
		rm -rf "$m_dir"
		sync
		run_once "$@"
		if [ "$RC" -ne 0 ]; then
			M_RC=$RC
			fail "$m_name" "exited $RC"
			break
		fi
		got=$(find "$m_dir" -type f -name "*.$m_ext" 2>/dev/null |
		    wc -l)
		if [ "$got" -ne "$m_want" ]; then
			M_RC=-1
			fail "$m_name" "wrote $got .$m_ext files, not $m_want"
			break
		fi
		echo "$WALL" >>"$tmp/walls"
		if [ "$RSS" != n/a ]; then
			if [ "$M_RSS" = n/a ] || [ "$RSS" -gt "$M_RSS" ]; then
				M_RSS=$RSS
			fi
		fi
		i=$((i + 1))
	done
	rm -rf "$m_dir"
	M_MED=$(median "$tmp/walls")
}

# maxrss A B: the larger of two peak RSS values (either may be n/a).
maxrss() {
	if [ "$1" = n/a ]; then
		echo "$2"
	elif [ "$2" = n/a ] || [ "$1" -ge "$2" ]; then
		echo "$1"
	else
		echo "$2"
	fi
}

# gen FILE CALLS CONCURRENT DURATION: write a capture; set BYTES to its size.
gen() {
	"$GEN" -c "$2" -C "$3" -d "$4" -s "$SEED" "$1" ||
	    die "gen-capture -c $2 -C $3 -d $4 -s $SEED failed"
	BYTES=$(wc -c <"$1" | tr -d ' ')
	isnum "$BYTES" || die "cannot read $1"
}

mbps() {
	awk -v b="$1" -v t="$2" 'BEGIN {
		if (t != "n/a" && t > 0) printf "%.1f", b / 1e6 / t
		else print "n/a" }'
}

# The full capture: siprec-pcap2rec and the floor.
cap=$tmp/full.pcap
echo "$prog: generating $N calls x $D s ($C concurrent)..." >&2
gen "$cap" "$N" "$C" "$D"
FULL_BYTES=$BYTES
echo "$prog: siprec-pcap2rec, pcapfloor: a warm-up run and $RF runs" \
    "each, in turns, on $FULL_BYTES bytes..." >&2
: >"$tmp/o.walls"
: >"$tmp/f.walls"
O_RSS=n/a O_RC=0 F_RSS=n/a F_RC=0
# The warm-up runs are not counted: the first run after the capture is
# written meets memory the machine has not touched for a while (on this
# project's virtual machine, 7.0 s against 4.2 s for siprec-pcap2rec).
k=-1
while [ $k -lt "$RF" ]; do
	MR=1 measure siprec-pcap2rec "$outd/out" wav $((2 * N)) \
	    "$OURS" -q -o "$outd/out" "$cap"
	O_RC=$M_RC
	[ "$M_RC" = 0 ] || break
	[ $k -lt 0 ] || cat "$tmp/walls" >>"$tmp/o.walls"
	O_RSS=$(maxrss "$O_RSS" "$M_RSS")
	# pcapfloor and the tshark pipeline key streams by destination
	# port, which calls in the same slot of later rounds reuse: 2 * C
	# streams, not 2 * N.
	MR=1 measure pcapfloor "$outd/out" raw $((2 * C)) "$FLOOR" -q \
	    -o "$outd/out" "$cap"
	F_RC=$M_RC
	[ "$M_RC" = 0 ] || break
	[ $k -lt 0 ] || cat "$tmp/walls" >>"$tmp/f.walls"
	F_RSS=$(maxrss "$F_RSS" "$M_RSS")
	k=$((k + 1))
done
O_MED=$(median "$tmp/o.walls") F_MED=$(median "$tmp/f.walls")
O_WALLS=$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }' "$tmp/o.walls")
F_WALLS=$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }' "$tmp/f.walls")

# Half the duration, same concurrency: does peak memory stay flat?
echo "$prog: siprec-pcap2rec on $N calls x $HALF s..." >&2
hcap=$tmp/half.pcap
gen "$hcap" "$N" "$C" "$HALF"
HALF_BYTES=$BYTES
measure siprec-pcap2rec "$outd/out" wav $((2 * N)) \
    "$OURS" -q -o "$outd/out" "$hcap"
H_MED=$M_MED H_RSS=$M_RSS H_RC=$M_RC
rm -f "$hcap"

# The tshark pipeline: a pilot run on 1/SCALE of the calls decides whether
# the whole capture fits in the time limit; if not, both tools are timed
# on the small capture and the tshark time is scaled by the byte ratio.
T_MODE=skipped T_MED=n/a T_RSS=n/a T_RC=n/a T_BYTES=n/a T_CALLS=n/a
T_EST=n/a T_SCALED=n/a P_WALL=n/a S_MED=n/a S_RSS=n/a S_RC=n/a SPEED=n/a
if [ -n "$TSHARK" ]; then
	NS=$((N / SCALE))
	[ "$NS" -ge 1 ] || NS=1
	CS=$C
	[ "$CS" -le "$NS" ] || CS=$NS
	scap=$tmp/small.pcap
	echo "$prog: tshark pilot on $NS calls x $D s..." >&2
	gen "$scap" "$NS" "$CS" "$D"
	SMALL_BYTES=$BYTES
	rm -rf "$outd/out"
	run_once sh "$tmp/tshark-wav.sh" "$scap" "$outd/out"
	got=$(find "$outd/out" -type f -name '*.wav' 2>/dev/null | wc -l)
	rm -rf "$outd/out"
	if [ "$RC" -ne 0 ]; then
		T_RC=$RC
		fail "the tshark pipeline" "exited $RC"
	elif [ "$got" -ne $((2 * CS)) ]; then
		T_RC=-1
		fail "the tshark pipeline" "wrote $got .wav files, not $((2 * CS))"
	else
		P_WALL=$WALL
		T_EST=$(awk -v t="$WALL" -v a="$FULL_BYTES" -v b="$SMALL_BYTES" \
		    'BEGIN { printf "%.1f", t * a / b }')
		if awk -v e="$T_EST" -v l="$LIMIT" 'BEGIN { exit !(e <= l) }'
		then
			T_MODE=full
			rm -f "$scap"
			echo "$prog: tshark pipeline: $R runs on the full" \
			    "capture (about $T_EST s each)..." >&2
			measure "the tshark pipeline" "$outd/out" wav \
			    $((2 * C)) sh "$tmp/tshark-wav.sh" "$cap" "$outd/out"
			T_MED=$M_MED T_RSS=$M_RSS T_RC=$M_RC
			T_BYTES=$FULL_BYTES T_CALLS=$N
			SPEED=$(awk -v a="$T_MED" -v b="$O_MED" 'BEGIN {
			    if (a != "n/a" && b != "n/a" && b > 0)
				printf "%.2f", a / b; else print "n/a" }')
		else
			T_MODE=scaled
			echo "$prog: tshark pipeline: about $T_EST s on the" \
			    "full capture, over $LIMIT s: $R runs on" \
			    "$NS calls instead, and siprec-pcap2rec too" >&2
			measure "the tshark pipeline" "$outd/out" wav \
			    $((2 * CS)) sh "$tmp/tshark-wav.sh" "$scap" "$outd/out"
			T_MED=$M_MED T_RSS=$M_RSS T_RC=$M_RC
			T_BYTES=$SMALL_BYTES T_CALLS=$NS
			measure siprec-pcap2rec "$outd/out" wav $((2 * NS)) \
			    "$OURS" -q -o "$outd/out" "$scap"
			S_MED=$M_MED S_RSS=$M_RSS S_RC=$M_RC
			T_SCALED=$(awk -v t="$T_MED" -v a="$FULL_BYTES" \
			    -v b="$SMALL_BYTES" 'BEGIN { if (t == "n/a")
				print t; else printf "%.3f", t * a / b }')
			SPEED=$(awk -v a="$T_MED" -v b="$S_MED" 'BEGIN {
			    if (a != "n/a" && b != "n/a" && b > 0)
				printf "%.2f", a / b; else print "n/a" }')
		fi
	fi
	rm -f "$scap"
fi
rm -f "$cap"

FLOORX=$(awk -v a="$O_MED" -v b="$F_MED" 'BEGIN {
    if (a != "n/a" && b != "n/a" && b > 0) printf "%.2f", a / b
    else print "n/a" }')
GROWTH=$(awk -v a="$O_RSS" -v b="$H_RSS" 'BEGIN {
    if (a != "n/a" && b != "n/a" && b > 0) printf "%.1f", (a - b) * 100 / b
    else print "n/a" }')
met() {
	# met VALUE OP TARGET
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
		if (v == "n/a") { print "n/a"; exit }
		ok = op == ">=" ? v + 0 >= t + 0 : v + 0 <= t + 0
		print ok ? "met" : "MISSED" }'
}
MET_SPEED=$(met "$SPEED" '>=' $TARGET_TSHARK)
MET_FLOOR=$(met "$FLOORX" '<=' $TARGET_FLOOR)
MET_RSS=$(met "$O_RSS" '<=' $TARGET_RSS)
MET_FLAT=$(met "$GROWTH" '<=' $TARGET_FLAT)

mib() {
	case $1 in
	n/a) printf n/a ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' ;;
	esac
}
s2() {
	case $1 in
	n/a) printf n/a ;;
	*) awk -v v="$1" 'BEGIN { printf "%.2f", v }' ;;
	esac
}
x() {
	case $1 in
	n/a) printf n/a ;;
	*) printf '%sx' "$1" ;;
	esac
}
pct() {
	case $1 in
	n/a) printf n/a ;;
	*) printf '%s%%' "$1" ;;
	esac
}
row() {
	# row TOOL CAPTURE BYTES MEDIAN RSS EXIT
	printf '  %-24s %-7s %8s %9s %9s %11s %5s\n' "$1" "$2" \
	    "$(awk -v b="$3" 'BEGIN { if (b == "n/a") print b;
		else printf "%.1f", b / 1e6 }')" \
	    "$(s2 "$4")" "$(mbps "$3" "$4")" "$(mib "$5")" "$6"
}

printf 'siprec-pcap2rec vs the tshark pipeline vs pcapfloor:'
printf ' %s two-stream G.711 calls x %s s, %s at once, seed %s\n' \
    "$N" "$D" "$C" "$SEED"
printf 'outputs written to %s (%s)\n' "$obase" "$OUTFS"
printf 'median wall time of %s runs (full capture: %s each, in turns, after' \
    "$R" "$RF"
printf ' a warm-up\nrun each);'
printf ' MB/s = capture MB (1e6 bytes) per second; peak RSS =\nlargest'
printf ' of the runs (a pipeline: its largest process)\n'
printf '  %-24s %-7s %8s %9s %9s %11s %5s\n' tool capture 'MB' 'wall s' \
    'MB/s' 'peak RSS' exit
row 'siprec-pcap2rec -q' full "$FULL_BYTES" "$O_MED" "$O_RSS" "$O_RC"
row 'siprec-pcap2rec -q' half "$HALF_BYTES" "$H_MED" "$H_RSS" "$H_RC"
row pcapfloor full "$FULL_BYTES" "$F_MED" "$F_RSS" "$F_RC"
printf '  runs, s: siprec-pcap2rec %s; pcapfloor %s\n' "$O_WALLS" "$F_WALLS"
case $T_MODE in
full)
	row 'tshark+awk+xxd+sox' full "$T_BYTES" "$T_MED" "$T_RSS" "$T_RC"
	;;
scaled)
	row 'tshark+awk+xxd+sox' "1/$SCALE" "$T_BYTES" "$T_MED" "$T_RSS" \
	    "$T_RC"
	row 'siprec-pcap2rec -q' "1/$SCALE" "$T_BYTES" "$S_MED" "$S_RSS" \
	    "$S_RC"
	row 'tshark+awk+xxd+sox' 'est.' "$FULL_BYTES" "$T_SCALED" n/a n/a
	printf '  SCALED: one run over the full capture would take about %s s' \
	    "$T_EST"
	printf ' (pilot run),
  over the %s s limit, so the pipeline ran' \
	    "$LIMIT"
	printf ' on %s of the %s calls; "est." is
  its median times' \
	    "$T_CALLS" "$N"
	printf ' %s/%s bytes, and the ratio below compares both tools
' \
	    "$FULL_BYTES" "$T_BYTES"
	printf '  on the small capture
'
	;;
*)
	if [ -n "$TSHARK" ]; then
		printf '  tshark pipeline: failed (see above)\n'
	else
		printf '  tshark pipeline: skipped (%s not installed)\n' \
		    "${missing# }"
	fi
	;;
esac
printf 'ratios and targets:\n'
printf '  tshark pipeline / siprec-pcap2rec, wall: %s' "$(x "$SPEED")"
[ "$T_MODE" = scaled ] && printf ' (on 1/%s of the calls)' "$SCALE"
printf '  (target >= %sx: %s)\n' $TARGET_TSHARK "$MET_SPEED"
printf '  siprec-pcap2rec / pcapfloor, wall:       %s' "$(x "$FLOORX")"
printf '  (target <= %sx: %s)\n' $TARGET_FLOOR "$MET_FLOOR"
printf '  siprec-pcap2rec peak RSS: %s' "$(mib "$O_RSS")"
printf '  (target <= %s MiB: %s)\n' $((TARGET_RSS / 1024)) "$MET_RSS"
printf '  flat: %s at %s s, %s at %s s, growth %s' "$(mib "$H_RSS")" \
    "$HALF" "$(mib "$O_RSS")" "$D" "$(pct "$GROWTH")"
printf '  (target <= %s%%: %s)\n' $TARGET_FLAT "$MET_FLAT"

# A JSON string from arbitrary text: drop quotes, backslashes, controls.
jstr() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\042\134\000-\037')"
}
# A JSON number, or null for n/a.
jnum() {
	case $1 in
	n/a | '') printf null ;;
	*) printf '%s' "$1" ;;
	esac
}
jbool() {
	case $1 in
	met) printf true ;;
	MISSED) printf false ;;
	*) printf null ;;
	esac
}
# jrun TOOL CAPTURE CALLS DURATION BYTES MEDIAN RSS EXIT [WALLS]
jrun() {
	printf '{"type":"run","tool":%s,"capture":%s,"calls":%s,' \
	    "$(jstr "$1")" "$(jstr "$2")" "$3"
	printf '"duration_s":%s,"bytes":%s,"median_s":%s,"mb_per_s":%s,' \
	    "$4" "$5" "$(jnum "$6")" "$(jnum "$(mbps "$5" "$6")")"
	if [ -n "${9:-}" ]; then
		printf '"walls_s":[%s],' "$(printf '%s' "$9" | tr ' ' ',')"
	fi
	printf '"peak_rss_kib":%s,"exit":%s}\n' "$(jnum "$7")" "$(jnum "$8")"
}

mkdir -p "$B/bench" || die "cannot create $B/bench"
over=$("$OURS" -V 2>&1 | head -n 1)
tver=null
[ -n "$TSHARK" ] && tver=$(jstr "$("$TSHARK" -v 2>/dev/null | head -n 1)")
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
if ! {
	printf '{"type":"env","date":%s,"cpu":%s,"nproc":%s,' \
	    "$(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(jstr "$cpu")" \
	    "$(jnum "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo n/a)")"
	printf '"calls":%s,"concurrent":%s,"duration_s":%s,"seed":%s,' \
	    "$N" "$C" "$D" "$(jstr "$SEED")"
	printf '"runs":%s,"runs_fast":%s,"output_fs":%s,' "$R" "$RF" \
	    "$(jstr "$OUTFS")"
	printf '"siprec_pcap2rec":%s,' \
	    "$(jstr "$over")"
	printf '"tshark":%s}\n' "$tver"
	jrun siprec-pcap2rec full "$N" "$D" "$FULL_BYTES" "$O_MED" "$O_RSS" \
	    "$O_RC" "$O_WALLS"
	jrun siprec-pcap2rec half "$N" "$HALF" "$HALF_BYTES" "$H_MED" \
	    "$H_RSS" "$H_RC"
	jrun pcapfloor full "$N" "$D" "$FULL_BYTES" "$F_MED" "$F_RSS" "$F_RC" \
	    "$F_WALLS"
	case $T_MODE in
	full)
		jrun tshark-pipeline full "$N" "$D" "$T_BYTES" "$T_MED" \
		    "$T_RSS" "$T_RC"
		;;
	scaled)
		jrun tshark-pipeline small "$T_CALLS" "$D" "$T_BYTES" \
		    "$T_MED" "$T_RSS" "$T_RC"
		jrun siprec-pcap2rec small "$T_CALLS" "$D" "$T_BYTES" \
		    "$S_MED" "$S_RSS" "$S_RC"
		;;
	esac
	printf '{"type":"tshark","mode":%s,"pilot_s":%s,' \
	    "$(jstr "$T_MODE")" "$(jnum "$P_WALL")"
	printf '"estimated_full_s":%s,"scaled_full_median_s":%s,' \
	    "$(jnum "$T_EST")" "$(jnum "$T_SCALED")"
	printf '"limit_s":%s,"scale":%s}\n' "$LIMIT" "$SCALE"
	printf '{"type":"ratio","tshark_over_ours":%s,' "$(jnum "$SPEED")"
	printf '"ours_over_floor":%s,"rss_growth_pct":%s}\n' \
	    "$(jnum "$FLOORX")" "$(jnum "$GROWTH")"
	printf '{"type":"target","tshark_over_ours_min":%s,' $TARGET_TSHARK
	printf '"ours_over_floor_max":%s,"peak_rss_kib_max":%s,' \
	    $TARGET_FLOOR $TARGET_RSS
	printf '"rss_growth_pct_max":%s,"speed_met":%s,"floor_met":%s,' \
	    $TARGET_FLAT "$(jbool "$MET_SPEED")" "$(jbool "$MET_FLOOR")"
	printf '"rss_met":%s,"flat_met":%s}\n' "$(jbool "$MET_RSS")" \
	    "$(jbool "$MET_FLAT")"
} >"$OUT.tmp" || ! mv "$OUT.tmp" "$OUT"; then
	die "cannot write $OUT"
fi
printf 'results: %s\n' "${OUT#"$root"/}"

[ "$failed" = 0 ] || die "a run failed (see above)"
exit 0
