#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Lint every man page under man/ with groff and, when installed, mandoc.
#
# usage: tests/man-lint.sh [PAGE ...]
#
# Without arguments it checks man/*.[1-8] of the tree it belongs to.
# Prints "ok PAGE" or "not ok PAGE" followed by the messages, one page a
# line; exits 1 if any page failed.  groff must say nothing at all with
# -ww; mandoc must say nothing at level warning or above (its style
# messages are advice and are not shown).

set -u

if ! command -v groff >/dev/null 2>&1; then
	echo "man-lint.sh: groff is not installed" >&2
	exit 4
fi
have_mandoc=0
if command -v mandoc >/dev/null 2>&1; then
	have_mandoc=1
else
	echo "# mandoc is not installed: groff only"
fi

if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.." || exit 4
	set -- man/*.[1-8]
	if [ ! -e "$1" ]; then
		echo "not ok man/: no man pages found"
		exit 1
	fi
fi

msgs=$(mktemp "${TMPDIR:-/tmp}/man-lint.XXXXXX") || exit 4
trap 'rm -f "$msgs"' EXIT
trap 'exit 4' HUP INT TERM

failed=0
for page in "$@"; do
	: > "$msgs"
	# -z: format but print nothing, so any output is a warning.
	groff -mandoc -ww -z "$page" >> "$msgs" 2>&1
	if [ $have_mandoc -eq 1 ]; then
		# mandoc also prints messages about its own database (for
		# "Xr" targets); they say nothing about the page.
		mandoc -T lint -W warning "$page" 2>&1 |
		    grep -v -e 'mandoc\.db' -e 'makewhatis' >> "$msgs"
	fi
	if [ -s "$msgs" ]; then
		echo "not ok $page"
		sed 's/^/#   /' "$msgs"
		failed=1
	else
		echo "ok $page"
	fi
done
exit $failed
