/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of what the tracker tells a live server: events, stats, ticks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <siprec/rs.h>

#include "check.h"

#define SDP_O	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" \
		"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n"
#define SDP_A	"v=0\r\no=- 2 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n" \
		"t=0 0\r\nm=audio 22000 RTP/AVP 0\r\na=label:1\r\na=recvonly\r\n"

static char events[1024];
static int ndone;
static struct siprec_rs_done last;
static uint64_t last_packets;
static char last_label[16], last_reason[16];

static void
on_event(void *arg, const struct siprec_rs_event *e)
{
	(void)arg;
	snprintf(events + strlen(events), sizeof(events) - strlen(events),
	    "%s ", e->what);
}

static void
on_done(void *arg, const struct siprec_rs_done *d)
{
	(void)arg;
	ndone++;
	last = *d;
	last_packets = d->streams > 0 && d->st[0].stats != NULL ?
	    d->st[0].stats->packets : 0;
	snprintf(last_label, sizeof(last_label), "%s", d->streams > 0 ?
	    d->st[0].label : "");
	/* The strings of d live as long as the callback. */
	snprintf(last_reason, sizeof(last_reason), "%s", d->reason);
}

static void
feed(struct siprec_rs *rs, const char *msg, int from_src, uint64_t t)
{
	struct siprec_pkt p;
	struct siprec_addr src = { 4, { 192, 0, 2, 1 }, 5060 };
	struct siprec_addr srs = { 4, { 192, 0, 2, 9 }, 5060 };

	memset(&p, 0, sizeof(p));
	p.kind = SIPREC_PKT_UDP;
	p.ts_ns = t;
	p.src = from_src ? src : srs;
	p.dst = from_src ? srs : src;
	p.data.p = (const uint8_t *)msg;
	p.data.len = strlen(msg);
	p.file = "test";
	CHECK(siprec_rs_packet(rs, &p, NULL) == SIPREC_OK);
}

static void
rtp(struct siprec_rs *rs, uint16_t seq, uint64_t t)
{
	struct siprec_pkt p;
	uint8_t b[172];

	memset(b, 0xff, sizeof(b));
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = 0;
	b[5] = 0;
	b[6] = (uint8_t)((seq * 160) >> 8);
	b[7] = (uint8_t)(seq * 160);
	b[8] = 1, b[9] = 2, b[10] = 3, b[11] = 4;
	memset(&p, 0, sizeof(p));
	p.kind = SIPREC_PKT_UDP;
	p.ts_ns = t;
	p.src = (struct siprec_addr){ 4, { 192, 0, 2, 1 }, 4000 };
	p.dst = (struct siprec_addr){ 4, { 192, 0, 2, 9 }, 22000 };
	p.data.p = b;
	p.data.len = sizeof(b);
	CHECK(siprec_rs_packet(rs, &p, NULL) == SIPREC_OK);
}

#define HDRS(start, cseq, totag)					\
	start "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK" cseq "\r\n"	\
	"From: <sip:src@192.0.2.1>;tag=a\r\nTo: <sip:srs@192.0.2.9>" totag	\
	"\r\nCall-ID: rs-events-1\r\nCSeq: " cseq "\r\n"		\
	"Contact: <sip:src@192.0.2.1>;+sip.src\r\nRequire: siprec\r\n"

int
main(void)
{
	char dir[] = "/tmp/test_srs_rs.XXXXXX", cmd[128];
	struct siprec_rs_opts o;
	struct siprec_rs *rs = NULL;
	uint64_t t = 1700000000ull * 1000000000ull;
	unsigned int i;

	if (mkdtemp(dir) == NULL)
		return 1;
	memset(&o, 0, sizeof(o));
	o.outdir = dir;
	o.idle_ns = 5000000000ull;
	o.event = on_event;
	o.done = on_done;
	CHECK(siprec_rs_new(&o, &rs, NULL) == SIPREC_OK);
	if (rs == NULL)
		return CHECK_DONE();
	feed(rs, HDRS("INVITE sip:srs@192.0.2.9 SIP/2.0", "1 INVITE", "")
	    "Content-Type: application/sdp\r\nContent-Length: 90\r\n\r\n"
	    SDP_O, 1, t);
	feed(rs, HDRS("SIP/2.0 200 OK", "1 INVITE", ";tag=s")
	    "Content-Type: application/sdp\r\nContent-Length: 90\r\n\r\n"
	    SDP_A, 0, t + 1000000);
	CHECK(strcmp(events, "start stream ") == 0);
	for (i = 0; i < 50; i++)
		rtp(rs, (uint16_t)(i + 1), t + 20000000ull * (i + 1));
	/* No packet for longer than the idle time: the tick ends it. */
	siprec_rs_tick(rs, t + 3000000000ull);
	CHECK(ndone == 0);
	/* Idle from the last RTP (1 s), not from the last SIP (1 ms). */
	siprec_rs_tick(rs, t + 5500000000ull);
	CHECK(ndone == 0);
	siprec_rs_tick(rs, t + 7000000000ull);
	CHECK(ndone == 1);
	CHECK(last.end_ns == t + 20000000ull * 50);
	CHECK(strcmp(events, "start stream end ") == 0);
	CHECK(last.streams == 1 && last_packets == 50);
	CHECK(strcmp(last_label, "1") == 0);
	CHECK(strcmp(last_reason, "idle") == 0);
	CHECK(last.meta_errors == 0);
	siprec_rs_free(rs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return CHECK_DONE();
}
