#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --help, the man page and the bash and zsh completions of every program
# list the same options, and the DIAGNOSTICS of siprec-meta-lint(1) is current.
#
# The programs are the directories under tools/ (but tools/common).  The
# binaries are taken from ${B:-build}/bin, relative to the top of the tree.

bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert

	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$ROOT" || return 1
	BINDIR=${B:-build}/bin
}

# The programs of the tree, one a line.
programs() {
	local d name
	for d in tools/*/; do
		name=${d#tools/}
		name=${name%/}
		[[ $name == common ]] && continue
		printf '%s\n' "$name"
	done
}

# The binary of program $1, or fail the test if it is not built.
binary() {
	local bin=$BINDIR/$1
	if [[ ! -x $bin ]]; then
		fail "$1: $bin is not built (run make, or set B to the build tree)"
		return 1
	fi
	printf '%s\n' "$bin"
}

# A file that must exist, or fail the test.
need() {
	[[ -f $1 ]] || fail "$1 is missing"
}

# The man page as plain text: no bold or underline overstrikes.
render() {
	local bs
	bs=$(printf '\b')
	if command -v mandoc >/dev/null; then
		mandoc -T ascii "$1"
	else
		groff -mandoc -T ascii -P -c "$1"
	fi | sed "s/.$bs//g"
}

# Lines of section $1 from a rendered page on stdin.
section() {
	awk -v want="$1" '
		/^[A-Z][A-Z ]*$/ { in_sec = ($0 == want); next }
		in_sec { print }'
}

# Options of --help: the option column of lines like
#   "  -j, --json              findings as JSON Lines"
help_long() {
	sed -nE 's/^ {1,8}(-[A-Za-z0-9], )?(--[a-z0-9][a-z0-9-]*).*/\2/p' |
	    sort -u
}
help_short() {
	sed -nE 's/^ {1,8}(-[A-Za-z0-9])[ ,].*/\1/p' | sort -u
}

# The option tags of the man page's DESCRIPTION, as rendered: the lines
# that start with a dash at the section's indentation.
man_tags() {
	render "$1" | section DESCRIPTION | grep -E '^ {5}-'
}
man_long() {
	man_tags "$1" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}
man_short() {
	man_tags "$1" | sed -nE 's/^ +(-[A-Za-z0-9])([ ,].*)?$/\1/p' | sort -u
}

# Short options of a synopsis on stdin: "[-abc]" gives -a, -b and -c;
# "[-x arg]" gives -x.
synopsis_short() {
	# A required option ("-o outdir", no brackets) counts as "[-o outdir]".
	sed -E 's/(^|[[:space:]])-([A-Za-z0-9]) ([A-Za-z][^] ]*)/ [-\2 \3]/g' |
	    grep -oE '\[-[A-Za-z0-9]+( [^]]*)?\]' |
	    awk '/ / { print "-" substr($0, 3, 1); next }
		{ s = substr($0, 3, length($0) - 3)
		  for (i = 1; i <= length(s); i++) print "-" substr(s, i, 1) }' |
	    sort -u
}
# The usage lines of --help on stdin: "usage:" and the lines continuing it.
usage_lines() {
	awk '/^usage:/ { u = 1; print; next }
		u && /^ +\[/ { print; next }
		{ u = 0 }'
}

# What the bash completion of program $2 in file $1 offers for the words
# "$2 $3 ...", the last being completed; one reply a line.
bash_complete() {
	bash -c '
		file=$1 prog=$2
		shift
		source "$file" || exit 1
		spec=$(complete -p "$prog" 2>/dev/null) || {
			echo "no complete command for $prog" >&2
			exit 1
		}
		fn=$(sed -nE "s/.* -F ([^ ]+) .*/\1/p" <<<"$spec")
		[[ -n $fn ]] || { echo "not complete -F: $spec" >&2; exit 1; }
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn" "$prog" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash-complete "$@"
}
bash_long() {
	bash_complete "$1" "$2" -- | grep -E '^--' | sort -u
}
bash_short() {
	bash_complete "$1" "$2" - | grep -E '^-[A-Za-z0-9]$' | sort -u
}

# The option specs of a zsh _arguments completion: "{-j,--json}",
# "'--json[", "'*--ignore=[", "(-j)--json[" and the like; exclusion lists
# such as "(-j --json)" and descriptions are not specs.
zsh_long() {
	grep -v '^[[:space:]]*#' "$1" |
	    grep -oE -- "[{,'*)]--[a-z0-9][a-z0-9-]*[-+=]?[[,}]" |
	    sed -E 's/^.(--[a-z0-9-]*[a-z0-9]).*/\1/' | sort -u
}
zsh_short() {
	grep -v '^[[:space:]]*#' "$1" |
	    grep -oE -- "[{,'*)]-[A-Za-z0-9][-+=]?[[,}]" |
	    sed -E 's/^.(-.).*/\1/' | sort -u
}

# Compare two sets (one item a line); add what differs to $errs, the
# caller's list of problems.
#   diffsets PROGRAM "what A" "$A" "what B" "$B"
diffsets() {
	local a b only_a only_b
	a=$(printf '%s\n' "$3" | sed '/^$/d' | sort -u)
	b=$(printf '%s\n' "$5" | sed '/^$/d' | sort -u)
	if [[ -z $a ]]; then
		errs+="$1: no options found in $2"$'\n'
		return 0
	fi
	if [[ -z $b ]]; then
		errs+="$1: no options found in $4"$'\n'
		return 0
	fi
	only_a=$(comm -23 <(printf '%s\n' "$a") <(printf '%s\n' "$b") |
	    tr '\n' ' ')
	only_b=$(comm -13 <(printf '%s\n' "$a") <(printf '%s\n' "$b") |
	    tr '\n' ' ')
	if [[ -n $only_a ]]; then
		errs+="$1: in $2 but not in $4: $only_a"$'\n'
	fi
	if [[ -n $only_b ]]; then
		errs+="$1: in $4 but not in $2: $only_b"$'\n'
	fi
	return 0
}

@test "every program has a man page and bash and zsh completions" {
	local p errs=
	for p in $(programs); do
		for f in man/$p.1 completions/bash/$p completions/zsh/_$p; do
			[[ -f $f ]] || errs+="$p: $f is missing"$'\n'
		done
		if [[ -f completions/zsh/_$p ]] &&
		    [[ $(head -n 1 "completions/zsh/_$p") != "#compdef $p"* ]]
		then
			errs+="$p: completions/zsh/_$p does not start with #compdef $p"$'\n'
		fi
	done
	[[ -n $(programs) ]] || errs="no programs under tools/"
	[[ -z $errs ]] || fail "$errs"
}

@test "long options: --help and the man page agree" {
	local p bin help errs=
	for p in $(programs); do
		bin=$(binary "$p")
		need "man/$p.1"
		run --separate-stderr "$bin" --help
		assert_success
		help=$output
		diffsets "$p" "$bin --help" "$(help_long <<<"$help")" \
		    "man/$p.1" "$(man_long "man/$p.1")"
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "short options: --help and the man page agree" {
	local p bin help errs=
	for p in $(programs); do
		bin=$(binary "$p")
		need "man/$p.1"
		run --separate-stderr "$bin" --help
		assert_success
		help=$output
		diffsets "$p" "$bin --help" "$(help_short <<<"$help")" \
		    "man/$p.1 DESCRIPTION" "$(man_short "man/$p.1")"
		diffsets "$p" "the usage of $bin --help" \
		    "$(usage_lines <<<"$help" | synopsis_short)" \
		    "man/$p.1 SYNOPSIS" \
		    "$(render "man/$p.1" | section SYNOPSIS | synopsis_short)"
		diffsets "$p" "the usage of $bin --help" \
		    "$(usage_lines <<<"$help" | synopsis_short)" \
		    "the option list of $bin --help" "$(help_short <<<"$help")"
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "long and short options: --help and the bash completion agree" {
	local p bin help f errs=
	for p in $(programs); do
		bin=$(binary "$p")
		f=completions/bash/$p
		need "$f"
		run --separate-stderr "$bin" --help
		assert_success
		help=$output
		run --separate-stderr bash_long "$f" "$p"
		assert_success
		diffsets "$p" "$bin --help" "$(help_long <<<"$help")" \
		    "$f" "$output"
		run --separate-stderr bash_short "$f" "$p"
		assert_success
		diffsets "$p" "$bin --help" "$(help_short <<<"$help")" \
		    "$f" "$output"
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "long and short options: --help and the zsh completion agree" {
	local p bin help f errs=
	for p in $(programs); do
		bin=$(binary "$p")
		f=completions/zsh/_$p
		need "$f"
		run --separate-stderr "$bin" --help
		assert_success
		help=$output
		diffsets "$p" "$bin --help" "$(help_long <<<"$help")" \
		    "$f" "$(zsh_long "$f")"
		diffsets "$p" "$bin --help" "$(help_short <<<"$help")" \
		    "$f" "$(zsh_short "$f")"
	done
	[[ -z $errs ]] || fail "$errs"
}

# Needs no binary, so it also runs before anything is built.
@test "the man page and the completions agree with each other" {
	local p man bash_f zsh_f errs=
	for p in $(programs); do
		man=man/$p.1 bash_f=completions/bash/$p zsh_f=completions/zsh/_$p
		need "$man"
		need "$bash_f"
		need "$zsh_f"
		run --separate-stderr bash_long "$bash_f" "$p"
		assert_success
		diffsets "$p" "$man" "$(man_long "$man")" \
		    "$bash_f" "$output"
		diffsets "$p" "$man" "$(man_long "$man")" \
		    "$zsh_f" "$(zsh_long "$zsh_f")"
		run --separate-stderr bash_short "$bash_f" "$p"
		assert_success
		diffsets "$p" "$man" "$(man_short "$man")" \
		    "$bash_f" "$output"
		diffsets "$p" "$man" "$(man_short "$man")" \
		    "$zsh_f" "$(zsh_short "$zsh_f")"
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "DIAGNOSTICS of every generated man page is current" {
	local p bin found=0
	for p in $(programs); do
		grep -q '^\.\\" BEGIN GENERATED DIAGNOSTICS$' "man/$p.1" ||
		    continue
		found=1
		bin=$(binary "$p")
		run --separate-stderr env CHECK=1 \
		    sh tests/tools/gen-man-diagnostics.sh "$bin" "man/$p.1"
		if [[ $status -ne 0 ]]; then
			fail "man/$p.1: DIAGNOSTICS is out of date; run make regen-man"$'\n'"$output"$'\n'"$stderr"
		fi
	done
	[[ $found -eq 1 ]] || fail "no man page has generated DIAGNOSTICS"
}

@test "every check of siprec-meta-lint --list-checks is in its man page" {
	local bin ids listed missing
	bin=$(binary siprec-meta-lint)
	run --separate-stderr "$bin" --list-checks
	assert_success
	ids=$(cut -f 1 <<<"$output" | sed '/^$/d' | sort -u)
	[[ -n $ids ]] || fail "$bin --list-checks printed no checks"
	# The first word of each line of DIAGNOSTICS: the tags of its list.
	listed=$(render man/siprec-meta-lint.1 | section DIAGNOSTICS |
	    awk 'NF { print $1 }' | sort -u)
	missing=$(comm -23 <(printf '%s\n' "$ids") <(printf '%s\n' "$listed") |
	    tr '\n' ' ')
	[[ -z $missing ]] ||
	    fail "checks missing from DIAGNOSTICS of man/siprec-meta-lint.1: $missing"
}
