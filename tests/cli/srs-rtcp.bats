#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# RTCP receiver reports (RFC 3550 6.4.2; RFC 7866 P-59, P-66): siprec-srs
# reports what it received to where the source's RTP came from (port + 1
# without rtcp-mux), as a compound RR + SDES CNAME packet.
# Ports: RTP 22800-22899 for the server; the test's source 23890/23891.

bats_require_minimum_version 1.5.0

setup() {
	load srs-lib
	srs_setup
	command -v python3 >/dev/null || skip "python3 is not installed"
}

teardown() {
	srs_teardown
}

@test "receiver reports: lost packets, sequence wrap, jitter, sent to the source's RTCP port" {
	srs_start -P 22800-22899 -n 1 -o "$W/rec"
	timeout 30 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" \
	    "$ROOT/tests/data/siprec-srs/invite.sip" 9 > "$W/answer" &
	local sp=$! i port=
	for ((i = 0; i < 50; i++)); do
		port=$(awk '/^m=audio/ { print $2; exit }' "$W/answer")
		[[ -n $port ]] && break
		sleep 0.1
	done
	[[ -n $port && $port != 0 ]] || fail "no answer: $(cat "$W/answer")"
	# 300 packets over 6 s from 23890, sequence from 65500 (it wraps),
	# three of them never sent; then wait for a report on 23891.
	run python3 - "$port" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtp.bind(("127.0.0.1", 23890))
rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rtcp.bind(("127.0.0.1", 23891))
rtcp.settimeout(0.02)
ssrc, seq0, skip = 0x5EC0C0DE, 65500, {100, 101, 200}
t0, reports = time.monotonic(), []
for i in range(300):
    while time.monotonic() < t0 + i * 0.02:
        try:
            reports.append(rtcp.recv(2048))
        except socket.timeout:
            pass
    if i in skip:
        continue
    hdr = struct.pack("!BBHII", 0x80, 0, (seq0 + i) & 0xffff, 1000 + 160 * i, ssrc)
    rtp.sendto(hdr + b"\xff" * 160, ("127.0.0.1", port))
rtcp.settimeout(1.0)
try:
    reports.append(rtcp.recv(2048))
except socket.timeout:
    pass
if not reports:
    print("no report"); sys.exit(1)
b = reports[-1]
v, pt, length = b[0] >> 6, b[1], struct.unpack("!H", b[2:4])[0]
rc = b[0] & 31
src, fl, ext, jit, lsr, dlsr = struct.unpack("!IIIIII", b[8:32])
lost = fl & 0xffffff
errs = []
if (v, pt, rc, length) != (2, 201, 1, 7): errs.append(f"header {v} {pt} {rc} {length}")
if src != ssrc: errs.append(f"report about {src:#x}")
if ext < 65536: errs.append(f"extended sequence {ext}: no wrap counted")
if lost != 3: errs.append(f"cumulative lost {lost}, want 3")
if jit > 8000: errs.append(f"jitter {jit} timestamp units")
if len(b) < 44 or b[33] != 202 or b[40] != 1: errs.append("no SDES CNAME after the RR")
print("; ".join(errs) if errs else f"ok {len(reports)} reports, ext {ext}, jitter {jit}")
sys.exit(1 if errs else 0)
PY
	[[ $status -eq 0 ]] || fail "$output"
	echo "# $output" >&3
	wait "$sp" || true
	srs_wait 15
}
