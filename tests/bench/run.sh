#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark siprec-meta-lint against xmllint --schema on the same generated
# RFC 7865 documents; print a table and write $B/bench/meta-lint.jsonl.
#
# Environment: B (build directory, default build), BENCH_DOCS (10000),
# BENCH_RUNS (5), BENCH_STARTUP_RUNS (200), BENCH_SEED (1).
# Exit status: 0 when everything was measured (targets missed or not);
# 1 when a tool is missing, the generator fails or a tool rejects the
# (valid) documents.

set -u
set -f		# document names are split into arguments, never globbed

prog=bench
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

B=${B:-build}
N=${BENCH_DOCS:-10000}
R=${BENCH_RUNS:-5}
SR=${BENCH_STARTUP_RUNS:-200}
SEED=${BENCH_SEED:-1}
TARGET_DPS=27000
TARGET_MS=3

isnum "$N" || die "BENCH_DOCS must be a positive integer: $N"
isnum "$R" || die "BENCH_RUNS must be a positive integer: $R"
isnum "$SR" || die "BENCH_STARTUP_RUNS must be a positive integer: $SR"

root=$(cd "$(dirname "$0")/../.." && pwd) || die "cannot find the source tree"
case $B in
/*) ;;
*) B=$(pwd)/$B ;;
esac
LINT=$B/bin/siprec-meta-lint
GEN=$B/tests/gen-metadata
SCHEMA=$root/lib/schema/rs-metadata.xsd
OUT=$B/bench/meta-lint.jsonl

[ -x "$LINT" ] || die "$LINT not found; run 'make all' (or 'make bench')"
[ -x "$GEN" ] || die "$GEN not found; run 'make $B/tests/gen-metadata'"

XMLLINT=$(command -v xmllint 2>/dev/null) || XMLLINT=
if [ -z "$XMLLINT" ]; then
	echo "$prog: xmllint not found (Debian: libxml2-utils):" \
	    "skipping the xmllint measurements" >&2
elif [ ! -r "$SCHEMA" ]; then
	echo "$prog: $SCHEMA missing: skipping the xmllint measurements" >&2
	XMLLINT=
fi

[ $have_ns = 1 ] || [ $have_gtime = 1 ] ||
    echo "$prog: no nanosecond date(1) and no GNU time:" \
	"wall times have a resolution of one second" >&2
truebin=$(command -v true 2>/dev/null)
case $truebin in
/*) ;;
*) for truebin in /bin/true /usr/bin/true ''; do
	[ -x "$truebin" ] && break
   done ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/siprec-bench.XXXXXX") ||
    die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
docs=$tmp/docs

# throughput NAME CMD...: one checking run, then R timed runs over all
# documents in one process each.  Sets T_MED, T_DPS, T_RSS, T_RC.
throughput() {
	name=$1
	shift
	: >"$tmp/walls"
	T_RSS=n/a
	# shellcheck disable=SC2086 # one argument per document
	run_once "$@" $files
	T_RC=$RC
	if [ $RC -ne 0 ]; then
		failed=1
		{
			echo "$prog: ******************************************"
			echo "$prog: ERROR: $name exited $RC on $N documents" \
			    "that should all be valid: the generator or $name" \
			    "is wrong.  First lines of its output:"
			cat "$tmp/stdout" "$tmp/stderr" | head -n 10
			echo "$prog: ******************************************"
		} >&2
	fi
	i=0
	while [ $i -lt "$R" ]; do
		# shellcheck disable=SC2086 # one argument per document
		run_once "$@" $files
		if [ $RC -ne 0 ] && [ "$T_RC" -eq 0 ]; then
			T_RC=$RC
			failed=1
			echo "$prog: ERROR: $name exited $RC in a timed run" >&2
		fi
		echo "$WALL" >>"$tmp/walls"
		if [ "$RSS" != n/a ]; then
			if [ "$T_RSS" = n/a ] || [ "$RSS" -gt "$T_RSS" ]; then
				T_RSS=$RSS
			fi
		fi
		i=$((i + 1))
	done
	T_MED=$(median "$tmp/walls")
	T_DPS=$(awk -v n="$N" -v t="$T_MED" \
	    'BEGIN { if (t > 0) printf "%.0f", n / t; else print "n/a" }')
}

# startup CMD...: R rounds of SR back-to-back runs on one document; sets
# S_MS to the median over the rounds of the mean time per run.
startup() {
	: >"$tmp/su"
	k=0
	while [ $k -lt "$R" ]; do
		j=0
		t0=$(now)
		while [ $j -lt "$SR" ]; do
			"$@" >/dev/null 2>&1
			j=$((j + 1))
		done
		t1=$(now)
		awk -v a="$t0" -v b="$t1" -v n="$SR" \
		    'BEGIN { printf "%.6f\n", (b - a) / 1e6 / n }' >>"$tmp/su"
		k=$((k + 1))
	done
	S_MS=$(median "$tmp/su")
}

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

failed=0

# The documents.
"$GEN" -n "$N" -s "$SEED" "$docs" ||
    die "gen-metadata failed (exit $?)"
[ "$(wc -l <"$docs/list")" -eq "$N" ] ||
    die "gen-metadata wrote $(wc -l <"$docs/list") names, expected $N"
bytes=$(cd "$docs" && xargs cat <list | wc -c)

# All documents go to one process: check that the argument list fits
# (names, their pointers, and the environment, with a margin).
argmax=$(getconf ARG_MAX 2>/dev/null) || argmax=131072
need=$(awk '{ s += length($0) + 1 + 8 } END { print s + 0 }' "$docs/list")
envsz=$(env | wc -c)
[ $((need + envsz + 8192)) -lt "$argmax" ] ||
    die "$N names need $need bytes of arguments; ARG_MAX is $argmax." \
	"Lower BENCH_DOCS."
cd "$docs" || die "cannot enter $docs"
files=$(cat list)

one=doc-00000.xml

# siprec-meta-lint
throughput siprec-meta-lint "$LINT" -q
L_MED=$T_MED L_DPS=$T_DPS L_RSS=$T_RSS L_RC=$T_RC
"$LINT" -q "$one" >/dev/null 2>&1 ||
    echo "$prog: warning: siprec-meta-lint -q $one exited $?" >&2
startup "$LINT" -q "$one"
L_SU=$S_MS

# xmllint
X_MED=n/a X_DPS=n/a X_RSS=n/a X_RC=n/a X_SU=n/a RATIO=n/a
if [ -n "$XMLLINT" ]; then
	throughput xmllint "$XMLLINT" --noout --schema "$SCHEMA"
	X_MED=$T_MED X_DPS=$T_DPS X_RSS=$T_RSS X_RC=$T_RC
	startup "$XMLLINT" --noout --schema "$SCHEMA" "$one"
	X_SU=$S_MS
	RATIO=$(awk -v a="$L_DPS" -v b="$X_DPS" \
	    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
fi

# The cost of fork and exec from this loop alone, for scale.
F_SU=n/a
if [ -n "$truebin" ]; then
	startup "$truebin"
	F_SU=$S_MS
fi

mb() {
	case $1 in
	n/a) printf n/a ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' ;;
	esac
}
s3() {
	case $1 in
	n/a) printf n/a ;;
	*) awk -v v="$1" 'BEGIN { printf "%.3f", v }' ;;
	esac
}
s2() {
	case $1 in
	n/a) printf n/a ;;
	*) awk -v v="$1" 'BEGIN { printf "%.2f", v }' ;;
	esac
}

met_dps=$(awk -v v="$L_DPS" -v t=$TARGET_DPS \
    'BEGIN { print (v != "n/a" && v + 0 >= t) ? "met" : "MISSED" }')
met_su=$(awk -v v="$L_SU" -v t=$TARGET_MS \
    'BEGIN { print (v != "n/a" && v + 0 <= t) ? "met" : "MISSED" }')
kb=$(awk -v b="$bytes" -v n="$N" 'BEGIN { printf "%.2f", b / n / 1024 }')

printf 'siprec-meta-lint vs xmllint --schema:'
printf ' %s documents (%s KiB mean, seed %s)\n' "$N" "$kb" "$SEED"
printf 'throughput: all documents in one process, median of %s runs\n' "$R"
printf '  %-22s %10s %10s %12s %5s\n' tool 'wall s' 'docs/s' 'peak RSS' exit
printf '  %-22s %10s %10s %12s %5s\n' 'siprec-meta-lint -q' "$(s3 "$L_MED")" \
    "$L_DPS" "$(mb "$L_RSS")" "$L_RC"
if [ -n "$XMLLINT" ]; then
	printf '  %-22s %10s %10s %12s %5s\n' 'xmllint --schema' \
	    "$(s3 "$X_MED")" "$X_DPS" "$(mb "$X_RSS")" "$X_RC"
	printf '  ratio (ours/xmllint, docs/s): %s\n' "$RATIO"
else
	printf '  xmllint: skipped (not installed)\n'
fi
printf 'start-up: one document, mean of %s runs, median of %s rounds\n' \
    "$SR" "$R"
printf '  %-22s %7s ms\n' 'siprec-meta-lint -q' "$(s2 "$L_SU")"
[ -n "$XMLLINT" ] &&
    printf '  %-22s %7s ms\n' 'xmllint --schema' "$(s2 "$X_SU")"
printf '  %-22s %7s ms\n' '(fork+exec of true)' "$(s2 "$F_SU")"
printf 'target: >= %s docs/s, startup <= %s ms' "$TARGET_DPS" "$TARGET_MS"
printf '  (throughput %s, startup %s)\n' "$met_dps" "$met_su"

mkdir -p "$B/bench" || die "cannot create $B/bench"
lver=$("$LINT" -V 2>&1 | head -n 1)
xver=n/a
[ -n "$XMLLINT" ] && xver=$("$XMLLINT" --version 2>&1 | head -n 1)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
if ! {
	printf '{"type":"env","date":%s,"cpu":%s,"nproc":%s,' \
	    "$(jstr "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(jstr "$cpu")" \
	    "$(jnum "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo n/a)")"
	printf '"docs":%s,"bytes":%s,"seed":%s,"runs":%s,"startup_runs":%s,' \
	    "$N" "$bytes" "$(jstr "$SEED")" "$R" "$SR"
	printf '"siprec_meta_lint":%s,"xmllint":%s}\n' \
	    "$(jstr "$lver")" "$(jstr "$xver")"
	printf '{"type":"throughput","tool":"siprec-meta-lint","docs":%s,' "$N"
	printf '"median_s":%s,"docs_per_s":%s,"peak_rss_kib":%s,"exit":%s}\n' \
	    "$(jnum "$L_MED")" "$(jnum "$L_DPS")" "$(jnum "$L_RSS")" "$L_RC"
	if [ -n "$XMLLINT" ]; then
		printf '{"type":"throughput","tool":"xmllint","docs":%s,' "$N"
		printf '"median_s":%s,"docs_per_s":%s,"peak_rss_kib":%s,' \
		    "$(jnum "$X_MED")" "$(jnum "$X_DPS")" "$(jnum "$X_RSS")"
		printf '"exit":%s}\n' "$X_RC"
		printf '{"type":"ratio","metric":"docs_per_s",'
		printf '"ours_over_xmllint":%s}\n' "$(jnum "$RATIO")"
	fi
	printf '{"type":"startup","tool":"siprec-meta-lint","runs":%s,' "$SR"
	printf '"rounds":%s,"median_ms":%s}\n' "$R" "$(jnum "$L_SU")"
	if [ -n "$XMLLINT" ]; then
		printf '{"type":"startup","tool":"xmllint","runs":%s,' "$SR"
		printf '"rounds":%s,"median_ms":%s}\n' "$R" "$(jnum "$X_SU")"
	fi
	printf '{"type":"startup","tool":"true","runs":%s,' "$SR"
	printf '"rounds":%s,"median_ms":%s}\n' "$R" "$(jnum "$F_SU")"
	printf '{"type":"target","docs_per_s":%s,"startup_ms":%s,' \
	    "$TARGET_DPS" "$TARGET_MS"
	printf '"docs_per_s_met":%s,"startup_met":%s}\n' \
	    "$([ "$met_dps" = met ] && echo true || echo false)" \
	    "$([ "$met_su" = met ] && echo true || echo false)"
} >"$OUT.tmp" || ! mv "$OUT.tmp" "$OUT"; then
	die "cannot write $OUT"
fi
printf 'results: %s\n' "${OUT#"$root"/}"

# Then every other benchmark of this folder (siprec-pcap2rec against tshark
# and the pcapfloor floor, the live programs against SIPp), each with its
# own table and results file; a failure fails the run as well.
pfailed=0
for s in "$root"/tests/bench/*.sh; do
	case ${s##*/} in
	run.sh | lib.sh) continue ;;
	esac
	echo
	B=$B sh "$s" || { pfailed=1; echo "$prog: ${s##*/} failed" >&2; }
done

[ "$failed" = 0 ] || die "a tool rejected the generated documents (see above)"
[ "$pfailed" = 0 ] || die "a benchmark failed (see above)"
exit 0
