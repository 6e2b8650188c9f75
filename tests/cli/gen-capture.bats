#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# gen-capture: its captures checked against tshark (and sox) as independent
# oracles, its determinism, its expected audio and its usage errors.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${B:-build} in /*) G=$B/tests/gen-capture ;;
	*) G=$ROOT/${B:-build}/tests/gen-capture ;; esac
	[ -x "$G" ] || skip "gen-capture is not built: $G"
	T=$BATS_TEST_TMPDIR
}

need_tshark() {
	command -v tshark >/dev/null 2>&1 || skip "tshark is not installed"
}

# tshark without its note about running as root.
ts() {
	tshark "$@" 2>/dev/null
}

# Count the frames of capture $1 matching display filter $2; -1 when
# tshark fails (a bad filter must not pass as "no frame matched").
nframes() {
	local out
	out=$(tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null) ||
	    { echo "tshark failed on: $2" >&2; echo -1; return 0; }
	if [ -z "$out" ]; then
		echo 0
	else
		printf '%s\n' "$out" | wc -l
	fi
}

# One line per RTP stream: "dport ssrc packets lost".  The payload column
# lists every payload type seen ("g711U, g711A"), so the counts are found
# before the lost percentage, "(0.0%)".
rtp_streams() {
	ts -r "$1" -q -z rtp,streams |
	    awk '$3 ~ /^[0-9.]+$/ && $7 ~ /^0x/ {
		for (i = 9; i <= NF && $i !~ /^\(/; i++)
			;
		print $6, $7, $(i - 2), $(i - 1) }' |
	    sort
}

# SIP messages per call, in capture order: "call-id INVITE 100 200 ...".
sip_flow() {
	ts -r "$1" -Y sip -T fields -e sip.Call-ID -e sip.Method \
	    -e sip.Status-Code |
	    awk -F '\t' '{ f[$1] = f[$1] " " ($2 != "" ? $2 : $3) }
		END { for (c in f) print c f[c] }' | sort
}

# Number of 16-bit samples equal to zero in raw file $1.
zero_samples() {
	od -An -v -td2 -w2 "$1" | awk '$1 == 0 { n++ } END { print n + 0 }'
}

@test "usage errors exit 2 with the usage message on stderr" {
	run --separate-stderr "$G"
	assert_failure 2
	[[ $stderr == *"usage: gen-capture"* ]]
	run --separate-stderr "$G" --no-such-option x.pcap
	assert_failure 2
	[[ $stderr == *"usage: gen-capture"* ]]
	local bad SU=AES_CM_128_HMAC_SHA1_80
	for bad in "--codec opus" "--transport sctp" "--calls 0" "--calls x" \
	    "--concurrent 9000" "--duration -1" "--duration 0" \
	    "--duration 2s" "--ptime 3" "--loss 10,x" "--loss 200" \
	    "--reorder 199" "--dup 200" "--ssrc-change 0" \
	    "--seq-start 65536" "--ts-start 4294967296" "--pause 2,1" \
	    "--pause 1" "--pause 1,4" "--update-at 4" \
	    "--update-at 1 --pause 1,2" \
	    "--fragment --transport tcp" "--srtp AES_CM_128" \
	    "--srtp F8_128_HMAC_SHA1_80" "--srtp-keys k.txt" \
	    "--srtp-bad-tag 5" "--srtp $SU --srtp-bad-tag 200" \
	    "--srtp $SU --srtp-bad-tag 30 --dup 30" \
	    "--srtp $SU --srtp-bad-tag 21 --reorder 20" \
	    "--srtp $SU --srtp-keys k.txt --calls 3 --concurrent 2" \
	    "--codec-change 0" "--codec-change 200" "--codec-change x"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$G" $bad "$T/x.pcap"
		[ "$status" -eq 2 ] || fail "$bad: exit $status, not 2"
		[[ $stderr == *"usage: gen-capture"* ]] ||
		    fail "$bad: no usage message"
	done
	run --separate-stderr "$G" "$T/x.pcap" "$T/y.pcap"
	assert_failure 2
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr "$G" --help
	assert_success
	assert_output --partial "usage: gen-capture"
	assert_output --partial "--ssrc-change"
	assert_output --partial "--srtp SUITE"
	assert_output --partial "--codec-change IDX"
	[ -z "$stderr" ]
}

@test "an output that cannot be written exits 4" {
	run --separate-stderr "$G" "$T/no/such/dir/x.pcap"
	assert_failure 4
	run --separate-stderr "$G" --expect "$T/no/such/dir" "$T/x.pcap"
	assert_failure 4
}

@test "classic pcap, nanosecond magic, Ethernet" {
	"$G" "$T/a.pcap"
	run od -An -tx1 -N24 "$T/a.pcap"
	assert_output --partial "4d 3c b2 a1 02 00 04 00"
	[[ $output == *"01 00 00 00" ]]
}

@test "tshark: no error, bad checksum or malformed packet" {
	need_tshark
	"$G" --calls 3 "$T/a.pcap"
	run ts -r "$T/a.pcap"
	assert_success
	[ "$(nframes "$T/a.pcap" _ws.malformed)" -eq 0 ]
	# 6291456 is PI_WARN: no warning and no error from any dissector.
	[ "$(nframes "$T/a.pcap" '_ws.expert.severity >= 6291456')" -eq 0 ]
	run ts -r "$T/a.pcap" -o ip.check_checksum:TRUE \
	    -o udp.check_checksum:TRUE -Y 'ip.checksum.status != "Good" ||
	    udp.checksum.status != "Good"'
	assert_success
	assert_output ""
}

@test "SIP: INVITE, 100, 200, ACK, BYE, 200 for every call" {
	need_tshark
	"$G" --calls 3 "$T/a.pcap"
	run sip_flow "$T/a.pcap"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	local l
	for l in "${lines[@]}"; do
		[[ $l == *"@192.0.2.10 INVITE 100 200 ACK BYE 200" ]] ||
		    fail "flow: $l"
	done
	# RFC 7866 6.1.1 and 6.2: the feature tags and the option tag.
	[ "$(nframes "$T/a.pcap" 'sip.Method == "INVITE" &&
	    sip.Require == "siprec" && sip.contact.uri contains "192.0.2.10"
	    && sip contains "+sip.src"')" -eq 3 ]
	[ "$(nframes "$T/a.pcap" 'sip.Status-Code == 200 &&
	    sip contains "+sip.srs" && sdp')" -eq 3 ]
}

@test "RTP: two streams per call, all packets, nothing lost" {
	need_tshark
	"$G" --calls 3 --duration 4 "$T/a.pcap"
	run rtp_streams "$T/a.pcap"
	assert_success
	[ "${#lines[@]}" -eq 6 ]
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^300[0-9]{2}\ 0x[0-9A-F]{8}\ 200\ 0$ ]] ||
		    fail "stream: $l"
	done
	run ts -r "$T/a.pcap" -Y rtp -T fields -e udp.dstport
	assert_success
	[ "$(printf '%s\n' "$output" | sort -u | tr '\n' ' ')" = \
	    "30000 30002 30004 30006 30008 30010 " ]
}

@test "--loss 10,11,12: tshark counts 3 lost on stream 1 and none on stream 2" {
	need_tshark
	"$G" --loss 10,11,12 --expect "$T/x" "$T/a.pcap"
	run rtp_streams "$T/a.pcap"
	assert_success
	assert_line --regexp '^30000 0x[0-9A-F]{8} 197 3$'
	assert_line --regexp '^30002 0x[0-9A-F]{8} 200 0$'
	run awk -F '\t' 'NR > 1 { print $2, $4, $5 }' "$T/x/calls.tsv"
	assert_line "1 197 3"
	assert_line "2 200 0"
}

@test "--fragment: out-of-order IPv4 fragments, reassembled into one INVITE" {
	need_tshark
	"$G" --fragment "$T/a.pcap"
	# A 3 KB INVITE in 600-byte fragments, the last one first.
	[ "$(nframes "$T/a.pcap" 'ip.flags.mf == 1 || ip.frag_offset > 0')" \
	    -ge 5 ]
	run ts -r "$T/a.pcap" -c 1 -T fields -e ip.frag_offset -e ip.flags.mf
	assert_output --regexp '^[1-9][0-9]*[[:space:]]+(0|False)$'
	run ts -r "$T/a.pcap" -Y 'sip.Method == "INVITE"' -T fields \
	    -e ip.fragment.count -e sip.Call-ID
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp '^[5-9][[:space:]]+[0-9a-f]{32}@192\.0\.2\.10$'
	[ "$(nframes "$T/a.pcap" _ws.malformed)" -eq 0 ]
	run rtp_streams "$T/a.pcap"
	[ "${#lines[@]}" -eq 2 ]
}

@test "TCP: handshake, an INVITE reassembled from two segments, FIN" {
	need_tshark
	"$G" --transport tcp --calls 2 "$T/a.pcap"
	[ "$(nframes "$T/a.pcap" 'tcp.flags.syn == 1')" -eq 4 ]
	[ "$(nframes "$T/a.pcap" 'tcp.flags.fin == 1')" -eq 4 ]
	run ts -r "$T/a.pcap" -Y 'sip.Method == "INVITE"' -T fields \
	    -e tcp.segment.count -e sip.Via
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	assert_line --index 0 --regexp '^2[[:space:]]+SIP/2.0/TCP '
	assert_line --index 1 --regexp '^2[[:space:]]+SIP/2.0/TCP '
	[ "$(nframes "$T/a.pcap" 'tcp.analysis.flags')" -eq 0 ]
	[ "$(nframes "$T/a.pcap" _ws.malformed)" -eq 0 ]
	run ts -r "$T/a.pcap" -o tcp.check_checksum:TRUE \
	    -Y 'tcp.checksum.status != "Good"'
	assert_output ""
	run sip_flow "$T/a.pcap"
	assert_line --regexp \
	    '^[0-9a-f]{32}@192\.0\.2\.10 INVITE 100 200 ACK BYE 200$'
	run rtp_streams "$T/a.pcap"
	[ "${#lines[@]}" -eq 4 ]
}

@test "the same seed gives the same bytes, another seed other bytes" {
	"$G" --calls 4 --seed 7 --duration 1 "$T/a.pcap"
	"$G" --calls 4 --seed 7 --duration 1 - > "$T/b.pcap"
	cmp "$T/a.pcap" "$T/b.pcap"
	"$G" --calls 4 --seed 8 --duration 1 "$T/c.pcap"
	run cmp -s "$T/a.pcap" "$T/c.pcap"
	assert_failure
}

@test "--expect: a clean call is duration*8000 samples with no zero sample" {
	"$G" --duration 2.5 --expect "$T/x" "$T/a.pcap"
	run awk -F '\t' 'NR == 1 { print; next }
	    { print $2, $4, $5, $6, $7, $8, $9 }' "$T/x/calls.tsv"
	assert_line --index 0 "$(printf '%s\t' call_id label ssrc packets \
	    lost duplicates reordered codec samples file)auth_failed"
	assert_line --index 1 "1 125 0 0 0 PCMU/8000 20000"
	assert_line --index 2 "2 125 0 0 0 PCMU/8000 20000"
	local f n=0
	for f in "$T"/x/*_192.0.2.10-[12].raw; do
		[ "$(wc -c < "$f")" -eq 40000 ]
		[ "$(zero_samples "$f")" -eq 0 ]
		n=$((n + 1))
	done
	[ "$n" -eq 2 ]
}

@test "--expect with --loss: three packets of zeros, the rest unchanged" {
	"$G" --expect "$T/c" "$T/a.pcap"
	"$G" --loss 10,11,12 --expect "$T/x" "$T/b.pcap"
	local clean lossy
	clean=$(ls "$T"/c/*-1.raw)
	lossy=$(ls "$T"/x/*-1.raw)
	[ "$(wc -c < "$lossy")" -eq 64000 ]
	[ "$(zero_samples "$lossy")" -eq 480 ]
	{
		head -c 3200 "$clean"
		head -c 960 /dev/zero
		tail -c +4161 "$clean"
	} > "$T/want.raw"
	cmp "$T/want.raw" "$lossy"
	cmp "$(ls "$T"/c/*-2.raw)" "$(ls "$T"/x/*-2.raw)"
}

# The RTP payloads to UDP port $2 of capture $1 decoded by sox into raw
# file $3 (16-bit little-endian), each run of packets of one payload type
# in its own law (0 mu-law, 8 A-law); the runs' payload types, one a
# line, go to $3.pt.
sox_decode() {
	local run pt type
	: > "$3"
	: > "$3.pt"
	rm -f "$T"/run.*
	ts -r "$1" -Y "udp.dstport == $2" -T fields -e rtp.p_type \
	    -e rtp.payload | tr -d ':' |
	    awk -F '\t' -v d="$T/run" 'NR == 1 || $1 != p {
		if (f != "")
			close(f)
		p = $1
		f = sprintf("%s.%03d.%s", d, ++n, $1)
	    } { print $2 > f }'
	for run in "$T"/run.*; do
		[ -e "$run" ] || return 1
		pt=${run##*.}
		case $pt in
		0) type=ul ;;
		8) type=al ;;
		*) echo "payload type $pt" >&2; return 1 ;;
		esac
		echo "$pt" >> "$3.pt"
		xxd -r -p "$run" | sox -t "$type" -r 8000 -c 1 - -t raw \
		    -e signed -b 16 -L - >> "$3"
	done
	rm -f "$T"/run.*
}

@test "the expected audio is the decoded RTP payload (sox decodes)" {
	need_tshark
	command -v sox >/dev/null 2>&1 || skip "sox is not installed"
	command -v xxd >/dev/null 2>&1 || skip "xxd is not installed"
	local codec pt other change dir port label want
	for codec in pcmu pcma; do
		pt=0 other=8
		[ "$codec" = pcma ] && pt=8 other=0
		# Plain, then with stream 1 in the other law from slot 37.
		for change in "" 37; do
			dir=$T/$codec$change
			# shellcheck disable=SC2086
			"$G" --codec "$codec" --duration 2 --expect "$dir" \
			    ${change:+--codec-change $change} "$dir.pcap"
			for label in 1 2; do
				port=$((30000 + 2 * (label - 1)))
				sox_decode "$dir.pcap" "$port" "$T/dec.raw"
				cmp "$T/dec.raw" "$(ls "$dir"/*-"$label".raw)"
				want=$pt
				[ -n "$change" ] && [ "$label" = 1 ] &&
				    want="$pt $other"
				[ "$(paste -s -d ' ' "$T/dec.raw.pt")" = \
				    "$want" ]
			done
		done
	done
}

@test "--pause: re-INVITEs inactive, then sendonly; no RTP between; silence" {
	need_tshark
	"$G" --pause 1,2 --expect "$T/x" "$T/a.pcap"
	run sip_flow "$T/a.pcap"
	assert_output --regexp \
	    ' INVITE 100 200 ACK INVITE 200 ACK INVITE 200 ACK BYE 200$'
	[ "$(nframes "$T/a.pcap" 'sip.Method == "INVITE" &&
	    sdp.media_attr == "inactive"')" -eq 1 ]
	[ "$(nframes "$T/a.pcap" 'sip.Status-Code == 200 &&
	    sdp.media_attr == "inactive"')" -eq 1 ]
	# 1.021 s and 2.021 s after the first packet at 1700000000.001.
	[ "$(nframes "$T/a.pcap" 'rtp && frame.time_epoch >= 1700000001.021 &&
	    frame.time_epoch < 1700000002.021')" -eq 0 ]
	run rtp_streams "$T/a.pcap"
	assert_line --regexp '^30000 0x[0-9A-F]{8} 150 0$'
	assert_line --regexp '^30002 0x[0-9A-F]{8} 150 0$'
	local f
	for f in "$T"/x/*.raw; do
		[ "$(wc -c < "$f")" -eq 64000 ]
		[ "$(zero_samples "$f")" -eq 8000 ]
	done
}

@test "--update-at: an UPDATE with a partial document, answered 200" {
	need_tshark
	"$G" --update-at 2 "$T/a.pcap"
	run sip_flow "$T/a.pcap"
	assert_output --regexp ' INVITE 100 200 ACK UPDATE 200 BYE 200$'
	run ts -r "$T/a.pcap" -V -Y 'sip.Method == "UPDATE"'
	assert_output --partial "application/rs-metadata+xml"
	assert_output --partial "recording-session"
	assert_output --regexp 'datamode>[[:space:]]*partial'
	refute_output --partial "application/sdp"
}

@test "--ssrc-change: stream 2 goes on under a second SSRC" {
	need_tshark
	"$G" --ssrc-change 50 --expect "$T/x" "$T/a.pcap"
	run rtp_streams "$T/a.pcap"
	[ "${#lines[@]}" -eq 3 ]
	assert_line --regexp '^30000 0x[0-9A-F]{8} 200 0$'
	assert_line --regexp '^30002 0x[0-9A-F]{8} 50 0$'
	assert_line --regexp '^30002 0x[0-9A-F]{8} 150 0$'
	run awk -F '\t' '$2 == 2 { print $3 }' "$T/x/calls.tsv"
	assert_output --regexp '^0x[0-9a-f]{8},0x[0-9a-f]{8}$'
}

@test "--codec-change: every offer and answer lists PT 0 and 8 with rtpmaps" {
	need_tshark
	local codec pts want re l
	for codec in pcmu pcma; do
		pts="0 8"
		want="rtpmap:0 PCMU/8000,rtpmap:8 PCMA/8000,ptime:20,"
		[ "$codec" = pcma ] && pts="8 0" &&
		    want="rtpmap:8 PCMA/8000,rtpmap:0 PCMU/8000,ptime:20,"
		"$G" --codec "$codec" --codec-change 50 --pause 1,2 \
		    "$T/$codec.pcap"
		# INVITE, 200, and two re-INVITEs with their 200s.
		run ts -r "$T/$codec.pcap" -Y sdp -T fields -e sdp.media \
		    -e sdp.media_attr
		assert_success
		[ "${#lines[@]}" -eq 6 ]
		re="[23]00[0-9][0-9] RTP/AVP $pts"
		re="^audio $re,audio ${re}[[:space:]]"
		for l in "${lines[@]}"; do
			[[ $l =~ $re ]] || fail "m-lines: $l"
			[ "$(grep -o "$want" <<< "$l" | wc -l)" -eq 2 ] ||
			    fail "rtpmaps: $l"
			[ "$(grep -o rtpmap <<< "$l" | wc -l)" -eq 4 ] ||
			    fail "rtpmaps: $l"
		done
	done
	# With SRTP: RTP/SAVP with both payload types.
	"$G" --codec-change 50 --srtp AEAD_AES_128_GCM "$T/s.pcap"
	run ts -r "$T/s.pcap" -Y sdp -T fields -e sdp.media
	assert_line --index 0 \
	    "audio 20000 RTP/SAVP 0 8,audio 20002 RTP/SAVP 0 8"
	assert_line --index 1 \
	    "audio 30000 RTP/SAVP 0 8,audio 30002 RTP/SAVP 0 8"
	# Without it, one payload type and one rtpmap.
	"$G" "$T/p.pcap"
	run ts -r "$T/p.pcap" -Y sdp -T fields -e sdp.media -e sdp.media_attr
	assert_line --index 0 --regexp \
	    '^audio 20000 RTP/AVP 0,audio 20002 RTP/AVP 0[[:space:]]'
	refute_output --partial "rtpmap:8"
}

@test "--codec-change: stream 1 switches payload type at IDX, nothing else" {
	need_tshark
	local codec a b
	for codec in pcmu pcma; do
		a=0 b=8
		[ "$codec" = pcma ] && a=8 b=0
		"$G" --codec "$codec" --codec-change 50 "$T/c.pcap"
		"$G" --codec "$codec" "$T/p.pcap"
		# Stream 1: PT a on slots 0..49, b from 50; the same SSRC;
		# sequence numbers and timestamps go on; M on slot 0 only.
		run ts -r "$T/c.pcap" -Y 'udp.dstport == 30000' -T fields \
		    -e rtp.p_type -e rtp.ssrc -e rtp.seq -e rtp.timestamp \
		    -e rtp.marker
		assert_success
		[ "${#lines[@]}" -eq 200 ]
		run awk -v a="$a" -v b="$b" '
		    NR == 1 { s = $2; q = $3; t = $4 }
		    $1 != (NR <= 50 ? a : b) { print "pt", NR, $1 }
		    $2 != s { print "ssrc", NR, $2 }
		    $3 != (q + NR - 1) % 65536 { print "seq", NR, $3 }
		    $4 != (t + 160 * (NR - 1)) % 4294967296 { print "ts", NR }
		    { m = $5 == "1" || $5 == "True" }
		    m != (NR == 1) { print "marker", NR, $5 }' <<< "$output"
		assert_success
		assert_output ""
		# Stream 2 keeps the first law; RTP headers but the PT of
		# stream 1 as without --codec-change.
		[ "$(nframes "$T/c.pcap" "udp.dstport == 30002 &&
		    rtp.p_type == $a")" -eq 200 ]
		ts -r "$T/c.pcap" -Y rtp -T fields -e udp.dstport -e rtp.seq \
		    -e rtp.timestamp -e rtp.ssrc -e rtp.marker > "$T/c.hdr"
		ts -r "$T/p.pcap" -Y rtp -T fields -e udp.dstport -e rtp.seq \
		    -e rtp.timestamp -e rtp.ssrc -e rtp.marker > "$T/p.hdr"
		cmp "$T/c.hdr" "$T/p.hdr"
		# One stream per port for tshark, nothing lost, no warning.
		run rtp_streams "$T/c.pcap"
		[ "${#lines[@]}" -eq 2 ]
		assert_line --regexp '^30000 0x[0-9A-F]{8} 200 0$'
		assert_line --regexp '^30002 0x[0-9A-F]{8} 200 0$'
		[ "$(nframes "$T/c.pcap" _ws.malformed)" -eq 0 ]
		[ "$(nframes "$T/c.pcap" '_ws.expert.severity >= 6291456')" \
		    -eq 0 ]
		run ts -r "$T/c.pcap" -o udp.check_checksum:TRUE \
		    -Y 'udp.checksum.status != "Good"'
		assert_output ""
	done
}

@test "--codec-change: the expected audio changes from sample IDX*160 on" {
	local codec first other c p
	for codec in pcmu pcma; do
		first=PCMU/8000 other=PCMA/8000
		[ "$codec" = pcma ] && first=PCMA/8000 other=PCMU/8000
		"$G" --codec "$codec" --expect "$T/p$codec" "$T/p.pcap"
		"$G" --codec "$codec" --codec-change 50 --expect "$T/c$codec" \
		    "$T/c.pcap"
		p=$(ls "$T/p$codec"/*-1.raw)
		c=$(ls "$T/c$codec"/*-1.raw)
		[ "$(wc -c < "$c")" -eq 64000 ]
		[ "$(zero_samples "$c")" -eq 0 ]
		# The same up to sample 7999, byte 16000; different from 8000.
		cmp <(head -c 16000 "$p") <(head -c 16000 "$c")
		run cmp "$p" "$c"
		assert_failure 1
		assert_output --partial "differ: byte 16001,"
		# Most samples of the other law's round trip differ.
		[ "$(paste <(od -An -v -td2 -w2 "$p") \
		    <(od -An -v -td2 -w2 "$c") |
		    awk 'NR > 8000 && $1 != $2 { n++ } END { print n + 0 }')" \
		    -gt 20000 ]
		cmp "$(ls "$T/p$codec"/*-2.raw)" "$(ls "$T/c$codec"/*-2.raw)"
		# calls.tsv: only the codec column of stream 1 changes.
		run awk -F '\t' 'NR > 1 { print $2, $8 }' "$T/c$codec/calls.tsv"
		assert_line --index 0 "1 $first,$other"
		assert_line --index 1 "2 $first"
		diff <(cut -f 1-7,9- "$T/p$codec/calls.tsv") \
		    <(cut -f 1-7,9- "$T/c$codec/calls.tsv")
	done
}

@test "--codec-change with --loss, --pause, --srtp, --dup and --reorder" {
	local c x
	"$G" --codec-change 50 --expect "$T/c" "$T/c.pcap"
	c=$(ls "$T"/c/*-1.raw)
	# --loss across the switch: zeros, the rest as without the loss.
	"$G" --codec-change 50 --loss 49,50,51 --expect "$T/l" "$T/l.pcap"
	{
		head -c 15680 "$c"
		head -c 960 /dev/zero
		tail -c +16641 "$c"
	} > "$T/want.raw"
	cmp "$T/want.raw" "$(ls "$T"/l/*-1.raw)"
	run awk -F '\t' 'NR > 1 { print $2, $4, $5, $8 }' "$T/l/calls.tsv"
	assert_line --index 0 "1 197 3 PCMU/8000,PCMA/8000"
	# --pause 1,2 around the switch at 60 (slots 50..99 paused): the
	# other law from slot 100, the first after the pause.
	"$G" --codec-change 60 --pause 1,2 --expect "$T/q" "$T/q.pcap"
	{
		head -c 16000 "$c"
		head -c 16000 /dev/zero
		tail -c +32001 "$c"
	} > "$T/want.raw"
	cmp "$T/want.raw" "$(ls "$T"/q/*-1.raw)"
	run awk -F '\t' 'NR > 1 { print $2, $4, $8 }' "$T/q/calls.tsv"
	assert_line --index 0 "1 150 PCMU/8000,PCMA/8000"
	assert_line --index 1 "2 150 PCMU/8000"
	# --srtp: the same expected audio and calls.tsv as the plain call.
	"$G" --codec-change 50 --srtp AES_CM_128_HMAC_SHA1_32 --expect "$T/s" \
	    "$T/s.pcap"
	cmp "$T/c/calls.tsv" "$T/s/calls.tsv"
	for x in "$T"/c/*.raw; do
		cmp "$x" "$T/s/${x##*/}"
	done
	# --dup and --reorder across the switch: the audio stays.
	"$G" --codec-change 50 --dup 50 --reorder 49 --expect "$T/d" \
	    "$T/d.pcap"
	for x in "$T"/c/*.raw; do
		cmp "$x" "$T/d/${x##*/}"
	done
	# Every packet of one law lost: calls.tsv names one codec.
	"$G" --duration 1 --codec-change 48 --loss 48,49 --expect "$T/e" \
	    "$T/e.pcap"
	"$G" --duration 1 --codec-change 2 --loss 0,1 --expect "$T/f" \
	    "$T/f.pcap"
	run awk -F '\t' '$2 == 1 { print $8 }' "$T/e/calls.tsv" \
	    "$T/f/calls.tsv"
	assert_output "$(printf 'PCMU/8000\nPCMA/8000')"
	if command -v tshark >/dev/null 2>&1; then
		# On the wire: SRTP headers as the plain call's, PT included.
		ts -r "$T/c.pcap" -Y rtp -T fields -e udp.dstport \
		    -e rtp.p_type -e rtp.seq -e rtp.ssrc > "$T/c.hdr"
		ts -r "$T/s.pcap" -Y rtp -T fields -e udp.dstport \
		    -e rtp.p_type -e rtp.seq -e rtp.ssrc > "$T/s.hdr"
		[ "$(wc -l < "$T/s.hdr")" -eq 400 ]
		cmp "$T/c.hdr" "$T/s.hdr"
		# Slots 48, 50, its copy, 49, 51: each packet in its own law.
		run ts -r "$T/d.pcap" -Y 'udp.dstport == 30000' -T fields \
		    -e rtp.p_type
		[ "${#lines[@]}" -eq 201 ]
		[ "$(printf '%s' "${lines[@]:48:5}")" = "08808" ] ||
		    fail "packets 48..52: ${lines[*]:48:5}"
		# The pause: PT 0 before it, PT 8 after it, M after it.
		run ts -r "$T/q.pcap" -Y 'udp.dstport == 30000' -T fields \
		    -e rtp.p_type -e rtp.marker
		[ "${#lines[@]}" -eq 150 ]
		[ "$(printf '%s\n' "${lines[@]}" | cut -f 1 | uniq -c |
		    awk '{ printf "%s:%s ", $1, $2 }')" = "50:0 100:8 " ]
		[[ ${lines[50]} =~ ^8[[:space:]]+(1|True)$ ]] ||
		    fail "no marker after the pause: ${lines[50]}"
	fi
}

@test "--seq-start and --ts-start: wraps without loss" {
	need_tshark
	"$G" --seq-start 65530 --ts-start 4294967000 "$T/a.pcap"
	run ts -r "$T/a.pcap" -Y 'udp.dstport == 30000 && rtp.marker == 1' \
	    -T fields -e rtp.seq -e rtp.timestamp
	assert_output --regexp '^65530[[:space:]]+4294967000$'
	run rtp_streams "$T/a.pcap"
	assert_line --regexp '^30000 0x[0-9A-F]{8} 200 0$'
}

@test "--reorder and --dup on stream 1, reported in calls.tsv" {
	need_tshark
	"$G" --reorder 20 --dup 30 --expect "$T/x" "$T/a.pcap"
	run ts -r "$T/a.pcap" -Y 'udp.dstport == 30000' -T fields -e rtp.seq
	assert_success
	[ "${#lines[@]}" -eq 201 ]
	run awk 'NR > 1 { d = ($1 - p + 65536) % 65536
		if (d == 0) dup++; else if (d > 32768) back++ } { p = $1 }
		END { print dup + 0, back + 0 }' <<< "$output"
	assert_output "1 1"
	run awk -F '\t' '$2 == 1 { print $4, $5, $6, $7 }' "$T/x/calls.tsv"
	assert_output "200 0 1 1"
}

@test "many calls: slots, rounds and strict time order" {
	need_tshark
	command -v capinfos >/dev/null 2>&1 || skip "capinfos is not installed"
	"$G" --calls 12 --concurrent 5 --duration 1 --expect "$T/x" "$T/a.pcap"
	run capinfos -o "$T/a.pcap"
	assert_output --partial "Strict time order:   True"
	run rtp_streams "$T/a.pcap"
	[ "${#lines[@]}" -eq 24 ]
	[ "$(sip_flow "$T/a.pcap" | grep -c ' INVITE 100 200 ACK BYE 200$')" \
	    -eq 12 ]
	[ "$(wc -l < "$T/x/calls.tsv")" -eq 25 ]
	[ "$(ls "$T"/x/*.raw | wc -l)" -eq 24 ]
}

@test "the INVITE's metadata passes siprec-meta-lint" {
	need_tshark
	command -v xxd >/dev/null 2>&1 || skip "xxd is not installed"
	local lint
	case ${B:-build} in /*) lint=$B/bin/siprec-meta-lint ;;
	*) lint=$ROOT/${B:-build}/bin/siprec-meta-lint ;; esac
	[ -x "$lint" ] || skip "siprec-meta-lint is not built"
	"$G" --update-at 1 "$T/a.pcap"
	ts -r "$T/a.pcap" -Y 'sip.Method == "INVITE"' -T fields \
	    -e udp.payload | xxd -r -p > "$T/1.sip"
	ts -r "$T/a.pcap" -Y 'sip.Method == "UPDATE"' -T fields \
	    -e udp.payload | xxd -r -p > "$T/2.sip"
	run --separate-stderr "$lint" -W info "$T/1.sip"
	assert_success
	run --separate-stderr "$lint" -W info --sequence "$T/1.sip" "$T/2.sip"
	assert_success
}

# The SRTP payload (encrypted payload, tag not included) or RTP payload
# of every packet to UDP port $2 of capture $1, one hex line each.
payloads() {
	ts -r "$1" -Y "udp.dstport == $2" -T fields -e srtp.enc_payload \
	    -e rtp.payload | tr -d ':\t'
}

@test "--srtp: RTP/SAVP and a=crypto on both m-lines, SRTP on the wire" {
	need_tshark
	local su=AES_CM_128_HMAC_SHA1_80
	"$G" --calls 2 --srtp "$su" --srtp-keys "$T/k.txt" "$T/s.pcap"
	"$G" --calls 2 "$T/p.pcap"
	# Every offer and every answer: two m-lines, both RTP/SAVP with a key.
	run ts -r "$T/s.pcap" -Y sdp -T fields -e sip.Method -e sdp.media \
	    -e sdp.media_attr
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	local l
	for l in "${lines[@]}"; do
		[ "$(grep -o 'RTP/SAVP' <<< "$l" | wc -l)" -eq 2 ] ||
		    fail "not two RTP/SAVP m-lines: $l"
		[ "$(grep -Eo "crypto:1 $su inline:[A-Za-z0-9+/]{40}(,|$)" \
		    <<< "$l" | wc -l)" -eq 2 ] || fail "not two keys: $l"
		[[ $l != *RTP/AVP* ]] || fail "RTP/AVP: $l"
	done
	# The key file: the SRS's address and port, the offer's keys.
	run cat "$T/k.txt"
	[ "${#lines[@]}" -eq 4 ]
	local i
	for i in 0 1 2 3; do
		assert_line --index "$i" --regexp \
		    "^198\.51\.100\.20:$((30000 + 2 * i)) $su inline:[A-Za-z0-9+/]{40}$"
	done
	ts -r "$T/s.pcap" -Y 'sip.Method == "INVITE"' -T fields \
	    -e sdp.media_attr | grep -o 'inline:[^,]*' > "$T/offer.keys"
	ts -r "$T/s.pcap" -Y 'sip.Status-Code == 200 && sdp' -T fields \
	    -e sdp.media_attr | grep -o 'inline:[^,]*' > "$T/answer.keys"
	cut -d ' ' -f 3 "$T/k.txt" | cmp - "$T/offer.keys"
	[ "$(sort -u "$T/offer.keys" "$T/answer.keys" | wc -l)" -eq 8 ]
	# tshark still finds two RTP streams per call, nothing lost.
	run rtp_streams "$T/s.pcap"
	[ "${#lines[@]}" -eq 4 ]
	for l in "${lines[@]}"; do
		[[ $l =~ ^300[0-9]{2}\ 0x[0-9A-F]{8}\ 200\ 0$ ]] ||
		    fail "stream: $l"
	done
	# The same headers as without SRTP, a 10-byte tag, other payloads.
	local f
	for f in s p; do
		ts -r "$T/$f.pcap" -Y rtp -T fields -e udp.dstport -e rtp.seq \
		    -e rtp.timestamp -e rtp.ssrc -e rtp.marker > "$T/$f.hdr"
	done
	[ "$(wc -l < "$T/s.hdr")" -eq 800 ]
	cmp "$T/s.hdr" "$T/p.hdr"
	run ts -r "$T/s.pcap" -Y rtp -T fields -e udp.length
	[ "$(sort -u <<< "$output")" = 190 ]
	[ "${#lines[@]}" -eq 800 ]
	[ "$(nframes "$T/s.pcap" 'srtp.auth_tag')" -eq 800 ]
	local port
	for port in 30000 30002 30004 30006; do
		payloads "$T/s.pcap" "$port" > "$T/enc"
		payloads "$T/p.pcap" "$port" > "$T/plain"
		[ "$(wc -l < "$T/enc")" -eq 200 ]
		[ "$(wc -l < "$T/plain")" -eq 200 ]
		[ "$(awk 'length($0) != 320' "$T/enc" "$T/plain" | wc -l)" \
		    -eq 0 ] || fail "$port: payloads of other lengths"
		[ "$(paste -d ' ' "$T/enc" "$T/plain" |
		    awk '$1 == $2' | wc -l)" -eq 0 ] ||
		    fail "$port: plain G.711 payloads under SRTP"
	done
	# Lengths and checksums still right.
	[ "$(nframes "$T/s.pcap" _ws.malformed)" -eq 0 ]
	[ "$(nframes "$T/s.pcap" '_ws.expert.severity >= 6291456')" -eq 0 ]
	run ts -r "$T/s.pcap" -o ip.check_checksum:TRUE \
	    -o udp.check_checksum:TRUE -Y 'ip.checksum.status != "Good" ||
	    udp.checksum.status != "Good"'
	assert_success
	assert_output ""
}

@test "--srtp: each suite's key length and tag length" {
	need_tshark
	local su b64 udp
	while read -r su b64 udp; do
		"$G" --srtp "$su" --srtp-keys "$T/$su.txt" "$T/$su.pcap"
		run cat "$T/$su.txt"
		[ "${#lines[@]}" -eq 2 ]
		assert_line --index 0 --regexp \
		    "^198\.51\.100\.20:30000 $su inline:[A-Za-z0-9+/=]{$b64}$"
		assert_line --index 1 --regexp \
		    "^198\.51\.100\.20:30002 $su inline:[A-Za-z0-9+/=]{$b64}$"
		run ts -r "$T/$su.pcap" -Y rtp -T fields -e udp.length
		[ "${#lines[@]}" -eq 400 ] || fail "$su: ${#lines[@]} packets"
		[ "$(sort -u <<< "$output")" = "$udp" ] ||
		    fail "$su: UDP lengths $(sort -u <<< "$output")"
		run rtp_streams "$T/$su.pcap"
		[ "${#lines[@]}" -eq 2 ] || fail "$su: ${#lines[@]} streams"
		run ts -r "$T/$su.pcap" -o udp.check_checksum:TRUE \
		    -Y 'udp.checksum.status != "Good"'
		assert_output ""
	done <<- EOF
		AES_CM_128_HMAC_SHA1_80 40 190
		AES_CM_128_HMAC_SHA1_32 40 184
		AES_256_CM_HMAC_SHA1_80 64 190
		AEAD_AES_128_GCM 40 196
	EOF
	# Base64 padding of 46 and 28 bytes of key and salt.
	grep -q '==$' "$T/AES_256_CM_HMAC_SHA1_80.txt"
	grep -q '==$' "$T/AEAD_AES_128_GCM.txt"
}

@test "--srtp: the same seed gives the same bytes and keys" {
	local su=AEAD_AES_128_GCM
	"$G" --calls 3 --seed 7 --duration 1 --ssrc-change 20 --dup 10 \
	    --srtp "$su" --srtp-keys "$T/ka" "$T/a.pcap"
	"$G" --calls 3 --seed 7 --duration 1 --ssrc-change 20 --dup 10 \
	    --srtp "$su" --srtp-keys "$T/kb" - > "$T/b.pcap"
	cmp "$T/a.pcap" "$T/b.pcap"
	cmp "$T/ka" "$T/kb"
	"$G" --calls 3 --seed 8 --duration 1 --ssrc-change 20 --dup 10 \
	    --srtp "$su" --srtp-keys "$T/kc" "$T/c.pcap"
	run cmp -s "$T/ka" "$T/kc"
	assert_failure
	# Another suite, other keys.
	"$G" --calls 3 --seed 7 --duration 1 --srtp AES_CM_128_HMAC_SHA1_80 \
	    --srtp-keys "$T/kd" "$T/d.pcap"
	[ "$(cut -d ' ' -f 3 "$T/ka" "$T/kd" | cut -c 8-37 | sort -u |
	    wc -l)" -eq 12 ]
}

@test "--srtp: the expected audio and calls.tsv are the plain call's" {
	"$G" --loss 5 --ssrc-change 50 --expect "$T/p" "$T/p.pcap"
	"$G" --loss 5 --ssrc-change 50 --srtp AES_256_CM_HMAC_SHA1_80 \
	    --expect "$T/s" "$T/s.pcap"
	cmp "$T/p/calls.tsv" "$T/s/calls.tsv"
	local f
	for f in "$T"/p/*.raw; do
		cmp "$f" "$T/s/${f##*/}"
	done
	run awk -F '\t' 'NR > 1 { print $2, $11 }' "$T/s/calls.tsv"
	assert_output "$(printf '1 0\n2 0')"
}

@test "--srtp-bad-tag: one bad tag, silence and auth_failed in calls.tsv" {
	local su=AES_CM_128_HMAC_SHA1_32
	"$G" --srtp "$su" --expect "$T/g" "$T/g.pcap"
	"$G" --srtp "$su" --srtp-bad-tag 30 --expect "$T/x" "$T/x.pcap"
	"$G" --loss 30 --expect "$T/l" "$T/l.pcap"
	# The same audio as a lost packet; counted as lost and auth_failed.
	local f
	for f in "$T"/l/*.raw; do
		cmp "$f" "$T/x/${f##*/}"
	done
	[ "$(zero_samples "$(ls "$T"/x/*-1.raw)")" -eq 160 ]
	run awk -F '\t' 'NR > 1 { print $2, $4, $5, $11 }' "$T/x/calls.tsv"
	assert_line --index 0 "1 199 1 1"
	assert_line --index 1 "2 200 0 0"
	# Only that packet differs: its last tag byte and its UDP checksum.
	[ "$(cmp -l "$T/g.pcap" "$T/x.pcap" | wc -l)" -le 3 ]
	if command -v tshark >/dev/null 2>&1; then
		run ts -r "$T/g.pcap" -Y 'udp.dstport == 30000' -T fields \
		    -e rtp.seq -e srtp.auth_tag
		printf '%s\n' "${lines[@]}" > "$T/good"
		run ts -r "$T/x.pcap" -Y 'udp.dstport == 30000' -T fields \
		    -e rtp.seq -e srtp.auth_tag
		printf '%s\n' "${lines[@]}" > "$T/bad"
		run diff "$T/good" "$T/bad"
		[ "$(grep -c '^<' <<< "$output")" -eq 1 ]
		[ "$(grep -c '^>' <<< "$output")" -eq 1 ]
		[ "$(sed -n 31p "$T/good" | cut -f 1)" = \
		    "$(sed -n 31p "$T/bad" | cut -f 1)" ]
		[ "$(sed -n 31p "$T/good")" != "$(sed -n 31p "$T/bad")" ]
		run ts -r "$T/x.pcap" -o udp.check_checksum:TRUE \
		    -Y 'udp.checksum.status != "Good"'
		assert_output ""
	fi
	# On a lost packet it does nothing.
	"$G" --srtp "$su" --srtp-bad-tag 30 --loss 30 --expect "$T/y" \
	    "$T/y.pcap"
	run awk -F '\t' 'NR > 1 { print $2, $4, $5, $11 }' "$T/y/calls.tsv"
	assert_line --index 0 "1 199 1 0"
}
