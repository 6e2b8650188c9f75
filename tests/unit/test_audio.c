/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the audio sources: tones, files one channel each, sharing, loops. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include <siprec/audio.h>

#include "check.h"

static void
test_tone(void)
{
	struct siprec_audio	*a = NULL, *b = NULL;
	int16_t			 v[16000], w[100];
	size_t			 i, zc = 0;
	int			 peak = 0;

	a = (struct siprec_audio *)v;
	CHECK(siprec_audio_tone(5000, 8000, 8000, &a) == SIPREC_EINVAL &&
	    a == NULL);	/* above Nyquist */
	CHECK(siprec_audio_tone(400, 40000, 8000, &a) == SIPREC_EINVAL);
	CHECK(siprec_audio_tone(400, 10000, 16000, &a) == SIPREC_OK);
	CHECK(siprec_audio_length(a) == 16000 && siprec_audio_rate(a) == 16000);
	CHECK(siprec_audio_read(a, v, 16000) == 16000);
	for (i = 1; i < 16000; i++) {
		if ((v[i - 1] < 0) != (v[i] < 0))
			zc++;
		if (abs(v[i]) > peak)
			peak = abs(v[i]);
	}
	/* 400 Hz: 800 sign changes a second; the amplitude as asked. */
	CHECK(zc >= 798 && zc <= 801);
	CHECK(peak >= 9990 && peak <= 10000);
	CHECK(v[0] == 0 && v[10] > 0);
	/* A clone shares the samples, from its own offset. */
	CHECK(siprec_audio_clone(a, 40, &b) == SIPREC_OK);
	CHECK(siprec_audio_read(b, w, 10) == 10 && w[0] == v[40]);
	siprec_audio_free(a);
	/* The samples outlive the first reader. */
	siprec_audio_skip(b, 50);
	CHECK(siprec_audio_read(b, w, 1) == 1 && w[0] == v[100]);
	/* It loops. */
	siprec_audio_skip(b, 15899);
	CHECK(siprec_audio_read(b, w, 2) == 2 && w[0] == v[0] &&
	    w[1] == v[1]);
	siprec_audio_free(b);
	siprec_audio_free(NULL);
}

static void
test_pcm(void)
{
	struct siprec_audio	*a;
	int16_t			 in[8] = { 0, 100, 200, 300, 400, 500, 600,
				    700 }, out[20];

	CHECK(siprec_audio_pcm(in, 8, 8000, 16000, 0, &a) == SIPREC_OK);
	CHECK(siprec_audio_length(a) == 16);
	/* Linear interpolation: the midpoints fall between the samples. */
	CHECK(siprec_audio_read(a, out, 20) == 16);
	CHECK(out[0] == 0 && out[1] == 50 && out[2] == 100 && out[3] == 150);
	/* Not looping: silence after the end, and nothing more. */
	CHECK(out[16] == 0 && out[19] == 0);
	CHECK(siprec_audio_read(a, out, 4) == 0);
	siprec_audio_free(a);
	CHECK(siprec_audio_pcm(in, 8, 8000, 8000, 1, &a) == SIPREC_OK);
	CHECK(siprec_audio_read(a, out, 10) == 10 && out[8] == 0 &&
	    out[9] == 100);
	siprec_audio_free(a);
	CHECK(siprec_audio_pcm(NULL, 8, 8000, 8000, 1, &a) == SIPREC_EINVAL);
}

static void
test_file(void)
{
	char			 path[] = "/tmp/test_audio.XXXXXX";
	SF_INFO			 info;
	SNDFILE			*sf;
	struct siprec_audio	*a;
	struct siprec_diag	 d;
	int16_t			 fr[3 * 800], out[800];
	unsigned int		 n = 0;
	int			 fd, i;

	if ((fd = mkstemp(path)) < 0) {
		CHECK(!"mkstemp");
		return;
	}
	close(fd);
	/* Three channels, each a ramp with its own offset. */
	for (i = 0; i < 800; i++) {
		fr[3 * i] = (int16_t)i;
		fr[3 * i + 1] = (int16_t)(1000 + i);
		fr[3 * i + 2] = (int16_t)(-i);
	}
	memset(&info, 0, sizeof(info));
	info.samplerate = 8000;
	info.channels = 3;
	info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
	sf = sf_open(path, SFM_WRITE, &info);
	CHECK(sf != NULL);
	if (sf == NULL)
		return;
	CHECK(sf_writef_short(sf, fr, 800) == 800);
	sf_close(sf);

	CHECK(siprec_audio_file_channels(path, &n, &d) == SIPREC_OK && n == 3);
	CHECK(siprec_audio_file(path, 1, 8000, 0, &a, &d) == SIPREC_OK);
	CHECK(siprec_audio_read(a, out, 800) == 800);
	CHECK(out[0] == 1000 && out[799] == 1799);
	siprec_audio_free(a);
	CHECK(siprec_audio_file(path, 2, 16000, 0, &a, &d) == SIPREC_OK);
	CHECK(siprec_audio_length(a) == 1600);
	CHECK(siprec_audio_read(a, out, 4) == 4 && out[0] == 0 &&
	    out[1] == -1 && out[2] == -1 && out[3] == -2);
	/* halves round away from zero */
	siprec_audio_free(a);
	a = (struct siprec_audio *)&d;
	CHECK(siprec_audio_file(path, 3, 8000, 0, &a, &d) == SIPREC_EINVAL &&
	    a == NULL);
	CHECK(strstr(d.detail, "channel 4") != NULL);
	unlink(path);
	CHECK(siprec_audio_file(path, 0, 8000, 0, &a, &d) == SIPREC_EIO &&
	    a == NULL);
}

int
main(void)
{
	test_tone();
	test_pcm();
	test_file();
	return CHECK_DONE();
}
