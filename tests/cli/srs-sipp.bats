#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-srs with SIPp as the SRC: two labelled streams with RTP, a pause
# and a resume by re-INVITE, a partial metadata UPDATE, a BYE; the
# recording is checked against the audio sent, sample for sample.
# Ports: SIPp 22010 (SIP) and 22020 (media), RTP 22100-22199.

bats_require_minimum_version 1.5.0

setup() {
	load srs-lib
	srs_setup
	need_sipp
	command -v sox >/dev/null || skip "sox is not installed"
}

teardown() {
	srs_teardown
}

# Four tones of one second as raw mu-law, and SIPp's pcaps of stream 1
# (sequence numbers and timestamps continue over the pause).
make_audio() {
	local f hz=(300 500 700 900) i=0
	for f in a1 b1 a2 b2; do
		sox -n -r 8000 -c 1 -e u-law -t raw "$W/$f.ul" \
		    synth 1 sine "${hz[i]}" vol 0.5 || return 1
		i=$((i + 1))
	done
	"$RTPSEND" pcap "$W/a1.pcap" "$W/a1.ul" 0x11111111 2000 0 &&
	    "$RTPSEND" pcap "$W/b1.pcap" "$W/b1.ul" 0x11111111 2050 8000
}

run_sipp() {
	(cd "$W" && timeout 40 sipp -sf "$ROOT/tests/data/sipp/$1" -m 1 \
	    -i 127.0.0.1 -p 22010 -mp 22020 -t u1 -timeout 30s \
	    -timeout_error -trace_err -error_file "$W/sipp.err" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1)
}

@test "SIPp SRC: two streams, pause and resume, metadata UPDATE: audio and metadata as sent" {
	make_audio
	srs_start -P 22100-22199 -n 1 -E 2 -L 0 -s -o "$W/rec"
	run_sipp siprec-src.xml || { cat "$W/sipp.out" "$W/sipp.err"; fail "SIPp failed"; }
	srs_wait 10
	[[ $SRS_RC -eq 0 ]] || { cat "$W/srs.err" "$W/ev.jsonl"; fail "exit $SRS_RC"; }
	# Events: start, two streams, a pause and a resume each, two
	# metadata documents, the end with both streams and no loss.
	[[ $(srs_events start | wc -l) -eq 1 ]]
	[[ $(srs_events pause | wc -l) -eq 2 ]]
	[[ $(srs_events resume | wc -l) -eq 2 ]]
	[[ $(srs_events metadata | wc -l) -eq 2 ]]
	run srs_py 'end[0]["reason"], len(end[0]["streams"]), [(s["label"], s["packets"], s["lost"]) for s in end[0]["streams"]], end[0]["expectations_met"]'
	assert_output "bye 2 [('1', 100, 0), ('2', 100, 0)] True"
	dir=$(srs_py 'end[0]["dir"]')
	[[ $dir == "$W/rec/"* ]]
	# Each tone is in its file, whole and in order: the second after the
	# first and after the pause.
	for s in "1 a1 b1" "2 a2 b2"; do
		set -- $s
		run "$RTPSEND" find "$dir/$1.wav" "$W/$2.ul"
		assert_success
		first=$output
		run "$RTPSEND" find "$dir/$1.wav" "$W/$3.ul" $((first + 8000 + 4000))
		assert_success
	done
	# The pause is silence and is said so in session.json.
	run python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([ (s["label"], s["paused_ms"] > 400) for s in j["streams"]], [e["event"] for e in j["timeline"]].count("pause"))' "$dir/session.json"
	assert_output "[('1', True), ('2', True)] 2"
	# Metadata: both bodies kept, the partial update merged (CF-03).
	[[ -f $dir/metadata/0001.xml && -f $dir/metadata/0002.xml ]]
	grep -q '<datamode>complete</datamode>' "$dir/metadata/0001.xml"
	grep -q '<datamode>partial</datamode>' "$dir/metadata/0002.xml"
	run python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([(p["aor"], p["sends"], p["receives"]) for p in j["participants"]])' "$dir/session.json"
	assert_output "[('sip:alice@example.com', [], ['2']), ('sip:bob@example.com', ['2'], [])]"
	# The manifest holds.
	(cd "$dir" && sha256sum -c --quiet MANIFEST.sha256)
}

@test "SIPp SRC: an expectation not met (-E 3) exits 1 and says which" {
	make_audio
	srs_start -P 22100-22199 -n 1 -E 3 -o "$W/rec"
	run_sipp siprec-src.xml || fail "SIPp failed"
	srs_wait 10
	[[ $SRS_RC -eq 1 ]] || fail "exit $SRS_RC, expected 1"
	run srs_py 'end[0]["expectations_met"], end[0]["failed"]'
	assert_output "False ['2 streams, expected 3']"
}

@test "SIPp SRC: the answer is recvonly per m-line, labels echoed, +sip.srs in Contact" {
	make_audio
	srs_start -P 22100-22199 -n 1 -o "$W/rec"
	(cd "$W" && timeout 40 sipp -sf "$ROOT/tests/data/sipp/siprec-src.xml" \
	    -m 1 -i 127.0.0.1 -p 22010 -mp 22020 -t u1 -timeout 30s \
	    -timeout_error -trace_msg -message_file "$W/msg.log" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1) || fail "SIPp failed"
	srs_wait 10
	# The first 200 OK SIPp received.
	awk '/^SIP\/2.0 200 OK/ { p = 1 } p { print } p && /^a=recvonly/ { n++ } n == 2 { exit }' \
	    "$W/msg.log" > "$W/ok.txt"
	grep -q '^Contact: <sip:srs@127.0.0.1:[0-9]*>;+sip.srs' "$W/ok.txt"
	grep -q '^Allow: .*UPDATE' "$W/ok.txt"
	[[ $(grep -c '^m=audio 221[0-9][0-9] RTP/AVP 0' "$W/ok.txt") -eq 2 ]]
	[[ $(grep -c '^a=recvonly' "$W/ok.txt") -eq 2 ]]
	grep -q '^a=label:1' "$W/ok.txt"
	grep -q '^a=label:2' "$W/ok.txt"
	! grep -q '^Require: siprec' "$W/ok.txt"
}

@test "SIPp SRC over TCP: the same session, the same audio" {
	make_audio
	srs_start -P 22100-22199 -n 1 -E 2 -L 0 -o "$W/rec"
	(cd "$W" && timeout 40 sipp -sf "$ROOT/tests/data/sipp/siprec-src.xml" \
	    -m 1 -i 127.0.0.1 -p 22011 -mp 22020 -t t1 -timeout 30s \
	    -timeout_error -trace_err -error_file "$W/sipp.err" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1) ||
	    { cat "$W/sipp.out" "$W/sipp.err"; fail "SIPp failed"; }
	srs_wait 10
	[[ $SRS_RC -eq 0 ]] || { cat "$W/srs.err"; fail "exit $SRS_RC"; }
	run srs_py 'end[0]["reason"], [(s["label"], s["packets"], s["lost"]) for s in end[0]["streams"]], end[0]["metadata"]'
	assert_output "bye [('1', 100, 0), ('2', 100, 0)] 2"
	dir=$(srs_py 'end[0]["dir"]')
	grep -q '"src": "127.0.0.1:22011"' "$dir/session.json"
	run "$RTPSEND" find "$dir/1.wav" "$W/a1.ul"
	assert_success
	run "$RTPSEND" find "$dir/2.wav" "$W/b2.ul" "$output"
	assert_success
}
