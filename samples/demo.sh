#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The main job on the bundled samples: lint a clean document, a faulty
# SIPREC INVITE, and a session's sequence with its merged state.
set -u
cd "$(dirname "$0")/.." || exit 4
lint=${B:-build}/bin/siprec-meta-lint

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; }

step "a clean RFC 7865 document" "siprec-meta-lint samples/call-complete.xml"
$lint samples/call-complete.xml && echo "clean (exit 0)"

step "a faulty SIPREC INVITE" "siprec-meta-lint samples/invite-faulty.sip"
$lint samples/invite-faulty.sip
echo "exit $?"

step "the same as JSON Lines" "siprec-meta-lint --json samples/invite-faulty.sip"
$lint --json samples/invite-faulty.sip

step "a session's sequence, merged" \
    "siprec-meta-lint --sequence --merged samples/call-complete.xml samples/call-hold.xml"
$lint --sequence --merged samples/call-complete.xml samples/call-hold.xml
echo "exit $?"
