# SPDX-License-Identifier: BSD-2-Clause
# Helpers of the siprec-src tests (tests/cli/src-*.bats): where the
# programs are, a run with the summary as JSON, a number from it.

src_setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${B:-build} in /*) BB=$B ;; *) BB=$ROOT/${B:-build} ;; esac
	S=$BB/bin/siprec-src
	[ -x "$S" ] || skip "siprec-src is not built"
}

# src_json [siprec-src options...]: run it for at most 20 s, quiet, with
# the JSON summary in $summary; $status and $stderr as bats's run sets.
src_json() {
	run --separate-stderr timeout 20 "$S" -j -q "$@"
	summary=$output
}

# src_ok [siprec-src options...]: src_json, and it must exit 0.
src_ok() {
	src_json "$@"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr $output"
}

# A number from the summary: jnum '.rtp.packets'
jnum() {
	python3 -c 'import json,sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].strip(".").split("."):
    d = d[k]
print(d if not isinstance(d, bool) else int(d))' "$summary" "$1"
}
