#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# siprec-srs against every SIPREC message of ../shared/corpus/sip-messages,
# sent as an INVITE over UDP (CRLF restored, Content-Length recomputed; a
# bare multipart body is wrapped in a SIPREC INVITE): it is answered 200
# with an SDP answer of as many m-lines, recvonly (inactive for an
# inactive offer) with the labels echoed, and its metadata is stored
# byte for byte.  No fixed ports: the server's are ephemeral, its RTP
# range 22400-22499.

bats_require_minimum_version 1.5.0

setup() {
	load srs-lib
	srs_setup
	CORPUS=$ROOT/../shared/corpus/sip-messages
	[[ -d $CORPUS ]] || skip "../shared/corpus is absent"
}

teardown() {
	srs_teardown
}

# Messages the live SIP core (lib/sipua.c) cannot parse: answered 400.
# None: the multipart bodies libosip2's splitter refuses (Cisco CUBE,
# SEMS, Sonus) are kept whole and split by lib/sipmsg.c.
KNOWN_400=" "
# The upstream-broken body (a metadata part typed "application/ +xml",
# tags stripped): no answer can be built; it must not stop the server.
BROKEN=" drachtio_broadworks-offer.txt "

check_one() {
	local f=$1 name ans offer_m answer_m nz dirs lab
	name=$(basename "$f")
	srs_start -P 22400-22499 -n 1 -o "$W/rec-$name"
	run --separate-stderr timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$f" 0.2
	ans=$output
	if [[ $BROKEN == *" $name "* ]]; then
		srs_stop
		[[ $SRS_RC -eq 0 ]] || errs+="$name: server exit $SRS_RC"$'\n'
		return 0
	fi
	if [[ $KNOWN_400 == *" $name "* ]]; then
		[[ ${ans%%$'\n'*} == "SIP/2.0 400 Bad Request" ]] ||
		    errs+="$name: now '${ans%%$'\n'*}': remove it from KNOWN_400"$'\n'
		srs_stop
		return 0
	fi
	if [[ ${ans%%$'\n'*} != "SIP/2.0 200 OK" ]]; then
		errs+="$name: answered '${ans%%$'\n'*}'"$'\n'
		srs_stop
		return 0
	fi
	srs_wait 10
	# Offer and answer m-lines; the offer's are those of its SDP part.
	offer_m=$(awk '/^m=/ { n++ } END { print n + 0 }' "$f")
	answer_m=$(grep -c '^m=' <<<"$ans")
	[[ $offer_m -eq $answer_m ]] ||
	    errs+="$name: $offer_m m-lines offered, $answer_m answered"$'\n'
	nz=$(grep -c '^m=[a-z]* [1-9]' <<<"$ans")
	[[ $nz -ge 1 ]] || errs+="$name: no m-line accepted"$'\n'
	[[ $(grep -cE '^a=(recvonly|inactive)' <<<"$ans") -eq $nz ]] ||
	    errs+="$name: not recvonly or inactive on every accepted m-line"$'\n'
	if grep -q '^a=sendonly' "$f" && ! grep -q '^a=inactive' "$f"; then
		[[ $(grep -c '^a=recvonly' <<<"$ans") -eq $nz ]] ||
		    errs+="$name: a sendonly offer not answered recvonly"$'\n'
	fi
	grep -q '^Contact: <sip:srs@127.0.0.1:[0-9]*>;+sip.srs' <<<"$ans" ||
	    errs+="$name: no +sip.srs in the Contact of the 200"$'\n'
	grep -q '^Content-Type: application/sdp' <<<"$ans" ||
	    errs+="$name: the 200 has no SDP"$'\n'
	for lab in $(sed -n 's/^a=label:\([^[:space:]]*\).*/\1/p' "$f"); do
		grep -q "^a=label:$lab" <<<"$ans" ||
		    errs+="$name: label $lab not echoed"$'\n'
	done
	# The metadata, stored as received.
	dirs=("$W/rec-$name"/*/)
	if grep -qi 'content-type: *application/rs-metadata' "$f"; then
		if [[ ! -f ${dirs[0]}metadata/0001.xml ]]; then
			errs+="$name: no metadata stored"$'\n'
		elif ! "$RTPSEND" contains "$f" "${dirs[0]}metadata/0001.xml"; then
			errs+="$name: stored metadata differs from the message's"$'\n'
		fi
	fi
	[[ -f ${dirs[0]}session.json ]] || errs+="$name: no session.json"$'\n'
	return 0
}

@test "every SIPREC message of the corpus: accepted, answered, metadata stored" {
	local f errs=
	for f in "$CORPUS"/*.txt; do
		check_one "$f"
	done
	[[ -z $errs ]] || fail "$errs"
}

@test "strict mode: corpus dialects with invalid metadata are refused 400 or 403 with a Warning" {
	local f name n=0 ans
	for f in "$CORPUS"/drachtio_acme-siprec-offer.txt \
	    "$CORPUS"/drachtio_broadworks-offer-2.txt; do
		name=$(basename "$f")
		srs_start -P 22400-22499 -s -o "$W/rec-$name"
		run --separate-stderr timeout 20 "$RTPSEND" sip 127.0.0.1 "$SRS_PORT" "$f"
		ans=${output%%$'\n'*}
		srs_stop
		[[ $ans == "SIP/2.0 400 Bad Request" || $ans == "SIP/2.0 403 Forbidden" ]] ||
		    fail "$name: strict answered '$ans'"
		grep -q '"event":"refused"' "$W/ev.jsonl"
		n=$((n + 1))
	done
	[[ $n -eq 2 ]]
}
