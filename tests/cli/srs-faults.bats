#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-srs: the answers of SPEC 1.10, overload, the disk threshold,
# fault injection, signals, kill -9 mid-call, garbage, half-open TCP, the
# RTP timeout.  The server's SIP port is ephemeral; RTP 22500-22599.

bats_require_minimum_version 1.5.0

setup() {
	load srs-lib
	srs_setup
}

teardown() {
	srs_teardown
}

# $W/$1.sip: the fixture INVITE with its own Call-ID, then sed $2.
mk() {
	sed -e "s/CALLID/$1-$$/" -e "s/z9hG4bK-srs-test-1/z9hG4bK-$1-$$/" \
	    ${2:+-e "$2"} tests/data/siprec-srs/invite.sip > "$W/$1.sip"
}

# Send $W/$1.sip; the response (LF line ends) in $output.
send() {
	run --separate-stderr timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" \
	    "$W/$1.sip" "${2:-0}"
}

status_is() {
	[[ ${output%%$'\n'*} == "SIP/2.0 $1"* ]] ||
	    fail "expected $1, got '${output%%$'\n'*}'"
}

@test "usage errors exit 2; --help exits 0" {
	run --separate-stderr "$SRS"
	assert_failure 2
	run --separate-stderr "$SRS" -o "$W/r" -P 9000
	assert_failure 2
	run --separate-stderr "$SRS" -o "$W/r" -R 50
	assert_failure 2
	run --separate-stderr "$SRS" -o "$W/r" -L 101
	assert_failure 2
	run --separate-stderr "$SRS" -o "$W/r" extra
	assert_failure 2
	run --separate-stderr "$SRS" --help
	assert_success
	[[ $output == usage:* ]]
}

@test "a port that cannot be bound is a system error (4)" {
	srs_start -o "$W/rec1"
	run --separate-stderr timeout 10 "$SRS" -l "127.0.0.1:$SRS_PORT" -o "$W/rec2"
	assert_failure 4
	[[ $stderr == *"listen UDP"* ]]
	srs_stop
}

@test "SPEC 1.10: 420, 415, 488, 403 strict, 481, 405, OPTIONS 200, --accept-plain" {
	srs_start -P 22500-22599 -o "$W/rec"
	mk ext 's/^Require: siprec$/Require: siprec, foo/'
	send ext
	status_is 420
	assert_line "Unsupported: foo"
	mk gtd 's|^--srs-b1--$|--srs-b1\nContent-Type: application/gtd\n\nIAM,\n--srs-b1--|'
	send gtd
	status_is 415
	assert_line --regexp '^Accept: application/sdp, application/rs-metadata\+xml'
	mk plain '/^Require: siprec$/d; s/;+sip.src$//; s|multipart/mixed;boundary="srs-b1"|application/sdp|'
	sed -i '/^--srs-b1$/,$d; /^Content-Type: application\/sdp$/{n;}' "$W/plain.sip"
	printf 'v=0\no=a 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 22610 RTP/AVP 0\n' \
	    >> "$W/plain.sip"
	send plain
	status_is 488
	assert_line --regexp '^Warning: 399 '
	mk video 's/^m=audio 2261\([02]\) RTP\/AVP 0.*/m=video 2261\1 RTP\/AVP 96/'
	send video
	status_is 488
	printf 'OPTIONS sip:srs@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-o1\nFrom: <sip:a@127.0.0.1>;tag=1\nTo: <sip:srs@127.0.0.1>\nCall-ID: opt-%s\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n' $$ \
	    > "$W/options.sip"
	send options
	status_is 200
	assert_line --regexp '^Allow: .*UPDATE'
	assert_line --regexp '^Accept: application/sdp'
	sed 's/OPTIONS/BYE/g; s/<sip:srs@127.0.0.1>$/<sip:srs@127.0.0.1>;tag=nosuch/' \
	    "$W/options.sip" > "$W/bye.sip"
	send bye
	status_is 481
	sed 's/OPTIONS/MESSAGE/g' "$W/options.sip" > "$W/message.sip"
	send message
	status_is 405
	srs_stop
	[[ $(srs_events refused | wc -l) -ge 4 ]]
	[[ $(srs_events start | wc -l) -eq 0 ]]

	# Strict: an INVITE without +sip.src is refused 403 with a Warning;
	# lenient: recorded, the missing sign logged.
	mk nosrc 's/;+sip.src$//'
	srs_start -P 22500-22599 -s -o "$W/rec"
	send nosrc
	status_is 403
	assert_line --regexp '^Warning: 399 siprec-srs ".*\+sip.src'
	srs_stop
	srs_start -P 22500-22599 -n 1 -o "$W/rec"
	send nosrc
	status_is 200
	srs_wait 10
	grep -q 'without Contact +sip.src' "$W/srs.err"
	[[ $(srs_events end | wc -l) -eq 1 ]]
	# --accept-plain records the plain call.
	srs_start -P 22500-22599 -n 1 -a -o "$W/rec"
	send plain
	status_is 200
	srs_wait 10
	run srs_py 'end[0]["siprec"]'
	assert_output False
}

@test "overload: --max-sessions answers 503 with Retry-After beyond N" {
	srs_start -P 22500-22599 -M 1 -o "$W/rec"
	mk first
	timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$W/first.sip" 2 \
	    > "$W/first.out" &
	sender=$!
	sleep 0.5
	mk second
	send second
	status_is 503
	assert_line --regexp '^Retry-After: [0-9]+$'
	wait "$sender"
	grep -q '^SIP/2.0 200 OK' "$W/first.out"
	# The first one ended: room again.
	mk third
	send third
	status_is 200
	srs_stop
	[[ $(srs_events end | wc -l) -eq 2 ]]
	grep -q '"code":503,"reason":"over --max-sessions"' "$W/ev.jsonl"
}

@test "disk threshold: 503 for new sessions, recordings already there untouched" {
	# A recording made before, its manifest verified after.
	srs_start -P 22500-22599 -n 1 -o "$W/rec"
	mk before
	send before
	status_is 200
	srs_wait 10
	dir=$(srs_py 'end[0]["dir"]')
	(cd "$dir" && sha256sum -c --quiet MANIFEST.sha256)
	sum=$(cat "$dir"/* "$dir"/metadata/* 2>/dev/null | sha256sum)
	# Free space is below any threshold above the free space itself.
	free=$(df -B1 --output=avail "$W" | tail -n 1 | tr -d ' ')
	srs_start -P 22500-22599 -d $((free / 1073741824 + 10))G -o "$W/rec"
	mk after
	send after
	status_is 503
	assert_line --regexp '^Retry-After: [0-9]+$'
	srs_stop
	grep -q '"reason":"free disk below --min-free"' "$W/ev.jsonl"
	[[ $(ls "$W/rec" | wc -l) -eq 1 ]]
	[[ $(cat "$dir"/* "$dir"/metadata/* 2>/dev/null | sha256sum) == "$sum" ]]
	(cd "$dir" && sha256sum -c --quiet MANIFEST.sha256)
}

@test "fault injection: reject a share, drop, delay, wrong labels, sendrecv, redirect" {
	local i codes=
	srs_start -P 22500-22599 -R 50:486 -o "$W/rec"
	for i in 1 2 3 4; do
		mk "r$i"
		send "r$i"
		codes+="${output:8:3} "
	done
	srs_stop
	[[ $codes == "200 486 200 486 " ]] || fail "codes: $codes"

	srs_start -P 22500-22599 -x 100 -o "$W/rec"
	mk dropped
	send dropped
	[[ $output == timeout ]]
	srs_stop

	srs_start -P 22500-22599 -D 700 -w -W -o "$W/rec"
	mk late
	t0=$(date +%s%N)
	send late
	t1=$(date +%s%N)
	status_is 200
	(( (t1 - t0) / 1000000 >= 700 )) || fail "answered after $(((t1 - t0) / 1000000)) ms"
	assert_line "a=label:x1"
	assert_line "a=label:x2"
	[[ $(grep -c '^a=sendrecv' <<<"$output") -eq 2 ]]
	srs_stop

	srs_start -r "sip:other@127.0.0.1:5099" -o "$W/rec"
	mk moved
	send moved
	status_is 302
	assert_line "Contact: <sip:other@127.0.0.1:5099>"
	srs_stop
}

@test "SRTP (SDES): a fresh key of its own per m-line, the SRC's SRTP decrypted, no key logged" {
	command -v sox >/dev/null || skip "sox is not installed"
	local key=WVNfX19zZWNyZXRfX2tleV9fXzEyMzQ1Njc4OTAx
	mk srtp "s|^m=audio 2261\([02]\) RTP/AVP 0.*|m=audio 2261\1 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$key|"
	sox -n -r 8000 -c 1 -e u-law -t raw "$W/tone.ul" synth 1 sine 600 vol 0.5
	srs_start -P 22500-22599 -n 1 -o "$W/rec"
	timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$W/srtp.sip" 1.5 \
	    > "$W/srtp.out" &
	sender=$!
	for ((i = 0; i < 50; i++)); do
		grep -q '^m=audio' "$W/srtp.out" && break
		sleep 0.1
	done
	port=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$W/srtp.out" | head -n 1)
	"$RTPSEND" srtp 127.0.0.1 "$port" "$W/tone.ul" "$key"
	wait "$sender"
	srs_wait 10
	grep -q '^SIP/2.0 200 OK' "$W/srtp.out"
	[[ $(grep -c '^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' "$W/srtp.out") -eq 2 ]]
	! grep -q "$key" "$W/srtp.out"
	! grep -rq "$key" "$W/srs.err" "$W/ev.jsonl"
	run srs_py '[(s["label"], s["packets"], s["lost"]) for s in end[0]["streams"]]'
	assert_output "[('1', 50, 0), ('2', 0, 0)]"
	dir=$(srs_py 'end[0]["dir"]')
	run "$RTPSEND" find "$dir/1.wav" "$W/tone.ul"
	assert_success
	run python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["streams"][0]["srtp"]["ok"])' "$dir/session.json"
	assert_output 50
}

@test "garbage datagrams and malformed SIP: logged, 400 when it can be, the server goes on" {
	srs_start -P 22500-22599 -n 1 -o "$W/rec"
	# Random bytes, a request line only, headers without a Call-ID.
	head -c 700 /dev/urandom > "$W/g1"
	printf 'INVITE sip:x SIP/2.0\r\n\r\n' > "$W/g2"
	printf 'INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKg3\r\nCSeq: x\r\n\r\n' > "$W/g3"
	for g in g1 g2 g3; do
		python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(open(sys.argv[1],"rb").read(),("127.0.0.1",int(sys.argv[2])))' \
		    "$W/$g" "$SRS_PORT"
	done
	sleep 0.3
	mk ok
	send ok
	status_is 200
	srs_wait 10
	[[ $SRS_RC -eq 0 ]]
	grep -q 'malformed SIP' "$W/srs.err"
	[[ $(srs_events malformed | wc -l) -ge 2 ]]
}

@test "half-open TCP: a stalled connection harms nobody, SIGTERM still exits" {
	srs_start -P 22500-22599 -o "$W/rec"
	exec 5<>"/dev/tcp/127.0.0.1/$SRS_PORT"
	printf 'INVITE sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1' >&5
	exec 6<>"/dev/tcp/127.0.0.1/$SRS_PORT"
	mk udp
	send udp
	status_is 200
	t0=$(date +%s)
	srs_stop
	(( $(date +%s) - t0 < 5 ))
	exec 5>&- 6>&-
	[[ $SRS_RC -eq 0 ]]
	[[ $(srs_events end | wc -l) -eq 1 ]]
}

@test "SIGTERM mid-call finishes the recording; kill -9 leaves finished ones complete and the open one readable" {
	command -v soxi >/dev/null || skip "sox is not installed"
	srs_start -P 22500-22599 -o "$W/rec"
	mk term
	timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$W/term.sip" 10 \
	    > "$W/term.out" &
	sender=$!
	sleep 0.5
	port=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$W/term.out" | head -n 1)
	[[ -n $port ]]
	head -c 8000 /dev/zero | tr '\0' '\377' > "$W/sil.ul"
	"$RTPSEND" send 127.0.0.1 "$port" "$W/sil.ul"
	srs_stop
	kill "$sender" 2>/dev/null || true
	[[ $SRS_RC -eq 0 ]]
	run srs_py 'end[0]["reason"], end[0]["ok"], [s["packets"] >= 45 for s in end[0]["streams"]][0]'
	assert_output "shutdown True True"
	dir=$(srs_py 'end[0]["dir"]')
	(cd "$dir" && sha256sum -c --quiet MANIFEST.sha256)
	! ls "$dir" | grep -q '\.part$'

	# Now a finished call, then one killed mid-call.
	srs_start -P 22500-22599 -o "$W/rec9"
	mk done9
	send done9
	status_is 200
	mk kill9
	timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$W/kill9.sip" 10 \
	    > "$W/kill9.out" &
	sender=$!
	sleep 0.5
	port=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$W/kill9.out" | head -n 1)
	"$RTPSEND" send 127.0.0.1 "$port" "$W/sil.ul"
	kill -KILL "$(srs_pid)"
	srs_wait 5
	kill "$sender" 2>/dev/null || true
	n=0
	for d in "$W/rec9"/*/; do
		if [[ -f $d/MANIFEST.sha256 ]]; then
			(cd "$d" && sha256sum -c --quiet MANIFEST.sha256)
			n=$((n + 1))
		else
			# In flight: audio readable, metadata there.
			ls "$d" | grep -q '\.wav\.part$'
			for f in "$d"/*.wav.part; do
				soxi -t "$f" >/dev/null 2>&1 || sox -t wav "$f" -n stat 2>/dev/null ||
				    fail "$f is not readable"
			done
			[[ -f $d/metadata/0001.xml ]]
			n=$((n + 10))
		fi
	done
	[[ $n -eq 11 ]] || fail "n=$n"
}

@test "RTP timeout: a session without packets ends, with reason idle" {
	srs_start -P 22500-22599 -T 1 -o "$W/rec"
	mk idle
	timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$W/idle.sip" 8 \
	    > "$W/idle.out" &
	sender=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '"event":"end"' "$W/ev.jsonl" && break
		sleep 0.1
	done
	sleep 0.3
	srs_stop
	kill "$sender" 2>/dev/null || true
	run srs_py 'end[0]["reason"]'
	assert_output idle
	grep -q 'BYE: recording ended: no packets' "$W/srs.err"
}
