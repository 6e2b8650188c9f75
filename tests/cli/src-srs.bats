#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-src against siprec-srs on loopback: the audio sent is the audio
# recorded (byte for byte for G.711, plain and SRTP; by correlation for
# the lossy codecs), the metadata sent is the metadata recorded, the SRS's
# answers are judged, and the same loop captured with tcpdump is rebuilt
# by siprec-pcap2rec into the same decoded audio.  Ports: SIP 24500-24519, RTP
# 24600-24999; every program is bounded by timeout.

bats_require_minimum_version 1.5.0

setup() {
	load src-lib
	src_setup
	R=$BB/bin/siprec-srs
	D=$ROOT/tests/data/siprec-src
	[ -x "$R" ] || skip "siprec-srs is not built"
	command -v sox >/dev/null || skip "sox is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	cd "$BATS_TEST_TMPDIR"
	SRS_PID=
	# Two channels of G.711-exact audio, mu-law and A-law samples decoded.
	sox -n -r 8000 -c 2 -e u-law tones.wav synth 3 sine 300 sine 500
	sox -n -r 8000 -c 2 -e a-law tones-a.wav synth 3 sine 300 sine 500
}

teardown() {
	[ -z "$SRS_PID" ] || kill "$SRS_PID" 2>/dev/null || true
}

# start_srs PORT RTP-RANGE RECORDINGS [siprec-srs options]: recordings go
# to rec/, events to events.jsonl; it exits after RECORDINGS of them.
start_srs() {
	local port=$1 range=$2 n=$3
	shift 3
	rm -rf rec events.jsonl
	mkdir rec
	timeout 60 "$R" -q -l "127.0.0.1:$port" -P "$range" -n "$n" -o rec \
	    -e events.jsonl "$@" &
	SRS_PID=$!
	local i=0
	while [ $i -lt 50 ]; do
		grep -q '"listening"' events.jsonl 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "siprec-srs did not start"
}

wait_srs() {
	wait "$SRS_PID" || fail "siprec-srs exit $?: $(cat events.jsonl)"
	SRS_PID=
}

raw() {
	# raw FILE OUT [sox effects...]: 16-bit little-endian mono samples.
	local in=$1 out=$2
	shift 2
	sox "$in" -t raw -e signed -b 16 -L "$out" "$@"
}

# exact_both WHAT [SOURCE [DIR]]: the streams of the only recording in
# DIR (rec) are channels 1 and 2 of SOURCE (tones.wav), sample for sample.
exact_both() {
	local d src=${2:-tones.wav}
	d=$(ls -d "${3:-rec}"/*/)
	raw "$src" s1.raw remix 1
	raw "$src" s2.raw remix 2
	raw "$d/1.wav" r1.raw
	raw "$d/2.wav" r2.raw
	python3 "$D/exact.py" s1.raw r1.raw ||
	    fail "$1: stream 1 differs; $(grep -h '"end"' events.jsonl)"
	python3 "$D/exact.py" s2.raw r2.raw ||
	    fail "$1: stream 2 differs; $(grep -h '"end"' events.jsonl)"
}

@test "G.711 recorded byte for byte: PCMU, PCMA, and SRTP suites" {
	local c suite src srtp
	while read -r c suite; do
		# A-law cannot carry every mu-law value, and the reverse.
		src=tones.wav
		[ "$c" = PCMA ] && src=tones-a.wav
		start_srs 24500 24600-24699 1
		srtp=()
		[ "$suite" = none ] || srtp=(-s "$suite")
		src_json -t udp -d 1500 -c "$c" "${srtp[@]}" -A "$src" \
		    sip:srs@127.0.0.1:24500
		[ "$status" -eq 0 ] || fail "$c $suite: exit $status: $stderr"
		wait_srs
		exact_both "$c $suite" "$src"
		grep -q '"lost":0' events.jsonl || fail "$c $suite: loss"
	done <<-'EOF2'
	PCMU none
	PCMA none
	PCMU AES_CM_128_HMAC_SHA1_80
	PCMA AES_CM_128_HMAC_SHA1_32
	PCMU AES_256_CM_HMAC_SHA1_80
	PCMU AEAD_AES_128_GCM
	PCMA AEAD_AES_256_GCM
	EOF2
}

# Lossy codecs: the speech sample through the codec correlates with the
# source at least this much, compared at the codec's audio rate
# (measured: G.722 0.9998, G.729 0.85, Opus 0.97).
@test "lossy codecs: G.722 >= 0.98, G.729 >= 0.75, Opus >= 0.90 correlation" {
	local c min rate got lag
	while read -r c min rate; do
		raw "$ROOT/samples/speech.flac" src.raw rate "$rate"
		start_srs 24502 24700-24799 1
		run --separate-stderr timeout 20 "$S" -t udp -d 2000 -n 1 \
		    -c "$c" -A "$ROOT/samples/speech.flac" -q \
		    sip:srs@127.0.0.1:24502
		[ "$status" -eq 0 ] || fail "$c: exit $status: $stderr"
		wait_srs
		raw "$(ls rec/*/1.wav)" rec.raw rate "$rate"
		read -r got lag < <(python3 "$D/similar.py" src.raw rec.raw \
		    $((rate / 20)))
		python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' \
		    "$got" "$min" || fail "$c: correlation $got < $min"
	done <<-'EOF2'
	G722 0.98 16000
	G729 0.75 8000
	opus 0.90 16000
	EOF2
}

@test "metadata recorded is the metadata sent; updates and the BYE's merge" {
	start_srs 24504 24800-24899 1
	src_ok -t udp -d 1200 --seed 5 \
	    --epoch 1700000000 -e '0.4:transfer=Carol <sip:carol@example.org>' \
	    sip:srs@127.0.0.1:24504
	wait_srs
	local d
	d=$(ls -d rec/*/)
	# The first document, byte for byte, is what --dry-run shows.
	"$S" --dry-run --seed 5 --epoch 1700000000 sip:srs@127.0.0.1:24504 \
	    > inv.sip
	python3 - inv.sip "$d/metadata/0001.xml" <<-'EOF2'
	import sys
	m = open(sys.argv[1], 'rb').read()
	start = m.index(b'<?xml')
	end = m.index(b'</recording>', start) + len(b'</recording>\n')
	sent = m[start:end]
	got = open(sys.argv[2], 'rb').read()
	if sent != got:
	    sys.exit("0001.xml differs from the INVITE's metadata")
	EOF2
	# Three documents: the INVITE's, the transfer's, the BYE's.
	[ "$(ls "$d"/metadata | wc -l)" -eq 3 ]
	grep -q '<datamode>partial</datamode>' "$d/metadata/0002.xml"
	grep -q 'sip:carol@example.org' "$d/metadata/0002.xml"
	grep -q '<stop-time>' "$d/metadata/0003.xml"
	# The merged state: Carol in, Bob gone, the session stopped.
	grep -q 'sip:carol@example.org' "$d/metadata.xml"
	grep -q '<stop-time>' "$d/metadata.xml"
	grep -q '"metadata_errors":0' events.jsonl
}

@test "genesys-party: a recording per party of each call, with that party's audio" {
	local L=$BB/bin/siprec-meta-lint
	[ -x "$L" ] || skip "siprec-meta-lint is not built"
	raw tones.wav s1.raw remix 1
	raw tones.wav s2.raw remix 2
	# One call (a second one would start further into the audio).
	start_srs 24512 24600-24699 2
	src_ok -t udp -d 1500 \
	    -p genesys-party -A tones.wav sip:srs@127.0.0.1:24512
	wait_srs
	[ "$(jnum .attempted)" -eq 2 ]
	[ "$(jnum .answered)" -eq 2 ]
	[ "$(ls -d rec/*/ | wc -l)" -eq 2 ]
	# Each recording: one stream, sent by the party the metadata names
	# first, received by the other; its audio is that party's channel.
	local d out n=0
	for d in rec/*/; do
		out=$(python3 - "$d/session.json" <<-'EOF2'
		import json, sys
		s = json.load(open(sys.argv[1]))
		(st,) = s["streams"]
		p = [x["aor"] for x in s["participants"]]
		ch = {"sip:alice@example.com": 1, "sip:bob@example.com": 2}
		assert st["sent_by"] == [p[0]] and st["received_by"] == [p[1]], s
		assert st["label"] == str(ch[p[0]]), s
		print(ch[p[0]], st["file"])
		EOF2
		) || fail "$d: $out"
		raw "$d/${out#* }" r.raw
		python3 "$D/exact.py" "s${out%% *}.raw" r.raw ||
		    fail "$d: not the audio of party ${out%% *}"
		n=$((n + ${out%% *}))
		# RFC 7865 as it stands: no dialect, valid against the schema.
		run --separate-stderr "$L" --json "$d/metadata/0001.xml"
		[[ $output == *'"dialect":null'*'"schema_valid":true'* ]] ||
		    fail "$d: $output"
	done
	# A recording of party 1 and one of party 2.
	[ "$n" -eq 3 ] || fail "parties sum to $n"
	grep -q '"lost":0' events.jsonl
	! grep -q '"lost":[1-9]' events.jsonl
}

@test "the SRS asks for a snapshot: a full one comes at once" {
	start_srs 24506 24900-24949 1 -S 1
	src_ok -t udp -d 2600 sip:srs@127.0.0.1:24506
	wait_srs
	[ "$(jnum .requests.snapshots)" -ge 1 ]
	local d
	d=$(ls -d rec/*/)
	[ "$(grep -l '<datamode>complete</datamode>' "$d"/metadata/*.xml |
	    wc -l)" -ge 2 ]
}

@test "verdicts: an SRS that answers sendrecv or with wrong labels is caught" {
	start_srs 24508 24950-24999 1 -W
	src_json -t udp -d 300 sip:srs@127.0.0.1:24508
	wait_srs
	[ "$(jnum .verdicts.not_recvonly)" -eq 1 ]
	[ "$(jnum .verdicts.labels_missing)" -eq 0 ]
	start_srs 24508 24950-24999 1 -w
	src_json -t udp -d 300 sip:srs@127.0.0.1:24508
	wait_srs
	[ "$(jnum .verdicts.labels_missing)" -eq 1 ]
}

@test "the loop captured by tcpdump and rebuilt by siprec-pcap2rec: same audio" {
	P=$BB/bin/siprec-pcap2rec
	[ -x "$P" ] || skip "siprec-pcap2rec is not built"
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	[ "$(id -u)" -eq 0 ] || skip "tcpdump on loopback needs root"
	start_srs 24510 24600-24699 1
	timeout 30 tcpdump -i lo -U -s 0 -w loop.pcap \
	    'udp and (port 24510 or portrange 24600-24699)' 2>/dev/null &
	local tpid=$!
	sleep 1
	run --separate-stderr timeout 20 "$S" -t udp -d 1500 -A tones.wav -q \
	    sip:srs@127.0.0.1:24510
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	wait_srs
	sleep 0.5
	kill -INT "$tpid"
	wait "$tpid" || true
	run --separate-stderr timeout 60 "$P" -o rebuilt loop.pcap
	[ "$status" -eq 0 ] || fail "pcap2rec exit $status: $stderr"
	local live cap l
	live=$(ls -d rec/*/)
	cap=$(ls -d rebuilt/*/)
	# Same directory name; the same decoded samples (the silence before
	# them may differ, siprec-recording(5)).
	[ "$(basename "$live")" = "$(basename "$cap")" ] ||
	    fail "live $live, rebuilt $cap"
	for l in 1 2; do
		raw "$live/$l.wav" live$l.raw
		raw "$cap/$l.wav" cap$l.raw
		python3 "$D/same.py" live$l.raw cap$l.raw ||
		    fail "$l.wav: live and rebuilt differ"
	done
	exact_both pcap2rec tones.wav rebuilt
}
