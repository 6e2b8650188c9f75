/* SPDX-License-Identifier: BSD-2-Clause */
/* Audio encoders for the sending side: G.711 here; G.722, G.729 and Opus by library. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/encoder.h>
#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include <siprec/encode.h>

struct siprec_enc {
	enum siprec_enc_codec		 codec;
	struct siprec_enc_info		 info;
	g722_encode_state_t		*g722;
	bcg729EncoderChannelContextStruct *g729;
	OpusEncoder			*opus;
};

/*
 * Opus input is taken at 16 kHz (wideband); the RTP clock is 48 kHz
 * whatever the input rate (RFC 7587 4.1), and the rtpmap says /2
 * (RFC 7587 7).
 */
#define OPUS_IN_RATE	16000
#define OPUS_PT		111

static const struct {
	const char	*name;
	unsigned int	 pt, clock, channels, rate;
	const char	*fmtp;
} ctab[] = {
	[SIPREC_ENC_PCMU] = { "PCMU", 0, 8000, 1, 8000, NULL },
	[SIPREC_ENC_PCMA] = { "PCMA", 8, 8000, 1, 8000, NULL },
	/* RFC 3551 4.5.2: 16 kHz audio, clock 8000 for historical reasons. */
	[SIPREC_ENC_G722] = { "G722", 9, 8000, 1, 16000, NULL },
	/* Annex B off: every 10 ms is a 10-byte frame, no SID. */
	[SIPREC_ENC_G729] = { "G729", 18, 8000, 1, 8000, "annexb=no" },
	[SIPREC_ENC_OPUS] = { "opus", OPUS_PT, 48000, 2, OPUS_IN_RATE,
	    "useinbandfec=0; stereo=0; sprop-stereo=0" },
};

enum siprec_err
siprec_enc_byname(const char *s, enum siprec_enc_codec *out)
{
	size_t	i;

	if (s == NULL || out == NULL)
		return SIPREC_EINVAL;
	for (i = 0; i < sizeof(ctab) / sizeof(ctab[0]); i++)
		if (strcasecmp(s, ctab[i].name) == 0) {
			*out = (enum siprec_enc_codec)i;
			return SIPREC_OK;
		}
	return SIPREC_ENOTFOUND;
}

enum siprec_err
siprec_enc_new(enum siprec_enc_codec c, unsigned int ptime,
    struct siprec_enc **out, struct siprec_diag *diag)
{
	struct siprec_enc	*e;
	int			 err;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if ((unsigned int)c >= sizeof(ctab) / sizeof(ctab[0])) {
		siprec_diag_set(diag, 0, 0, "unknown codec %d", (int)c);
		return SIPREC_EINVAL;
	}
	if (ptime < 10 || ptime > 120 || ptime % 10 != 0 ||
	    (c == SIPREC_ENC_OPUS && ptime != 10 && ptime != 20 &&
	    ptime != 40 && ptime != 60)) {
		siprec_diag_set(diag, 0, 0, "ptime %u ms not possible for %s",
		    ptime, ctab[c].name);
		return SIPREC_EINVAL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return SIPREC_ENOMEM;
	e->codec = c;
	e->info.name = ctab[c].name;
	e->info.pt = ctab[c].pt;
	e->info.clock = ctab[c].clock;
	e->info.channels = ctab[c].channels;
	e->info.rate = ctab[c].rate;
	e->info.ptime = ptime;
	e->info.samples = (size_t)ctab[c].rate * ptime / 1000;
	e->info.ts_step = ctab[c].clock * ptime / 1000;
	e->info.fmtp = ctab[c].fmtp;
	switch (c) {
	case SIPREC_ENC_G722:
		e->g722 = g722_encode_init(NULL, 64000, 0);
		if (e->g722 == NULL)
			goto nomem;
		break;
	case SIPREC_ENC_G729:
		if ((e->g729 = initBcg729EncoderChannel(0)) == NULL)
			goto nomem;
		break;
	case SIPREC_ENC_OPUS:
		e->opus = opus_encoder_create(OPUS_IN_RATE, 1,
		    OPUS_APPLICATION_VOIP, &err);
		if (e->opus == NULL || err != OPUS_OK)
			goto nomem;
		/* Deterministic output for tests: no DTX, no FEC. */
		(void)opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(24000));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_DTX(0));
		(void)opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(0));
		break;
	default:
		break;
	}
	*out = e;
	return SIPREC_OK;
nomem:
	siprec_diag_set(diag, 0, 0, "cannot make a %s encoder", ctab[c].name);
	siprec_enc_free(e);
	return SIPREC_ENOMEM;
}

void
siprec_enc_free(struct siprec_enc *e)
{
	if (e == NULL)
		return;
	if (e->g722 != NULL)
		g722_encode_free(e->g722);
	if (e->g729 != NULL)
		closeBcg729EncoderChannel(e->g729);
	if (e->opus != NULL)
		opus_encoder_destroy(e->opus);
	free(e);
}

const struct siprec_enc_info *
siprec_enc_info(const struct siprec_enc *e)
{
	return e == NULL ? NULL : &e->info;
}

/*
 * ITU-T G.711 mu-law: bias 0x84, 8 segments, the code word inverted.
 * The inverse of the decoder table in codec.c for every code word, so
 * that decode(encode(decode(c))) == decode(c) holds exactly.
 */
uint8_t
siprec_enc_ulaw(int16_t s)
{
	int	pcm = s, sign = 0, exp, mant, t;

	if (pcm < 0) {
		pcm = -pcm;
		sign = 0x80;
	}
	if (pcm > 32635)
		pcm = 32635;
	pcm += 0x84;
	for (exp = 7, t = 0x4000; exp > 0 && (pcm & t) == 0; exp--, t >>= 1)
		;
	mant = (pcm >> (exp + 3)) & 0x0f;
	return (uint8_t)~(sign | (exp << 4) | mant);
}

/* ITU-T G.711 A-law on the 13-bit magnitude, even bits inverted. */
uint8_t
siprec_enc_alaw(int16_t s)
{
	int	pcm = s >> 3, mask, seg, aval;

	if (pcm >= 0)
		mask = 0xd5;
	else {
		mask = 0x55;
		pcm = -pcm - 1;
	}
	for (seg = 0; seg < 8 && pcm > (0x20 << seg) - 1; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = seg << 4;
	aval |= seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

/*
 * Both laws for every 16-bit sample, made once: a lookup per sample keeps
 * thousands of streams cheap (the paced sender encodes as it sends).
 */
static uint8_t ulaw_lut[65536], alaw_lut[65536];
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;

static void
lut_init(void)
{
	int	v;

	for (v = -32768; v <= 32767; v++) {
		ulaw_lut[(uint16_t)v] = siprec_enc_ulaw((int16_t)v);
		alaw_lut[(uint16_t)v] = siprec_enc_alaw((int16_t)v);
	}
}

enum siprec_err
siprec_enc_frame(struct siprec_enc *e, const int16_t *pcm, uint8_t *out,
    size_t cap, size_t *len)
{
	const uint8_t	*lut;
	size_t		n, i;
	uint8_t		flen;
	int		r;

	if (e == NULL || pcm == NULL || out == NULL || len == NULL)
		return SIPREC_EINVAL;
	*len = 0;
	n = e->info.samples;
	switch (e->codec) {
	case SIPREC_ENC_PCMU:
	case SIPREC_ENC_PCMA:
		if (cap < n)
			return SIPREC_ETOOBIG;
		(void)pthread_once(&lut_once, lut_init);
		lut = e->codec == SIPREC_ENC_PCMU ? ulaw_lut : alaw_lut;
		for (i = 0; i < n; i++)
			out[i] = lut[(uint16_t)pcm[i]];
		*len = n;
		return SIPREC_OK;
	case SIPREC_ENC_G722:
		/* 4 bits per 16 kHz sample: 64 kbit/s (mode 1). */
		if (cap < n / 2)
			return SIPREC_ETOOBIG;
		r = g722_encode(e->g722, out, pcm, (int)n);
		if (r < 0)
			return SIPREC_EUNSUPP;
		*len = (size_t)r;
		return SIPREC_OK;
	case SIPREC_ENC_G729:
		/* 80 samples a frame, 10 bytes each (RFC 3551 4.5.6). */
		if (cap < n / 8)
			return SIPREC_ETOOBIG;
		for (i = 0; i < n; i += 80) {
			flen = 0;
			bcg729Encoder(e->g729, pcm + i, out + *len, &flen);
			if (flen != 10)
				return SIPREC_EUNSUPP;
			*len += flen;
		}
		return SIPREC_OK;
	case SIPREC_ENC_OPUS:
		r = opus_encode(e->opus, pcm, (int)n, out,
		    (opus_int32)(cap > 1500 ? 1500 : cap));
		if (r == OPUS_BUFFER_TOO_SMALL)
			return SIPREC_ETOOBIG;
		if (r < 0)
			return SIPREC_EUNSUPP;
		*len = (size_t)r;
		return SIPREC_OK;
	}
	return SIPREC_EINVAL;
}
