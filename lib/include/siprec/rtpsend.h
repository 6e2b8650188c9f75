/* SPDX-License-Identifier: BSD-2-Clause */
/* The sending side of media: SDES keys, RTP packetiser with SRTP, RTCP SR, one paced sender. */
#ifndef SIPREC_RTPSEND_H
#define SIPREC_RTPSEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <siprec/err.h>
#include <siprec/srtp.h>

/* --- SDES keys (RFC 4568) -------------------------------------------- */

/*
 * Suites a sender can use, in the order an offer lists them by default:
 * the SPEC 8 suites libsrtp2 implements.  NULL-terminated, static.
 */
extern const char *const siprec_sdes_suites[];

/*
 * A fresh master key and salt for suite (any case) from libgcrypt's
 * strong random generator, tag as given.  SIPREC_EUNSUPP for a suite
 * libsrtp2 cannot use.  The key is in out; wipe it with
 * siprec_crypto_wipe().  On failure out is wiped.
 */
enum siprec_err	siprec_sdes_generate(const char *suite, unsigned int tag,
		    struct siprec_crypto *out, struct siprec_diag *);

/*
 * The value of an a=crypto attribute for c ("1 AES_CM_128_HMAC_SHA1_80
 * inline:<base64>"), NUL-terminated in buf[0..cap).  SIPREC_ETOOBIG when
 * it does not fit (128 bytes always do).  The text holds key material.
 */
enum siprec_err	siprec_sdes_format(const struct siprec_crypto *c, char *buf,
		    size_t cap);

/* --- RTP packetiser (RFC 3550 5.1) -------------------------------------- */

struct siprec_rtp_tx_opts {
	unsigned int		 pt;		/* payload type 0..127 */
	unsigned int		 clock;		/* RTP clock rate, Hz */
	uint32_t		 ts_step;	/* timestamp units per packet */
	uint32_t		 ssrc;		/* 0: a fresh unique one */
	int			 fixed_start;	/* 1: seq0 and ts0 as given */
	uint16_t		 seq0;
	uint32_t		 ts0;
	const struct siprec_crypto *crypto;	/* NULL: plain RTP */
	const char		*cname;		/* RTCP CNAME; NULL: "siprec-src" */
};

struct siprec_rtp_tx;

/*
 * A packetiser for one outgoing stream.  Unless fixed_start, the first
 * sequence number is random below 2^15 (RFC 4568 6.4.1 advice) and the
 * first timestamp random (RFC 3550 5.1).  A zero ssrc is replaced by one
 * that no other packetiser of this process has (a keyed bijection of a
 * counter).  With crypto, packets are protected with libsrtp2; the
 * packetiser keeps its own copy of the key.  SIPREC_EUNSUPP for a suite
 * libsrtp2 cannot use; SIPREC_EINVAL for bad options.  On failure *out
 * is NULL.
 */
enum siprec_err	siprec_rtp_tx_new(const struct siprec_rtp_tx_opts *,
		    struct siprec_rtp_tx **out, struct siprec_diag *);

/* Free it and wipe its keys; NULL is a no-op. */
void		siprec_rtp_tx_free(struct siprec_rtp_tx *);

uint32_t	siprec_rtp_tx_ssrc(const struct siprec_rtp_tx *);

/*
 * Build the next packet around payload[0..len) into out[0..cap), SRTP
 * protected when the stream has a key; *outlen is its length.  The
 * marker bit is set on the first packet and on the first one after
 * siprec_rtp_tx_skip() (start of a talkspurt, RFC 3551 4.1).  Sequence
 * advances by one and the timestamp by ts_step.  SIPREC_ETOOBIG when
 * out is too small (len + 12 + 16 + 4 always suffice); SIPREC_EUNSUPP
 * when libsrtp2 refuses.
 */
enum siprec_err	siprec_rtp_tx_packet(struct siprec_rtp_tx *,
		    const uint8_t *payload, size_t len, uint8_t *out,
		    size_t cap, size_t *outlen);

/*
 * Account n packet times that are not sent (pause, silence suppression):
 * the timestamp moves on, the sequence number does not (RFC 3550 5.1),
 * and the next packet carries the marker.
 */
void		siprec_rtp_tx_skip(struct siprec_rtp_tx *, uint32_t n);

/*
 * An RTCP compound packet, SR then SDES CNAME (RFC 3550 6.4.1, 6.5.1),
 * SRTCP protected when the stream has a key.  ntp_ns is wall-clock time
 * in ns since 1970 (converted to NTP), rtp_ts the RTP timestamp that
 * corresponds to it.  Errors as for siprec_rtp_tx_packet (out needs 96
 * bytes plus the CNAME).
 */
enum siprec_err	siprec_rtp_tx_sr(struct siprec_rtp_tx *, uint64_t ntp_ns,
		    uint8_t *out, size_t cap, size_t *outlen);

/*
 * An RTCP SDES packet of one chunk with one CNAME item (RFC 3550 6.5,
 * 6.5.1), for a compound packet after its SR or RR: written to out,
 * its length returned (a multiple of 4), 0 when cap is too small or the
 * CNAME longer than 255 bytes.
 */
size_t		siprec_rtcp_sdes(uint8_t *out, size_t cap, uint32_t ssrc,
		    const char *cname);

/* The timestamp the next packet will carry, and counters for the SR. */
uint32_t	siprec_rtp_tx_next_ts(const struct siprec_rtp_tx *);
uint64_t	siprec_rtp_tx_packets(const struct siprec_rtp_tx *);
uint64_t	siprec_rtp_tx_octets(const struct siprec_rtp_tx *);

/* --- one paced sender for all streams ----------------------------------- */

/*
 * The pacer keeps every stream on an absolute schedule: packet k of a
 * stream is due at first + k * period, whatever the time taken to send
 * the earlier ones, so errors never accumulate.  It sleeps until the
 * earliest deadline (clock_nanosleep TIMER_ABSTIME on CLOCK_MONOTONIC),
 * then fills every packet due by then and sends them with sendmmsg, one
 * call for each run of packets on the same socket.  New streams get
 * phases spread over the period (a golden-ratio sequence) so that
 * thousands of streams do not all fall due together.  Not thread-safe:
 * one pacer per thread; a tool wanting more cores runs several.
 */
struct siprec_pacer;

/*
 * Called when a stream's packet is due: write it to buf[0..cap) and set
 * *len.  Return 0 to send it, 1 to send nothing this time (pause), -1 to
 * end the stream (the pacer forgets it; the callback owns arg).
 */
typedef int	(*siprec_pacer_fill_fn)(void *arg, uint64_t due_ns,
		    uint8_t *buf, size_t cap, size_t *len);

struct siprec_pacer_clock {
	/* Monotonic time in ns. */
	uint64_t	(*now)(void *);
	/* Sleep until t (monotonic ns); returns early on a signal. */
	void		(*sleep_until)(void *, uint64_t t);
	/*
	 * Send the n datagrams m[0..n) on fd; return how many went (a
	 * prefix), or -1 with errno.  NULL means sendmmsg(2).
	 */
	int		(*send)(void *, int fd, const struct msghdr *m,
			    unsigned int n);
	void		*arg;
};

struct siprec_pacer_stats {
	uint64_t	sent;		/* datagrams handed to the kernel */
	uint64_t	send_errors;	/* datagrams the kernel refused */
	uint64_t	skipped;	/* fill returned 1 */
	uint64_t	late;		/* sent more than 5 ms after due */
	uint64_t	syscalls;	/* sendmmsg calls */
	uint64_t	wakeups;
	unsigned int	streams;
};

/*
 * A pacer.  clock may be NULL for the real clock and sendmmsg(2).
 * SIPREC_ENOMEM on failure, *out NULL.
 */
enum siprec_err	siprec_pacer_new(const struct siprec_pacer_clock *,
		    struct siprec_pacer **out);

/* Free it; streams still in it are forgotten (their args are not freed). */
void		siprec_pacer_free(struct siprec_pacer *);

/*
 * Add a stream sending to dst on fd every period_ns, the first packet at
 * start_ns plus its spread phase (start_ns 0: now).  *id names it for
 * siprec_pacer_remove.  SIPREC_ENOMEM; SIPREC_EINVAL for a zero period.
 */
enum siprec_err	siprec_pacer_add(struct siprec_pacer *, int fd,
		    const struct sockaddr *dst, socklen_t dstlen,
		    uint64_t period_ns, uint64_t start_ns,
		    siprec_pacer_fill_fn, void *arg, uint64_t *id);

/* Forget a stream; its fill is not called again.  Unknown ids are ignored. */
void		siprec_pacer_remove(struct siprec_pacer *, uint64_t id);

/*
 * Send everything due now; return the deadline of the next packet
 * (UINT64_MAX when there are no streams).  Does not sleep.
 */
uint64_t	siprec_pacer_poll(struct siprec_pacer *);

/*
 * Run until *stop becomes non-zero (checked at every wake-up) or no
 * stream is left and stop_when_empty is set.  Sleeps at most 50 ms at a
 * time so that *stop is seen.
 */
void		siprec_pacer_run(struct siprec_pacer *, volatile int *stop,
		    int stop_when_empty);

const struct siprec_pacer_stats *
		siprec_pacer_stats(const struct siprec_pacer *);

/*
 * Send-timing deviation (actual send time minus due time, ns; 0 when
 * early) at quantile q in [0, 1], from a histogram of 10 us buckets up
 * to 100 ms (beyond: 100 ms).  0 when nothing was sent.
 */
uint64_t	siprec_pacer_deviation(const struct siprec_pacer *, double q);

/*
 * Merge the deviation histogram and counters of src into dst (several
 * pacers on several threads report as one).
 */
void		siprec_pacer_merge(struct siprec_pacer *dst,
		    const struct siprec_pacer *src);

#endif
