#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer harnesses with clang (make fuzz), each linked with the
# library sources compiled for fuzzing, and seed a corpus from the tests.
# Run one with, for example:
#   build/fuzz/fuzz_meta build/fuzz/corpus-meta -max_total_time=60
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC is not installed (apt-get install clang)" >&2
	exit 4
fi
out=$B/fuzz
mkdir -p "$out"
sh tests/tools/bin2c.sh lib/schema/rs-metadata.xsd lib/schema/xml.xsd \
    > "$out/schema_data.c"
flags="-g -O1 -std=c11 -D_DEFAULT_SOURCE -pthread -Ilib/include
    -fsanitize=fuzzer,address,undefined $(pkg-config --cflags libxml-2.0 libosip2)"
libs="$(pkg-config --libs libxml-2.0 libosip2) -pthread"
srcs="lib/err.c lib/check.c lib/meta.c lib/meta_check.c lib/meta_state.c
    lib/sipmsg.c $out/schema_data.c"
for f in "$@"; do
	echo "  FUZZ    $out/$f"
	# shellcheck disable=SC2086
	$CC $flags -o "$out/$f" "tests/fuzz/$f.c" $srcs $libs
done
mkdir -p "$out/corpus-meta" "$out/corpus-sipmsg"
for f in samples/*.xml tests/data/siprec-meta-lint/rules/*.xml \
    ../shared/corpus/metadata/*; do
	[ -f "$f" ] && cp "$f" "$out/corpus-meta/"
done
for f in samples/*.sip tests/data/siprec-meta-lint/rules/*.sip \
    ../shared/corpus/sip-messages/* ../shared/corpus/torture/*; do
	[ -f "$f" ] && cp "$f" "$out/corpus-sipmsg/"
done
echo "fuzz: harnesses in $out; seed corpora in $out/corpus-*"
