/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for RTP parsing, statistics, decoding and timeline placement. */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bcg729/encoder.h>
#include <opus.h>
#include <sndfile.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include <siprec/media.h>

#include "check.h"

#define T0		1000000000000ull	/* the recording's start */
#define MS		1000000ull
#define SEC		1000000000ull
#define NPKT		50			/* 1 s of 20 ms packets */
#define TONE_N		32000
#define SSRC_A		0x11111111u
#define SSRC_B		0x22222222u
#define SSRC_C		0x33333333u
#define PI		3.14159265358979323846

static char dir[64];
static int16_t tone[TONE_N];		/* 440 Hz at 8 kHz */
static uint8_t tone_u[TONE_N];		/* tone, mu-law */
static uint8_t tone_a[TONE_N];		/* tone, A-law */
static int16_t exp_u[TONE_N];		/* decode of tone_u */
static int16_t exp_a[TONE_N];

/*
 * sin(x) by its Taylor series after reduction to [-pi, pi]: the unit
 * tests link only libsiprec.a and the codec libraries, not libm.
 */
static double
tsin(double x)
{
	double t, sum;
	int k;

	x -= 2 * PI * (double)(long)(x / (2 * PI));
	if (x > PI)
		x -= 2 * PI;
	else if (x < -PI)
		x += 2 * PI;
	t = sum = x;
	for (k = 1; k < 12; k++) {
		t *= -x * x / ((2 * k) * (2 * k + 1));
		sum += t;
	}
	return sum;
}

/* --- G.711 written from the ITU-T G.711 rules, test side ---------------- */

static uint8_t
ulaw_enc(int v)
{
	int sign = 0, seg;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > 32635)
		v = 32635;
	v += 0x84;
	for (seg = 0; seg < 7 && v >= (0x100 << seg); seg++)
		;
	return (uint8_t)~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}

static int
ulaw_dec(uint8_t c)
{
	int u = ~c & 0xff, mag;

	mag = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84;
	return (u & 0x80) ? -mag : mag;
}

static uint8_t
alaw_enc(int v)
{
	int mask, seg, a;

	v >>= 3;
	if (v >= 0)
		mask = 0xd5;
	else {
		mask = 0x55;
		v = -v - 1;
	}
	for (seg = 0; seg < 8 && v > (0x1f << seg); seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	a = seg << 4;
	a |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(a ^ mask);
}

static int
alaw_dec(uint8_t c)
{
	int a = c ^ 0x55, t, seg;

	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

/* --- helpers ------------------------------------------------------------ */

static size_t
mkpkt(uint8_t *b, int pt, int marker, uint16_t seq, uint32_t ts,
    uint32_t ssrc, const uint8_t *pl, size_t n)
{
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memcpy(b + 12, pl, n);
	return 12 + n;
}

static const char *
path_of(const char *name)
{
	static char buf[8][128];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static struct siprec_stream *
open_stream(const char *name, enum siprec_format f, unsigned int rate,
    unsigned int reorder)
{
	struct siprec_stream_opts o;
	struct siprec_stream *s = NULL;
	struct siprec_diag d;

	memset(&o, 0, sizeof(o));
	o.path = path_of(name);
	o.format = f;
	o.rate = rate;
	o.t0_ns = T0;
	o.reorder = reorder;
	if (siprec_stream_new(&o, &s, &d) != SIPREC_OK)
		fprintf(stderr, "stream_new: %s\n", d.detail);
	return s;
}

/* Packets the stream refused in send_g711(), CHECKed once at the end. */
static int rtp_bad;

/* Send 20 ms PCMU/PCMA packet i of the tone. */
static void
send_g711(struct siprec_stream *s, int pt, int i, uint16_t seq0,
    uint32_t ts0, uint32_t ssrc, uint64_t at)
{
	uint8_t b[256];
	size_t n;

	n = mkpkt(b, pt, i == 0, (uint16_t)(seq0 + i),
	    ts0 + (uint32_t)i * 160, ssrc,
	    (pt == 8 ? tone_a : tone_u) + i * 160, 160);
	TALLY(rtp_bad, siprec_stream_rtp(s, b, n, at) == SIPREC_OK);
}

static int
finish(struct siprec_stream *s, uint64_t end)
{
	struct siprec_diag d;
	enum siprec_err e;

	e = siprec_stream_finish(s, end, &d);
	if (e != SIPREC_OK)
		fprintf(stderr, "finish: %s\n", d.detail);
	return e == SIPREC_OK;
}

/* The whole file as 16-bit samples; NULL if unreadable. */
static int16_t *
readback(const char *name, size_t *n, int *rate)
{
	SF_INFO info;
	SNDFILE *f;
	int16_t *p;

	memset(&info, 0, sizeof(info));
	*n = 0;
	if ((f = sf_open(path_of(name), SFM_READ, &info)) == NULL)
		return NULL;
	p = calloc((size_t)info.frames + 1, sizeof(*p));
	if (p != NULL)
		*n = (size_t)sf_read_short(f, p, info.frames);
	if (rate != NULL)
		*rate = info.samplerate;
	sf_close(f);
	return p;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int
all_zero(const int16_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static double
energy(const int16_t *p, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)p[i] * p[i];
	return n ? e / n : 0;
}

static unsigned int
crossings(const int16_t *p, size_t n)
{
	unsigned int c = 0;
	size_t i;

	for (i = 1; i < n; i++)
		if ((p[i - 1] < 0) != (p[i] < 0))
			c++;
	return c;
}

/* Send a clean tone stream of npkt packets, paced, from T0. */
static void
tone_stream(struct siprec_stream *s, int pt, uint16_t seq0, uint32_t ts0,
    int npkt)
{
	int i;

	for (i = 0; i < npkt; i++)
		send_g711(s, pt, i, seq0, ts0, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
}

static void
clean_stream(struct siprec_stream *s, int pt, uint16_t seq0, uint32_t ts0)
{
	tone_stream(s, pt, seq0, ts0, NPKT);
}

/* --- RTP header --------------------------------------------------------- */

static void
test_rtp_parse(void)
{
	uint8_t b[128], pl[20];
	struct siprec_rtp r;
	size_t n;

	memset(pl, 0xab, sizeof(pl));
	n = mkpkt(b, 0, 1, 7, 0x01020304, SSRC_A, pl, 20);
	CHECK(siprec_rtp_parse(b, n, &r) == SIPREC_OK);
	CHECK(r.version == 2 && r.marker == 1 && r.pt == 0 && r.seq == 7);
	CHECK(r.ts == 0x01020304 && r.ssrc == SSRC_A);
	CHECK(r.payload.len == 20 && r.payload.p == b + 12);

	/* CC 2, extension of one word (RFC 8285 one-byte), 3 of padding */
	b[0] = 0x80 | 0x20 | 0x10 | 2;
	memset(b + 12, 0, 8);
	b[12 + 3] = 9;
	b[12 + 7] = 10;
	b[20] = 0xbe;
	b[21] = 0xde;
	b[22] = 0;
	b[23] = 1;
	memset(b + 24, 0x11, 4);
	memset(b + 28, 0x55, 10);
	b[38] = 0;
	b[39] = 0;
	b[40] = 3;
	n = 41;
	CHECK(siprec_rtp_parse(b, n, &r) == SIPREC_OK);
	CHECK(r.cc == 2 && r.csrc[0] == 9 && r.csrc[1] == 10);
	CHECK(r.extension == 1 && r.padding == 1);
	CHECK(r.payload.p == b + 28 && r.payload.len == 10);

	/* negative cases: every length cut short is refused */
	CHECK(siprec_rtp_parse(b, 11, &r) == SIPREC_EPARSE);
	CHECK(siprec_rtp_parse(b, 19, &r) == SIPREC_EPARSE);	/* CSRC */
	CHECK(siprec_rtp_parse(b, 23, &r) == SIPREC_EPARSE);	/* ext hdr */
	CHECK(siprec_rtp_parse(b, 27, &r) == SIPREC_EPARSE);	/* ext body */
	b[40] = 0;
	CHECK(siprec_rtp_parse(b, 41, &r) == SIPREC_EPARSE);	/* pad 0 */
	b[40] = 14;
	CHECK(siprec_rtp_parse(b, 41, &r) == SIPREC_EPARSE);	/* pad > */
	b[40] = 13;
	CHECK(siprec_rtp_parse(b, 41, &r) == SIPREC_OK && r.payload.len == 0);
	b[0] = 0x40;
	CHECK(siprec_rtp_parse(b, 41, &r) == SIPREC_EPARSE);	/* version */
	CHECK(r.payload.p == NULL);
	CHECK(siprec_rtp_parse(NULL, 41, &r) == SIPREC_EINVAL);
}

static void
test_rtcp(void)
{
	uint8_t rr[8] = { 0x80, 201, 0, 1, 0x11, 0x11, 0x11, 0x11 };
	uint8_t sr[8] = { 0x80, 200, 0, 6, 0, 0, 0, 1 };
	uint8_t rtp[12] = { 0x80, 0, 0, 1 };
	uint8_t rtp_m[12] = { 0x80, 0x80 | 8, 0, 1 };

	CHECK(siprec_rtp_is_rtcp(rr, sizeof(rr)) == 1);
	CHECK(siprec_rtp_is_rtcp(sr, sizeof(sr)) == 1);
	CHECK(siprec_rtp_is_rtcp(rtp, sizeof(rtp)) == 0);
	CHECK(siprec_rtp_is_rtcp(rtp_m, sizeof(rtp_m)) == 0);
	CHECK(siprec_rtp_is_rtcp(rr, 2) == 0);
	rr[0] = 0x40;
	CHECK(siprec_rtp_is_rtcp(rr, sizeof(rr)) == 0);
}

/* --- receiver reports --------------------------------------------------- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
test_rr(void)
{
	struct siprec_rr *rr = siprec_rr_new();
	uint8_t b[172], pl[160], blk[24];
	uint8_t rtcp[8] = { 0x80, 200, 0, 6, 0, 0, 0, 1 };
	uint32_t ssrc = 0;
	uint64_t at;
	double j = 0, d;
	int64_t prev = 0, tr;
	int i, bad = 0;

	CHECK(rr != NULL);
	if (rr == NULL)
		return;
	memset(pl, 0xff, sizeof(pl));
	CHECK(siprec_rr_ssrc(rr, &ssrc) == 0);
	/* Before any packet: an empty block. */
	siprec_rr_block(rr, 0, 0, blk);
	CHECK(be32(blk + 4) == 0 && be32(blk + 12) == 0);

	/*
	 * 300 packets of 20 ms from sequence 65500 (it wraps), three never
	 * sent; every odd one arrives 4 ms late (jitter of A.8).
	 */
	for (i = 0; i < 300; i++) {
		if (i == 100 || i == 101 || i == 200)
			continue;
		at = T0 + (uint64_t)i * 20 * MS + (i % 2 ? 4 * MS : 0);
		mkpkt(b, 0, 0, (uint16_t)(65500 + i), 1000 + 160u * (uint32_t)i,
		    0x5ec0c0de, pl, sizeof(pl));
		TALLY(bad, siprec_rr_rtp(rr, b, sizeof(b), at, 8000) == 1);
		/* The same A.8 in doubles: transit in 8 kHz units. */
		tr = (int64_t)((at - T0) * 8 / MS) - 160 * i;
		if (i > 0) {
			d = (double)(tr > prev ? tr - prev : prev - tr);
			j += (d - j) / 16;
		}
		prev = tr;
	}
	CHECK(bad == 0);
	CHECK(siprec_rr_ssrc(rr, &ssrc) == 1 && ssrc == 0x5ec0c0de);
	/* Another source, RTCP, a cut header: not counted. */
	mkpkt(b, 0, 0, 1, 1, 0x12345678, pl, sizeof(pl));
	CHECK(siprec_rr_rtp(rr, b, sizeof(b), T0 + 7 * SEC, 8000) == 0);
	CHECK(siprec_rr_rtp(rr, rtcp, sizeof(rtcp), T0 + 7 * SEC, 8000) == 0);
	CHECK(siprec_rr_rtp(rr, b, 11, T0 + 7 * SEC, 8000) == 0);

	siprec_rr_block(rr, 0xabcd1234, 65536, blk);
	CHECK(be32(blk) == 0x5ec0c0de);
	/*
	 * A.1 probation: counting starts at the second packet, so 299
	 * expected, 296 received: 3 lost, fraction 3 * 256 / 299.
	 */
	CHECK((be32(blk + 4) & 0xffffff) == 3);
	CHECK(be32(blk + 4) >> 24 == 3 * 256 / 299);
	CHECK(be32(blk + 8) == 65536 + (65500 + 299 - 65536));
	CHECK(be32(blk + 12) == (uint32_t)j && j > 20);
	CHECK(be32(blk + 16) == 0xabcd1234 && be32(blk + 20) == 65536);
	/* A new interval: nothing lost in it. */
	mkpkt(b, 0, 0, (uint16_t)(65500 + 300), 1000 + 160u * 300,
	    0x5ec0c0de, pl, sizeof(pl));
	CHECK(siprec_rr_rtp(rr, b, sizeof(b), T0 + 6 * SEC, 8000) == 1);
	siprec_rr_block(rr, 0, 0, blk);
	CHECK(be32(blk + 4) >> 24 == 0 && (be32(blk + 4) & 0xffffff) == 3);
	CHECK(be32(blk + 8) == 65536 + (65500 + 300 - 65536));
	siprec_rr_free(rr);
	siprec_rr_free(NULL);
}

/* --- G.711 streams ------------------------------------------------------ */

static void
test_clean(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;
	int rate;

	s = open_stream("clean.wav", SIPREC_FMT_WAV, 0, 0);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(exists(path_of("clean.wav.part")));
	CHECK(!exists(path_of("clean.wav")));
	CHECK(finish(s, T0 + SEC));
	CHECK(exists(path_of("clean.wav")));
	CHECK(!exists(path_of("clean.wav.part")));
	st = siprec_stream_stats(s);
	CHECK(st->packets == NPKT && st->bytes == NPKT * 160);
	CHECK(st->lost == 0 && st->duplicates == 0 && st->reordered == 0);
	CHECK(st->late == 0 && st->bad == 0 && st->resyncs == 0);
	CHECK(st->samples == 8000 && st->rate == 8000);
	CHECK(strcmp(st->codec, "PCMU/8000") == 0);
	CHECK(st->nssrc == 1 && st->ssrc[0] == SSRC_A);
	CHECK(st->ssrc_changes == 0);
	CHECK(st->jitter_ms == 0.0 && st->max_jitter_ms == 0.0);
	CHECK(st->first_ns == T0 && st->last_ns == T0 + 49 * 20 * MS);
	CHECK(st->gap_ms == 0 && st->paused_ms == 0);
	siprec_stream_free(s);

	p = readback("clean.wav", &n, &rate);
	CHECK(p != NULL && n == 8000 && rate == 8000);
	CHECK(p != NULL && memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);
}

static void
test_loss(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;
	int i;

	s = open_stream("loss.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++)
		if (i < 10 || i > 12)
			send_g711(s, 0, i, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->lost == 3);
	CHECK(st->packets == NPKT - 3);
	CHECK(st->gap_ms == 60);
	CHECK(st->samples == 8000);
	siprec_stream_free(s);

	p = readback("loss.wav", &n, NULL);
	CHECK(p != NULL && n == 8000);
	if (p != NULL && n == 8000) {
		CHECK(memcmp(p, exp_u, 1600 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 1600, 480));
		CHECK(p[1599] != 0 && p[2080] != 0);
		CHECK(memcmp(p + 2080, exp_u + 2080, 5920 * sizeof(*p)) == 0);
	}
	free(p);
}

static void
test_reorder_dup_late(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	static const int order[] = { 0, 1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12,
	    13, 14, 15, 16, 17, 18, 19, 21, 20, 22, 23, 24, 25, 26, 27, 28,
	    29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
	    45, 46, 47, 48, 49 };
	int16_t *p;
	size_t n;
	int i;

	/* Two swapped pairs: both put back, output as if in order. */
	s = open_stream("reorder.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++)
		send_g711(s, 0, order[i], 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->reordered == 2 && st->late == 0 && st->lost == 0);
	CHECK(st->jitter_ms > 0.0);
	siprec_stream_free(s);
	p = readback("reorder.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/* Duplicates, adjacent and distant: dropped, output unchanged. */
	s = open_stream("dup.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++) {
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
		if (i == 3 || i == 7 || i == 30 || i == 49)
			send_g711(s, 0, i, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS + MS);
		if (i == 14)	/* 4 back, still in the window */
			send_g711(s, 0, 10, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS + MS);
		if (i == 45)	/* 40 back, released already */
			send_g711(s, 0, 5, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS + MS);
	}
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->duplicates == 6);
	CHECK(st->packets == NPKT && st->lost == 0 && st->late == 0);
	siprec_stream_free(s);
	p = readback("dup.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/* Window of 4: a packet 10 behind is late, its 20 ms silent. */
	s = open_stream("late.wav", SIPREC_FMT_WAV, 0, 4);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++) {
		if (i != 10)
			send_g711(s, 0, i, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS);
		if (i == 20)
			send_g711(s, 0, 10, 1000, 5000, SSRC_A,
			    T0 + (uint64_t)i * 20 * MS + MS);
	}
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->late == 1 && st->reordered == 0 && st->lost == 0);
	CHECK(st->packets == NPKT - 1);
	siprec_stream_free(s);
	p = readback("late.wav", &n, NULL);
	CHECK(p != NULL && n == 8000);
	if (p != NULL && n == 8000) {
		CHECK(all_zero(p + 1600, 160));
		CHECK(memcmp(p + 1760, exp_u + 1760, 6240 * sizeof(*p)) == 0);
	}
	free(p);
}

static void
test_wraps(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;

	/* T-08: sequence numbers wrap from 65530. */
	s = open_stream("seqwrap.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 65530, 5000);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->lost == 0 && st->late == 0 && st->reordered == 0);
	CHECK(st->packets == NPKT && st->samples == 8000);
	siprec_stream_free(s);
	p = readback("seqwrap.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/* T-07: timestamps wrap from 0xFFFFFF00 after two packets. */
	s = open_stream("tswrap.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 0xffffff00u);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->resyncs == 0 && st->samples == 8000 && st->gap_ms == 0);
	CHECK(st->jitter_ms == 0.0);
	siprec_stream_free(s);
	p = readback("tswrap.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);
}

static void
test_ssrc_change(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;
	int i;

	/* T-02: 0.5 s of A, then B arrives at 0.6 s with its own numbers. */
	s = open_stream("ssrc.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < 25; i++)
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
	for (i = 25; i < NPKT; i++)
		send_g711(s, 0, i, 40000, 123456, SSRC_B,
		    T0 + 100 * MS + (uint64_t)i * 20 * MS);
	/* a straggler of A after the change: late, not a change back */
	send_g711(s, 0, 24, 1000, 5000, SSRC_A, T0 + 1100 * MS);
	CHECK(finish(s, T0 + 1100 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->nssrc == 2 && st->ssrc_changes == 1);
	CHECK(st->ssrc[0] == SSRC_A && st->ssrc[1] == SSRC_B);
	CHECK(st->lost == 0 && st->late == 1);
	CHECK(st->gap_ms == 100 && st->samples == 8800);
	siprec_stream_free(s);
	p = readback("ssrc.wav", &n, NULL);
	CHECK(p != NULL && n == 8800);
	if (p != NULL && n == 8800) {
		CHECK(memcmp(p, exp_u, 4000 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 4000, 800));
		CHECK(memcmp(p + 4800, exp_u + 4000, 4000 * sizeof(*p)) == 0);
	}
	free(p);
}

static void
test_pause_and_pad(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	struct stat sb;
	int16_t *p;
	size_t n;
	int i;

	/*
	 * T-15: 0.5 s, a pause of 1 s, then the source goes on with the
	 * timestamps it had: placed by arrival after the pause.
	 */
	s = open_stream("pause.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < 25; i++)
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
	siprec_stream_pause(s, T0 + 500 * MS, T0 + 1500 * MS);
	for (i = 25; i < NPKT; i++)
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + SEC + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + 2500 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->paused_ms == 1000);
	CHECK(st->gap_ms == 0 && st->lost == 0 && st->resyncs == 0);
	CHECK(st->samples == 20000);
	siprec_stream_free(s);
	p = readback("pause.wav", &n, NULL);
	CHECK(p != NULL && n == 20000);
	if (p != NULL && n == 20000) {
		CHECK(memcmp(p, exp_u, 4000 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 4000, 8000));
		CHECK(memcmp(p + 12000, exp_u + 4000, 4000 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 16000, 4000));	/* padded to the end */
	}
	free(p);

	/* Leading silence: the first packet at 0.25 s; pad to 1.5 s. */
	s = open_stream("lead.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++)
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + 250 * MS + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + 1500 * MS + 62500));	/* + half a sample */
	st = siprec_stream_stats(s);
	CHECK(st->samples == 12000 && st->gap_ms == 0);
	siprec_stream_free(s);
	p = readback("lead.wav", &n, NULL);
	CHECK(p != NULL && n == 12000);
	if (p != NULL && n == 12000) {
		CHECK(all_zero(p, 2000));
		CHECK(memcmp(p + 2000, exp_u, 8000 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 10000, 2000));
	}
	free(p);

	/* Media past the end is cut so that every stream ends together. */
	s = open_stream("cut.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(finish(s, T0 + 900 * MS));
	CHECK(siprec_stream_stats(s)->samples == 7200);
	siprec_stream_free(s);
	p = readback("cut.wav", &n, NULL);
	CHECK(p != NULL && n == 7200 &&
	    memcmp(p, exp_u, 7200 * sizeof(*p)) == 0);
	free(p);

	/* ... also when part of it is in the file already (WAV). */
	s = open_stream("cut2.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(finish(s, T0 + 400 * MS));
	CHECK(siprec_stream_stats(s)->samples == 3200);
	siprec_stream_free(s);
	p = readback("cut2.wav", &n, NULL);
	CHECK(p != NULL && n == 3200 &&
	    memcmp(p, exp_u, 3200 * sizeof(*p)) == 0);
	free(p);

	/* ... and when the file holds more than is kept: cut on disk. */
	s = open_stream("cut3.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	tone_stream(s, 0, 1000, 5000, TONE_N / 160);
	CHECK(finish(s, T0 + SEC));
	CHECK(siprec_stream_stats(s)->samples == 8000);
	siprec_stream_free(s);
	p = readback("cut3.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);
	CHECK(stat(path_of("cut3.wav"), &sb) == 0 &&
	    sb.st_size == 44 + 8000 * 2);
}

static void
test_resync(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;
	int i;

	/*
	 * T-09: +20 s in the timestamps at packet 25 and -1 s at packet
	 * 40, with no change in arrival: both re-placed by arrival.
	 */
	s = open_stream("resync.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++) {
		uint32_t ts0 = 5000;

		if (i >= 25)
			ts0 += 20 * 8000;
		if (i >= 40)
			ts0 -= 8000;
		send_g711(s, 0, i, 1000, ts0, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
	}
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->resyncs == 2 && st->samples == 8000 && st->lost == 0);
	siprec_stream_free(s);
	p = readback("resync.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/*
	 * A.1: a sequence jump of 40000 is held back until a second
	 * sequential packet confirms it; the first is dropped (bad).
	 */
	s = open_stream("seqjump.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++)
		send_g711(s, 0, i, (uint16_t)(i < 30 ? 1000 : 41000), 5000,
		    SSRC_A, T0 + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->bad == 1 && st->lost == 0 && st->samples == 8000);
	siprec_stream_free(s);
	p = readback("seqjump.wav", &n, NULL);
	CHECK(p != NULL && n == 8000);
	if (p != NULL && n == 8000) {
		CHECK(memcmp(p, exp_u, 4800 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 4800, 160));
		CHECK(memcmp(p + 4960, exp_u + 4960, 3040 * sizeof(*p)) == 0);
	}
	free(p);
}

static void
test_jitter(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	double j;
	int i;

	s = open_stream("jitter.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < NPKT; i++)
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS + (i % 2 ? 3 * MS : 0));
	st = siprec_stream_stats(s);
	/* A.8: |D| is 3 ms (24 units) at every packet after the first. */
	for (i = 1, j = 0; i < NPKT; i++)
		j += (24 - j) / 16;
	CHECK(st->jitter_ms - j / 8 < 1e-9 && j / 8 - st->jitter_ms < 1e-9);
	CHECK(st->max_jitter_ms >= st->jitter_ms);
	CHECK(finish(s, T0 + SEC));
	siprec_stream_free(s);
}

static void
test_pcma_l16(void)
{
	struct siprec_stream *s;
	uint8_t b[1024], pl[640];
	int16_t *p;
	size_t n;
	int i, k, ok;

	s = open_stream("pcma.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 8, 1000, 5000);
	CHECK(finish(s, T0 + SEC));
	CHECK(strcmp(siprec_stream_stats(s)->codec, "PCMA/8000") == 0);
	siprec_stream_free(s);
	p = readback("pcma.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_a, 8000 * sizeof(*p)) == 0);
	free(p);

	/* L16 mono, network byte order: the samples as they were. */
	s = open_stream("l16.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 96, "L16", 8000, 1) == SIPREC_OK);
	for (i = 0; i < NPKT; i++) {
		for (k = 0; k < 160; k++) {
			pl[2 * k] = (uint8_t)((uint16_t)tone[i * 160 + k] >> 8);
			pl[2 * k + 1] = (uint8_t)tone[i * 160 + k];
		}
		n = mkpkt(b, 96, 0, (uint16_t)(7 + i), (uint32_t)i * 160,
		    SSRC_A, pl, 320);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	CHECK(finish(s, T0 + SEC));
	CHECK(strcmp(siprec_stream_stats(s)->codec, "L16/8000") == 0);
	siprec_stream_free(s);
	p = readback("l16.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, tone, 8000 * sizeof(*p)) == 0);
	free(p);

	/* L16 stereo: left the tone, right its negation halved; mean. */
	s = open_stream("l16s.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 97, "l16", 8000, 2) == SIPREC_OK);
	for (i = 0; i < NPKT; i++) {
		for (k = 0; k < 80; k++) {
			int16_t l = tone[i * 80 + k];
			int16_t r = (int16_t)(-l / 2);

			pl[4 * k] = (uint8_t)((uint16_t)l >> 8);
			pl[4 * k + 1] = (uint8_t)l;
			pl[4 * k + 2] = (uint8_t)((uint16_t)r >> 8);
			pl[4 * k + 3] = (uint8_t)r;
		}
		n = mkpkt(b, 97, 0, (uint16_t)(7 + i), (uint32_t)i * 80,
		    SSRC_A, pl, 320);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 10 * MS) ==
		    SIPREC_OK);
	}
	CHECK(finish(s, T0 + 500 * MS));
	CHECK(strcmp(siprec_stream_stats(s)->codec, "L16/8000/2") == 0);
	siprec_stream_free(s);
	p = readback("l16s.wav", &n, NULL);
	CHECK(p != NULL && n == 4000);
	ok = p != NULL && n == 4000;
	for (i = 0; ok && i < 4000; i++)
		ok = p[i] == (tone[i] + (int16_t)(-tone[i] / 2)) / 2;
	CHECK(ok);
	free(p);
}

static void
test_resample(void)
{
	struct siprec_stream *s;
	uint8_t b[1024], pl[640];
	int16_t *p, prev, x;
	size_t n;
	int i, k, ok;

	/* 8 -> 16 kHz: the mean of the previous and current, then current. */
	s = open_stream("up.wav", SIPREC_FMT_WAV, 16000, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(finish(s, T0 + SEC));
	CHECK(siprec_stream_stats(s)->samples == 16000);
	siprec_stream_free(s);
	p = readback("up.wav", &n, &k);
	CHECK(p != NULL && n == 16000 && k == 16000);
	ok = p != NULL && n == 16000;
	for (i = 0, prev = 0; ok && i < 8000; i++) {
		x = exp_u[i];
		ok = p[2 * i + 1] == x && p[2 * i] == prev + (x - prev) / 2;
		prev = x;
	}
	CHECK(ok);
	free(p);

	/* 16 -> 8 kHz: pairs averaged, halves rounded away from zero. */
	s = open_stream("down.wav", SIPREC_FMT_WAV, 8000, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 98, "L16", 16000, 1) == SIPREC_OK);
	for (i = 0; i < NPKT; i++) {
		for (k = 0; k < 320; k++) {
			int16_t v = tone[i * 320 + k];

			pl[2 * k] = (uint8_t)((uint16_t)v >> 8);
			pl[2 * k + 1] = (uint8_t)v;
		}
		n = mkpkt(b, 98, 0, (uint16_t)(7 + i), (uint32_t)i * 320,
		    SSRC_A, pl, 640);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	CHECK(finish(s, T0 + SEC));
	siprec_stream_free(s);
	p = readback("down.wav", &n, NULL);
	CHECK(p != NULL && n == 8000);
	ok = p != NULL && n == 8000;
	for (i = 0; ok && i < 8000; i++) {
		int sum = tone[2 * i] + tone[2 * i + 1];

		ok = p[i] == (sum >= 0 ? (sum + 1) / 2 : (sum - 1) / 2);
	}
	CHECK(ok);
	free(p);
}

/* --- codecs through their libraries ------------------------------------- */

static void
test_g722(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	g722_encode_state_t *enc;
	int16_t pcm[320], *p;
	uint8_t b[512], pl[160];
	size_t n;
	unsigned int zc;
	int i, k, rate;

	enc = g722_encode_init(NULL, 64000, 0);
	s = open_stream("g722.wav", SIPREC_FMT_WAV, 0, 0);
	CHECK(enc != NULL);
	if (s == NULL || enc == NULL)
		return;
	for (i = 0; i < NPKT; i++) {
		for (k = 0; k < 320; k++)
			pcm[k] = (int16_t)(8000 * tsin(2 * PI * 1000 *
			    (i * 320 + k) / 16000.0));
		CHECK(g722_encode(enc, pl, pcm, 320) == 160);
		/* RFC 3551 4.5.2: 160 timestamp units per 20 ms */
		n = mkpkt(b, 9, i == 0, (uint16_t)(300 + i),
		    77 + (uint32_t)i * 160, SSRC_A, pl, 160);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	g722_encode_free(enc);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->rate == 16000 && st->samples == 16000 && st->gap_ms == 0);
	CHECK(strcmp(st->codec, "G722/8000") == 0 && st->bad == 0);
	siprec_stream_free(s);
	p = readback("g722.wav", &n, &rate);
	CHECK(p != NULL && n == 16000 && rate == 16000);
	if (p != NULL && n == 16000) {
		zc = crossings(p + 1600, 14400);	/* 0.9 s of 1 kHz */
		CHECK(energy(p + 1600, 14400) > 1e6);
		CHECK(zc > 1700 && zc < 1900);
	}
	free(p);
}

static void
test_g729(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	bcg729EncoderChannelContextStruct *enc;
	int16_t pcm[80], *p;
	uint8_t b[512], pl[32], len;
	size_t n;
	unsigned int zc;
	int i, f, k;

	enc = initBcg729EncoderChannel(0);
	s = open_stream("g729.wav", SIPREC_FMT_WAV, 0, 0);
	CHECK(enc != NULL);
	if (s == NULL || enc == NULL)
		return;
	for (i = 0; i < NPKT; i++) {
		for (f = 0; f < 2; f++) {
			for (k = 0; k < 80; k++)
				pcm[k] = (int16_t)(6000 * tsin(2 * PI * 500 *
				    (i * 160 + f * 80 + k) / 8000.0));
			bcg729Encoder(enc, pcm, pl + 10 * f, &len);
			CHECK(len == 10);
		}
		n = mkpkt(b, 18, i == 0, (uint16_t)(300 + i),
		    (uint32_t)i * 160, SSRC_A, pl, 20);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	closeBcg729EncoderChannel(enc);
	/* an Annex B SID after the frames is comfort noise; 13 is bad */
	memset(pl, 0, sizeof(pl));
	pl[20] = 0x40;
	pl[21] = 0x80;
	n = mkpkt(b, 18, 0, 300 + NPKT, NPKT * 160, SSRC_A, pl, 22);
	CHECK(siprec_stream_rtp(s, b, n, T0 + SEC) == SIPREC_OK);
	n = mkpkt(b, 18, 0, 301 + NPKT, NPKT * 160 + 240, SSRC_A, pl, 13);
	CHECK(siprec_stream_rtp(s, b, n, T0 + SEC + 30 * MS) == SIPREC_OK);
	CHECK(finish(s, T0 + SEC + 30 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->rate == 8000 && st->samples == 8240);
	CHECK(st->bad == 1 && strcmp(st->codec, "G729/8000") == 0);
	siprec_stream_free(s);
	p = readback("g729.wav", &n, NULL);
	CHECK(p != NULL && n == 8240);
	if (p != NULL && n == 8240) {
		zc = crossings(p + 800, 7200);		/* 0.9 s of 500 Hz */
		CHECK(energy(p + 800, 7200) > 1e6);
		CHECK(zc > 800 && zc < 1000);
	}
	free(p);
}

static void
opus_run(const char *name, unsigned int rate, int drop)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	OpusEncoder *enc;
	int16_t pcm[960], *p;
	uint8_t b[1500], pl[1400];
	size_t n, want;
	unsigned int zc, r;
	int i, k, len, e;

	enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &e);
	s = open_stream(name, SIPREC_FMT_WAV, rate, 0);
	CHECK(enc != NULL);
	if (s == NULL || enc == NULL)
		return;
	CHECK(siprec_stream_map(s, 111, "opus", 48000, 2) == SIPREC_OK);
	for (i = 0; i < NPKT; i++) {
		for (k = 0; k < 960; k++)
			pcm[k] = (int16_t)(8000 * tsin(2 * PI * 440 *
			    (i * 960 + k) / 48000.0));
		len = opus_encode(enc, pcm, 960, pl, sizeof(pl));
		CHECK(len > 0);
		if (len <= 0 || i == drop)
			continue;
		n = mkpkt(b, 111, i == 0, (uint16_t)(9 + i),
		    1234 + (uint32_t)i * 960, SSRC_A, pl, (size_t)len);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	opus_encoder_destroy(enc);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	r = rate ? rate : 48000;
	want = r;
	CHECK(st->rate == r && st->samples == want);
	CHECK(strcmp(st->codec, "opus/48000/2") == 0 && st->bad == 0);
	CHECK(st->lost == (drop >= 0 ? 1u : 0u));
	CHECK(st->gap_ms == 0);		/* concealed, not silence */
	siprec_stream_free(s);
	p = readback(name, &n, NULL);
	CHECK(p != NULL && n == want);
	if (p != NULL && n == want) {
		zc = crossings(p + r / 10, r * 9 / 10);	/* 0.9 s, 440 Hz */
		CHECK(energy(p + r / 10, r * 9 / 10) > 1e6);
		CHECK(zc > 760 && zc < 820);
		if (drop >= 0)
			CHECK(!all_zero(p + drop * r / 50, r / 50));
	}
	free(p);
}

static void
test_opus(void)
{
	opus_run("opus48.wav", 0, -1);
	opus_run("opus8.wav", 8000, -1);
	opus_run("opus16plc.wav", 16000, 20);
}

/* --- events and comfort noise ------------------------------------------ */

static void
send_event(struct siprec_stream *s, uint16_t seq, uint32_t ts, uint32_t ssrc,
    int marker, int end, unsigned int dur, uint64_t at)
{
	uint8_t b[64], pl[4];
	size_t n;

	pl[0] = 5;
	pl[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	pl[2] = (uint8_t)(dur >> 8);
	pl[3] = (uint8_t)dur;
	n = mkpkt(b, 101, marker, seq, ts, ssrc, pl, 4);
	CHECK(siprec_stream_rtp(s, b, n, at) == SIPREC_OK);
}

static void
test_dtmf(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	int16_t *p;
	size_t n;
	int i;

	/*
	 * T-10: audio 0..9, digit 5 at ts 1600 for 160 ms in 8 packets,
	 * the end packet three times, audio again from ts 2880.
	 */
	s = open_stream("dtmf.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 101, "telephone-event", 8000, 1) ==
	    SIPREC_OK);
	for (i = 0; i < 10; i++)
		send_g711(s, 0, i, 0, 0, SSRC_A, T0 + (uint64_t)i * 20 * MS);
	for (i = 0; i < 8; i++)
		send_event(s, (uint16_t)(10 + i), 1600, SSRC_A, i == 0,
		    i == 7, 160 * (unsigned int)(i + 1),
		    T0 + 7 * MS + (uint64_t)(10 + i) * 20 * MS);
	send_event(s, 18, 1600, SSRC_A, 0, 1, 1280, T0 + 345 * MS);
	send_event(s, 19, 1600, SSRC_A, 0, 1, 1280, T0 + 350 * MS);
	for (i = 18; i < NPKT; i++)
		send_g711(s, 0, i, 2, 0, SSRC_A, T0 + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->ndtmf == 1);
	CHECK(st->dtmf[0].event == 5 && st->dtmf[0].duration_ms == 160);
	CHECK(st->dtmf[0].at_ns == T0 + 200 * MS);	/* by timestamp */
	CHECK(st->lost == 0 && st->bad == 0 && st->duplicates == 0);
	CHECK(st->jitter_ms == 0.0);	/* events are left out of A.8 */
	CHECK(strcmp(st->codec, "PCMU/8000") == 0);
	siprec_stream_free(s);
	p = readback("dtmf.wav", &n, NULL);
	CHECK(p != NULL && n == 8000);
	if (p != NULL && n == 8000) {
		CHECK(memcmp(p, exp_u, 1600 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 1600, 1280));	/* never decoded */
		CHECK(memcmp(p + 2880, exp_u + 2880, 5120 * sizeof(*p)) == 0);
	}
	free(p);

	/* T-03: events on an SSRC of their own are no source change. */
	s = open_stream("dtmf2.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 101, "telephone-event", 8000, 1) ==
	    SIPREC_OK);
	for (i = 0; i < NPKT; i++) {
		send_g711(s, 0, i, 1000, 5000, SSRC_A,
		    T0 + (uint64_t)i * 20 * MS);
		if (i >= 20 && i < 25)
			send_event(s, (uint16_t)(70 + i), 999, SSRC_C, i == 20,
			    i >= 23, 160 * (unsigned int)(i - 19) -
			    (i == 24 ? 160 : 0), T0 + (uint64_t)i * 20 * MS);
	}
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->ndtmf == 1 && st->dtmf[0].duration_ms == 80);
	CHECK(st->dtmf[0].at_ns == T0 + 400 * MS);	/* by arrival */
	CHECK(st->ssrc_changes == 0 && st->nssrc == 2);
	CHECK(st->ssrc[1] == SSRC_C);
	siprec_stream_free(s);
	p = readback("dtmf2.wav", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/*
	 * RFC 4733 2.5.1.3: an event longer than 0xFFFF units goes on in
	 * a segment at the old timestamp plus 0xFFFF: still one entry.
	 * Then the same digit again, a new event.
	 */
	s = open_stream("dtmf3.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 101, "telephone-event", 8000, 1) ==
	    SIPREC_OK);
	send_event(s, 1, 0xfffff000u, SSRC_C, 1, 0, 0x8000, T0);
	send_event(s, 2, 0xfffff000u, SSRC_C, 0, 0, 0xffff, T0 + 4 * SEC);
	send_event(s, 3, 0xfffff000u + 0xffff, SSRC_C, 0, 0, 800,
	    T0 + 8 * SEC);
	send_event(s, 4, 0xfffff000u + 0xffff, SSRC_C, 0, 1, 1600,
	    T0 + 9 * SEC);
	send_event(s, 5, 0xfffff000u + 0xffff, SSRC_C, 0, 1, 1600,
	    T0 + 9 * SEC);
	send_event(s, 6, 0x30000, SSRC_C, 1, 1, 400, T0 + 10 * SEC);
	/* out of order, end lost: the longest duration seen counts */
	send_event(s, 7, 0x40000, SSRC_C, 1, 0, 160, T0 + 10200 * MS);
	send_event(s, 9, 0x40000, SSRC_C, 0, 0, 480, T0 + 10240 * MS);
	send_event(s, 8, 0x40000, SSRC_C, 0, 0, 320, T0 + 10250 * MS);
	CHECK(finish(s, T0 + 11 * SEC));
	st = siprec_stream_stats(s);
	CHECK(st->ndtmf == 3 && st->dtmf[2].duration_ms == 60);
	CHECK(st->dtmf[0].duration_ms == (0xffff + 1600) / 8);
	CHECK(st->dtmf[0].at_ns == T0);
	CHECK(st->dtmf[1].duration_ms == 50);
	CHECK(st->dtmf[1].at_ns == T0 + 10 * SEC);
	CHECK(st->samples == 88000);	/* no audio: 8000 Hz silence */
	siprec_stream_free(s);
}

static void
test_cn(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	uint8_t b[64], level = 40;
	int16_t *p;
	size_t n;
	int i;

	/* T-11: voice, CN at ts 1600, voice again 1 s later (seq goes on). */
	s = open_stream("cn.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < 10; i++)
		send_g711(s, 0, i, 1000, 0, SSRC_A, T0 + (uint64_t)i * 20 * MS);
	n = mkpkt(b, 13, 0, 1010, 1600, SSRC_A, &level, 1);
	CHECK(siprec_stream_rtp(s, b, n, T0 + 200 * MS) == SIPREC_OK);
	for (i = 10; i < NPKT; i++)
		send_g711(s, 0, i, 1001, 8000, SSRC_A,
		    T0 + SEC + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + 2 * SEC));
	st = siprec_stream_stats(s);
	CHECK(st->lost == 0 && st->bad == 0 && st->packets == NPKT + 1);
	CHECK(st->gap_ms == 1000 && st->samples == 16000);
	siprec_stream_free(s);
	p = readback("cn.wav", &n, NULL);
	CHECK(p != NULL && n == 16000);
	if (p != NULL && n == 16000) {
		CHECK(memcmp(p, exp_u, 1600 * sizeof(*p)) == 0);
		CHECK(all_zero(p + 1600, 8000));
		CHECK(memcmp(p + 9600, exp_u + 1600, 6400 * sizeof(*p)) == 0);
	}
	free(p);

	/* CN first: it anchors the timeline, voice follows by timestamp. */
	s = open_stream("cn2.wav", SIPREC_FMT_WAV, 8000, 0);
	if (s == NULL)
		return;
	n = mkpkt(b, 13, 1, 500, 7000, SSRC_A, &level, 1);
	CHECK(siprec_stream_rtp(s, b, n, T0 + 100 * MS) == SIPREC_OK);
	for (i = 0; i < 10; i++)
		send_g711(s, 0, i, 501, 7800, SSRC_A,
		    T0 + 250 * MS + (uint64_t)i * 20 * MS);
	CHECK(finish(s, T0 + 400 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->lost == 0 && st->samples == 3200);
	siprec_stream_free(s);
	p = readback("cn2.wav", &n, NULL);
	CHECK(p != NULL && n == 3200);
	if (p != NULL && n == 3200) {
		CHECK(all_zero(p, 1600));
		CHECK(memcmp(p + 1600, exp_u, 1600 * sizeof(*p)) == 0);
	}
	free(p);
}

/* --- mapping, bad input, formats, crash safety -------------------------- */

/*
 * A codec we cannot decode (G.726 by rtpmap, GSM by its static type):
 * packets, loss, jitter and codec are reported, the audio is silence.
 */
static void
test_undecodable(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	uint8_t b[256], pl[80];
	int16_t *p;
	size_t n, k;
	int i;

	memset(pl, 0x5a, sizeof(pl));
	s = open_stream("g726.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 96, "G726-32", 8000, 1) ==
	    SIPREC_EUNSUPP);
	CHECK(siprec_stream_map(s, 96, "g726-32", 8000, 1) ==
	    SIPREC_EUNSUPP);
	CHECK(siprec_stream_map(s, 96, "G726-40", 8000, 1) == SIPREC_EINVAL);
	for (i = 0; i < NPKT; i++) {
		if (i == 10 || i == 11)
			continue;	/* lost */
		/* every fifth packet 4 ms late: jitter */
		n = mkpkt(b, 96, i == 0, (uint16_t)(100 + i),
		    7000 + (uint32_t)i * 160, SSRC_A, pl, sizeof(pl));
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS +
		    (i % 5 == 4 ? 4 * MS : 0)) == SIPREC_OK);
	}
	CHECK(finish(s, T0 + SEC));
	st = siprec_stream_stats(s);
	CHECK(st->packets == NPKT - 2 && st->lost == 2 && st->bad == 0);
	CHECK(st->undecoded == NPKT - 2 && st->bytes == (NPKT - 2) * 80);
	CHECK(st->jitter_ms > 0.0 && st->nssrc == 1);
	CHECK(strcmp(st->codec, "G726-32/8000") == 0);
	CHECK(st->samples == 8000 && st->rate == 8000);
	siprec_stream_free(s);
	p = readback("g726.wav", &k, NULL);
	CHECK(p != NULL && k == 8000 && all_zero(p, k));
	free(p);

	/* GSM, static payload type 3 (RFC 3551 6): no rtpmap needed */
	s = open_stream("gsm.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	for (i = 0; i < 5; i++) {
		n = mkpkt(b, 3, i == 0, (uint16_t)i, (uint32_t)i * 160,
		    SSRC_B, pl, 33);
		CHECK(siprec_stream_rtp(s, b, n, T0 + (uint64_t)i * 20 * MS) ==
		    SIPREC_OK);
	}
	CHECK(finish(s, T0 + 100 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->packets == 5 && st->lost == 0 && st->bad == 0 &&
	    st->undecoded == 5 && strcmp(st->codec, "GSM/8000") == 0);
	siprec_stream_free(s);
}

static void
test_map_and_bad(void)
{
	const struct siprec_stream_stats *st;
	struct siprec_stream *s;
	struct siprec_stream_opts o;
	struct siprec_diag d;
	uint8_t b[256], junk[5] = { 1, 2, 3, 4, 5 };
	size_t n;

	s = open_stream("map.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	CHECK(siprec_stream_map(s, 96, "opus", 48000, 2) == SIPREC_OK);
	CHECK(siprec_stream_map(s, 96, "OPUS", 48000, 2) == SIPREC_OK);
	CHECK(siprec_stream_map(s, 96, "PCMU", 8000, 1) == SIPREC_EINVAL);
	CHECK(siprec_stream_map(s, 96, "opus", 48000, 1) == SIPREC_EINVAL);
	CHECK(siprec_stream_map(s, 0, "PCMA", 8000, 1) == SIPREC_EINVAL);
	CHECK(siprec_stream_map(s, 0, "pcmu", 8000, 1) == SIPREC_OK);
	CHECK(siprec_stream_map(s, 9, "G722", 8000, 1) == SIPREC_OK);
	CHECK(siprec_stream_map(s, 97, "AMR", 8000, 1) == SIPREC_EUNSUPP);
	CHECK(siprec_stream_map(s, 128, "PCMU", 8000, 1) == SIPREC_EINVAL);
	CHECK(siprec_stream_map(s, 98, "PCMU", 0, 1) == SIPREC_EINVAL);
	CHECK(siprec_stream_map(s, 98, NULL, 8000, 1) == SIPREC_EINVAL);

	/*
	 * not RTP, RTCP, an unknown PT: bad; a PT mapped to a codec we
	 * cannot decode: counted, undecoded
	 */
	CHECK(siprec_stream_rtp(s, junk, sizeof(junk), T0) == SIPREC_OK);
	b[0] = 0x80;
	b[1] = 201;
	memset(b + 2, 0, 10);
	CHECK(siprec_stream_rtp(s, b, 12, T0) == SIPREC_OK);
	n = mkpkt(b, 50, 0, 1, 1, SSRC_A, junk, 5);
	CHECK(siprec_stream_rtp(s, b, n, T0) == SIPREC_OK);
	n = mkpkt(b, 97, 0, 1, 1, SSRC_A, junk, 5);
	CHECK(siprec_stream_rtp(s, b, n, T0) == SIPREC_OK);
	/* undecodable Opus: accepted, counted bad, never fatal */
	n = mkpkt(b, 96, 0, 2, 161, SSRC_A, junk, 0);
	memset(b + 12, 0xff, 3);
	CHECK(siprec_stream_rtp(s, b, 15, T0) == SIPREC_OK);
	CHECK(finish(s, T0 + 100 * MS));
	st = siprec_stream_stats(s);
	CHECK(st->bad == 4 && st->packets == 2 && st->undecoded == 1);
	CHECK(st->samples == 800);	/* no codec: 8000 Hz silence */
	CHECK(siprec_stream_finish(s, T0, NULL) == SIPREC_EINVAL);
	CHECK(siprec_stream_rtp(s, b, 15, T0) == SIPREC_EINVAL);
	siprec_stream_free(s);
	siprec_stream_free(NULL);

	/* bad options */
	memset(&o, 0, sizeof(o));
	s = (struct siprec_stream *)&o;
	CHECK(siprec_stream_new(&o, &s, &d) == SIPREC_EINVAL && s == NULL);
	o.path = path_of("x.wav");
	o.reorder = 100000;
	CHECK(siprec_stream_new(&o, &s, &d) == SIPREC_EINVAL && s == NULL);
	o.reorder = 0;
	o.rate = 5;
	CHECK(siprec_stream_new(&o, &s, &d) == SIPREC_EINVAL && s == NULL);
	o.rate = 8000;
	o.path = path_of("no/such/dir/x.wav");
	CHECK(siprec_stream_new(&o, &s, &d) == SIPREC_EIO && s == NULL);
	CHECK(strstr(d.detail, "x.wav.part") != NULL);
}

static void
test_formats(void)
{
	struct siprec_stream *s;
	struct siprec_stream_opts o;
	int16_t *p;
	size_t n;
	enum siprec_err e;

	s = open_stream("clean.flac", SIPREC_FMT_FLAC, 0, 0);
	if (s == NULL)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(finish(s, T0 + SEC));
	siprec_stream_free(s);
	p = readback("clean.flac", &n, NULL);
	CHECK(p != NULL && n == 8000 &&
	    memcmp(p, exp_u, 8000 * sizeof(*p)) == 0);
	free(p);

	/* Ogg/Opus where this libsndfile has it, else SIPREC_EUNSUPP. */
	memset(&o, 0, sizeof(o));
	o.path = path_of("clean.ogg");
	o.format = SIPREC_FMT_OGG;
	o.t0_ns = T0;
	s = NULL;
	e = siprec_stream_new(&o, &s, NULL);
	CHECK(e == SIPREC_OK || e == SIPREC_EUNSUPP);
	if (e != SIPREC_OK)
		return;
	clean_stream(s, 0, 1000, 5000);
	CHECK(finish(s, T0 + SEC));
	siprec_stream_free(s);
	p = readback("clean.ogg", &n, NULL);
	CHECK(p != NULL && n > 7000 && n < 9000);
	CHECK(p != NULL && energy(p, n) > 1e6);
	free(p);

	/* A rate Ogg/Opus cannot hold. */
	o.rate = 44100;
	CHECK(siprec_stream_new(&o, &s, NULL) == SIPREC_EUNSUPP);
}

static void
test_crash_safety(void)
{
	struct siprec_stream *s;
	uint8_t h[44];
	int16_t *p;
	FILE *f;
	size_t n;

	/*
	 * A stream never finished: the ".part" reads back as far as it
	 * was written, and siprec_stream_free() keeps it.  All 100
	 * packets are released (in order, none waits in the reorder
	 * window); one write went out: 2026 samples, which end the file on
	 * a page boundary after the 44-byte header (then 16384-sample
	 * writes).
	 */
	s = open_stream("killed.wav", SIPREC_FMT_WAV, 0, 0);
	if (s == NULL)
		return;
	tone_stream(s, 0, 1000, 5000, 100);
	CHECK(siprec_stream_sync(s) == SIPREC_OK);
	/* the header itself says so: RIFF and data chunk sizes */
	f = fopen(path_of("killed.wav.part"), "rb");
	CHECK(f != NULL && fread(h, 1, sizeof(h), f) == sizeof(h));
	CHECK(memcmp(h, "RIFF", 4) == 0 && memcmp(h + 36, "data", 4) == 0);
	CHECK(le32(h + 4) == 36 + 2026 * 2 && le32(h + 40) == 2026 * 2);
	if (f != NULL)
		fclose(f);
	p = readback("killed.wav.part", &n, NULL);
	CHECK(p != NULL && n == 2026);
	CHECK(p != NULL && memcmp(p, exp_u, n * sizeof(*p)) == 0);
	free(p);
	siprec_stream_free(s);
	CHECK(!exists(path_of("killed.wav")));
	p = readback("killed.wav.part", &n, NULL);
	CHECK(p != NULL && n == 100 * 160 &&
	    memcmp(p, exp_u, 100 * 160 * sizeof(*p)) == 0);
	free(p);
}

/* The same packets give the same bytes. */
static void
test_determinism(void)
{
	static const char *names[2] = { "det1.wav", "det2.wav" };
	struct siprec_stream *s;
	FILE *f[2];
	int i, k, c0, c1, same;

	for (k = 0; k < 2; k++) {
		s = open_stream(names[k], SIPREC_FMT_WAV, 16000, 8);
		if (s == NULL)
			return;
		for (i = 0; i < NPKT; i++) {
			int j = i == 17 ? 18 : i == 18 ? 17 : i;

			if (j != 30)
				send_g711(s, 0, j, 1000, 5000, SSRC_A,
				    T0 + (uint64_t)i * 21 * MS);
			if (i == 40)
				send_g711(s, 0, 39, 1000, 5000, SSRC_A,
				    T0 + (uint64_t)i * 21 * MS);
		}
		CHECK(finish(s, T0 + 1200 * MS));
		siprec_stream_free(s);
	}
	f[0] = fopen(path_of(names[0]), "rb");
	f[1] = fopen(path_of(names[1]), "rb");
	CHECK(f[0] != NULL && f[1] != NULL);
	same = f[0] != NULL && f[1] != NULL;
	while (same) {
		c0 = getc(f[0]);
		c1 = getc(f[1]);
		same = c0 == c1;
		if (c0 == EOF)
			break;
	}
	CHECK(same);
	for (k = 0; k < 2; k++)
		if (f[k] != NULL)
			fclose(f[k]);
}

static void
cleanup(void)
{
	static const char *names[] = { "clean.wav", "loss.wav", "reorder.wav",
	    "dup.wav", "late.wav", "seqwrap.wav", "tswrap.wav", "ssrc.wav",
	    "pause.wav", "lead.wav", "cut.wav", "cut2.wav", "cut3.wav", "g726.wav", "gsm.wav",
	    "resync.wav",
	    "seqjump.wav", "jitter.wav", "pcma.wav", "l16.wav", "l16s.wav",
	    "up.wav", "down.wav", "g722.wav", "g729.wav", "opus48.wav",
	    "opus8.wav", "opus16plc.wav", "dtmf.wav", "dtmf2.wav", "dtmf3.wav",
	    "cn.wav", "cn2.wav", "map.wav", "clean.flac", "clean.ogg",
	    "killed.wav.part", "det1.wav", "det2.wav" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	CHECK(rmdir(dir) == 0);
}

int
main(void)
{
	int i;

	snprintf(dir, sizeof(dir), "/tmp/test_media.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < TONE_N; i++) {
		tone[i] = (int16_t)(10000 * tsin(2 * PI * 440 * i /
		    8000.0));
		tone_u[i] = ulaw_enc(tone[i]);
		tone_a[i] = alaw_enc(tone[i]);
		exp_u[i] = (int16_t)ulaw_dec(tone_u[i]);
		exp_a[i] = (int16_t)alaw_dec(tone_a[i]);
	}
	/* the test-side codec against G.711 reference points */
	CHECK(ulaw_enc(0) == 0xff && ulaw_dec(0xff) == 0 && ulaw_dec(0) ==
	    -32124);
	CHECK(alaw_enc(0) == 0xd5 && alaw_dec(0xd5) == 8 && alaw_dec(0x2a) ==
	    -32256);

	test_rtp_parse();
	test_rtcp();
	test_rr();
	test_clean();
	test_loss();
	test_reorder_dup_late();
	test_wraps();
	test_ssrc_change();
	test_pause_and_pad();
	test_resync();
	test_jitter();
	test_pcma_l16();
	test_resample();
	test_g722();
	test_g729();
	test_opus();
	test_dtmf();
	test_cn();
	test_map_and_bad();
	test_undecodable();
	test_formats();
	test_crash_safety();
	test_determinism();
	cleanup();
	CHECK(rtp_bad == 0);
	return CHECK_DONE();
}
