#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-meta-lint: every failure class with its exit status, and the
# output modes.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${B:-build} in /*) L=$B/bin/siprec-meta-lint ;;
	*) L=$ROOT/${B:-build}/bin/siprec-meta-lint ;; esac
	S=$ROOT/samples
	T=$BATS_TEST_TMPDIR
}

@test "a clean document: exit 0, nothing printed" {
	run --separate-stderr "$L" "$S/call-complete.xml"
	assert_success
	assert_output ""
	[ -z "$stderr" ]
}

@test "findings: exit 1, file:line:col: severity: message: detail [id]" {
	run --separate-stderr "$L" "$S/invite-faulty.sip"
	assert_failure 1
	[[ $stderr == *"invite-faulty.sip:58:5: error: stream label has no a=label in the SDP of the same message: label \"3\" [L-18/label-not-in-sdp]"* ]]
}

@test "-W error ignores warnings; -W info shows infos" {
	printf '<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>\n' > "$T/nodecl.xml"
	run "$L" -W error "$T/nodecl.xml"
	assert_success
	run --separate-stderr "$L" -W info "$T/nodecl.xml"
	assert_failure 1
	[[ $stderr == *"[L-03/xml-decl]"* ]]
	[[ $stderr == *"info: complete snapshot describes no session"* ]]
}

@test "--ignore drops one check or a whole rule" {
	printf '<recording xmlns="urn:ietf:params:xml:ns:recording:1"/>\n' > "$T/nodecl.xml"
	run "$L" -i L-03/xml-decl "$T/nodecl.xml"
	assert_success
	run "$L" -i L-03 "$T/nodecl.xml"
	assert_success
	run "$L" -i L-99 "$T/nodecl.xml"
	assert_failure 2
}

@test "usage errors exit 2 with usage on stderr" {
	run --separate-stderr "$L" --no-such-option
	assert_failure 2
	[[ $stderr == *"usage: siprec-meta-lint"* ]]
	run "$L" -W loud x.xml
	assert_failure 2
	run "$L" --merged "$S/call-complete.xml"
	assert_failure 2
	run "$L" -m 0 x.xml
	assert_failure 2
	run "$L" -J 0 x.xml
	assert_failure 2
	run "$L" -p relaxed x.xml
	assert_failure 2
}

@test "--help goes to stdout and exits 0" {
	run --separate-stderr "$L" --help
	assert_success
	[[ $output == *"--sequence"* ]]
	[ -z "$stderr" ]
}

@test "unusable input exits 3: not XML nor SIP, empty, too large" {
	printf 'hello, world\n' > "$T/text"
	run --separate-stderr "$L" "$T/text"
	assert_failure 3
	[[ $stderr == *"fatal: input is neither an XML document nor a SIP message"* ]]
	: > "$T/empty"
	run "$L" "$T/empty"
	assert_failure 3
	run --separate-stderr "$L" -m 64 "$S/call-complete.xml"
	assert_failure 3
	[[ $stderr == *"[IN/too-large]"* ]]
	printf 'INVITE SIP/2.0\r\n\r\n' > "$T/bad.sip"
	run --separate-stderr "$L" -t sip "$T/bad.sip"
	assert_failure 3
	[[ $stderr == *"[SIP/parse]"* ]]
}

@test "a missing file is a system error, exit 4; other inputs still run" {
	run --separate-stderr "$L" "$T/nope.xml" "$S/invite-faulty.sip"
	assert_failure 4
	[[ $stderr == *"nope.xml: No such file or directory"* ]]
	[[ $stderr == *"[L-18/label-not-in-sdp]"* ]]
}

@test "a schema file that does not compile exits 3" {
	printf '<notaschema/>\n' > "$T/bad.xsd"
	run --separate-stderr "$L" -x "$T/bad.xsd" "$S/call-complete.xml"
	assert_failure 3
	[[ $stderr == *"bad.xsd"* ]]
}

@test "--schema with the repository's schema file gives the built-in verdict" {
	run "$L" -x "$ROOT/lib/schema/rs-metadata.xsd" "$S/call-complete.xml"
	assert_success
}

@test "stdin: no file and - read standard input" {
	run --separate-stderr sh -c "\"$L\" < \"$S/invite-faulty.sip\""
	assert_failure 1
	[[ $stderr == *"<stdin>:58:5: error"* ]]
	run sh -c "\"$L\" - < \"$S/call-complete.xml\""
	assert_success
}

@test "-q prints nothing, the status still answers" {
	run --separate-stderr "$L" -q "$S/invite-faulty.sip"
	assert_failure 1
	assert_output ""
	[ -z "$stderr" ]
}

@test "--json: one object a line, findings and a document summary" {
	run --separate-stderr "$L" --json "$S/invite-faulty.sip"
	assert_failure 1
	[ -z "$stderr" ]
	[[ $output == *'"type":"document"'*'"schema_valid":true'* ]]
	[[ $output == *'"id":"L-18/label-not-in-sdp"'* ]]
	if command -v python3 >/dev/null; then
		printf '%s\n' "$output" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	fi
}

@test "--sarif is one valid SARIF 2.1.0 log, also across parallel inputs" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	run "$L" --sarif "$S/invite-faulty.sip" "$S/call-complete.xml" "$S/invite-faulty.sip"
	assert_failure 1
	printf '%s\n' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"] == "2.1.0"
r = d["runs"][0]["results"]
assert len(r) == 10, len(r)
assert r[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0
'
}

@test "parallel checking prints exactly what one thread prints" {
	files=$(ls "$ROOT"/tests/data/siprec-meta-lint/rules/*.xml "$S"/*.xml "$S"/*.sip 2>/dev/null)
	run --separate-stderr "$L" -J 1 -W info $files
	one_out=$output one_err=$stderr one_rc=$status
	run --separate-stderr "$L" -J 4 -W info $files
	[ "$status" -eq "$one_rc" ]
	[ "$output" = "$one_out" ]
	[ "$stderr" = "$one_err" ]
}

@test "--profile lenient downgrades dialect findings to warnings" {
	xml=$(sed -n '/<?xml/,$p' "$S/call-complete.xml" |
	    sed 's/<datamode>/<dataMode>/; s#</datamode>#</dataMode>#')
	printf '%s\n' "$xml" > "$T/dm.xml"
	run --separate-stderr "$L" -W error "$T/dm.xml"
	assert_failure 1
	[[ $stderr == *"error: element spelled dataMode"* ]]
	run --separate-stderr "$L" -W error -p lenient "$T/dm.xml"
	assert_success
	run --separate-stderr "$L" -p lenient "$T/dm.xml"
	assert_failure 1
	[[ $stderr == *"warning: element spelled dataMode"* ]]
}

@test "--sequence --merged applies a partial update (send/recv replaced)" {
	run --separate-stderr "$L" --sequence --merged "$S/call-complete.xml" "$S/call-hold.xml"
	assert_success
	[[ $output == *"<datamode>complete</datamode>"* ]]
	# Bob now only receives stream 1; he no longer sends stream 2.
	bob=$(printf '%s\n' "$output" | sed -n '/participantstreamassoc participant_id="zSfPoSvdSDCmU3A3TRDxAw=="/,/<\/participantstreamassoc>/p')
	[[ $bob == *"<recv>UAAMm5GRQKSCMVvLyl4rFw==</recv>"* ]]
	[[ $bob != *"<send>"* ]]
}

@test "--sequence: a partial update first is L-11" {
	run --separate-stderr "$L" --sequence "$S/call-hold.xml"
	assert_failure 1
	[[ $stderr == *"[L-11/partial-first]"* ]]
	run "$L" "$S/call-hold.xml"
	assert_success
}

@test "a DOCTYPE is refused unread, even with an entity bomb" {
	{
		printf '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaaaaaaaa">\n'
		printf '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
		printf '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<recording>&c;</recording>\n'
	} > "$T/bomb.xml"
	run --separate-stderr "$L" "$T/bomb.xml"
	assert_failure 1
	[[ $stderr == *"bomb.xml:2:1: error: document type declarations are not allowed"* ]]
}

@test "typographic quotes get a precise error (ControlONE-style sample)" {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<recording xmlns="urn:ietf:params:xml:ns:recording:1">\n<participant participant_id=\xe2\x80\x9cq3b6/NdtQ6WjUZHTQmfyvA==\xe2\x80\x9d>\n</participant>\n</recording>\n' > "$T/quotes.xml"
	run --separate-stderr "$L" "$T/quotes.xml"
	assert_failure 1
	[[ $stderr == *"quotes.xml:3:29: error: metadata is not well-formed XML: attribute value opens with the typographic quote U+201C"* ]]
}

@test "-V names the program and the libraries" {
	run "$L" -V
	assert_success
	[[ $output == *"siprec-meta-lint "* ]]
	[[ $output == *"libxml2"* ]]
}

@test "a capture on standard input is named as such, exit 3" {
	c=$ROOT/../shared/corpus/pcap/sip-rtp/wiresharksample_sip-rtp-g711.pcap
	[ -f "$c" ] || skip "../shared/corpus is absent"
	run --separate-stderr sh -c "\"$L\" - < \"$c\""
	assert_failure 3
	[[ $stderr == *"a packet capture on standard input: give it as a file name"* ]]
}
