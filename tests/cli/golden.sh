#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Golden results for the shared corpus: every metadata document and SIP
# message in ../shared/corpus has a reviewed expected output (findings at
# -W info, then the exit status) in tests/data/siprec-meta-lint/corpus.
# Prints TAP.  REGEN=1 rewrites the expected files (review the diff).
set -u
cd "$(dirname "$0")/../.." || exit 4
B=${B:-build}
lint="$PWD/$B/bin/siprec-meta-lint"
case $B in /*) lint="$B/bin/siprec-meta-lint" ;; esac
corpus=../shared/corpus
exp=tests/data/siprec-meta-lint/corpus
n=0
if [ ! -d "$corpus/metadata" ]; then
	echo "ok 1 # skip ../shared/corpus is absent"
	exit 0
fi
tmp=$(mktemp) || exit 4
trap 'rm -f "$tmp"' EXIT INT TERM
for f in "$corpus"/metadata/* "$corpus"/sip-messages/*; do
	rel=${f#"$corpus"/}
	name=$(echo "$rel" | tr '/' '_')
	n=$((n + 1))
	(cd "$corpus" && "$lint" -W info "$rel" 2>&1; echo "exit $?") > "$tmp"
	if [ "${REGEN:-0}" = 1 ]; then
		mkdir -p "$exp"
		cp "$tmp" "$exp/$name.out"
		echo "ok $n $rel # regenerated"
	elif [ ! -f "$exp/$name.out" ]; then
		echo "not ok $n $rel: no expected result $exp/$name.out"
	elif diff -u "$exp/$name.out" "$tmp" > "$tmp.diff"; then
		echo "ok $n $rel"
	else
		echo "not ok $n $rel"
		sed 's/^/# /' "$tmp.diff"
	fi
	rm -f "$tmp.diff"
done
echo "1..$n"
