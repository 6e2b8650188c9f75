#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Regenerate the bundled speech sample: samples/speech.flac (16 kHz mono,
# 16-bit) and its copy built into siprec-src, tools/siprec-src/speech.c
# (8 kHz G.711 mu-law bytes).  Run once from the top of the tree; the
# outputs are committed.  Needs espeak-ng and sox.
#
# Provenance: synthetic speech made by espeak-ng 1.51 (GPL-3.0-or-later
# program; its output is not covered by its licence) with the voice
# en-us at 160 words a minute, from the sentence below.  No recording of
# a person is involved.
set -eu
cd "$(dirname "$0")/.."
text="This call is being recorded. One, two, three, four, five."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 160 -w "$tmp/es.wav" "$text"
sox "$tmp/es.wav" -r 16000 -c 1 -b 16 samples/speech.flac
sox samples/speech.flac -r 8000 -c 1 -e u-law -t raw "$tmp/speech.ul"
{
	echo "/* SPDX-License-Identifier: BSD-2-Clause */"
	echo "/* The bundled speech sample (samples/speech.sh): 8 kHz G.711 mu-law. */"
	echo "#include <stddef.h>"
	echo "#include <stdint.h>"
	echo ""
	echo "#include \"src.h\""
	echo ""
	echo "/* \"$text\" (espeak-ng, en-us) */"
	echo "const uint8_t src_speech_ulaw[] = {"
	od -An -v -tu1 "$tmp/speech.ul" |
	    awk '{ s = "\t"; for (i = 1; i <= NF; i++) s = s $i ","; print s }'
	echo "};"
	echo "const size_t src_speech_len = sizeof(src_speech_ulaw);"
} > "${SPEECH_C:-tools/siprec-src/speech.c}"
