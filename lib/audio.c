/* SPDX-License-Identifier: BSD-2-Clause */
/* Audio sources for the sending side: files (one channel each), tones, PCM in memory. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include <siprec/audio.h>

struct samples {
	atomic_uint	 refs;
	int16_t		*v;
	size_t		 n;
	unsigned int	 rate;
};

struct siprec_audio {
	struct samples	*s;
	size_t		 pos;
	int		 loop;
	int		 ended;
};

static void
samples_unref(struct samples *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
		free(s->v);
		free(s);
	}
}

static enum siprec_err
wrap(struct samples *s, int loop, struct siprec_audio **out)
{
	struct siprec_audio	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		samples_unref(s);
		return SIPREC_ENOMEM;
	}
	a->s = s;
	a->loop = loop;
	*out = a;
	return SIPREC_OK;
}

/* Round to nearest and clamp to 16 bits (no libm in the library). */
static int16_t
clamp16(double x)
{
	long	v = (long)(x < 0 ? x - 0.5 : x + 0.5);

	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/*
 * cos(x) for |x| <= pi by its Taylor series (to x^20: error < 1e-9);
 * the program links no libm.
 */
static double
cosine(double x)
{
	double	term = 1, sum = 1;
	int	k;

	for (k = 1; k <= 10; k++) {
		term *= -x * x / ((2 * k - 1) * (2 * k));
		sum += term;
	}
	return sum;
}

/* Square root by Newton's method, x >= 0. */
static double
root(double x)
{
	double	r = x > 1 ? x : 1;
	int	i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 60; i++)
		r = (r + x / r) / 2;
	return r;
}

/*
 * Linear interpolation from in_rate to rate.  Good enough for test
 * signals and speech into telephone codecs; not a studio resampler.
 */
static int16_t *
resample(const int16_t *in, size_t n, unsigned int in_rate, unsigned int rate,
    size_t *outn)
{
	int16_t		*o;
	size_t		 m, i, k;
	uint64_t	 num;
	double		 f, x;

	if (in_rate == rate) {
		if ((o = malloc((n ? n : 1) * sizeof(*o))) == NULL)
			return NULL;
		if (n > 0)
			memcpy(o, in, n * sizeof(*o));
		*outn = n;
		return o;
	}
	m = (size_t)((uint64_t)n * rate / in_rate);
	if ((o = malloc((m ? m : 1) * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < m; i++) {
		num = (uint64_t)i * in_rate;
		k = (size_t)(num / rate);
		f = (double)(num % rate) / rate;
		x = in[k];
		if (k + 1 < n)
			x += f * (in[k + 1] - in[k]);
		o[i] = clamp16(x);
	}
	*outn = m;
	return o;
}

static struct samples *
samples_new(int16_t *v, size_t n, unsigned int rate)
{
	struct samples	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	s->v = v;
	s->n = n;
	s->rate = rate;
	return s;
}

enum siprec_err
siprec_audio_pcm(const int16_t *pcm, size_t n, unsigned int in_rate,
    unsigned int rate, int loop, struct siprec_audio **out)
{
	struct samples	*s;
	int16_t		*v;
	size_t		 m;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if ((pcm == NULL && n > 0) || in_rate == 0 || rate == 0)
		return SIPREC_EINVAL;
	if ((v = resample(pcm, n, in_rate, rate, &m)) == NULL)
		return SIPREC_ENOMEM;
	if ((s = samples_new(v, m, rate)) == NULL) {
		free(v);
		return SIPREC_ENOMEM;
	}
	return wrap(s, loop, out);
}

enum siprec_err
siprec_audio_tone(double freq, unsigned int amplitude, unsigned int rate,
    struct siprec_audio **out)
{
	struct samples	*s;
	int16_t		*v;
	size_t		 i;
	double		 c, y0, y1, y2;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (rate == 0 || amplitude > 32767 || freq < 0 || freq >= rate / 2.0)
		return SIPREC_EINVAL;
	if ((v = malloc(rate * sizeof(*v))) == NULL)
		return SIPREC_ENOMEM;
	/*
	 * The oscillator y[n] = 2 cos(w) y[n-1] - y[n-2] gives A sin(n w)
	 * from y[0] = 0 and y[-1] = -A sin(w) (0 <= w < pi here).
	 */
	c = cosine(2 * 3.14159265358979323846 * freq / rate);
	y1 = 0;
	y2 = -(double)amplitude * root(1 - c * c);
	for (i = 0; i < rate; i++) {
		v[i] = clamp16(y1);
		y0 = 2 * c * y1 - y2;
		y2 = y1;
		y1 = y0;
	}
	if ((s = samples_new(v, rate, rate)) == NULL) {
		free(v);
		return SIPREC_ENOMEM;
	}
	return wrap(s, 1, out);
}

enum siprec_err
siprec_audio_file_channels(const char *path, unsigned int *n,
    struct siprec_diag *diag)
{
	SF_INFO	 info;
	SNDFILE	*sf;

	memset(&info, 0, sizeof(info));
	if (path == NULL || n == NULL)
		return SIPREC_EINVAL;
	if ((sf = sf_open(path, SFM_READ, &info)) == NULL) {
		siprec_diag_set(diag, 0, 0, "%s", sf_strerror(NULL));
		return SIPREC_EIO;
	}
	*n = (unsigned int)info.channels;
	sf_close(sf);
	return SIPREC_OK;
}

enum siprec_err
siprec_audio_file(const char *path, unsigned int chan, unsigned int rate,
    int loop, struct siprec_audio **out, struct siprec_diag *diag)
{
	SF_INFO		 info;
	SNDFILE		*sf;
	int16_t		*frames = NULL, *mono = NULL;
	sf_count_t	 got, i;
	enum siprec_err	 e;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (path == NULL || rate == 0)
		return SIPREC_EINVAL;
	memset(&info, 0, sizeof(info));
	if ((sf = sf_open(path, SFM_READ, &info)) == NULL) {
		siprec_diag_set(diag, 0, 0, "%s", sf_strerror(NULL));
		return SIPREC_EIO;
	}
	if (chan >= (unsigned int)info.channels) {
		siprec_diag_set(diag, 0, 0, "channel %u asked, the file has %d",
		    chan + 1, info.channels);
		sf_close(sf);
		return SIPREC_EINVAL;
	}
	if (info.samplerate <= 0 || info.frames < 0 ||
	    info.frames / info.samplerate > SIPREC_AUDIO_MAX_SECONDS) {
		siprec_diag_set(diag, 0, 0, "longer than %d s",
		    SIPREC_AUDIO_MAX_SECONDS);
		sf_close(sf);
		return SIPREC_ETOOBIG;
	}
	frames = malloc(((size_t)info.frames + 1) * (size_t)info.channels *
	    sizeof(*frames));
	mono = malloc(((size_t)info.frames + 1) * sizeof(*mono));
	if (frames == NULL || mono == NULL) {
		e = SIPREC_ENOMEM;
		goto out;
	}
	got = sf_readf_short(sf, frames, info.frames);
	if (got < 0 || (got < info.frames && sf_error(sf) != SF_ERR_NO_ERROR)) {
		siprec_diag_set(diag, 0, 0, "%s", sf_strerror(sf));
		e = SIPREC_EIO;
		goto out;
	}
	for (i = 0; i < got; i++)
		mono[i] = frames[i * info.channels + chan];
	e = siprec_audio_pcm(mono, (size_t)got, (unsigned int)info.samplerate,
	    rate, loop, out);
out:
	free(frames);
	free(mono);
	sf_close(sf);
	return e;
}

enum siprec_err
siprec_audio_clone(const struct siprec_audio *a, size_t offset,
    struct siprec_audio **out)
{
	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (a == NULL)
		return SIPREC_EINVAL;
	atomic_fetch_add(&a->s->refs, 1);
	if (wrap(a->s, a->loop, out) != SIPREC_OK)
		return SIPREC_ENOMEM;
	(*out)->pos = a->s->n ? offset % a->s->n : 0;
	return SIPREC_OK;
}

size_t
siprec_audio_read(struct siprec_audio *a, int16_t *out, size_t n)
{
	size_t	done = 0, k;

	while (done < n) {
		if (a->s->n == 0 || a->ended) {
			memset(out + done, 0, (n - done) * sizeof(*out));
			break;
		}
		k = a->s->n - a->pos;
		if (k > n - done)
			k = n - done;
		memcpy(out + done, a->s->v + a->pos, k * sizeof(*out));
		done += k;
		a->pos += k;
		if (a->pos == a->s->n) {
			a->pos = 0;
			if (!a->loop)
				a->ended = 1;
		}
	}
	return done;
}

void
siprec_audio_skip(struct siprec_audio *a, size_t n)
{
	if (a == NULL || a->s->n == 0 || a->ended)
		return;
	if (!a->loop && a->pos + n >= a->s->n) {
		a->ended = 1;
		return;
	}
	a->pos = (a->pos + n) % a->s->n;
}

unsigned int
siprec_audio_rate(const struct siprec_audio *a)
{
	return a->s->rate;
}

size_t
siprec_audio_length(const struct siprec_audio *a)
{
	return a->s->n;
}

void
siprec_audio_free(struct siprec_audio *a)
{
	if (a == NULL)
		return;
	samples_unref(a->s);
	free(a);
}
