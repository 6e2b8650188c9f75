/* SPDX-License-Identifier: BSD-2-Clause */
/* RTP audio decoders: G.711 and L16 here; G.722, G.729 and Opus by library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/decoder.h>
#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include "codec_int.h"

/*
 * G.711 expansion to 16-bit linear, one entry per code word: the decoder
 * output values of the ITU-T G.711 mu-law and A-law tables (14- and
 * 13-bit magnitudes scaled to 16 bits, as G.711 decoders do), with the
 * mu-law bit inversion and the A-law even-bit inversion folded in.
 */
static const int16_t ulaw_tab[256] = {
	-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
	-23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
	-15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
	-11900, -11388, -10876, -10364,  -9852,  -9340,  -8828,  -8316,
	 -7932,  -7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,
	 -5884,  -5628,  -5372,  -5116,  -4860,  -4604,  -4348,  -4092,
	 -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,  -3004,
	 -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,
	 -1884,  -1820,  -1756,  -1692,  -1628,  -1564,  -1500,  -1436,
	 -1372,  -1308,  -1244,  -1180,  -1116,  -1052,   -988,   -924,
	  -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
	  -620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,
	  -372,   -356,   -340,   -324,   -308,   -292,   -276,   -260,
	  -244,   -228,   -212,   -196,   -180,   -164,   -148,   -132,
	  -120,   -112,   -104,    -96,    -88,    -80,    -72,    -64,
	   -56,    -48,    -40,    -32,    -24,    -16,     -8,      0,
	 32124,  31100,  30076,  29052,  28028,  27004,  25980,  24956,
	 23932,  22908,  21884,  20860,  19836,  18812,  17788,  16764,
	 15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,
	 11900,  11388,  10876,  10364,   9852,   9340,   8828,   8316,
	  7932,   7676,   7420,   7164,   6908,   6652,   6396,   6140,
	  5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
	  3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,
	  2876,   2748,   2620,   2492,   2364,   2236,   2108,   1980,
	  1884,   1820,   1756,   1692,   1628,   1564,   1500,   1436,
	  1372,   1308,   1244,   1180,   1116,   1052,    988,    924,
	   876,    844,    812,    780,    748,    716,    684,    652,
	   620,    588,    556,    524,    492,    460,    428,    396,
	   372,    356,    340,    324,    308,    292,    276,    260,
	   244,    228,    212,    196,    180,    164,    148,    132,
	   120,    112,    104,     96,     88,     80,     72,     64,
	    56,     48,     40,     32,     24,     16,      8,      0,
};

static const int16_t alaw_tab[256] = {
	 -5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,
	 -7552,  -7296,  -8064,  -7808,  -6528,  -6272,  -7040,  -6784,
	 -2752,  -2624,  -3008,  -2880,  -2240,  -2112,  -2496,  -2368,
	 -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,
	-22016, -20992, -24064, -23040, -17920, -16896, -19968, -18944,
	-30208, -29184, -32256, -31232, -26112, -25088, -28160, -27136,
	-11008, -10496, -12032, -11520,  -8960,  -8448,  -9984,  -9472,
	-15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568,
	  -344,   -328,   -376,   -360,   -280,   -264,   -312,   -296,
	  -472,   -456,   -504,   -488,   -408,   -392,   -440,   -424,
	   -88,    -72,   -120,   -104,    -24,     -8,    -56,    -40,
	  -216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,
	 -1376,  -1312,  -1504,  -1440,  -1120,  -1056,  -1248,  -1184,
	 -1888,  -1824,  -2016,  -1952,  -1632,  -1568,  -1760,  -1696,
	  -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,
	  -944,   -912,  -1008,   -976,   -816,   -784,   -880,   -848,
	  5504,   5248,   6016,   5760,   4480,   4224,   4992,   4736,
	  7552,   7296,   8064,   7808,   6528,   6272,   7040,   6784,
	  2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,
	  3776,   3648,   4032,   3904,   3264,   3136,   3520,   3392,
	 22016,  20992,  24064,  23040,  17920,  16896,  19968,  18944,
	 30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
	 11008,  10496,  12032,  11520,   8960,   8448,   9984,   9472,
	 15104,  14592,  16128,  15616,  13056,  12544,  14080,  13568,
	   344,    328,    376,    360,    280,    264,    312,    296,
	   472,    456,    504,    488,    408,    392,    440,    424,
	    88,     72,    120,    104,     24,      8,     56,     40,
	   216,    200,    248,    232,    152,    136,    184,    168,
	  1376,   1312,   1504,   1440,   1120,   1056,   1248,   1184,
	  1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,
	   688,    656,    752,    720,    560,    528,    624,    592,
	   944,    912,   1008,    976,    816,    784,    880,    848,
};

#define G729_FRAME	10	/* octets per 10 ms frame, RFC 3551 4.5.6 */
#define G729_SID	2	/* Annex B SID frame */
#define G729_SAMPLES	80
#define OPUS_RATE	48000
#define OPUS_MAXFRAME	5760	/* 120 ms at 48 kHz, RFC 6716 2.1.4 */
#define OPUS_PLC_STEP	120	/* PLC lengths are multiples of 2.5 ms */

struct siprec__dec {
	g722_decode_state_t			*g722;
	bcg729DecoderChannelContextStruct	*g729;
	OpusDecoder				*opus;
};

static const struct {
	const char		*name;
	enum siprec__codec	 codec;
} names[] = {
	{ "PCMU",		SIPREC__C_PCMU },
	{ "PCMA",		SIPREC__C_PCMA },
	{ "G722",		SIPREC__C_G722 },
	{ "G729",		SIPREC__C_G729 },
	{ "opus",		SIPREC__C_OPUS },
	{ "L16",		SIPREC__C_L16 },
	{ "telephone-event",	SIPREC__C_TEVENT },
	{ "CN",			SIPREC__C_CN },
};

enum siprec__codec
siprec__codec_byname(const char *s)
{
	size_t i;

	if (s == NULL)
		return SIPREC__C_NONE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].codec;
	return SIPREC__C_NONE;
}

const char *
siprec__codec_name(enum siprec__codec c)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].codec == c)
			return names[i].name;
	return "";
}

unsigned int
siprec__codec_rate(enum siprec__codec c, unsigned int clock)
{
	switch (c) {
	case SIPREC__C_PCMU:
	case SIPREC__C_PCMA:
	case SIPREC__C_G729:
		return 8000;
	case SIPREC__C_G722:
		/* RFC 3551 4.5.2: 16 kHz audio despite the 8000 Hz clock. */
		return 16000;
	case SIPREC__C_OPUS:
		/* RFC 7587 4.1: decoded at 48 kHz whatever was coded. */
		return OPUS_RATE;
	case SIPREC__C_L16:
		return clock;
	case SIPREC__C_NONE:
	case SIPREC__C_TEVENT:
	case SIPREC__C_CN:
	case SIPREC__C_OTHER:
		break;
	}
	return 0;
}

enum siprec_err
siprec__dec_new(struct siprec__dec **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? SIPREC_ENOMEM : SIPREC_OK;
}

void
siprec__dec_free(struct siprec__dec *d)
{
	if (d == NULL)
		return;
	if (d->g722 != NULL)
		g722_decode_free(d->g722);
	if (d->g729 != NULL)
		closeBcg729DecoderChannel(d->g729);
	if (d->opus != NULL)
		opus_decoder_destroy(d->opus);
	free(d);
}

void
siprec__dec_reset(struct siprec__dec *d)
{
	if (d->g722 != NULL)
		g722_decode_init(d->g722, 64000, 0);
	if (d->g729 != NULL) {
		/* bcg729 has no reset call: make a fresh channel. */
		closeBcg729DecoderChannel(d->g729);
		d->g729 = NULL;
	}
	if (d->opus != NULL)
		opus_decoder_ctl(d->opus, OPUS_RESET_STATE);
}

static enum siprec_err
dec_g722(struct siprec__dec *d, const uint8_t *p, size_t len, int16_t *out,
    size_t cap, size_t *n)
{
	int r;

	/* Mode 1 (64 kbit/s): every octet carries two 16 kHz samples. */
	if (len > cap / 2)
		return SIPREC_EPARSE;
	if (d->g722 == NULL &&
	    (d->g722 = g722_decode_init(NULL, 64000, 0)) == NULL)
		return SIPREC_ENOMEM;
	r = g722_decode(d->g722, out, p, (int)len);
	if (r < 0)
		return SIPREC_EPARSE;
	*n = (size_t)r;
	return SIPREC_OK;
}

static enum siprec_err
dec_g729(struct siprec__dec *d, const uint8_t *p, size_t len, int16_t *out,
    size_t cap, size_t *n)
{
	size_t frames = len / G729_FRAME, sid = len % G729_FRAME, i;

	/* RFC 3551 4.5.6: whole frames, then at most one 2-octet SID. */
	if (sid != 0 && sid != G729_SID)
		return SIPREC_EPARSE;
	if ((frames + (sid != 0)) * G729_SAMPLES > cap)
		return SIPREC_EPARSE;
	if (d->g729 == NULL && (d->g729 = initBcg729DecoderChannel()) == NULL)
		return SIPREC_ENOMEM;
	for (i = 0; i < frames; i++)
		bcg729Decoder(d->g729, p + i * G729_FRAME, G729_FRAME, 0, 0, 0,
		    out + i * G729_SAMPLES);
	if (sid != 0)
		/* Annex B SID: 10 ms of comfort noise from its parameters. */
		bcg729Decoder(d->g729, p + frames * G729_FRAME, G729_SID, 0, 1,
		    0, out + frames * G729_SAMPLES);
	*n = (frames + (sid != 0)) * G729_SAMPLES;
	return SIPREC_OK;
}

static enum siprec_err
opus_ready(struct siprec__dec *d)
{
	int e;

	if (d->opus == NULL) {
		/* One channel: libopus downmixes stereo streams itself. */
		d->opus = opus_decoder_create(OPUS_RATE, 1, &e);
		if (d->opus == NULL || e != OPUS_OK) {
			d->opus = NULL;
			return SIPREC_ENOMEM;
		}
	}
	return SIPREC_OK;
}

static enum siprec_err
dec_opus(struct siprec__dec *d, const uint8_t *p, size_t len, int16_t *out,
    size_t cap, size_t *n)
{
	enum siprec_err e;
	int r;

	if (len == 0 || len > INT32_MAX)
		return SIPREC_EPARSE;
	if ((e = opus_ready(d)) != SIPREC_OK)
		return e;
	r = opus_decode(d->opus, p, (opus_int32)len, out,
	    cap < OPUS_MAXFRAME ? (int)cap : OPUS_MAXFRAME, 0);
	if (r < 0)
		return SIPREC_EPARSE;
	*n = (size_t)r;
	return SIPREC_OK;
}

static enum siprec_err
dec_l16(unsigned int channels, const uint8_t *p, size_t len, int16_t *out,
    size_t cap, size_t *n)
{
	size_t frame = 2 * (size_t)channels, i, c;
	int32_t sum;

	if (channels == 0 || len % frame != 0 || len / frame > cap)
		return SIPREC_EPARSE;
	for (i = 0; i < len / frame; i++) {
		sum = 0;
		for (c = 0; c < channels; c++) {
			const uint8_t *q = p + i * frame + 2 * c;

			sum += (int16_t)(uint16_t)(q[0] << 8 | q[1]);
		}
		/* Downmix: the mean of the channels, truncated. */
		out[i] = (int16_t)(sum / (int32_t)channels);
	}
	*n = len / frame;
	return SIPREC_OK;
}

/* G.711 by table, eight samples a round: most of what a recording costs. */
static void
g711(const int16_t tab[256], const uint8_t *p, size_t len, int16_t *out)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		out[i] = tab[p[i]];
		out[i + 1] = tab[p[i + 1]];
		out[i + 2] = tab[p[i + 2]];
		out[i + 3] = tab[p[i + 3]];
		out[i + 4] = tab[p[i + 4]];
		out[i + 5] = tab[p[i + 5]];
		out[i + 6] = tab[p[i + 6]];
		out[i + 7] = tab[p[i + 7]];
	}
	for (; i < len; i++)
		out[i] = tab[p[i]];
}

enum siprec_err
siprec__dec_decode(struct siprec__dec *d, enum siprec__codec c,
    unsigned int channels, const uint8_t *p, size_t len, int16_t *out,
    size_t cap, size_t *n)
{
	*n = 0;
	switch (c) {
	case SIPREC__C_PCMU:
	case SIPREC__C_PCMA:
		if (len > cap)
			return SIPREC_EPARSE;
		g711(c == SIPREC__C_PCMU ? ulaw_tab : alaw_tab, p, len, out);
		*n = len;
		return SIPREC_OK;
	case SIPREC__C_G722:
		return dec_g722(d, p, len, out, cap, n);
	case SIPREC__C_G729:
		return dec_g729(d, p, len, out, cap, n);
	case SIPREC__C_OPUS:
		return dec_opus(d, p, len, out, cap, n);
	case SIPREC__C_L16:
		return dec_l16(channels, p, len, out, cap, n);
	case SIPREC__C_NONE:
	case SIPREC__C_TEVENT:
	case SIPREC__C_CN:
	case SIPREC__C_OTHER:
		break;
	}
	return SIPREC_EPARSE;
}

void
siprec__dec_conceal(struct siprec__dec *d, enum siprec__codec c, int16_t *out,
    size_t want, size_t *n)
{
	size_t len;
	int r;

	*n = 0;
	if (c != SIPREC__C_OPUS || d->opus == NULL)
		return;
	/* RFC 6716 4.4: a NULL packet asks the decoder to conceal. */
	len = want < OPUS_MAXFRAME ? want : OPUS_MAXFRAME;
	len -= len % OPUS_PLC_STEP;
	if (len == 0)
		return;
	r = opus_decode(d->opus, NULL, 0, out, (int)len, 0);
	if (r > 0)
		*n = (size_t)r;
}
