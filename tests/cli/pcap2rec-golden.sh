#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Golden results of siprec-pcap2rec --all-calls on every capture of the
# shared corpus: exit status, diagnostics, and per recording its end and
# per stream label, codec, SSRCs, packets, loss, samples and the SHA-256
# of the audio file.  Reviewed files live in tests/data/siprec-pcap2rec/
# corpus; REGEN=1 rewrites them (review the diff).  Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 4
root=$PWD
case ${B:-build} in /*) p2r=$B/bin/siprec-pcap2rec ;;
*) p2r=$root/${B:-build}/bin/siprec-pcap2rec ;; esac
corpus=../shared/corpus/pcap/sip-rtp
exp=tests/data/siprec-pcap2rec/corpus
if [ ! -d "$corpus" ] || ! command -v python3 >/dev/null 2>&1; then
	echo "ok 1 # skip ../shared/corpus or python3 is absent"
	exit 0
fi
tmp=$(mktemp -d) || exit 4
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
for f in "$corpus"/*; do
	name=$(basename "$f")
	n=$((n + 1))
	(cd "$corpus" && "$p2r" -a -o "$tmp/out" "$name" > /dev/null \
	    2> "$tmp/err"; echo "exit $?" > "$tmp/rc")
	{
		cat "$tmp/rc"
		sed "s|$tmp/out/||" "$tmp/err"
		python3 - "$tmp/out" <<'PY'
import glob, hashlib, json, os, sys
for sj in sorted(glob.glob(sys.argv[1] + "/*/session.json")):
    d = os.path.dirname(sj)
    s = json.load(open(sj))
    print("recording %s %s %s %d ms, %d metadata" % (s["recording_id"],
        s["end_reason"], "siprec" if s["siprec"] else "plain",
        s["duration_ms"], s["metadata"]["documents"]))
    for st in s["streams"]:
        h = hashlib.sha256(open(os.path.join(d, st["file"]), "rb").read()).hexdigest()
        print("  %s %s ssrc=%s packets=%d lost=%d dup=%d bad=%d samples=%d "
              "rate=%d dtmf=%d sha256=%s" % (st["label"], st["codec"] or "-",
              ",".join(st["ssrc"]) or "-", st["packets"], st["lost"],
              st["duplicated"], st["bad"], st["samples"], st["rate"],
              len(st["dtmf"]), h[:16]))
PY
	} > "$tmp/got"
	rm -rf "$tmp/out"
	if [ "${REGEN:-0}" = 1 ]; then
		mkdir -p "$exp"
		cp "$tmp/got" "$exp/$name.out"
		echo "ok $n $name # regenerated"
	elif [ ! -f "$exp/$name.out" ]; then
		echo "not ok $n $name: no expected result $exp/$name.out"
	elif diff -u "$exp/$name.out" "$tmp/got" > "$tmp/diff"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		sed 's/^/# /' "$tmp/diff"
	fi
done
echo "1..$n"
