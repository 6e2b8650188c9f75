/* SPDX-License-Identifier: BSD-2-Clause */
/* Private RTP bookkeeping shared by rtp.c and media.c: RFC 3550 A.1, A.8. */
#ifndef SIPREC_MEDIA_INT_H
#define SIPREC_MEDIA_INT_H

#include <stdint.h>

#include <siprec/media.h>

/* RFC 3550 Appendix A.1 constants. */
#define SIPREC__MAX_DROPOUT	3000
#define SIPREC__MAX_MISORDER	100
#define SIPREC__MIN_SEQUENTIAL	2

/*
 * Per-source sequence state of RFC 3550 A.1, plus lost_prior: the loss
 * counted before a sequence restart, so that stats stay cumulative (A.1
 * itself starts counting again from zero).
 */
struct siprec__seq {
	uint16_t	 max_seq;	/* highest seq number seen */
	uint64_t	 cycles;	/* shifted count of seq cycles */
	uint32_t	 base_seq;	/* base seq number */
	uint32_t	 bad_seq;	/* last 'bad' seq number + 1 */
	uint32_t	 probation;	/* sequential packets till valid */
	uint64_t	 received;	/* packets received */
	uint64_t	 lost_prior;	/* loss before the last restart */
};

enum siprec__seqres {
	SIPREC__SEQ_VALID,	/* counted; in order, misordered or a gap */
	SIPREC__SEQ_PROBATION,	/* source not yet valid (MIN_SEQUENTIAL) */
	SIPREC__SEQ_BAD,	/* a very large jump, not (yet) confirmed */
	SIPREC__SEQ_RESTART	/* the jump was confirmed: seq restarted */
};

/* A new source whose first packet carries seq (A.1 init + probation). */
void		siprec__seq_start(struct siprec__seq *, uint16_t seq);

/* A.1 update_seq() for one packet, in arrival order. */
enum siprec__seqres siprec__seq_update(struct siprec__seq *, uint16_t seq);

/* Cumulative packets lost (A.3: expected - received, never negative). */
uint64_t	siprec__seq_lost(const struct siprec__seq *);

/* Interarrival jitter of RFC 3550 A.8 in RTP clock units. */
struct siprec__jitter {
	int		 init;
	unsigned int	 clock;
	uint64_t	 start_ns;	/* arrival of the first packet */
	int64_t		 last_arr;	/* arrival of the last, clock units */
	uint32_t	 last_ts;
	double		 j;		/* the estimate J, clock units */
};

/* Account one packet; a change of clock restarts the transit chain. */
void		siprec__jitter_update(struct siprec__jitter *,
		    uint64_t arrival_ns, uint32_t ts, unsigned int clock);

/* The current estimate in milliseconds; 0 before two packets. */
double		siprec__jitter_ms(const struct siprec__jitter *);

/*
 * Prefetch what handling pkt will read of s (rs.c's look-ahead): with
 * pkt NULL, the fields read first; with pkt, which must come after the
 * first step, the rest, down to where its samples will go.  Nothing is
 * read but the first fields' pointers and counters.
 */
void		siprec__stream_prefetch(const struct siprec_stream *,
		    const struct siprec_slice *pkt);

/* v as 4 bytes in network order (RTP and RTCP fields). */
static inline void
siprec__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Exact floor(a * b / c) as long as b * c fits in 64 bits.  Inline: it
 * runs several times a packet, mostly with b == c (the RTP clock is the
 * file's rate) or a constant c, which the compiler turns into a multiply.
 */
static inline uint64_t
siprec__muldiv(uint64_t a, uint64_t b, uint64_t c)
{
	if (b == c)
		return a;
	return a / c * b + a % c * b / c;
}

#endif
