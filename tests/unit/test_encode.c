/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the encoders: G.711 exact, G.722, G.729 and Opus through their decoders. */
#include <stdlib.h>
#include <string.h>

#include <bcg729/decoder.h>
#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include <siprec/audio.h>
#include <siprec/encode.h>

#include "check.h"

/* G.711 expansion written from the standard, independent of lib/. */
static int
ulaw_dec(uint8_t u)
{
	int	t;

	u = (uint8_t)~u;
	t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static int
alaw_dec(uint8_t a)
{
	int	t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

/* A tone from the library's generator (no libm in the link). */
static void
tone(int16_t *v, size_t n, unsigned int rate, double f, double amp)
{
	struct siprec_audio	*a;

	if (siprec_audio_tone(f, (unsigned int)amp, rate, &a) != SIPREC_OK) {
		memset(v, 0, n * sizeof(*v));
		return;
	}
	siprec_audio_read(a, v, n);
	siprec_audio_free(a);
}

/* 10 log10(x) without libm: enough for thresholds. */
static double
db(double x)
{
	double	r = 0;

	while (x >= 10) {
		x /= 10;
		r += 10;
	}
	while (x < 1 && r > -300) {
		x *= 10;
		r -= 10;
	}
	/* log10 on [1, 10) by bisection on 10^(k/64) steps. */
	while (x > 1.0366) {		/* 10^(1/64) */
		x /= 1.0366329284;
		r += 10.0 / 64;
	}
	return r;
}

/*
 * Signal-to-noise ratio in dB of out against in, at the codec delay
 * (0..maxlag samples) that gives the best match, over in[skip..n).
 */
static double
snr(const int16_t *in, const int16_t *out, size_t n, size_t skip,
    size_t maxlag)
{
	double	best = -1e9, s, e, d;
	size_t	lag, i;

	for (lag = 0; lag <= maxlag; lag++) {
		s = e = 0;
		for (i = skip; i + lag < n; i++) {
			d = (double)out[i + lag] - in[i];
			s += (double)in[i] * in[i];
			e += d * d;
		}
		if (e == 0)
			return 200;
		if (db(s / e) > best)
			best = db(s / e);
	}
	return best;
}

static void
test_g711(void)
{
	int	c, bad_u = 0, bad_a = 0, v;

	/* decode(encode(decode(c))) == decode(c) for every code word. */
	for (c = 0; c < 256; c++) {
		if (ulaw_dec(siprec_enc_ulaw((int16_t)ulaw_dec((uint8_t)c))) !=
		    ulaw_dec((uint8_t)c))
			bad_u++;
		if (alaw_dec(siprec_enc_alaw((int16_t)alaw_dec((uint8_t)c))) !=
		    alaw_dec((uint8_t)c))
			bad_a++;
	}
	CHECK(bad_u == 0);
	CHECK(bad_a == 0);
	/* Known code words (ITU-T G.711 tables). */
	CHECK(siprec_enc_ulaw(0) == 0xff);
	CHECK(siprec_enc_ulaw(32767) == 0x80);
	CHECK(siprec_enc_ulaw(-32768) == 0x00);
	CHECK(siprec_enc_alaw(0) == 0xd5);
	CHECK(siprec_enc_alaw(-1) == 0x55);
	CHECK(siprec_enc_alaw(32767) == 0xaa);
	/* Quantisation error within half a step everywhere. */
	for (v = -32768, c = 0; v <= 32767; v += 7) {
		int d = ulaw_dec(siprec_enc_ulaw((int16_t)v)) - v;
		int m = abs(v) < 32 ? 8 : abs(v) / 16 + 8;
		if (abs(d) > m && abs(v) < 32124)
			c++;
	}
	CHECK(c == 0);
}

static void
test_frames(void)
{
	struct siprec_enc		*e = NULL;
	const struct siprec_enc_info	*in;
	struct siprec_diag		 d;
	enum siprec_enc_codec		 c;
	int16_t				 pcm[960];
	uint8_t				 out[1500];
	size_t				 len, i;

	CHECK(siprec_enc_byname("pcmu", &c) == SIPREC_OK &&
	    c == SIPREC_ENC_PCMU);
	CHECK(siprec_enc_byname("OPUS", &c) == SIPREC_OK &&
	    c == SIPREC_ENC_OPUS);
	CHECK(siprec_enc_byname("GSM", &c) == SIPREC_ENOTFOUND);
	CHECK(siprec_enc_new(SIPREC_ENC_PCMU, 25, &e, &d) == SIPREC_EINVAL &&
	    e == NULL);
	CHECK(siprec_enc_new(SIPREC_ENC_OPUS, 30, &e, &d) == SIPREC_EINVAL);
	CHECK(siprec_enc_new(SIPREC_ENC_PCMA, 0, &e, NULL) == SIPREC_EINVAL);

	CHECK(siprec_enc_new(SIPREC_ENC_PCMA, 20, &e, &d) == SIPREC_OK);
	in = siprec_enc_info(e);
	CHECK(in->pt == 8 && in->samples == 160 && in->ts_step == 160 &&
	    in->clock == 8000 && strcmp(in->name, "PCMA") == 0);
	tone(pcm, 160, 8000, 1000, 8000);
	CHECK(siprec_enc_frame(e, pcm, out, sizeof(out), &len) == SIPREC_OK &&
	    len == 160);
	for (i = 0; i < 160; i++)
		if (out[i] != siprec_enc_alaw(pcm[i]))
			break;
	CHECK(i == 160);
	CHECK(siprec_enc_frame(e, pcm, out, 100, &len) == SIPREC_ETOOBIG);
	siprec_enc_free(e);

	CHECK(siprec_enc_new(SIPREC_ENC_G722, 30, &e, &d) == SIPREC_OK);
	in = siprec_enc_info(e);
	/* RFC 3551 4.5.2: 16 kHz audio, 8 kHz clock. */
	CHECK(in->pt == 9 && in->samples == 480 && in->ts_step == 240 &&
	    in->rate == 16000);
	siprec_enc_free(e);

	CHECK(siprec_enc_new(SIPREC_ENC_G729, 20, &e, &d) == SIPREC_OK);
	in = siprec_enc_info(e);
	CHECK(in->pt == 18 && in->samples == 160 && in->ts_step == 160);
	tone(pcm, 160, 8000, 440, 6000);
	CHECK(siprec_enc_frame(e, pcm, out, sizeof(out), &len) == SIPREC_OK &&
	    len == 20);
	siprec_enc_free(e);

	CHECK(siprec_enc_new(SIPREC_ENC_OPUS, 20, &e, &d) == SIPREC_OK);
	in = siprec_enc_info(e);
	/* RFC 7587 4.1, 7: 48 kHz clock whatever the input, "opus/48000/2". */
	CHECK(in->clock == 48000 && in->ts_step == 960 && in->channels == 2);
	siprec_enc_free(e);
	siprec_enc_free(NULL);
}

/* Encode 2 s of a tone and decode it with the codec's own decoder. */
static double
roundtrip(enum siprec_enc_codec c)
{
	struct siprec_enc		*e;
	const struct siprec_enc_info	*in;
	g722_decode_state_t		*g722 = NULL;
	bcg729DecoderChannelContextStruct *g729 = NULL;
	OpusDecoder			*opus = NULL;
	int16_t				*src, *dst;
	uint8_t				 pkt[1500];
	size_t				 n, len, k, f;
	double				 r;
	int				 err;

	if (siprec_enc_new(c, 20, &e, NULL) != SIPREC_OK)
		return -1;
	in = siprec_enc_info(e);
	n = in->rate * 2;
	src = calloc(n, sizeof(*src));
	dst = calloc(n, sizeof(*dst));
	tone(src, n, in->rate, 700, 8000);
	if (c == SIPREC_ENC_G722)
		g722 = g722_decode_init(NULL, 64000, 0);
	else if (c == SIPREC_ENC_G729)
		g729 = initBcg729DecoderChannel();
	else
		opus = opus_decoder_create((opus_int32)in->rate, 1, &err);
	for (k = 0; k + in->samples <= n; k += in->samples) {
		if (siprec_enc_frame(e, src + k, pkt, sizeof(pkt), &len) !=
		    SIPREC_OK)
			break;
		if (g722 != NULL)
			g722_decode(g722, dst + k, pkt, (int)len);
		else if (g729 != NULL)
			for (f = 0; f < len / 10; f++)
				bcg729Decoder(g729, pkt + 10 * f, 10, 0, 0, 0,
				    dst + k + 80 * f);
		else
			if (opus_decode(opus, pkt, (opus_int32)len, dst + k,
			    (int)in->samples, 0) < 0)
				break;
	}
	r = snr(src, dst, n, in->rate / 4, in->rate / 50);
	if (g722 != NULL)
		g722_decode_free(g722);
	if (g729 != NULL)
		closeBcg729DecoderChannel(g729);
	if (opus != NULL)
		opus_decoder_destroy(opus);
	free(src);
	free(dst);
	siprec_enc_free(e);
	return r;
}

int
main(void)
{
	double	r;

	test_g711();
	test_frames();
	/*
	 * Lossy codecs: a 700 Hz tone comes back through the codec's own
	 * decoder with at least this SNR.
	 */
	r = roundtrip(SIPREC_ENC_G722);
	printf("# G.722 SNR %.1f dB\n", r);
	CHECK(r > 35);	/* measured 50.5 dB */
	r = roundtrip(SIPREC_ENC_G729);
	printf("# G.729 SNR %.1f dB\n", r);
	CHECK(r > 15);	/* measured 21.2 dB */
	r = roundtrip(SIPREC_ENC_OPUS);
	printf("# Opus SNR %.1f dB\n", r);
	CHECK(r > 20);	/* measured 32.5 dB */
	return CHECK_DONE();
}
