/* SPDX-License-Identifier: BSD-2-Clause */
/* RTP header parsing, RTCP detection and RFC 3550 sequence and jitter state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/media.h>

#include "media_int.h"

#define RTP_HDR		12
#define RTP_SEQ_MOD	(1u << 16)

enum siprec_err
siprec_rtp_parse(const uint8_t *buf, size_t len, struct siprec_rtp *out)
{
	struct siprec_rtp r;
	size_t off, end, i;

	if (out == NULL)
		return SIPREC_EINVAL;
	memset(out, 0, sizeof(*out));
	if (buf == NULL)
		return SIPREC_EINVAL;
	if (len < RTP_HDR)
		return SIPREC_EPARSE;
	memset(&r, 0, sizeof(r));
	r.version = buf[0] >> 6;
	r.padding = (buf[0] >> 5) & 1;
	r.extension = (buf[0] >> 4) & 1;
	r.cc = buf[0] & 0x0f;
	r.marker = buf[1] >> 7;
	r.pt = buf[1] & 0x7f;
	r.seq = (uint16_t)(buf[2] << 8 | buf[3]);
	r.ts = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
	    (uint32_t)buf[6] << 8 | buf[7];
	r.ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 |
	    (uint32_t)buf[10] << 8 | buf[11];
	if (r.version != 2)
		return SIPREC_EPARSE;

	/* RFC 3550 5.1: CSRC list, then the extension, then the payload. */
	off = RTP_HDR;
	if (len - off < (size_t)r.cc * 4)
		return SIPREC_EPARSE;
	for (i = 0; i < r.cc; i++, off += 4)
		r.csrc[i] = (uint32_t)buf[off] << 24 |
		    (uint32_t)buf[off + 1] << 16 |
		    (uint32_t)buf[off + 2] << 8 | buf[off + 3];

	/*
	 * RFC 3550 5.3.1: 16-bit profile field and a length in 32-bit
	 * words; RFC 8285 one-byte (0xBEDE) and two-byte (0x100X) forms
	 * use the same frame, so the whole block is skipped.
	 */
	if (r.extension) {
		size_t words;

		if (len - off < 4)
			return SIPREC_EPARSE;
		words = (size_t)buf[off + 2] << 8 | buf[off + 3];
		off += 4;
		if (len - off < words * 4)
			return SIPREC_EPARSE;
		off += words * 4;
	}

	/* RFC 3550 5.1: the last octet counts the padding, itself included. */
	end = len;
	if (r.padding) {
		size_t pad;

		if (end == off)
			return SIPREC_EPARSE;
		pad = buf[end - 1];
		if (pad == 0 || pad > end - off)
			return SIPREC_EPARSE;
		end -= pad;
	}
	r.payload.p = buf + off;
	r.payload.len = end - off;
	*out = r;
	return SIPREC_OK;
}

int
siprec_rtp_is_rtcp(const uint8_t *buf, size_t len)
{
	/*
	 * RFC 5761 4: with RTP and RTCP on one port, the RTCP packet type
	 * sits where RTP has marker and PT; types 192..223 mean RTCP.
	 */
	if (buf == NULL || len < 4 || buf[0] >> 6 != 2)
		return 0;
	return buf[1] >= 192 && buf[1] <= 223;
}

/* RFC 3550 A.1 init_seq(). */
static void
init_seq(struct siprec__seq *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;	/* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
}

void
siprec__seq_start(struct siprec__seq *s, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	init_seq(s, seq);
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = SIPREC__MIN_SEQUENTIAL;
}

enum siprec__seqres
siprec__seq_update(struct siprec__seq *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	/*
	 * Source is not valid until MIN_SEQUENTIAL packets with
	 * sequential sequence numbers have been received.
	 */
	if (s->probation) {
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				return SIPREC__SEQ_VALID;
			}
		} else {
			s->probation = SIPREC__MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return SIPREC__SEQ_PROBATION;
	} else if (udelta < SIPREC__MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - SIPREC__MAX_MISORDER) {
		/* The sequence number made a very large jump. */
		if (seq == s->bad_seq) {
			/*
			 * Two sequential packets: assume the other side
			 * restarted without telling us, so just re-sync.
			 * The loss so far is kept (beyond A.1).
			 */
			s->lost_prior = siprec__seq_lost(s);
			init_seq(s, seq);
			s->received++;
			return SIPREC__SEQ_RESTART;
		}
		s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
		return SIPREC__SEQ_BAD;
	} else {
		/* Duplicate or reordered packet. */
	}
	s->received++;
	return SIPREC__SEQ_VALID;
}

/* A.3: extended_max - base_seq + 1; none while on probation. */
static uint64_t
seq_expected(const struct siprec__seq *s)
{
	if (s->probation)
		return 0;
	return s->cycles + s->max_seq - s->base_seq + 1;
}

uint64_t
siprec__seq_lost(const struct siprec__seq *s)
{
	uint64_t expected;

	if (s->probation)
		return s->lost_prior;
	expected = seq_expected(s);
	if (expected <= s->received)
		return s->lost_prior;
	return s->lost_prior + (expected - s->received);
}

/* Signed nanoseconds to clock units, truncated toward zero. */
static int64_t
ns_to_units(int64_t ns, unsigned int clock)
{
	if (ns < 0)
		return -(int64_t)siprec__muldiv((uint64_t)-ns, clock,
		    1000000000u);
	return (int64_t)siprec__muldiv((uint64_t)ns, clock, 1000000000u);
}

void
siprec__jitter_update(struct siprec__jitter *jt, uint64_t arrival_ns,
    uint32_t ts, unsigned int clock)
{
	int64_t arr, d;

	if (clock == 0)
		return;
	if (!jt->init || clock != jt->clock) {
		/*
		 * Integer arithmetic on arrival times relative to the
		 * first packet: perfectly paced packets give exactly 0.
		 */
		if (jt->init && clock != jt->clock)
			jt->j = jt->j * clock / jt->clock;
		jt->init = 1;
		jt->clock = clock;
		jt->start_ns = arrival_ns;
		jt->last_arr = 0;
		jt->last_ts = ts;
		return;
	}
	arr = ns_to_units((int64_t)(arrival_ns - jt->start_ns), clock);
	/* A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si), RTP timestamps mod 2^32. */
	d = (arr - jt->last_arr) - (int32_t)(ts - jt->last_ts);
	if (d < 0)
		d = -d;
	jt->j += ((double)d - jt->j) / 16.0;
	jt->last_arr = arr;
	jt->last_ts = ts;
}

double
siprec__jitter_ms(const struct siprec__jitter *jt)
{
	if (!jt->init || jt->clock == 0)
		return 0.0;
	return jt->j * 1000.0 / jt->clock;
}

/* --- receiver reports ------------------------------------------------- */

struct siprec_rr {
	int			 on;		/* a source is reported */
	uint32_t		 ssrc;
	struct siprec__seq	 seq;
	struct siprec__jitter	 jit;
	uint64_t		 expected_prior, received_prior;
};

struct siprec_rr *
siprec_rr_new(void)
{
	return calloc(1, sizeof(struct siprec_rr));
}

void
siprec_rr_free(struct siprec_rr *rr)
{
	free(rr);
}

int
siprec_rr_rtp(struct siprec_rr *rr, const uint8_t *p, size_t n,
    uint64_t arrival_ns, unsigned int clock)
{
	struct siprec_rtp r;

	if (rr == NULL || siprec_rtp_parse(p, n, &r) != SIPREC_OK ||
	    siprec_rtp_is_rtcp(p, n))
		return 0;
	if (!rr->on) {
		rr->on = 1;
		rr->ssrc = r.ssrc;
		siprec__seq_start(&rr->seq, r.seq);
	} else if (r.ssrc != rr->ssrc)
		return 0;
	if (siprec__seq_update(&rr->seq, r.seq) == SIPREC__SEQ_RESTART)
		rr->expected_prior = rr->received_prior = 0;
	siprec__jitter_update(&rr->jit, arrival_ns, r.ts, clock);
	return 1;
}

int
siprec_rr_ssrc(const struct siprec_rr *rr, uint32_t *ssrc)
{
	if (rr == NULL || !rr->on)
		return 0;
	*ssrc = rr->ssrc;
	return 1;
}

void
siprec_rr_block(struct siprec_rr *rr, uint32_t lsr, uint32_t dlsr,
    uint8_t out[24])
{
	const struct siprec__seq *s = &rr->seq;
	uint64_t expected = rr->on ? seq_expected(s) : 0, exp_int, rec_int,
	    lost;
	uint32_t fraction = 0;

	exp_int = expected - rr->expected_prior;
	rec_int = s->received - rr->received_prior;
	if (expected >= rr->expected_prior && exp_int > rec_int)
		fraction = (uint32_t)(((exp_int - rec_int) << 8) / exp_int);
	rr->expected_prior = expected;
	rr->received_prior = s->received;
	/* Cumulative loss: a 24-bit signed field; it never goes below 0. */
	lost = rr->on ? siprec__seq_lost(s) : 0;
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	siprec__put32(out, rr->ssrc);
	siprec__put32(out + 4, (fraction > 255 ? 255 : fraction) << 24 |
	    (uint32_t)lost);
	siprec__put32(out + 8, (uint32_t)(s->cycles + s->max_seq));
	siprec__put32(out + 12, rr->jit.init ? (uint32_t)rr->jit.j : 0);
	siprec__put32(out + 16, lsr);
	siprec__put32(out + 20, dlsr);
}
