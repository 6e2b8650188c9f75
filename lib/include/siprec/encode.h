/* SPDX-License-Identifier: BSD-2-Clause */
/* Audio encoders for the sending side: G.711 built in; G.722, G.729, Opus by library. */
#ifndef SIPREC_ENCODE_H
#define SIPREC_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <siprec/err.h>

enum siprec_enc_codec {
	SIPREC_ENC_PCMU = 0,	/* G.711 mu-law, static PT 0 (RFC 3551 6) */
	SIPREC_ENC_PCMA,	/* G.711 A-law, static PT 8 */
	SIPREC_ENC_G722,	/* 16 kHz audio on an 8000 Hz RTP clock, PT 9 */
	SIPREC_ENC_G729,	/* 8 kHz, 10-byte frames per 10 ms, PT 18 */
	SIPREC_ENC_OPUS		/* RFC 7587: 48 kHz clock, dynamic PT */
};

/* What an encoder produces; fixed per codec and ptime. */
struct siprec_enc_info {
	const char	*name;		/* rtpmap encoding name, "PCMU" */
	unsigned int	 pt;		/* default payload type */
	unsigned int	 clock;		/* RTP clock rate (rtpmap) */
	unsigned int	 channels;	/* rtpmap channels (2 for opus) */
	unsigned int	 rate;		/* sample rate of the PCM input */
	unsigned int	 ptime;		/* milliseconds per packet */
	size_t		 samples;	/* PCM samples per packet */
	uint32_t	 ts_step;	/* RTP timestamp increment per packet */
	const char	*fmtp;		/* a=fmtp value or NULL */
};

/*
 * The codec named by an rtpmap encoding name, case-insensitive ("PCMU",
 * "pcma", "G722", "G729", "opus").  SIPREC_ENOTFOUND for anything else.
 */
enum siprec_err	siprec_enc_byname(const char *, enum siprec_enc_codec *out);

struct siprec_enc;

/*
 * An encoder for codec at ptime milliseconds per packet.  ptime must be
 * a multiple of 10 ms from 10 to 120 (Opus: 10, 20, 40 or 60; G.711 and
 * G.722 also 10 to 120 in 10 ms steps); SIPREC_EINVAL otherwise, with
 * diag.  SIPREC_ENOMEM when a library state cannot be made.  On failure
 * *out is NULL.
 */
enum siprec_err	siprec_enc_new(enum siprec_enc_codec, unsigned int ptime,
		    struct siprec_enc **out, struct siprec_diag *);

/* Free the encoder; NULL is a no-op. */
void		siprec_enc_free(struct siprec_enc *);

const struct siprec_enc_info *
		siprec_enc_info(const struct siprec_enc *);

/*
 * Encode one packet's worth of mono PCM: pcm holds exactly info->samples
 * samples at info->rate.  The payload goes to out[0..cap) and its length
 * to *len.  SIPREC_ETOOBIG when cap is too small (1500 bytes always
 * suffice); SIPREC_EUNSUPP when the library encoder fails.
 */
enum siprec_err	siprec_enc_frame(struct siprec_enc *, const int16_t *pcm,
		    uint8_t *out, size_t cap, size_t *len);

/* One G.711 code word for a 16-bit linear sample (ITU-T G.711). */
uint8_t		siprec_enc_ulaw(int16_t);
uint8_t		siprec_enc_alaw(int16_t);

#endif
