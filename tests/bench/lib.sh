# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh disable=SC2154,SC2034 # callers set $prog, $tmp; read RC, WALL, RSS
# Helpers shared by the benchmarks (errors, timing); sourced, with $prog
# set ($tmp too before run_once).
# Sets have_ns (date gives nanoseconds) and have_gtime (GNU time for RSS).

if [ "$(date +%N 2>/dev/null)" != "" ] &&
    [ "$(date +%N | tr -d 0-9)" = "" ]; then
	have_ns=1
else
	have_ns=0
fi
if [ -x /usr/bin/time ] &&
    /usr/bin/time -f '%e %M' -o /dev/null true >/dev/null 2>&1; then
	have_gtime=1
else
	have_gtime=0
	echo "$prog: GNU time (/usr/bin/time, Debian package 'time') not" \
	    "found: peak memory is reported as n/a" >&2
fi

# Fail the benchmark with a message naming it.
die() {
	echo "$prog: error: $*" >&2
	exit 1
}

# Is $1 a positive integer?
isnum() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -gt 0 ]
}

# Nanoseconds since the epoch (or seconds * 1e9 without %N).
now() {
	if [ $have_ns = 1 ]; then
		date +%s%N
	else
		echo "$(date +%s)000000000"
	fi
}

# run_once CMD...: run CMD with stdout and stderr to $tmp/stdout and
# $tmp/stderr; set RC, WALL (seconds) and RSS (KiB or n/a).
run_once() {
	t0=$(now)
	if [ $have_gtime = 1 ]; then
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" \
		    >"$tmp/stdout" 2>"$tmp/stderr"
		RC=$?
	else
		"$@" >"$tmp/stdout" 2>"$tmp/stderr"
		RC=$?
	fi
	t1=$(now)
	RSS=n/a
	WALL=$(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.6f", (b - a) / 1e9 }')
	if [ $have_gtime = 1 ]; then
		# GNU time puts "Command exited with ..." first on failure.
		# shellcheck disable=SC2046 # split "WALL RSS" into $1 $2
		set -- $(tail -n 1 "$tmp/time")
		[ $# -eq 2 ] && RSS=$2
		[ $have_ns = 1 ] || WALL=$1
	fi
}

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
	    END {
		if (NR == 0) { print "n/a"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	    }'
}
