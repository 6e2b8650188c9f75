#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run every test: unit binaries (given as arguments), the TAP scripts and
# bats files under tests/cli, and the man-page lint.  Each test counts;
# the last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 4
B=${B:-build}
export B
pass=0 fail=0 skip=0
log=$(mktemp) || exit 4
trap 'rm -f "$log"' EXIT INT TERM

tally_tap() {
	# $1: label; reads TAP on stdin, echoes failures.
	while IFS= read -r line; do
		case $line in
		"ok "*"# skip"*|"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
		"ok "*) pass=$((pass + 1)) ;;
		"not ok "*) fail=$((fail + 1)); echo "FAIL [$1] $line" ;;
		"#"*) echo "  $line" ;;
		esac
	done
}

for t in "$@"; do
	name=$(basename "$t")
	if "$t" > "$log" 2>&1; then rc=0; else rc=$?; fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=${line%% passed*}
	f=${line#*passed, }; f=${f%% failed*}
	if [ -z "$line" ]; then p=0; f=1; fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	echo "unit $name: $p passed, $f failed"
	[ "$f" -eq 0 ] || sed 's/^/  /' "$log"
done

for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	sh "$t" > "$log" 2>&1
	before=$((pass + fail + skip))
	tally_tap "$name" < "$log" > "$log.out"
	cat "$log.out"; rm -f "$log.out"
	echo "tap $name: $((pass + fail + skip - before)) tests"
done

if command -v bats >/dev/null 2>&1; then
	for t in tests/cli/*.bats; do
		[ -f "$t" ] || continue
		name=$(basename "$t")
		bats --tap "$t" > "$log" 2>&1
		before=$((pass + fail + skip))
		tally_tap "$name" < "$log" > "$log.out"
		cat "$log.out"; rm -f "$log.out"
		echo "bats $name: $((pass + fail + skip - before)) tests"
	done
else
	echo "bats is not installed: CLI tests skipped (make deps installs it)"
	skip=$((skip + 1))
fi

if sh tests/man-lint.sh > "$log" 2>&1; then
	pass=$((pass + 1)); echo "man-lint: ok"
else
	fail=$((fail + 1)); echo "man-lint: FAILED"; sed 's/^/  /' "$log"
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
