/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the SDP offer, RS bodies in every persona's shape, and answer verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/offer.h>
#include <siprec/rtpsend.h>
#include <siprec/sipmsg.h>

#include "check.h"

static unsigned int nfind;

static void
emit(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	if (f->sev >= SIPREC_SEV_WARNING) {
		nfind++;
		printf("# finding %s: %s\n", siprec_check_info(f->check)->rule,
		    f->detail);
	}
}

static struct siprec_enc *pcmu, *g729;
static const struct siprec_enc_info *codecs[2];

static void
test_sdp(void)
{
	struct siprec_offer_stream	 s[2];
	struct siprec_offer_opts	 o;
	struct siprec_crypto		 k, back;
	struct siprec_sdp		 sdp;
	char				*text;
	size_t				 len;

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(s));
	CHECK(siprec_sdes_generate("AES_256_CM_HMAC_SHA1_80", 1, &k, NULL) ==
	    SIPREC_OK);
	s[0].label = "1";
	s[0].port = 20000;
	s[0].dir = SIPREC_DIR_SENDONLY;
	s[0].crypto = &k;
	s[1].label = "2";
	s[1].port = 20002;
	s[1].dir = SIPREC_DIR_INACTIVE;
	o.addr = "127.0.0.1";
	o.sess_id = 1234;
	o.sess_ver = 1;
	o.codecs = codecs;
	o.ncodecs = 2;
	o.ptime = 20;
	o.telephone_event = 1;
	o.streams = s;
	o.nstreams = 2;
	CHECK(siprec_offer_sdp(&o, &text, &len) == SIPREC_OK &&
	    len == strlen(text));
	CHECK(siprec_sdp_parse((const uint8_t *)text, len, &sdp, NULL) ==
	    SIPREC_OK);
	CHECK(sdp.nm == 2 && sdp.version == 1);
	CHECK(strcmp(sdp.m[0].label, "1") == 0 &&
	    strcmp(sdp.m[1].label, "2") == 0);
	CHECK(sdp.m[0].dir == SIPREC_DIR_SENDONLY &&
	    sdp.m[1].dir == SIPREC_DIR_INACTIVE);
	CHECK(strcmp(sdp.m[0].proto, "RTP/SAVP") == 0 &&
	    strcmp(sdp.m[1].proto, "RTP/AVP") == 0);
	CHECK(sdp.m[0].addr.port == 20000 && sdp.m[0].npt == 3 &&
	    sdp.m[0].pts[0].pt == 0 && sdp.m[0].pts[1].pt == 18 &&
	    strcmp(sdp.m[0].pts[2].enc, "telephone-event") == 0);
	CHECK(sdp.m[0].ncrypto == 1 && sdp.m[1].ncrypto == 0);
	CHECK(siprec_crypto_parse(sdp.m[0].crypto[0], &back, NULL) ==
	    SIPREC_OK && memcmp(back.key, k.key, k.keylen) == 0);
	CHECK(strstr(text, "\r\na=fmtp:18 annexb=no\r\n") != NULL);
	explicit_bzero(text, len);
	free(text);
	/* Pause the old way, and the no-labels fault. */
	s[1].hold_c0 = 1;
	o.no_labels = 1;
	CHECK(siprec_offer_sdp(&o, &text, &len) == SIPREC_OK);
	CHECK(siprec_sdp_parse((const uint8_t *)text, len, &sdp, NULL) ==
	    SIPREC_OK && sdp.m[1].hold == 1 && sdp.m[0].hold == 0 &&
	    sdp.m[0].label[0] == '\0');
	free(text);
	o.nstreams = 0;
	CHECK(siprec_offer_sdp(&o, &text, &len) == SIPREC_EINVAL &&
	    text == NULL);
	siprec_crypto_wipe(&k);
	siprec_crypto_wipe(&back);
}

static const char meta[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">"
    "<datamode>complete</datamode></recording>\n";

/* Wrap body in an INVITE and split it with the library's SIP parser. */
static struct siprec_sipmsg *
wrap(const char *ctype, const char *body, size_t len)
{
	static char		 buf[16384];
	struct siprec_sink	 sink = { emit, NULL, SIPREC_PROFILE_STRICT,
				    { 0 } };
	struct siprec_sipmsg	*m = NULL;
	int			 n;

	n = snprintf(buf, sizeof(buf), "INVITE sip:srs@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
	    "From: <sip:src@127.0.0.1>;tag=1\r\nTo: <sip:srs@127.0.0.1>\r\n"
	    "Call-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
	    "Contact: <sip:src@127.0.0.1>;+sip.src\r\nRequire: siprec\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s", ctype, len,
	    body);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	if (siprec_sipmsg_parse((const uint8_t *)buf, (size_t)n, &sink, &m,
	    NULL) != SIPREC_OK)
		return NULL;
	return m;
}

static void
test_bodies(void)
{
	struct siprec_offer_stream	 s[2];
	struct siprec_offer_opts	 o;
	struct siprec_body_opts		 b;
	struct siprec_sipmsg		*m;
	char				*sdp, *body, ct[128];
	size_t				 sdplen, len, i, j, nm, ns;
	int				 id;

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(s));
	s[0].label = "1";
	s[0].port = 4000;
	s[1].label = "2";
	s[1].port = 4002;
	o.addr = "::1";
	o.codecs = codecs;
	o.ncodecs = 1;
	o.streams = s;
	o.nstreams = 2;
	CHECK(siprec_offer_sdp(&o, &sdp, &sdplen) == SIPREC_OK);
	CHECK(strstr(sdp, "c=IN IP6 ::1\r\n") != NULL);
	for (id = 0; id < SIPREC_P__N; id++) {
		memset(&b, 0, sizeof(b));
		b.persona = siprec_persona_get((enum siprec_persona_id)id);
		b.sdp = sdp;
		b.sdplen = sdplen;
		b.meta = meta;
		b.metalen = strlen(meta);
		b.boundary = "abc123";
		nfind = 0;
		CHECK(siprec_body_build(&b, &body, &len, ct, sizeof(ct)) ==
		    SIPREC_OK);
		CHECK(strcmp(ct, "multipart/mixed;boundary=abc123") == 0);
		m = wrap(ct, body, len);
		CHECK(m != NULL);
		if (m == NULL) {
			free(body);
			continue;
		}
		CHECK(nfind == 0);
		for (i = nm = ns = 0, j = 0; i < m->nparts; i++) {
			nm += m->parts[i].metadata;
			ns += m->parts[i].sdp;
			if (m->parts[i].metadata)
				j = i;
		}
		CHECK(nm == 1 && ns == 1 && m->has_sdp);
		CHECK(m->nparts == (b.persona->gtd_part ? 3u : 2u));
		/* Order: BroadWorks puts the metadata first. */
		CHECK(j == (b.persona->meta_first ? 0u : 1u));
		CHECK(strcmp(m->parts[j].disposition, "recording-session") == 0);
		CHECK(m->parts[j].body.len >= strlen(meta) && memcmp(
		    m->parts[j].body.p, meta, strlen(meta)) == 0);
		CHECK(strcmp(m->parts[j].type, b.persona->ctype) == 0);
		CHECK(m->nmedia == 2 && strcmp(m->labels[1], "2") == 0);
		siprec_sipmsg_free(m);
		free(body);
	}
	/* Metadata alone (an UPDATE), with the other spelling. */
	memset(&b, 0, sizeof(b));
	b.meta = meta;
	b.metalen = strlen(meta);
	b.meta_ctype = "application/rs-metadata";
	CHECK(siprec_body_build(&b, &body, &len, ct, sizeof(ct)) == SIPREC_OK);
	CHECK(strcmp(ct, "application/rs-metadata") == 0 &&
	    len == strlen(meta) && strcmp(body, meta) == 0);
	free(body);
	/* The fault without disposition. */
	b.sdp = sdp;
	b.sdplen = sdplen;
	b.boundary = "x";
	b.no_disposition = 1;
	CHECK(siprec_body_build(&b, &body, &len, ct, sizeof(ct)) == SIPREC_OK);
	CHECK(strstr(body, "recording-session") == NULL);
	free(body);
	CHECK(siprec_body_build(&b, &body, &len, ct, 10) == SIPREC_ETOOBIG &&
	    body == NULL);
	b.sdp = b.meta = NULL;
	CHECK(siprec_body_build(&b, &body, &len, ct, sizeof(ct)) ==
	    SIPREC_EINVAL);
	free(sdp);
}

static void
test_answer(void)
{
	struct siprec_offer_stream	 s[2];
	struct siprec_offer_opts	 o;
	struct siprec_answer_verdict	 v;
	static const char good[] = "v=0\r\no=srs 1 1 IN IP4 127.0.0.1\r\n"
	    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio 30000 RTP/AVP 0\r\na=recvonly\r\na=label:1\r\n"
	    "m=audio 30002 RTP/AVP 0\r\na=recvonly\r\na=label:2\r\n";
	static const char bad[] = "v=0\r\no=srs 1 1 IN IP4 127.0.0.1\r\n"
	    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio 30000 RTP/AVP 0\r\na=sendrecv\r\n"
	    "m=audio 0 RTP/AVP 0\r\na=recvonly\r\na=label:2\r\n";

	memset(&o, 0, sizeof(o));
	memset(s, 0, sizeof(s));
	s[0].label = "1";
	s[0].port = 4000;
	s[0].dir = SIPREC_DIR_SENDONLY;
	s[1].label = "2";
	s[1].port = 4002;
	s[1].dir = SIPREC_DIR_SENDONLY;
	o.streams = s;
	o.nstreams = 2;
	CHECK(siprec_answer_check(&o, (const uint8_t *)good, strlen(good),
	    &v) == SIPREC_OK);
	CHECK(v.parsed && v.mlines_match && v.labels_echoed && v.recvonly &&
	    v.ports_nonzero && v.rejected == 0 && v.detail[0] == '\0');
	CHECK(v.nmedia == 2 && v.media[1].port == 30002);
	CHECK(siprec_answer_check(&o, (const uint8_t *)bad, strlen(bad), &v) ==
	    SIPREC_OK);
	CHECK(v.parsed && v.mlines_match && !v.labels_echoed && !v.recvonly &&
	    !v.ports_nonzero && v.rejected == 1);
	CHECK(strstr(v.detail, "sendrecv") != NULL);
	o.nstreams = 3;
	CHECK(siprec_answer_check(&o, (const uint8_t *)good, strlen(good),
	    &v) == SIPREC_OK && !v.mlines_match);
	CHECK(siprec_answer_check(&o, (const uint8_t *)"hello", 5, &v) ==
	    SIPREC_EPARSE && !v.parsed);
}

int
main(void)
{
	CHECK(siprec_enc_new(SIPREC_ENC_PCMU, 20, &pcmu, NULL) == SIPREC_OK);
	CHECK(siprec_enc_new(SIPREC_ENC_G729, 20, &g729, NULL) == SIPREC_OK);
	codecs[0] = siprec_enc_info(pcmu);
	codecs[1] = siprec_enc_info(g729);
	test_sdp();
	test_bodies();
	test_answer();
	siprec_enc_free(pcmu);
	siprec_enc_free(g729);
	return CHECK_DONE();
}
