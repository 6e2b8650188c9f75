/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the SDP wrapper. */
#include <string.h>

#include <siprec/sdp.h>

#include "check.h"

int
main(void)
{
	static const char offer[] =
	    "v=0\no=src 1 7 IN IP4 192.0.2.10\ns=-\nc=IN IP4 192.0.2.10\n"
	    "t=0 0\na=sendonly\n"
	    "m=audio 20000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n"
	    "a=label:1\n"
	    "m=audio 20002 RTP/SAVP 96\nc=IN IP6 2001:db8::1\n"
	    "a=rtpmap:96 opus/48000/2\na=inactive\na=label:two\na=rtcp-mux\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	    "m=audio 0 RTP/AVP 8\nc=IN IP4 0.0.0.0";	/* no final newline */
	struct siprec_sdp sdp;
	struct siprec_diag d;

	CHECK(siprec_sdp_parse((const uint8_t *)offer, sizeof(offer) - 1, &sdp,
	    &d) == SIPREC_OK);
	CHECK(sdp.version == 7);
	CHECK(sdp.nm == 3);
	CHECK(sdp.m[0].addr.family == 4 && sdp.m[0].addr.port == 20000);
	CHECK(memcmp(sdp.m[0].addr.ip, "\xc0\x00\x02\x0a", 4) == 0);
	CHECK(sdp.m[0].dir == SIPREC_DIR_SENDONLY);
	CHECK(strcmp(sdp.m[0].label, "1") == 0);
	CHECK(sdp.m[0].npt == 2 && strcmp(sdp.m[0].pts[0].enc, "PCMU") == 0 &&
	    sdp.m[0].pts[0].clock == 8000);
	CHECK(strcmp(sdp.m[0].pts[1].enc, "telephone-event") == 0);
	CHECK(sdp.m[1].addr.family == 6 && sdp.m[1].addr.ip[0] == 0x20);
	CHECK(sdp.m[1].dir == SIPREC_DIR_INACTIVE);
	CHECK(sdp.m[1].rtcp_mux && sdp.m[1].ncrypto == 1);
	CHECK(strcmp(sdp.m[1].pts[0].enc, "opus") == 0 &&
	    sdp.m[1].pts[0].clock == 48000 && sdp.m[1].pts[0].channels == 2);
	CHECK(strcmp(sdp.m[1].proto, "RTP/SAVP") == 0);
	CHECK(sdp.m[2].addr.port == 0 && sdp.m[2].hold);
	CHECK(strcmp(sdp.m[2].pts[0].enc, "PCMA") == 0);
	CHECK(siprec_sdp_parse((const uint8_t *)"garbage", 7, &sdp, &d) ==
	    SIPREC_EPARSE);
	return CHECK_DONE();
}
