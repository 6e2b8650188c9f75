#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-pcap2rec against captures from tests/tools/gen-capture, whose
# --expect files hold the exact audio a correct recorder writes; tshark
# and sha256sum are oracles for the rest.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${B:-build} in /*) BB=$B ;; *) BB=$ROOT/${B:-build} ;; esac
	P=$BB/bin/siprec-pcap2rec
	G=$BB/tests/gen-capture
	[ -x "$G" ] || skip "gen-capture is not built"
	command -v sox >/dev/null || skip "sox is not installed"
	cd "$BATS_TEST_TMPDIR"
}

# Rebuild the capture made with gen-capture "$@" and compare every stream
# with its expected audio.  Sets $sum (the --json lines).
rebuild_exact() {
	"$G" --expect exp -d 3 "$@" c.pcap
	run --separate-stderr "$P" -j -o out c.pcap
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	sum=$output
	local n=0 raw b lab cid d
	for raw in exp/*.raw; do
		b=$(basename "$raw" .raw); lab=${b##*-}; cid=${b%-*}
		d=$(ls -d out/"$cid"-*/)
		sox "$d/$lab.wav" -t raw -e signed -b 16 -L got.raw
		cmp got.raw "$raw" || fail "$d$lab.wav differs from $raw"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no expected stream"
}

# A field of stream $1 of the only recording's session.json.
stream_field() {
	python3 -c 'import json,sys,glob
s = json.load(open(glob.glob("out/*/session.json")[0]))
print([x for x in s["streams"] if x["label"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2"
}

@test "a clean call: byte-exact audio, facts in session.json" {
	rebuild_exact
	[ "$(stream_field 1 packets)" = 150 ]
	[ "$(stream_field 1 lost)" = 0 ]
	[ "$(stream_field 1 codec)" = PCMU/8000 ]
	[ "$(stream_field 2 sent_by)" = "['sip:bob@example.com']" ]
	run cat out/*/session.json
	[[ $output == *'"end_reason": "bye"'* ]]
	[[ $output == *'"duration_ms": 3000'* ]]
	[ -f out/*/metadata/0001.xml ] && [ -f out/*/metadata.xml ]
}

@test "loss: silence in place, lost counted like tshark counts it" {
	rebuild_exact --loss 10,11,12
	[ "$(stream_field 1 lost)" = 3 ]
	[ "$(stream_field 1 packets)" = 147 ]
	if command -v tshark >/dev/null; then
		ssrc=$(stream_field 1 ssrc | tr -d "[]'")
		line=$(tshark -r c.pcap -q -z rtp,streams | grep -i "$ssrc")
		[[ $line == *" 147 "* ]] || fail "tshark: $line"
		[[ $line == *" 3 (2.0%)"* ]] || fail "tshark: $line"
	fi
}

@test "reordering and duplicates: same audio, counted" {
	rebuild_exact --reorder 20 --dup 40
	[ "$(stream_field 1 reordered)" -ge 1 ]
	[ "$(stream_field 1 duplicated)" = 1 ]
	[ "$(stream_field 1 lost)" = 0 ]
}

@test "SSRC change, sequence and timestamp wrap" {
	rebuild_exact --ssrc-change 50 --seq-start 65530 --ts-start 4294967000
	run stream_field 2 ssrc
	[[ $output == *","* ]] || fail "one SSRC listed: $output"
}

@test "IPv4 fragments and SIP over TCP" {
	rebuild_exact --fragment
	rm -rf out exp c.pcap
	rebuild_exact --transport tcp
}

@test "pause and resume: silence and events on the timeline" {
	rebuild_exact --pause 1,2
	run cat out/*/session.json
	[[ $output == *'"event": "pause"'* ]]
	[[ $output == *'"event": "resume"'* ]]
	[ "$(stream_field 1 paused_ms)" -ge 990 ]
}

@test "a metadata UPDATE: both bodies kept, the merged state updated" {
	rebuild_exact --update-at 1.5
	[ -f out/*/metadata/0002.xml ]
	grep -q '<datamode>partial</datamode>' out/*/metadata/0002.xml
	grep -q '<datamode>complete</datamode>' out/*/metadata.xml
	run cat out/*/session.json
	[[ $output == *'"documents": 2'* ]]
}

@test "PCMA, ptime 30 and many concurrent calls" {
	rebuild_exact --codec pcma --ptime 30 --calls 6 --concurrent 4
	[ "$(printf '%s\n' "$sum" | wc -l)" -eq 6 ]
}

@test "standard input gives the same recording" {
	"$G" --expect exp -d 2 c.pcap
	run --separate-stderr sh -c "cat c.pcap | '$P' -q -o out -"
	assert_success
	d=$(ls -d out/*/)
	sox "$d/1.wav" -t raw -e signed -b 16 -L got.raw
	cmp got.raw exp/*-1.raw
	# hashed as read, named "-", added once the input has ended
	want=$(sha256sum c.pcap | cut -d' ' -f1)
	grep -q "^$want  -$" "$d/MANIFEST.sha256"
	grep -q "\"sha256\": \"$want\"" "$d/session.json"
	# (sha256sum would read "-" as its standard input)
	(cd "$d" && grep -v '  -$' MANIFEST.sha256 | sha256sum -c --quiet)
}

@test "MANIFEST.sha256 verifies, with the input capture's hash" {
	"$G" -d 2 c.pcap
	"$P" -q -o out c.pcap
	d=$(ls -d "$PWD"/out/*/)
	(cd "$d" && sha256sum -c --quiet --ignore-missing MANIFEST.sha256)
	want=$(sha256sum c.pcap | cut -d' ' -f1)
	grep -q "^$want  c.pcap$" "$d/MANIFEST.sha256"
	grep -q "\"sha256\": \"$want\"" "$d/session.json"
}

@test "--call-id and --shard select calls; shards are disjoint and complete" {
	"$G" -d 1 --calls 8 c.pcap
	"$P" -q -j -o all c.pcap | python3 -c 'import json,sys; print("\n".join(sorted(json.loads(l)["call_id"] for l in sys.stdin)))' > all.txt
	[ "$(wc -l < all.txt)" -eq 8 ]
	for k in 1 2 3; do
		"$P" -q -j -k "$k/3" -o s$k c.pcap || true
	done | python3 -c 'import json,sys; print("\n".join(sorted(json.loads(l)["call_id"] for l in sys.stdin)))' > shards.txt
	cmp all.txt shards.txt
	one=$(head -n 1 all.txt)
	run "$P" -q -j -c "$one" -o one c.pcap
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "a capture cut short: exit 3 naming the record, the call still written" {
	"$G" -d 2 c.pcap
	size=$(stat -c %s c.pcap)
	head -c $((size * 2 / 3)) c.pcap > cut.pcap
	run --separate-stderr "$P" -j -o out cut.pcap
	assert_failure 3
	[[ $stderr == *"cut.pcap: record "* ]] || fail "$stderr"
	[[ $output == *'"end_reason":"end-of-input"'* ]]
	d=$(ls -d out/*/)
	[ -f "$d/1.wav" ] && [ -f "$d/session.json" ]
	[ ! -e "$d/1.wav.part" ]
}

@test "Call-IDs never become unsafe paths" {
	"$G" -d 1 c.pcap
	cid=$(strings c.pcap | sed -n 's/^Call-ID: //p' | head -n 1 | tr -d '\r')
	python3 -c 'import sys
d = open("c.pcap", "rb").read()
open("evil.pcap", "wb").write(d.replace(sys.argv[1].encode(), b"../../"))' "${cid:0:6}"
	run --separate-stderr "$P" -j -o out evil.pcap
	assert_success
	[[ $output == *"\"call_id\":\"../../"* ]]
	[ "$(find . -name session.json | wc -l)" -eq 1 ]
	find out -mindepth 1 -maxdepth 1 -type d -name '.*' | grep -q . && fail "hidden dir"
	d=$(ls -d out/*/)
	[[ $d == out/_* && $d != */*/*/ ]] || fail "$d"
	[ -f "$d/session.json" ] && [ -f "$d/1.wav" ]
}

@test "no SIPREC call: exit 1; --all-calls records a plain call" {
	c=$ROOT/../shared/corpus/pcap/sip-rtp/wiresharksample_sip-rtp-g711.pcap
	[ -f "$c" ] || skip "../shared/corpus is absent"
	run "$P" -q -o out "$c"
	assert_failure 1
	run --separate-stderr "$P" -j -a -o out "$c"
	assert_success
	[[ $output == *'"siprec":false'* ]]
	ls out/*/to-callee.wav out/*/to-caller.wav
}

@test "usage errors exit 2; a file that is no capture exits 3" {
	run "$P" c.pcap
	assert_failure 2
	run "$P" -F mp3 -o out c.pcap
	assert_failure 2
	run "$P" -k 4/3 -o out c.pcap
	assert_failure 2
	printf 'not a capture\n' > junk.pcap
	run --separate-stderr "$P" -o out junk.pcap
	assert_failure 3
	[[ $stderr == *"junk.pcap"* ]]
}

@test "--layout stereo: left and right are the streams, exactly; mixed sums" {
	"$G" --expect exp -d 2 c.pcap
	run --separate-stderr "$P" -q -L stereo -o st c.pcap
	assert_success
	d=$(ls -d st/*/)
	[ ! -e "$d/1.wav" ] && [ -f "$d/stereo.wav" ]
	sox "$d/stereo.wav" -t raw -e signed -b 16 -L left.raw remix 1
	sox "$d/stereo.wav" -t raw -e signed -b 16 -L right.raw remix 2
	cmp left.raw exp/*-1.raw
	cmp right.raw exp/*-2.raw
	grep -q '"type": "stereo", "file": "stereo.wav", "order": "participant"' "$d/session.json"
	(cd "$d" && sha256sum -c --quiet --ignore-missing MANIFEST.sha256)
	run "$P" -q -L mixed -o mx c.pcap
	assert_success
	[ -f mx/*/mixed.wav ]
	[ "$(soxi -s mx/*/mixed.wav)" = 16000 ]
	run "$P" -q -L surround -o x c.pcap
	assert_failure 2
}

@test "SRTP with a key file: the published sample decrypts; a wrong key fails" {
	c=$ROOT/../shared/corpus/pcap/sip-rtp/srtp_marseillaise-srtp.pcap
	[ -f "$c" ] || skip "../shared/corpus is absent"
	echo '10.2.2.2:10000 AES_CM_128_HMAC_SHA1_80 inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz' > keys
	run --separate-stderr "$P" -j -K keys -o ok "$c"
	assert_success
	[[ $output == *'"packets":11888,"lost":0'* ]]
	grep -q '"auth_failed": 0' ok/*/session.json
	grep -q '"ok": 11888' ok/*/session.json
	rms=$(sox ok/*/*.wav -n stat 2>&1 | awk '/RMS +amplitude/ { print $3 }')
	awk "BEGIN { exit !($rms > 0.02) }" || fail "decrypted audio is silent: $rms"
	echo '10.2.2.2:10000 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' > wrong.keys
	run --separate-stderr "$P" -j -K wrong.keys -o bad "$c"
	assert_success
	grep -q '"auth_failed": 11888' bad/*/session.json
	[[ $output == *'"packets":0'* ]]
	printf 'nonsense line\n' > broken
	run --separate-stderr "$P" -K broken -o x "$c"
	assert_failure 3
	[[ $stderr == *"broken:1"* ]] || fail "$stderr"
}

@test "--format flac is lossless; --format ogg writes Ogg/Opus" {
	"$G" --expect exp -d 2 c.pcap
	run --separate-stderr "$P" -q -F flac -o fl c.pcap
	assert_success
	d=$(ls -d fl/*/)
	sox "$d/1.flac" -t raw -e signed -b 16 -L got.raw
	cmp got.raw exp/*-1.raw
	grep -q '"file": "1.flac"' "$d/session.json"
	run --separate-stderr "$P" -q -F ogg -o og c.pcap
	if [ "$status" -eq 0 ]; then
		head -c 4 og/*/1.ogg | grep -q OggS
		grep -aq OpusHead og/*/1.ogg
	else
		[[ $stderr == *"not supported"* || $stderr == *"unsupported"* ]] ||
		    fail "$stderr"
	fi
}

@test "SRTP with SDES keys in the SDP: every suite byte-exact, bad tags counted" {
	for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 \
	    AES_256_CM_HMAC_SHA1_80 AEAD_AES_128_GCM; do
		rm -rf exp out c.pcap
		rebuild_exact --srtp "$suite" --srtp-bad-tag 30
		grep -q "\"suite\": \"$suite\", \"ok\": 149, \"auth_failed\": 1" \
		    out/*/session.json || fail "$suite: $(grep -o '"srtp": {[^}]*}' out/*/session.json)"
		[ "$(stream_field 1 lost)" = 1 ]
	done
}

@test "a codec change inside the negotiated set (T-13): byte-exact" {
	rebuild_exact --codec-change 50
	rm -rf exp out c.pcap
	rebuild_exact --codec pcma --codec-change 20 --loss 19,20
}

# RFC 3262 5: offers and answers in a reliable 183 and the PRACK; the
# 200 to the INVITE carries no SDP.  Three calls, two at once, a pause.
@test "PRACK: an answer in the reliable 183: byte-exact" {
	rebuild_exact --prack answer --calls 3 --concurrent 2 --pause 1,2
	[ "$(printf '%s\n' "$sum" | wc -l)" -eq 3 ]
}

@test "PRACK: an offer in the 183 (offerless INVITE), its answer in the PRACK" {
	# (no re-INVITE: its offer would give the streams away)
	rebuild_exact --prack offer-in-1xx --calls 3 --concurrent 2
	[ "$(printf '%s\n' "$sum" | wc -l)" -eq 3 ]
	rm -rf exp out c.pcap
	rebuild_exact --prack offer-in-1xx --pause 1,2
}

@test "PRACK: a new offer in the PRACK, its answer in the PRACK's 200" {
	# The new offer and answer move both sides' RTP ports.
	rebuild_exact --prack offer-in-prack --calls 3 --concurrent 2 \
	    --pause 1,2
	[ "$(printf '%s\n' "$sum" | wc -l)" -eq 3 ]
	rm -rf exp out c.pcap
	rebuild_exact --prack offer-in-prack -t tcp
}

@test "a recording is reported once its directory is complete" {
	# Directories are completed (hashes, session.json, manifest) on a
	# thread of their own while packets go on; each line must wait.
	"$G" --calls 40 --concurrent 10 -d 2 c.pcap
	"$P" -q -j -o out c.pcap | while IFS= read -r line; do
		d=$(printf '%s\n' "$line" |
		    python3 -c 'import json,sys; print(json.load(sys.stdin)["dir"])')
		[ -f "$d/session.json" ] || { echo "$d: no session.json"; exit 1; }
		(cd "$d" && sha256sum -c --quiet --ignore-missing \
		    MANIFEST.sha256) || { echo "$d: manifest"; exit 1; }
		[ "$(grep -c '\.wav$' "$d/MANIFEST.sha256")" -eq 2 ] ||
		    { echo "$d: audio not in the manifest"; exit 1; }
		echo "$d" >> seen
	done
	[ "$(wc -l < seen)" -eq 40 ]
}

@test "kill -9 mid-run: finished recordings complete, the ones in flight readable" {
	"$G" --calls 60 --concurrent 20 -d 20 c.pcap
	"$P" -q -o out c.pcap > /dev/null &
	pid=$!
	caught=0
	for i in $(seq 1 2000); do
		if ls out/*/session.json >/dev/null 2>&1 &&
		    ls out/*/*.wav.part >/dev/null 2>&1; then
			kill -9 "$pid" 2>/dev/null && caught=1
			break
		fi
		sleep 0.005
	done
	wait "$pid" 2>/dev/null || true
	[ "$caught" = 1 ] || skip "the run ended before it could be interrupted"
	for d in out/*/; do
		if [ -f "$d/session.json" ]; then
			(cd "$d" && sha256sum -c --quiet --ignore-missing MANIFEST.sha256)
		fi
	done
	for f in out/*/*.wav.part; do
		sox -t wav "$f" -n stat 2>/dev/null || fail "$f is not readable"
	done
}
