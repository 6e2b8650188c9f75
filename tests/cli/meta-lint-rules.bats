#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Every check of siprec-meta-lint against its fixtures, and the valid
# RFC 8068-style sequences.
#
# tests/data/siprec-meta-lint/rules/ holds, for each check ID, a fixture
# that must trigger it (<ID>.fail[.<variant>].<ext>) and the closest valid
# variant, which must not (<ID>.pass[.<variant>].<ext>); '/' in the ID is
# written '__'.  <ext> is xml, sip, or seq: a directory of 01.xml, 02.xml,
# ... linted with --sequence.  Its README names the checks no file can
# trigger ("untriggerable <ID>: <reason>").  tests/data/siprec-meta-lint/seq/
# holds valid sequences, one a directory; expected-merged.xml in one of them
# is the --merged output.
#
# The binary is ${B:-build}/bin/siprec-meta-lint, B relative to the top of
# the tree or absolute.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$ROOT" || return 1
	LINT=${B:-build}/bin/siprec-meta-lint
	RULES=tests/data/siprec-meta-lint/rules
	SEQ=tests/data/siprec-meta-lint/seq
	if [[ ! -x $LINT ]]; then
		fail "$LINT is not built (run make, or set B to the build tree)"
	fi
}

# Fixtures the linter misjudges today: the reason, or status 1 when $1 (a
# fixture's file name) is not one of them.  The loops leave these out; each
# has a skipped @test below.  Fix the linter, then drop the entry and the
# skip.
known_bug() {
	case $1 in
	L-04__schema.pass.ipv6-aor.xml)
		echo "libxml2 rejects sip:bob@[2001:db8::2] as xs:anyURI" ;;
	*)
		return 1 ;;
	esac
}

# The check ID a fixture is about, from its name: L-04__order.fail.xml is
# L-04/order.
fixture_id() {
	local name=${1##*/}

	name=${name%%.*}
	printf '%s\n' "${name//__//}"
}

# The checks of the linter, one ID a line.
all_checks() {
	"$LINT" --list-checks | cut -f1
}

# Lint fixture $1 (a file, or a .seq directory) with --json -W info; set
# IDS to the check IDs of the findings, one a line, and RC to the exit
# status.
lint_fixture() {
	local f=$1 out
	local -a args=(--json -W info)

	[[ ${f##*/} == IN__too-large.* ]] && args+=(-m 64)
	if [[ -d $f ]]; then
		args+=(--sequence)
		args+=("$f"/[0-9]*.xml)
	else
		args+=("$f")
	fi
	RC=0
	out=$("$LINT" "${args[@]}" 2>/dev/null) || RC=$?
	IDS=$(grep '^{"type":"finding"' <<<"$out" |
	    grep -o '"id":"[^"]*"' | sed 's/^"id":"//; s/"$//')
}

# Check one fixture; print a line naming it when it is misjudged.
judge() {
	local f=$1 name=${1##*/} id found=0

	id=$(fixture_id "$f")
	lint_fixture "$f"
	if ((RC != 0 && RC != 1 && RC != 3)); then
		echo "$name: linter exit status $RC (crash, usage or system error)"
		return
	fi
	grep -Fqx -- "$id" <<<"$IDS" && found=1
	if [[ $name == *.fail.* ]] && ((!found)); then
		echo "$name: expected a finding $id; got: ${IDS//$'\n'/ }"
	elif [[ $name == *.pass.* ]] && ((found)); then
		echo "$name: $id reported on the valid variant"
	fi
	return 0
}

# The fixtures of kind $1 (fail or pass), but the known bugs.
fixtures() {
	local f

	for f in "$RULES"/*."$1".*; do
		[[ -e $f ]] || continue
		known_bug "${f##*/}" >/dev/null && continue
		printf '%s\n' "$f"
	done
}

# Run judge over fixtures of kind $1; fail naming every misjudged one.
judge_all() {
	local f errs="" n=0

	while IFS= read -r f; do
		errs+=$(judge "$f")
		if [[ -n $errs && ${errs: -1} != $'\n' ]]; then
			errs+=$'\n'
		fi
		n=$((n + 1))
	done < <(fixtures "$1")
	((n > 0)) || fail "no $1 fixtures in $RULES"
	if [[ -n $errs ]]; then
		fail "$(printf 'misjudged %s fixtures:\n%s' "$1" "$errs")"
	fi
}

@test "every fail fixture triggers its check" {
	judge_all fail
}

@test "no pass fixture triggers its check" {
	judge_all pass
}

@test "every check has a fail fixture or is named untriggerable" {
	local id n errs="" f
	local -a have

	for id in $(all_checks); do
		n=${id//\//__}
		have=("$RULES/$n".fail.*)
		[[ -e ${have[0]} ]] && continue
		grep -Eq "^[[:space:]]*untriggerable[[:space:]]+$id:" \
		    "$RULES/README" && continue
		errs+="$id: no $RULES/$n.fail.* and not untriggerable in README"$'\n'
	done
	[[ -z $errs ]] || fail "$errs"
	[[ -n $(all_checks) ]] || fail "--list-checks lists nothing"
}

@test "every fail fixture has a pass fixture, and names a real check" {
	local f id errs="" checks
	local -a pass

	checks=$(all_checks)
	for f in "$RULES"/*.fail.* "$RULES"/*.pass.*; do
		[[ -e $f ]] || continue
		id=$(fixture_id "$f")
		grep -Fqx -- "$id" <<<"$checks" ||
		    errs+="${f##*/}: $id is not in --list-checks"$'\n'
		[[ $f == *.fail.* ]] || continue
		pass=("$RULES/${id//\//__}".pass.*)
		[[ -e ${pass[0]} ]] ||
		    errs+="${f##*/}: no $RULES/${id//\//__}.pass.*"$'\n'
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "the untriggerable checks in the README exist" {
	local id checks errs=""

	checks=$(all_checks)
	while read -r id; do
		grep -Fqx -- "$id" <<<"$checks" ||
		    errs+="README: untriggerable $id is not in --list-checks"$'\n'
	done < <(sed -nE 's/^[[:space:]]*untriggerable[[:space:]]+([^:]+):.*/\1/p' \
	    "$RULES/README")
	[[ -z $errs ]] || fail "$errs"
}

@test "every valid sequence lints clean (--sequence -W warning)" {
	local d n=0 errs="" out rc
	local -a docs

	for d in "$SEQ"/*/; do
		d=${d%/}
		docs=("$d"/[0-9]*.xml)
		[[ -e ${docs[0]} ]] || { errs+="$d: no numbered documents"$'\n'; continue; }
		n=$((n + 1))
		rc=0
		out=$("$LINT" --sequence -W warning "${docs[@]}" 2>&1) || rc=$?
		((rc == 0)) || errs+="$d: exit status $rc"$'\n'"$out"$'\n'
	done
	((n >= 4)) || fail "only $n sequences in $SEQ (want at least 4)"
	[[ -z $errs ]] || fail "$errs"
}

@test "--merged output matches expected-merged.xml" {
	local e d n=0
	local -a docs

	for e in "$SEQ"/*/expected-merged.xml; do
		[[ -e $e ]] || continue
		d=${e%/*}
		docs=("$d"/[0-9]*.xml)
		n=$((n + 1))
		"$LINT" --sequence --merged "${docs[@]}" \
		    >"$BATS_TEST_TMPDIR/merged.xml" ||
		    fail "$d: --sequence --merged exit status $?"
		run diff -u "$e" "$BATS_TEST_TMPDIR/merged.xml"
		((status == 0)) || fail "$d: --merged differs:"$'\n'"$output"
	done
	((n > 0)) || fail "no expected-merged.xml under $SEQ"
}

# --- known bugs: skipped until the linter is fixed ---------------------------

@test "libxml2 limit: L-04__schema.pass.ipv6-aor.xml" {
	skip "libxml2 2.9.14 rejects [IPv6] hosts in xs:anyURI; xmllint agrees, so the schema verdict stands"
	run judge "$RULES/L-04__schema.pass.ipv6-aor.xml"
	[[ -z $output ]] || fail "$output"
}

@test "L-09 in one document is reported once under --sequence" {
	local f=$RULES/L-09__id-kind-clash.fail.xml n

	n=$("$LINT" --json --sequence "$f" | grep -c '"id":"L-09/id-kind-clash"')
	[[ $n -eq 1 ]] || fail "$f: L-09 reported $n times under --sequence"
}
