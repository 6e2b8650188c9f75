/* SPDX-License-Identifier: BSD-2-Clause */
/* Private decoder interface: G.711, L16, G.722, G.729 and Opus to PCM. */
#ifndef SIPREC_CODEC_INT_H
#define SIPREC_CODEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <siprec/err.h>

enum siprec__codec {
	SIPREC__C_NONE = 0,
	SIPREC__C_PCMU,		/* G.711 mu-law, RFC 3551 4.5.14 */
	SIPREC__C_PCMA,		/* G.711 A-law */
	SIPREC__C_G722,		/* 16 kHz audio, 8000 Hz RTP clock */
	SIPREC__C_G729,		/* 10-byte frames, 2-byte Annex B SID */
	SIPREC__C_OPUS,		/* RFC 7587, 48 kHz clock */
	SIPREC__C_L16,		/* RFC 3551 4.5.11, network byte order */
	SIPREC__C_TEVENT,	/* RFC 4733 telephone-event: not audio */
	SIPREC__C_CN,		/* RFC 3389 comfort noise: not audio */
	SIPREC__C_OTHER		/* audio we cannot decode (G.726, GSM...) */
};

/*
 * The most samples one packet may decode to; payloads that would decode
 * to more are refused as undecodable.  120 ms of Opus is 5760.
 */
#define SIPREC__DEC_MAX		16384

/* Codec for an a=rtpmap encoding name (any case); NONE if unknown. */
enum siprec__codec siprec__codec_byname(const char *);

/* Canonical encoding name, as written in stats ("PCMU", "opus"). */
const char	*siprec__codec_name(enum siprec__codec);

/* Sample rate of the decoded audio for an RTP clock; 0 if not audio. */
unsigned int	siprec__codec_rate(enum siprec__codec, unsigned int clock);

struct siprec__dec;

/* Decoder set of one stream; library states are made on first use. */
enum siprec_err	siprec__dec_new(struct siprec__dec **out);
void		siprec__dec_free(struct siprec__dec *);

/* Forget all codec history (a new source). */
void		siprec__dec_reset(struct siprec__dec *);

/*
 * Decode one RTP payload to mono 16-bit PCM at siprec__codec_rate().
 * channels is from the rtpmap (L16 is downmixed by averaging).  Returns
 * SIPREC_EPARSE for a payload that cannot be decoded, SIPREC_ENOMEM if a
 * library decoder cannot be made; *n is the number of samples written
 * to out[0..cap).
 */
enum siprec_err	siprec__dec_decode(struct siprec__dec *, enum siprec__codec,
		    unsigned int channels, const uint8_t *, size_t,
		    int16_t *out, size_t cap, size_t *n);

/*
 * Conceal want samples of loss where the codec can (Opus PLC, RFC 6716
 * 4.4); *n is 0 when it cannot, and the caller writes silence.
 */
void		siprec__dec_conceal(struct siprec__dec *, enum siprec__codec,
		    int16_t *out, size_t want, size_t *n);

#endif
