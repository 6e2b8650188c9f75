#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-srs through the RFC 8068 call flows of SPEC 3 an SRS takes part
# in, SIPp as the SRC (tests/data/sipp/rfc8068-flows.xml): CF-01, CF-06,
# CF-11, CF-15, CF-19; CF-03 and CF-20 are in srs-sipp.bats.  Also
# CANCEL, session timers (RFC 4028) and a codec change.
# Ports: SIPp 22050 (SIP) and 22060 (media), RTP 22800-22899.

bats_require_minimum_version 1.5.0

setup() {
	load srs-lib
	srs_setup
	need_sipp
}

teardown() {
	srs_teardown
}

@test "RFC 8068 flows: re-INVITE updates, stream added and removed, snapshot request, offerless re-INVITE, BYE with metadata" {
	srs_start -P 22800-22899 -n 1 -S 2 -o "$W/rec"
	(cd "$W" && timeout 40 sipp -sf "$ROOT/tests/data/sipp/rfc8068-flows.xml" \
	    -m 1 -i 127.0.0.1 -p 22050 -mp 22060 -t u1 -timeout 30s \
	    -timeout_error -trace_err -error_file "$W/sipp.err" \
	    -trace_msg -message_file "$W/msg.log" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1) ||
	    { cat "$W/sipp.err" "$W/srs.err"; fail "SIPp failed"; }
	srs_wait 10
	[[ $SRS_RC -eq 0 ]] || { cat "$W/srs.err"; fail "exit $SRS_RC"; }
	# Six metadata bodies in the dialog: the INVITE's, the re-INVITE's
	# partial, the server's snapshot request, the snapshot asked for, the
	# offerless re-INVITE's, the BYE's.
	run srs_py 'end[0]["metadata"], end[0]["metadata_errors"], [s["label"] for s in end[0]["streams"]], end[0]["reason"]'
	assert_output "6 0 ['1', '2'] bye"
	# Stream 2 appeared with the second offer and stopped with port 0.
	run srs_py '[(e["event"], e.get("detail")) for e in ev if e["event"] in ("stream", "stop")]'
	assert_output "[('stream', '1'), ('stream', '2'), ('stop', '2')]"
	dir=$(srs_py 'end[0]["dir"]')
	ls "$dir"/metadata/000[1-6].xml
	grep -q '<requestsnapshot' "$dir/metadata/0003.xml"
	grep -q '<datamode>complete</datamode>' "$dir/metadata/0004.xml"
	# The BYE's partial update is merged: the session has a stop time.
	grep -q 'stop-time' "$dir/metadata.xml"
	# The snapshot request: an UPDATE with no SDP (RFC 7866 9.2).
	awk '/^UPDATE sip:/ { p = 1 } p { print } p && /<\/requestsnapshot>/ { exit }' \
	    "$W/msg.log" > "$W/update.txt"
	grep -q '^Content-Type: application/rs-metadata+xml' "$W/update.txt"
	grep -q '^Content-Disposition: recording-session' "$W/update.txt"
	! grep -q '^Content-Type: application/sdp' "$W/update.txt"
	"$ROOT/$B/bin/siprec-meta-lint" "$W/update.txt" ||
	    fail "the snapshot request does not lint clean"
	# The offer in the 200 to the offerless re-INVITE lists the two
	# streams the server has (P-27), recvonly.
	awk '/^INVITE .*SIP\/2.0/ { n++ } n == 4 && /^SIP\/2.0 200 OK/ { p = 1 } p { print } p && /^a=recvonly/ { k++ } k == 2 { exit }' \
	    "$W/msg.log" > "$W/offer.txt"
	[[ $(grep -c '^m=audio [1-9]' "$W/offer.txt") -eq 2 ]]
}

@test "CANCEL of an INVITE answered late: 200 and 487, nothing recorded" {
	srs_start -P 22800-22899 -D 3000 -o "$W/rec"
	(cd "$W" && timeout 30 sipp -sf "$ROOT/tests/data/sipp/srs-cancel.xml" \
	    -m 1 -i 127.0.0.1 -p 22050 -t u1 -timeout 20s -timeout_error \
	    -trace_err -error_file "$W/sipp.err" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1) ||
	    { cat "$W/sipp.err"; fail "SIPp failed"; }
	sleep 0.3
	srs_stop
	[[ $SRS_RC -eq 0 ]]
	[[ -z $(srs_events start) ]]
	[[ -z $(ls "$W/rec" 2>/dev/null) ]]
}

@test "session timers and a codec change: refresher uac, ports kept, PCMA answered" {
	srs_start -P 22800-22899 -n 1 -o "$W/rec"
	(cd "$W" && timeout 30 sipp -sf "$ROOT/tests/data/sipp/srs-timer-codec.xml" \
	    -m 1 -i 127.0.0.1 -p 22050 -mp 22060 -t u1 -timeout 20s \
	    -timeout_error -trace_err -error_file "$W/sipp.err" \
	    -trace_logs -log_file "$W/log.txt" \
	    "127.0.0.1:$SRS_PORT" > "$W/sipp.out" 2>&1) ||
	    { cat "$W/sipp.err"; fail "SIPp failed"; }
	srs_wait 10
	[[ $SRS_RC -eq 0 ]]
	grep -q 'refresh ports kept: true true' "$W/log.txt"
	run srs_py 'end[0]["reason"], len(end[0]["streams"])'
	assert_output "bye 2"
}
