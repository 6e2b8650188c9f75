/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the recording-session tracker, fed packets directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <siprec/rs.h>

#include "check.h"

static struct siprec_rs_done last;
static char last_reason[32], last_dir[256], last_file[128];
static int ndone;

/* What d says, kept: its strings are valid during the call only. */
static void
done(void *arg, const struct siprec_rs_done *d)
{
	(void)arg;
	last = *d;
	snprintf(last_reason, sizeof(last_reason), "%s", d->reason);
	last.reason = last_reason;
	snprintf(last_dir, sizeof(last_dir), "%s", d->dir);
	last.dir = last_dir;
	last_file[0] = '\0';
	if (d->streams > 0 && d->st != NULL && d->st[0].file != NULL)
		snprintf(last_file, sizeof(last_file), "%s", d->st[0].file);
	last.st = NULL;
	ndone++;
}

static const struct siprec_addr src = { 4, { 192, 0, 2, 10 }, 5060 };
static const struct siprec_addr srs = { 4, { 198, 51, 100, 20 }, 5060 };
static const struct siprec_addr media = { 4, { 198, 51, 100, 20 }, 30000 };
static const struct siprec_addr srcmedia = { 4, { 192, 0, 2, 10 }, 20000 };

static struct siprec_rs *rs;

static void
feed(const void *p, size_t n, uint64_t ms, const struct siprec_addr *from,
    const struct siprec_addr *to)
{
	struct siprec_pkt k;

	memset(&k, 0, sizeof(k));
	k.kind = SIPREC_PKT_UDP;
	k.ts_ns = 1700000000000000000ull + ms * 1000000ull;
	k.src = *from;
	k.dst = *to;
	k.data.p = p;
	k.data.len = n;
	k.file = "test";
	k.record = ms;
	CHECK(siprec_rs_packet(rs, &k, NULL) == SIPREC_OK);
}

static void
sip(const char *start, const char *cseq, const char *extra, const char *ct,
    const char *body, uint64_t ms, const struct siprec_addr *from,
    const struct siprec_addr *to)
{
	char buf[8192];
	int n;

	n = snprintf(buf, sizeof(buf), "%s\r\nVia: SIP/2.0/UDP 192.0.2.10;"
	    "branch=z9hG4bK%s\r\nFrom: <sip:src@example.com>;tag=f1\r\n"
	    "To: <sip:srs@example.net>%s\r\nCall-ID: rs-test-1\r\n"
	    "CSeq: %s\r\nContact: <sip:src@192.0.2.10>;+sip.src\r\n%s"
	    "%s%s%sContent-Length: %zu\r\n\r\n%s", start, cseq,
	    strncmp(start, "SIP/2.0", 7) == 0 || strstr(cseq, "INVITE") == NULL ?
	    ";tag=t1" : "", cseq, extra, ct ? "Content-Type: " : "",
	    ct ? ct : "", ct ? "\r\n" : "", body ? strlen(body) : 0,
	    body ? body : "");
	feed(buf, (size_t)n, ms, from, to);
}

#define OFFER \
	"v=0\r\no=src 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n" \
	"t=0 0\r\nm=audio 20000 RTP/AVP 0\r\na=sendonly\r\na=label:1\r\n"
#define ANSWER \
	"v=0\r\no=srs 2 2 IN IP4 198.51.100.20\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n" \
	"a=recvonly\r\n"

static void
rtp(unsigned int i, uint64_t ms)
{
	unsigned char p[12 + 160];

	memset(p, 0xff, sizeof(p));
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (unsigned char)(i >> 8);
	p[3] = (unsigned char)i;
	p[4] = p[5] = 0;
	p[6] = (unsigned char)((i * 160) >> 8);
	p[7] = (unsigned char)(i * 160);
	p[8] = 0x11; p[9] = 0x22; p[10] = 0x33; p[11] = 0x44;
	feed(p, sizeof(p), ms, &srcmedia, &media);
}

/* The bytes of file dir/name into buf (at most cap); its length, or -1. */
static long
slurp(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

/*
 * One SIPREC call: INVITE answered in a reliable 183, 50 RTP packets, a
 * BYE; its audio file read into wav.  With ahead (the look-ahead queue),
 * the datagrams wait: nothing has ended until a tick handles them; with
 * big_bye, the BYE is too large to queue and must handle the queue first.
 */
static long
scenario(int ahead, int big_bye, unsigned char *wav, size_t cap)
{
	struct siprec_rs_opts o;
	char dir[] = "/tmp/test_rs.XXXXXX", cmd[64], pad[2200];
	unsigned int i;
	long n = -1;

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.outdir = dir;
	o.done = done;
	o.ahead = ahead;
	ndone = 0;
	CHECK(siprec_rs_new(&o, &rs, NULL) == SIPREC_OK);
	if (rs == NULL)
		return -1;

	/*
	 * RFC 3262: the SRS answers in a reliable 183; its 200 carries no
	 * SDP.  The streams come from the 183's answer.
	 */
	sip("INVITE sip:srs@example.net SIP/2.0", "1 INVITE",
	    "Require: siprec\r\nSupported: 100rel\r\n", "application/sdp",
	    OFFER, 0, &src, &srs);
	sip("SIP/2.0 183 Session Progress", "1 INVITE",
	    "Require: 100rel\r\nRSeq: 1\r\n", "application/sdp", ANSWER, 5,
	    &srs, &src);
	sip("PRACK sip:srs@example.net SIP/2.0", "2 PRACK", "RAck: 1 1 INVITE\r\n",
	    NULL, NULL, 6, &src, &srs);
	sip("SIP/2.0 200 OK", "2 PRACK", "", NULL, NULL, 7, &srs, &src);
	sip("SIP/2.0 200 OK", "1 INVITE", "", NULL, NULL, 10, &srs, &src);
	for (i = 0; i < 50; i++)
		rtp(i, 10 + 20 * i);
	if (big_bye) {
		/* A header that makes the BYE larger than a queue slot. */
		memset(pad, 'x', sizeof(pad));
		memcpy(pad, "X-Pad: ", 7);
		memcpy(pad + sizeof(pad) - 3, "\r\n", 3);
		sip("BYE sip:srs@example.net SIP/2.0", "3 BYE", pad, NULL,
		    NULL, 1010, &src, &srs);
	} else {
		sip("BYE sip:srs@example.net SIP/2.0", "3 BYE", "", NULL,
		    NULL, 1010, &src, &srs);
		if (ahead) {
			/* Queued behind the RTP: handled by the next call. */
			CHECK(ndone == 0);
			siprec_rs_tick(rs, 1700000000000000000ull +
			    1011 * 1000000ull);
		}
	}
	CHECK(ndone == 1);
	CHECK(last.streams == 1);
	CHECK(last.packets == 50);
	CHECK(strcmp(last.reason, "bye") == 0);
	CHECK(last.end_ns - last.start_ns == 1000000000ull);
	if (ndone == 1 && last_file[0] != '\0')
		n = slurp(last.dir, last_file, wav, cap);

	/* Nothing is open any more: the end of the run adds nothing. */
	CHECK(siprec_rs_finish(rs, 0, "end-of-input", NULL, NULL, 0, NULL) ==
	    SIPREC_OK);
	CHECK(ndone == 1);
	siprec_rs_free(rs);
	rs = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return n;
}

int
main(void)
{
	static unsigned char a[65536], b[65536];
	long na, nb;

	na = scenario(0, 0, a, sizeof(a));
	/* 1 s of 8 kHz 16-bit samples and a header. */
	CHECK(na > 16000);
	/* The look-ahead changes when, never what. */
	nb = scenario(1, 0, b, sizeof(b));
	CHECK(nb == na && memcmp(a, b, (size_t)na) == 0);
	nb = scenario(1, 1, b, sizeof(b));
	CHECK(nb == na && memcmp(a, b, (size_t)na) == 0);
	nb = scenario(0, 1, b, sizeof(b));
	CHECK(nb == na && memcmp(a, b, (size_t)na) == 0);
	return CHECK_DONE();
}
