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
    -fsanitize=fuzzer,address,undefined
    $(pkg-config --cflags libxml-2.0 libosip2 libpcap libgcrypt)"
libs="$(pkg-config --libs libxml-2.0 libosip2 libpcap libgcrypt) -pthread"
srcs="lib/err.c lib/check.c lib/meta.c lib/meta_check.c lib/meta_state.c
    lib/sipmsg.c lib/capture.c lib/capture_tcp.c lib/pcapng.c lib/pcapfile.c
    lib/rtp.c
    lib/gcry.c
    $out/schema_data.c"
for f in "$@"; do
	echo "  FUZZ    $out/$f"
	# shellcheck disable=SC2086
	$CC $flags -o "$out/$f" "tests/fuzz/$f.c" $srcs $libs
done
mkdir -p "$out/corpus-meta" "$out/corpus-sipmsg" "$out/corpus-capture"
for f in samples/*.xml tests/data/siprec-meta-lint/rules/*.xml \
    ../shared/corpus/metadata/*; do
	[ -f "$f" ] && cp "$f" "$out/corpus-meta/"
done
for f in samples/*.sip tests/data/siprec-meta-lint/rules/*.sip \
    ../shared/corpus/sip-messages/* ../shared/corpus/torture/*; do
	[ -f "$f" ] && cp "$f" "$out/corpus-sipmsg/"
done
# Captures: the small ones of the shared corpus (large seeds slow every
# run), and short generated SIPREC calls over UDP, TCP, IPv4 fragments,
# with RTP faults, a pause and an UPDATE.
for f in ../shared/corpus/pcap/sip-rtp/*.pcap*; do
	[ -f "$f" ] && [ "$(wc -c <"$f")" -lt 204800 ] &&
	    cp "$f" "$out/corpus-capture/"
done
gen=$B/tests/gen-capture
c=$out/corpus-capture
if [ -x "$gen" ]; then
	"$gen" -c 2 -d 0.2 -s 1 "$c/gen-udp.pcap"
	"$gen" -c 2 -d 0.2 -s 2 -t tcp "$c/gen-tcp.pcap"
	"$gen" -c 1 -d 0.2 -s 3 -f "$c/gen-frag.pcap"
	"$gen" -c 2 -C 1 -d 0.2 -s 4 -k pcma -l 2 -r 4 -D 6 -S 7 \
	    "$c/gen-faults.pcap"
	"$gen" -c 1 -d 0.2 -s 5 -t tcp -P 0.04,0.12 -u 0.1 "$c/gen-pause.pcap"
else
	echo "fuzz: $gen not built: no generated captures in $c" \
	    "(make $gen)" >&2
fi
echo "fuzz: harnesses in $out; seed corpora in $out/corpus-*"
