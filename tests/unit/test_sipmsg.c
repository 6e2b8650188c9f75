/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of SIP message and multipart handling. */
#include <string.h>

#include <siprec/sipmsg.h>

#include "check.h"

static int nfound;
static enum siprec_check last;

static void
emit(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	nfound++;
	last = f->check;
}

#define BODY								\
	"--b1\r\nContent-Type: application/sdp\r\n\r\n"			\
	"v=0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\n"		\
	"m=audio 4002 RTP/AVP 0\r\n\r\n"				\
	"--b1\r\nContent-Type: application/rs-metadata+xml; charset=UTF-8\r\n" \
	"Content-Disposition: recording-session\r\n\r\n<recording/>\r\n"	\
	"--b1--\r\n"

int
main(void)
{
	static const char msg[] =
	    "INVITE sip:srs@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
	    "To: <sip:srs@example.com>\r\nFrom: <sip:src@example.com>;tag=a\r\n"
	    "Call-ID: c1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:src@192.0.2.1>;+sip.src\r\nRequire: siprec\r\n"
	    "Content-Type: multipart/mixed;boundary=\"b1\"\r\n"
	    "Content-Length: 999\r\n\r\n" BODY;
	struct siprec_sink sink = { emit, NULL, SIPREC_PROFILE_STRICT, { 0 } };
	struct siprec_sipmsg *m = NULL;
	struct siprec_diag d;

	CHECK(siprec_sipmsg_sniff((const uint8_t *)msg, sizeof(msg) - 1));
	CHECK(!siprec_sipmsg_sniff((const uint8_t *)"hello world\n", 12));
	CHECK(siprec_sipmsg_parse((const uint8_t *)msg, sizeof(msg) - 1,
	    &sink, &m, &d) == SIPREC_OK);
	if (m == NULL)
		return CHECK_DONE();
	CHECK(nfound == 1 && last == SIPREC_CHK_SIP_CONTENT_LENGTH);
	CHECK(m->request && strcmp(m->method, "INVITE") == 0);
	CHECK(m->require_siprec && m->contact == SIPREC_CONTACT_SRC);
	CHECK(m->nparts == 2);
	CHECK(m->parts[0].sdp && m->parts[1].metadata);
	CHECK(strcmp(m->parts[1].charset, "UTF-8") == 0);
	CHECK(strcmp(m->parts[1].disposition, "recording-session") == 0);
	CHECK(m->parts[1].body.len == 12 &&
	    memcmp(m->parts[1].body.p, "<recording/>", 12) == 0);
	CHECK(m->parts[1].line == 24);
	CHECK(m->nmedia == 2 && m->media[0].label != NULL &&
	    strcmp(m->media[0].label, "1") == 0 && m->media[1].label == NULL);
	CHECK(m->media[0].line == 16);
	nfound = 0;
	siprec_sipmsg_check(m, 1, 0, &sink);
	CHECK(nfound == 0);
	siprec_sipmsg_check(m, 1, 1, &sink);	/* requestsnapshot in INVITE */
	CHECK(nfound >= 1);
	siprec_sipmsg_free(m);

	/* A bare body whose first line names the boundary. */
	nfound = 0;
	CHECK(siprec_sipmsg_parse((const uint8_t *)"\n" BODY, sizeof(BODY),
	    &sink, &m, &d) == SIPREC_OK);
	CHECK(m != NULL && m->bare && m->nparts == 2 && nfound == 0);
	siprec_sipmsg_free(m);

	/* No close delimiter: the part is kept, the fault reported. */
	nfound = 0;
	CHECK(siprec_sipmsg_parse((const uint8_t *)"--x\nContent-Type: "
	    "application/rs-metadata\n\n<recording/>\n", 53, &sink, &m,
	    &d) == SIPREC_OK);
	CHECK(m != NULL && m->nparts == 1 && m->parts[0].metadata);
	CHECK(nfound == 1 && last == SIPREC_CHK_SIP_MULTIPART);
	siprec_sipmsg_free(m);

	/* A start line libosip2 rejects is unusable. */
	CHECK(siprec_sipmsg_parse((const uint8_t *)"INVITE SIP/2.0\r\n\r\n", 18,
	    &sink, &m, &d) == SIPREC_EPARSE && m == NULL);
	return CHECK_DONE();
}
