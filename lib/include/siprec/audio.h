/* SPDX-License-Identifier: BSD-2-Clause */
/* Audio sources for the sending side: files (one channel each), tones, PCM in memory. */
#ifndef SIPREC_AUDIO_H
#define SIPREC_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include <siprec/err.h>

/*
 * A source of mono 16-bit PCM at a fixed rate, read a packet at a time.
 * The samples are held once and shared: siprec_audio_clone() gives a new
 * reader (its own position) over the same samples, so a thousand streams
 * playing one file hold it once.  A source loops at its end unless made
 * with loop 0, when it gives silence after the end.
 */
struct siprec_audio;

#define SIPREC_AUDIO_MAX_SECONDS	3600	/* per channel, held in memory */

/*
 * Channel chan (0-based) of an audio file read by libsndfile (WAV, FLAC,
 * and what else it reads), resampled to rate by linear interpolation when
 * the file's rate differs.  SIPREC_EIO when it cannot be read (diag says
 * why), SIPREC_EINVAL when chan is not in the file, SIPREC_ETOOBIG over
 * SIPREC_AUDIO_MAX_SECONDS.  On failure *out is NULL.
 */
enum siprec_err	siprec_audio_file(const char *path, unsigned int chan,
		    unsigned int rate, int loop, struct siprec_audio **out,
		    struct siprec_diag *);

/* Number of channels of an audio file; SIPREC_EIO if unreadable. */
enum siprec_err	siprec_audio_file_channels(const char *path, unsigned int *n,
		    struct siprec_diag *);

/*
 * A sine tone of freq Hz at amplitude (0..32767), one second held and
 * looped (an integer frequency repeats exactly every second).
 */
enum siprec_err	siprec_audio_tone(double freq, unsigned int amplitude,
		    unsigned int rate, struct siprec_audio **out);

/*
 * PCM already in memory (copied), at in_rate, resampled to rate.
 */
enum siprec_err	siprec_audio_pcm(const int16_t *pcm, size_t n,
		    unsigned int in_rate, unsigned int rate, int loop,
		    struct siprec_audio **out);

/* Another reader over the same samples, starting at offset samples. */
enum siprec_err	siprec_audio_clone(const struct siprec_audio *,
		    size_t offset, struct siprec_audio **out);

/*
 * The next n samples into out.  Returns how many came from the source
 * (n while it loops; fewer, then 0, after the end of a non-looping one,
 * the rest being silence).
 */
size_t		siprec_audio_read(struct siprec_audio *, int16_t *out, size_t n);

/* Skip n samples (a pause keeps the audio on the wall-clock timeline). */
void		siprec_audio_skip(struct siprec_audio *, size_t n);

unsigned int	siprec_audio_rate(const struct siprec_audio *);
size_t		siprec_audio_length(const struct siprec_audio *);	/* samples */

/* Free the reader; the samples go with the last one.  NULL is a no-op. */
void		siprec_audio_free(struct siprec_audio *);

#endif
