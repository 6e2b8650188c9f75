#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-src against SIPp as a plain UAS answering like an SRS
# (tests/data/sipp-src/), and its usage errors.  SIPp listens on fixed
# loopback ports in 24000-25099 (media ports spaced 8 apart); siprec-src
# binds ephemeral ones.  Every SIPp run is bounded by timeout and by -m.

bats_require_minimum_version 1.5.0

setup() {
	load src-lib
	src_setup
	L=$BB/bin/siprec-meta-lint
	D=$ROOT/tests/data/sipp-src
	cd "$BATS_TEST_TMPDIR"
	SIPP_PIDS=
}

teardown() {
	local p
	for p in $SIPP_PIDS; do
		kill "$p" 2>/dev/null || true
	done
}

need_sipp() {
	command -v sipp >/dev/null || skip "sipp is not installed"
}

# sipp_uas SCENARIO PORT CALLS [sipp options...]: SIPp in the background,
# messages logged to sipp-PORT.log, gone after 30 s whatever happens.
sipp_uas() {
	local scen=$1 port=$2 calls=$3
	shift 3
	timeout 30 sipp -sf "$D/$scen" -i 127.0.0.1 -p "$port" \
	    -mp $((24300 + (port - 24000) * 8)) -m "$calls" -nostdin -trace_msg \
	    -message_file "sipp-$port.log" "$@" >/dev/null 2>&1 &
	SIPP_PIDS="$SIPP_PIDS $!"
	# Wait until it listens (at most 5 s).
	local i=0
	while [ $i -lt 50 ]; do
		ss -Hlnu "sport = :$port" 2>/dev/null | grep -q . && return 0
		ss -Hlnt "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "sipp did not start on port $port"
}

@test "--help to stdout, exit 0; usage errors exit 2" {
	run --separate-stderr "$S" --help
	assert_success
	assert_output --partial "usage: siprec-src"
	run --separate-stderr "$S"
	[ "$status" -eq 2 ]
	[[ $stderr == *"no SRS URI"* ]]
	run --separate-stderr "$S" --persona nokia sip:srs@127.0.0.1
	[ "$status" -eq 2 ]
	[[ $stderr == *"--persona nokia"* ]]
	run --separate-stderr "$S" -P 25 sip:srs@127.0.0.1
	[ "$status" -eq 2 ]
	run --separate-stderr "$S" -e '2:pause,1:resume' sip:srs@127.0.0.1
	[ "$status" -eq 2 ]
	run --separate-stderr "$S" --bogus sip:srs@127.0.0.1
	[ "$status" -eq 2 ]
	run --separate-stderr "$S" --dry-run http://example.com/
	[ "$status" -eq 2 ]
}

@test "unreadable scenario or audio file: exit 3" {
	run --separate-stderr "$S" -f nonexistent sip:srs@127.0.0.1
	[ "$status" -eq 3 ]
	printf '1 pause\nlater resume\n' > bad.scn
	run --separate-stderr "$S" -f bad.scn sip:srs@127.0.0.1
	[ "$status" -eq 3 ]
	[[ $stderr == *"bad.scn:2:1: error"* ]]
	run --separate-stderr "$S" --dry-run -A missing.wav sip:srs@127.0.0.1
	[ "$status" -eq 3 ]
}

@test "--list-personas lists the eleven personas" {
	run --separate-stderr "$S" --list-personas
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 11 ]
	assert_output --partial "broadworks"
}

@test "--dry-run: every persona's INVITE is recognised by siprec-meta-lint" {
	[ -x "$L" ] || skip "siprec-meta-lint is not built"
	local p want
	while read -r p want; do
		"$S" --dry-run --seed 3 -p "$p" sip:srs@127.0.0.1 > "$p.sip"
		grep -q '^Require: siprec' "$p.sip" || fail "$p: no Require"
		run --separate-stderr "$L" --json "$p.sip"
		local doc
		doc=$(printf '%s\n' "$output" | grep '"type":"document"')
		[ -n "$doc" ] || fail "$p: no document: $output"
		if [ "$want" = rfc ]; then
			[[ $doc == *'"dialect":null'* ]] ||
			    fail "$p: $doc"
			[[ $doc == *'"schema_valid":true'* ]] ||
			    fail "$p: $doc"
		else
			[[ $doc == *"\"dialect\":\"$want"* ]] ||
			    fail "$p: want $want: $doc"
		fi
	done <<-'EOF2'
	rfc rfc
	oracle Oracle/Acme
	ribbon Ribbon/Sonus
	broadworks Cisco BroadWorks
	audiocodes AudioCodes
	cisco Cisco CUBE
	avaya Avaya SBCE
	metaswitch rfc
	controlone rfc
	genesys rfc
	genesys-party rfc
	EOF2
}

@test "--dry-run: faults change what is sent" {
	"$S" --dry-run -F no-labels sip:srs@127.0.0.1 > a.sip
	! grep -q 'a=label' a.sip
	"$S" --dry-run -F no-metadata sip:srs@127.0.0.1 > b.sip
	! grep -q 'rs-metadata+xml' <(sed -n '/^$/,$p' b.sip)
	grep -q '^Content-Type: application/sdp' b.sip
	"$S" --dry-run -F wrong-type sip:srs@127.0.0.1 > c.sip
	grep -qi 'content-type: text/plain' c.sip
	"$S" --dry-run -F bad-xml sip:srs@127.0.0.1 > d.sip
	run --separate-stderr "$L" d.sip
	[ "$status" -eq 1 ]
	"$S" --dry-run -C plain -s AES_256_CM_HMAC_SHA1_80 sip:srs@127.0.0.1 > e.sip
	grep -qi 'content-type: application/rs-metadata$' <(tr -d '\r' < e.sip)
	[ "$(grep -c '^a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:' e.sip)" -eq 2 ]
	grep -q 'RTP/SAVP' e.sip
}

@test "one call to SIPp over UDP: answer judged, RTP sent, BYE" {
	need_sipp
	sipp_uas srs-uas.xml 24060 1
	src_ok -t udp -d 1000 sip:srs@127.0.0.1:24060
	[ "$(jnum .answered)" -eq 1 ]
	[ "$(jnum .failed)" -eq 0 ]
	[ "$(jnum .verdicts.labels_echoed)" -eq 1 ]
	[ "$(jnum .verdicts.recvonly)" -eq 1 ]
	[ "$(jnum .verdicts.ports_nonzero)" -eq 1 ]
	# Two streams of 20 ms for one second: 100 packets, give or take
	# what a loaded machine adds before the BYE goes.
	local n
	n=$(jnum .rtp.packets)
	[ "$n" -ge 94 ] && [ "$n" -le 120 ] || fail "rtp packets $n"
	wait
	grep -q '^BYE sip:' sipp-24060.log
	grep -q '^ACK sip:' sipp-24060.log
}

@test "--stats CSV and JSON Lines, --calls verdict lines, -r -m -l" {
	need_sipp
	sipp_uas srs-uas.xml 24064 3
	run --separate-stderr timeout 20 "$S" -t udp -m 3 -r 10 -l 2 -d 600 \
	    -q -S stats.csv --stats-interval 200 --calls \
	    sip:srs@127.0.0.1:24064
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[ "$(head -n 1 stats.csv)" = \
	    "time,attempted,active,answered,failed,finished,rtp_packets,rtp_errors" ]
	# Never more than 2 at once (-l 2); all 3 finished at the end.
	awk -F, 'NR > 1 && $3 > 2 { exit 1 }' stats.csv
	tail -n 1 stats.csv | awk -F, '$2 == 3 && $6 == 3 && $5 == 0 { ok = 1 }
	    END { exit !ok }'
	[ "$(printf '%s\n' "$output" | grep -c '"ok":true')" -eq 3 ]
	[ "$(printf '%s\n' "$output" | grep -c '"labels_echoed":true')" -eq 3 ]
	sipp_uas srs-uas.xml 24066 1
	run --separate-stderr timeout 20 "$S" -t udp -d 300 -q -S - \
	    --stats-format json --stats-interval 100 sip:srs@127.0.0.1:24066
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -q '^{"t":.*"finished":1,'
}

@test "SIGINT: the calls in progress end with a BYE, then the summary" {
	need_sipp
	sipp_uas srs-uas.xml 24068 1
	timeout 20 "$S" -t udp -d 10000 -j -q sip:srs@127.0.0.1:24068 \
	    > sum.json 2> err.txt &
	local pid=$! t0 rc
	sleep 1
	t0=$(date +%s)
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "exit $rc: $(cat err.txt)"
	[ $(($(date +%s) - t0)) -le 3 ] || fail "took too long to stop"
	summary=$(cat sum.json)
	[ "$(jnum .answered)" -eq 1 ]
	[ "$(jnum .failed)" -eq 0 ]
	wait
	grep -q '^BYE sip:' sipp-24068.log
}

@test "a large INVITE goes over TCP (RFC 3261 18.1.1)" {
	need_sipp
	sipp_uas srs-uas.xml 24070 1 -t t1
	src_ok -d 300 -n 4 sip:srs@127.0.0.1:24070
	[ "$(jnum .answered)" -eq 1 ]
	wait
	grep -q '^Via: SIP/2.0/TCP' sipp-24070.log
}

@test "timeline: pause, resume and a join by re-INVITE; a transfer by UPDATE" {
	need_sipp
	sipp_uas srs-uas.xml 24080 1
	src_ok -t udp -d 1500 \
	    -e '0.2:pause,0.5:resume,0.8:join=Carol <sip:carol@example.org>' \
	    sip:srs@127.0.0.1:24080
	[ "$(jnum .requests.reinvites)" -eq 3 ]
	# Paused for 0.3 s of 1.5: about 120 packets rather than 150.
	local n
	n=$(jnum .rtp.packets)
	[ "$n" -ge 105 ] && [ "$n" -le 138 ] || fail "rtp packets $n"
	wait
	grep -q '^a=inactive' sipp-24080.log
	grep -q 'sip:carol@example.org' sipp-24080.log
	grep -q '<datamode>partial</datamode>' sipp-24080.log

	sipp_uas srs-uas.xml 24082 1
	printf '# a scenario file\n0.3 transfer=Dave <sip:dave@example.org>\n' \
	    > t.scn
	src_ok -t udp -d 800 -U -f t.scn sip:srs@127.0.0.1:24082
	[ "$(jnum .requests.updates)" -eq 1 ]
	wait
	grep -q '^UPDATE sip:' sipp-24082.log
	grep -q 'sip:dave@example.org' sipp-24082.log
}

# The INVITEs SIPp received, one line each: Call-ID, Request-URI, o=
# version, then "inactive" and "dave" when the SDP or metadata has them.
invites() {
	python3 - "$1" <<-'EOF2'
	import re, sys
	log = open(sys.argv[1]).read()
	for m in re.split(r'^-{10,}[^\n]*\n', log, flags=re.M):
	    head, _, m = m.partition('\n')
	    m = m.lstrip('\r\n')
	    if 'message received' not in head or not m.startswith('INVITE '):
	        continue
	    cid = re.search(r'^Call-ID: *(\S+)', m, re.M).group(1)
	    ver = re.search(r'^o=\S+ \S+ (\d+) ', m, re.M).group(1)
	    print(cid, m.split()[1], ver, 'inactive' * ('a=inactive' in m),
	        'dave' * ('sip:dave@' in m))
	EOF2
}

@test "genesys-party: a session per party, pause and resume, o= bumped on transfer" {
	need_sipp
	sipp_uas srs-uas.xml 24084 2
	src_ok -t udp -d 1500 \
	    -p genesys-party -a 'Agent <sip:7013@pbx.example.com>' \
	    -a 'Caller <sip:+15550100@example.com>' \
	    -e '0.2:pause,0.5:resume,0.8:transfer=Dave <sip:dave@example.org>' \
	    sip:srs@127.0.0.1:24084
	# One call, two recording sessions, three re-INVITEs each.
	[ "$(jnum .attempted)" -eq 2 ]
	[ "$(jnum .answered)" -eq 2 ]
	[ "$(jnum .requests.reinvites)" -eq 6 ]
	wait
	invites sipp-24084.log > inv.txt
	[ "$(wc -l < inv.txt)" -eq 8 ] || fail "$(cat inv.txt)"
	# Two dialogs, their first INVITEs sharing the CallUUID; each names
	# its own party as recordDN and the other as otherDN.
	local a b u1 u2
	a=$(awk '$3 == 1 && $2 ~ /recordDN=7013;otherDN=\+15550100$/' inv.txt)
	b=$(awk '$3 == 1 && $2 ~ /recordDN=\+15550100;otherDN=7013$/' inv.txt)
	[ -n "$a" ] && [ -n "$b" ] || fail "$(cat inv.txt)"
	[ "${a%% *}" != "${b%% *}" ] || fail "one Call-ID for both: $a"
	u1=$(printf '%s\n' "$a" | grep -o 'calluuid=[^;]*')
	u2=$(printf '%s\n' "$b" | grep -o 'calluuid=[^;]*')
	[ -n "$u1" ] && [ "$u1" = "$u2" ] || fail "$u1 $u2"
	[[ $a == *";dn=7013;"* && $b == *";dn=7013;"* ]] || fail "$a $b"
	# In each dialog: pause (v2, inactive), resume (v3), transfer (v4,
	# with the new party), o= one higher each time.
	local cid
	for cid in "${a%% *}" "${b%% *}"; do
		[ "$(awk -v c="$cid" '$1 == c { printf "%s%s%s ", $3, $4, $5 }' \
		    inv.txt)" = "1 2inactive 3 4dave " ] ||
		    fail "$cid: $(cat inv.txt)"
	done
}

@test "failover: 503 from the first SRS, the second answers" {
	need_sipp
	sipp_uas srs-503.xml 24090 1
	sipp_uas srs-uas.xml 24092 1
	src_ok -t udp -d 300 sip:srs@127.0.0.1:24090 sip:srs@127.0.0.1:24092
	[ "$(jnum .answered)" -eq 1 ]
	[ "$(jnum .requests.failovers)" -eq 1 ]
}

@test "a 302 is followed to its Contact" {
	need_sipp
	sipp_uas srs-302.xml 24094 1 \
	    -key to sip:srs@127.0.0.1:24096
	sipp_uas srs-uas.xml 24096 1
	src_ok -t udp -d 300 sip:srs@127.0.0.1:24094
	[ "$(jnum .answered)" -eq 1 ]
	[ "$(jnum .requests.redirects)" -eq 1 ]
}

@test "failures beyond --max-failures: exit 1, counted by code" {
	need_sipp
	sipp_uas srs-488.xml 24098 2
	src_json -t udp -m 2 -r 20 sip:srs@127.0.0.1:24098
	[ "$status" -eq 1 ]
	[ "$(jnum .failed)" -eq 2 ]
	[ "$(jnum .responses.488)" -eq 2 ]
	[ "$(jnum .failed_by_reason.rejected)" -eq 2 ]
	sipp_uas srs-488.xml 24098 1
	run --separate-stderr timeout 20 "$S" -t udp -x 1 -j -q \
	    sip:srs@127.0.0.1:24098
	[ "$status" -eq 0 ]
}

@test "no SRS listening: transport failure, exit 1" {
	run --separate-stderr timeout 40 "$S" -t tcp -j -q -T 2000 \
	    sip:srs@127.0.0.1:24099
	summary=$output
	[ "$status" -eq 1 ]
	[ "$(jnum .failed)" -eq 1 ]
}
