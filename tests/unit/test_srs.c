/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the recording server's answers (SPEC 1.10). */
#include <stdio.h>
#include <string.h>

#include <siprec/meta.h>
#include <siprec/srs.h>
#include <siprec/srtp.h>

#include "check.h"

#define HEAD(require, contact, ctype)					\
	"INVITE sip:srs@192.0.2.9 SIP/2.0\r\n"				\
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"		\
	"To: <sip:srs@192.0.2.9>\r\nFrom: <sip:src@192.0.2.1>;tag=a\r\n"	\
	"Call-ID: c1\r\nCSeq: 1 INVITE\r\n"				\
	"Contact: <sip:src@192.0.2.1>" contact "\r\n" require		\
	"Content-Type: " ctype "\r\nContent-Length: 10\r\n\r\n"

#define SDP2								\
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"	\
	"t=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 "		\
	"telephone-event/8000\r\na=label:1\r\na=sendonly\r\n"		\
	"m=audio 4002 RTP/AVP 8\r\na=label:2\r\na=sendonly\r\n"		\
	"m=video 4004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=label:3\r\n"

#define META	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"	\
	"<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">"	\
	"<datamode>complete</datamode></recording>\r\n"

#define MP(extra)							\
	"--b1\r\nContent-Type: application/sdp\r\n\r\n" SDP2		\
	"--b1\r\nContent-Type: application/rs-metadata+xml\r\n"		\
	"Content-Disposition: recording-session\r\n\r\n" META extra	\
	"--b1--\r\n"

#define MPCT	"multipart/mixed;boundary=\"b1\""

static void
judge(const char *msg, const struct siprec_srs_policy *pol,
    struct siprec_srs_verdict *v)
{
	struct siprec_sipmsg *m = NULL;

	memset(v, 0, sizeof(*v));
	v->code = -1;
	if (siprec_sipmsg_parse((const uint8_t *)msg, strlen(msg), NULL, &m,
	    NULL) != SIPREC_OK)
		return;
	siprec_srs_judge_invite((const uint8_t *)msg, strlen(msg), m, pol, v);
	siprec_sipmsg_free(m);
}

static void
test_invite(void)
{
	struct siprec_srs_policy lenient = { 0, 0 }, strict = { 1, 0 };
	struct siprec_srs_policy plain = { 0, 1 };
	struct siprec_srs_verdict v;

	judge(HEAD("Require: siprec\r\n", ";+sip.src", MPCT) MP(""),
	    &strict, &v);
	CHECK(v.code == 0 && v.siprec && v.note[0] == '\0');

	/* 420 names exactly the tags not supported (RFC 3261 8.2.2.3). */
	judge(HEAD("Require: siprec, timer,foo\r\nRequire: bar\r\n",
	    ";+sip.src", MPCT) MP(""), &lenient, &v);
	CHECK(v.code == 420 && strcmp(v.header, "Unsupported: foo, bar") == 0);

	/* A third-party part: optional is fine, required is 415. */
	judge(HEAD("Require: siprec\r\n", ";+sip.src", MPCT)
	    MP("--b1\r\nContent-Type: application/gtd\r\nContent-Disposition: "
	    "signal;handling=optional\r\n\r\nIAM,\r\n"), &strict, &v);
	CHECK(v.code == 0);
	judge(HEAD("Require: siprec\r\n", ";+sip.src", MPCT)
	    MP("--b1\r\nContent-Type: application/gtd\r\n\r\nIAM,\r\n"),
	    &strict, &v);
	CHECK(v.code == 415 && strncmp(v.header, "Accept: application/sdp",
	    23) == 0);
	judge(HEAD("Require: siprec\r\n", ";+sip.src", "application/x-foo")
	    "hello\r\n", &lenient, &v);
	CHECK(v.code == 415);

	/* P-05: one sign only.  Lenient records and says so; strict 403. */
	judge(HEAD("Require: siprec\r\n", "", MPCT) MP(""), &lenient, &v);
	CHECK(v.code == 0 && v.siprec && strstr(v.note, "+sip.src") != NULL);
	judge(HEAD("Require: siprec\r\n", "", MPCT) MP(""), &strict, &v);
	CHECK(v.code == 403 && strncmp(v.header, "Warning: 399 ", 13) == 0);
	judge(HEAD("", ";src", MPCT) MP(""), &lenient, &v);
	CHECK(v.code == 0 && v.siprec && strstr(v.note, ";src") != NULL);

	/* Not SIPREC at all: 488 unless plain calls are accepted. */
	judge(HEAD("", "", "application/sdp") SDP2, &lenient, &v);
	CHECK(v.code == 488 && strncmp(v.header, "Warning: ", 9) == 0);
	judge(HEAD("", "", "application/sdp") SDP2, &plain, &v);
	CHECK(v.code == 0 && !v.siprec);

	/* No offer; nothing recordable offered. */
	judge(HEAD("Require: siprec\r\n", ";+sip.src",
	    "application/rs-metadata+xml") META, &strict, &v);
	CHECK(v.code == 488);
	judge(HEAD("Require: siprec\r\n", ";+sip.src", "application/sdp")
	    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	    "t=0 0\r\nm=video 4004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
	    &strict, &v);
	CHECK(v.code == 488 && strstr(v.header, "305") != NULL);
}

static void
test_indialog(void)
{
	static const char upd[] =
	    "UPDATE sip:srs@192.0.2.9 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2\r\n"
	    "To: <sip:srs@192.0.2.9>;tag=s\r\nFrom: <sip:src@192.0.2.1>;tag=a\r\n"
	    "Call-ID: c1\r\nCSeq: 3 UPDATE\r\n"
	    "Content-Type: application/sdp\r\n\r\n" SDP2;
	struct siprec_srs_dialog_state st;
	struct siprec_srs_verdict v;
	struct siprec_sipmsg *m = NULL;

	CHECK(siprec_sipmsg_parse((const uint8_t *)upd, sizeof(upd) - 1, NULL,
	    &m, NULL) == SIPREC_OK);
	if (m == NULL)
		return;
	memset(&st, 0, sizeof(st));
	siprec_srs_judge_indialog((const uint8_t *)upd, sizeof(upd) - 1, m, &st,
	    3, &v);
	CHECK(v.code == 0);
	st.own_offer_pending = 1;
	siprec_srs_judge_indialog((const uint8_t *)upd, sizeof(upd) - 1, m, &st,
	    3, &v);
	CHECK(v.code == 491);
	st.own_offer_pending = 0;
	st.update_pending = 1;
	siprec_srs_judge_indialog((const uint8_t *)upd, sizeof(upd) - 1, m, &st,
	    30, &v);
	CHECK(v.code == 500 && strcmp(v.header, "Retry-After: 10") == 0);
	st.update_pending = 0;
	st.offer_unanswered = 1;
	siprec_srs_judge_indialog((const uint8_t *)upd, sizeof(upd) - 1, m, &st,
	    2, &v);
	CHECK(v.code == 500 && strcmp(v.header, "Retry-After: 2") == 0);
	siprec_sipmsg_free(m);
}

static void
test_answer(void)
{
	struct siprec_sdp offer, back;
	struct siprec_srs_media md[4];
	struct siprec_addr a = { 4, { 127, 0, 0, 1 }, 0 };
	char buf[2048], why[64];
	unsigned int i;
	int pick;
	size_t n;

	CHECK(siprec_sdp_parse((const uint8_t *)SDP2, sizeof(SDP2) - 1, &offer,
	    NULL) == SIPREC_OK);
	CHECK(offer.nm == 3);
	for (i = 0; i < offer.nm; i++) {
		int r = siprec_srs_media_accept(&offer.m[i], &md[i], &pick, why,
		    sizeof(why));

		CHECK(r == (i < 2 ? 0 : -1));
		CHECK(pick == -1);
		if (r == 0) {
			md[i].port = (uint16_t)(22000 + 2 * i);
			md[i].dir = siprec_srs_answer_dir(offer.m[i].dir);
		}
	}
	CHECK(md[0].npt == 2 && md[0].pts[1].pt == 101);
	CHECK(strstr(why, "video") != NULL);
	n = siprec_srs_sdp_write(&a, 7, 1, md, 3, buf, sizeof(buf));
	CHECK(n > 0 && n == strlen(buf));
	CHECK(strstr(buf, "m=video 0 RTP/AVP 96\r\n") != NULL);
	CHECK(siprec_sdp_parse((const uint8_t *)buf, n, &back, NULL) ==
	    SIPREC_OK);
	CHECK(back.nm == 3);
	CHECK(back.m[0].addr.port == 22000 && back.m[1].addr.port == 22002);
	CHECK(back.m[2].addr.port == 0);
	CHECK(back.m[0].dir == SIPREC_DIR_RECVONLY &&
	    back.m[1].dir == SIPREC_DIR_RECVONLY);
	CHECK(strcmp(back.m[0].label, "1") == 0 &&
	    strcmp(back.m[1].label, "2") == 0);
	CHECK(strcmp(back.m[0].pts[1].enc, "telephone-event") == 0);
	CHECK(siprec_srs_sdp_write(&a, 7, 1, md, 3, buf, 40) == 0);

	/* OpenSIPS as SRC: no c= and no t= line (SPEC 5); still answered. */
	CHECK(siprec_sdp_parse((const uint8_t *)"v=0\no=- 1 0 IN IP4 0.0.0.0\n"
	    "s=-\nm=audio 35011 RTP/AVP 0\na=label:1\na=sendonly\n", 76,
	    &offer, NULL) == SIPREC_OK);
	CHECK(offer.nm == 1 && offer.m[0].addr.port == 35011 &&
	    strcmp(offer.m[0].label, "1") == 0);
	CHECK(siprec_srs_media_accept(&offer.m[0], &md[0], &pick, why,
	    sizeof(why)) == 0);

	CHECK(siprec_srs_answer_dir(SIPREC_DIR_SENDONLY) == SIPREC_DIR_RECVONLY);
	CHECK(siprec_srs_answer_dir(SIPREC_DIR_INACTIVE) == SIPREC_DIR_INACTIVE);
	CHECK(siprec_srs_answer_dir(SIPREC_DIR_RECVONLY) == SIPREC_DIR_INACTIVE);
	CHECK(siprec_srs_answer_dir(SIPREC_DIR_SENDRECV) == SIPREC_DIR_RECVONLY);
}

static void
test_crypto(void)
{
	static const char sdp[] =
	    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	    "t=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
	    "a=crypto:1 F8_128_HMAC_SHA1_80 "
	    "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
	    "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\r\n"
	    "m=audio 4002 RTP/SAVP 0\r\n";
	struct siprec_sdp offer;
	struct siprec_srs_media md;
	struct siprec_crypto c1, c2;
	char a1[160], a2[160], why[64];
	int pick;

	CHECK(siprec_sdp_parse((const uint8_t *)sdp, sizeof(sdp) - 1, &offer,
	    NULL) == SIPREC_OK);
	CHECK(siprec_srs_media_accept(&offer.m[0], &md, &pick, why,
	    sizeof(why)) == 0 && pick == 1);
	CHECK(siprec_srs_media_accept(&offer.m[1], &md, &pick, why,
	    sizeof(why)) == -1 && strstr(why, "crypto") != NULL);
	CHECK(siprec_srs_crypto_answer(offer.m[0].crypto[1], a1,
	    sizeof(a1)) == SIPREC_OK);
	CHECK(siprec_srs_crypto_answer(offer.m[0].crypto[1], a2,
	    sizeof(a2)) == SIPREC_OK);
	CHECK(strncmp(a1, "2 AES_CM_128_HMAC_SHA1_80 inline:", 33) == 0);
	CHECK(siprec_crypto_parse(a1, &c1, NULL) == SIPREC_OK &&
	    c1.keylen == 30);
	CHECK(siprec_crypto_parse(a2, &c2, NULL) == SIPREC_OK);
	/* Fresh keys: never the offerer's, never twice the same. */
	CHECK(strcmp(a1, a2) != 0);
	CHECK(strstr(a1, "MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm") == NULL);
	CHECK(memcmp(c1.key, c2.key, 30) != 0);
	siprec_crypto_wipe(&c1);
	siprec_crypto_wipe(&c2);
	CHECK(siprec_srs_crypto_answer("1 AES_CM_128_HMAC_SHA1_80 inline:!!",
	    a1, sizeof(a1)) != SIPREC_OK && a1[0] == '\0');
	CHECK(siprec_srs_crypto_answer(offer.m[0].crypto[1], a1, 20) ==
	    SIPREC_ETOOBIG);
}

static int snap_errors;

static void
snap_emit(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	if (f->sev >= SIPREC_SEV_ERROR)
		snap_errors++;
}

static void
test_snapshot(void)
{
	struct siprec_sink sink = { snap_emit, NULL, SIPREC_PROFILE_STRICT,
	    { 0 } };
	struct siprec_meta_ctx *ctx = NULL;
	struct siprec_meta_input in;
	struct siprec_meta_summary sum;
	char buf[512];
	size_t n;

	n = siprec_srs_snapshot_request("lost <state> & more", buf,
	    sizeof(buf));
	CHECK(n > 0 && strstr(buf, "lost &lt;state&gt; &amp; more") != NULL);
	CHECK(siprec_srs_snapshot_request("x", buf, 20) == 0);
	n = siprec_srs_snapshot_request("periodic", buf, sizeof(buf));
	CHECK(siprec_meta_ctx_new(NULL, &ctx, NULL) == SIPREC_OK);
	if (ctx == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.xml.p = (const uint8_t *)buf;
	in.xml.len = n;
	in.line0 = 1;
	CHECK(siprec_meta_check(ctx, &in, NULL, &sink, &sum, NULL) ==
	    SIPREC_OK);
	CHECK(sum.well_formed && sum.snapshot && sum.schema_valid == 1);
	CHECK(snap_errors == 0);
	siprec_meta_ctx_free(ctx);
}

int
main(void)
{
	test_invite();
	test_indialog();
	test_answer();
	test_crypto();
	test_snapshot();
	return CHECK_DONE();
}
