# SPDX-License-Identifier: BSD-2-Clause
# Helpers of the siprec-srs tests (tests/cli/srs-*.bats): start and stop
# the server on loopback, read its events, the test sender.
#
# Ports: the server's SIP port is ephemeral; SIPp and RTP ranges are
# taken from 22000-23999, a block per test file (see each file).

srs_setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$ROOT" || return 1
	B=${B:-build}
	SRS=$ROOT/$B/bin/siprec-srs
	P2R=$ROOT/$B/bin/siprec-pcap2rec
	[[ -x $SRS ]] || fail "$SRS is not built"
	W=$BATS_TEST_TMPDIR
	SRS_PID=
	# The test sender: built by the Makefile, else here.
	RTPSEND=$ROOT/$B/tests/srs-rtpsend
	if [[ ! -x $RTPSEND || $RTPSEND -ot tests/tools/srs-rtpsend.c ]]; then
		RTPSEND=$BATS_FILE_TMPDIR/srs-rtpsend
		if [[ ! -x $RTPSEND ]]; then
			# shellcheck disable=SC2046
			cc -std=c11 -O2 -o "$RTPSEND" tests/tools/srs-rtpsend.c \
			    $(pkg-config --cflags --libs libsrtp2) ||
			    fail "cannot build tests/tools/srs-rtpsend.c"
		fi
	fi
	export SRS_RTPSEND=$RTPSEND
	command -v python3 >/dev/null || skip "python3 is not installed"
}

srs_teardown() {
	# The server first: killing its timeout wrapper would orphan it.
	if [[ -n $SRS_PID ]] && kill -0 "$SRS_PID" 2>/dev/null; then
		pkill -KILL -P "$SRS_PID" 2>/dev/null
		kill -KILL "$SRS_PID" 2>/dev/null
	fi
	return 0
}

# Start the server in the background with these options (plus an
# ephemeral loopback port, events in $W/ev.jsonl, recordings in $W/rec
# unless -o is given); sets SRS_PID (of its timeout wrapper) and
# SRS_PORT.  Bounded: killed after 90 s whatever happens.
srs_start() {
	local i
	: > "$W/ev.jsonl"
	timeout -s KILL 90 "$SRS" -l 127.0.0.1:0 -e "$W/ev.jsonl" "$@" \
	    2> "$W/srs.err" &
	SRS_PID=$!
	for ((i = 0; i < 100; i++)); do
		SRS_PORT=$(sed -n 's/.*"transport":"UDP","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' \
		    "$W/ev.jsonl" | head -n 1)
		[[ -n $SRS_PORT ]] && return 0
		kill -0 "$SRS_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$W/srs.err" >&2
	fail "siprec-srs did not start"
}

# The server's own pid (the child of the timeout wrapper).
srs_pid() {
	pgrep -P "$SRS_PID" -x siprec-srs | head -n 1
}

# Wait at most $1 seconds for the server to exit; SRS_RC is its status.
srs_wait() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		kill -0 "$SRS_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$SRS_PID" 2>/dev/null; then
		pkill -KILL -P "$SRS_PID" 2>/dev/null
		kill -KILL "$SRS_PID" 2>/dev/null
		wait "$SRS_PID" || true
		SRS_RC=124
	else
		SRS_RC=0
		wait "$SRS_PID" || SRS_RC=$?
	fi
	SRS_PID=
}

# SIGTERM, then wait.
srs_stop() {
	local p
	p=$(srs_pid)
	[[ -n $p ]] && kill -TERM "$p"
	SRS_RC=
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$SRS_PID" 2>/dev/null || break
		sleep 0.05
	done
	SRS_RC=0
	wait "$SRS_PID" || SRS_RC=$?
	SRS_PID=
}

# Events of one kind, one JSON object a line.
srs_events() {
	grep -F "\"event\":\"$1\"" "$W/ev.jsonl" || true
}

# Python expression over the events: ev is the list of event objects.
srs_py() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
end = [e for e in ev if e["event"] == "end"]
r = eval(sys.argv[2])
print(" ".join(map(str, r)) if isinstance(r, tuple) else r)' "$W/ev.jsonl" "$1"
}

need_sipp() {
	command -v sipp >/dev/null || skip "sipp (Debian sip-tester) is not installed"
}
