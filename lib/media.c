/* SPDX-License-Identifier: BSD-2-Clause */
/* One recorded stream: RTP reordered, decoded, placed on a shared timeline. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sndfile.h>

#include <siprec/media.h>

#include "codec_int.h"
#include "media_int.h"
#include "pool_int.h"
#include "writer_int.h"

/*
 * Design note.  Packets of the current SSRC go through a reorder window
 * of N packets sorted by extended sequence number; when it holds more
 * than N the lowest is released, and so is every packet that follows
 * the last released without a gap (in order, the usual case, a packet
 * is released on arrival and never copied).  Release order depends only
 * on the order of the calls, never on a clock: the same calls give the
 * same file, byte for byte, live or offline.  Released packets are decoded
 * and placed at a sample position of the file:
 *
 *  - the first packet of a segment (the first packet of an SSRC, the
 *    first after a pause or a change of RTP clock, or after an
 *    implausible timestamp step) at its arrival time: (arrival - t0) *
 *    rate / 1e9, rounded down;
 *  - every later packet at anchor + (extended ts - anchor ts) * rate /
 *    clock, rounded down, so G.722 (clock 8000, 16 kHz audio) and Opus
 *    (clock 48000) land where their timestamps say;
 *  - a step of more than 10 s forward, or any step backward, is
 *    implausible: the packet re-anchors at its arrival (counted in
 *    stats resyncs);
 *  - audio placed after the end of what is written is preceded by
 *    silence (loss, DTX, comfort noise, jumps); audio placed before it
 *    loses its overlapping head; within 2 samples counts as contiguous.
 *
 * Resampling, when the decoded rate differs from the file's, is linear
 * and causal, with counters since the last discontinuity: upsampling
 * gives output k the value at input position (k + 1) * in / out - 1,
 * interpolated between the two input samples around it (8 -> 16 kHz:
 * the mean of the previous and the current sample, then the current
 * one); downsampling averages the input samples i with floor(i * out /
 * in) == k (16 -> 8 kHz: pairs; 48 -> 8 kHz: groups of six), rounded to
 * nearest, halves away from zero.
 */

#define NS_PER_S	1000000000u
#define REORDER_DEFAULT	32
#define REORDER_MAX	1024
#define PKT_MAX		65535		/* largest UDP payload */
#define SLOT_MIN	512
#define OUT_CHUNK	(SIPREC__WBUF / 2)	/* samples buffered before a write */
#define PAGE		4096		/* writes end on page boundaries */
#define HIST		1024		/* released seqs kept for duplicates */
#define EPOCH		((uint64_t)1 << 32)	/* first extended seq base */
#define JUMP_MAX_S	10
#define PLACE_TOL	2
#define RATE_MIN	1000
#define RATE_MAX	384000
#define CHANNELS_MAX	16
#define NEVENTS		4		/* RFC 4733 events tracked at once */

enum silence {
	SIL_LEAD,	/* before the first audio: not counted */
	SIL_GAP,	/* loss, DTX, jumps, between segments */
	SIL_PAUSE,	/* siprec_stream_pause() */
	SIL_PAD		/* up to the recording's end: not counted */
};

struct ptmap {
	enum siprec__codec	 codec;
	unsigned int		 clock;
	unsigned short		 channels;
	unsigned char		 set;
	char			 name[17];	/* SIPREC__C_OTHER: its name */
};

/* A packet in the reorder window: its header as parsed, its payload. */
struct slot {
	uint64_t	 ext;
	uint64_t	 arrival;
	uint32_t	 ts, ssrc;
	uint8_t		 pt;
	size_t		 len, cap;	/* of the payload */
	uint8_t		*buf;
};

/* The current SSRC. */
struct source {
	int			 active;
	uint32_t		 ssrc;
	struct siprec__seq	 seq;
	struct siprec__jitter	 jit;
	uint64_t		 hi;		/* highest extended seq */
	uint64_t		 out;		/* last released */
	int			 released;	/* out is valid */
	uint64_t		 hist[HIST / 64];
};

/* Where the current segment sits on the file's timeline. */
struct segment {
	int			 anchored;
	unsigned int		 clock;
	uint32_t		 ts_last;
	int64_t			 ts_ext;	/* ts_last, from the anchor */
	uint64_t		 anchor_pos;	/* file sample of ts_ext 0 */
	int64_t			 next_ts;	/* end of the last audio */
	int			 plc_ok;	/* next_ts is meaningful */
	enum siprec__codec	 last_codec;
};

struct resamp {
	unsigned int	 from;		/* input rate, as decoded */
	unsigned int	 in, out;	/* in and file rate over their gcd */
	uint64_t	 nin, nout;
	int16_t		 prev;
	int64_t		 acc;
	unsigned int	 accn;
};

struct event {
	int		 valid;
	uint32_t	 ssrc, ts;
	unsigned int	 event;
	int		 ended;
	uint64_t	 base, dur;	/* clock units */
	unsigned int	 clock;
	unsigned int	 idx;		/* in stats dtmf[], or >= 64 */
};

/*
 * Fields in order of use: those every packet touches first, so that a
 * stream costs few cache lines among thousands (the statistics, the
 * payload type map and the rest further down).
 */
struct siprec_stream {
	enum siprec_err		 err;		/* sticky */
	int			 finished;
	int			 have_audio;
	unsigned int		 rate;		/* 0 until the file opens */
	unsigned int		 codec_pt;	/* for stats codec; 128 none */
	size_t			 on;
	size_t			 chunk;		/* samples per write */
	int16_t			*obuf;		/* OUT_CHUNK, siprec__wbuf_get() */
	uint64_t		 wpos;		/* samples written, buffered */
	uint64_t		 t0;
	size_t			 reorder;
	size_t			 nwin, nfree;
	struct slot		**win;		/* sorted by ext */
	struct slot		**freel;
	struct slot		*slots;
	struct siprec__dec	*dec;

	struct source		 src;
	struct segment		 seg;
	struct resamp		 rs;
	int			 have_prev;
	uint32_t		 prev_ssrc;
	uint16_t		 prev_max;
	uint64_t		 lost_done;	/* of earlier sources */
	uint64_t		 gap_samples, pause_samples;
	uint64_t		 pre_pause_ns;	/* paused before the file */

	SNDFILE			*sf;
	struct vfile {			/* WAV through sf_open_virtual() */
		struct siprec__wfile *wf;	/* NULL when not in use */
		int		 direct;	/* write now, not queued */
		const void	*give;		/* obuf: hand it over, not copy */
		int		 given;
		sf_count_t	 pos, len;
		sf_count_t	 data_off;	/* where the samples start */
	}			 vf;

	struct ptmap		 map[128];
	struct siprec_stream_stats st;
	struct event		 ev[NEVENTS];
	unsigned int		 ev_next;

	char			*path, *part;
	enum siprec_format	 format;
	char			 errmsg[SIPREC_DIAG_DETAIL];
};

static void
set_err(struct siprec_stream *s, enum siprec_err e, const char *what,
    const char *why)
{
	if (s->err != SIPREC_OK)
		return;
	s->err = e;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, why);
}

static uint64_t
ns_to_pos(const struct siprec_stream *s, uint64_t ns)
{
	if (ns <= s->t0)
		return 0;
	return siprec__muldiv(ns - s->t0, s->rate, NS_PER_S);
}

static int
sf_format_of(enum siprec_format f)
{
	switch (f) {
	case SIPREC_FMT_WAV:
		return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	case SIPREC_FMT_FLAC:
		return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
	case SIPREC_FMT_OGG:
		/*
		 * SF_FORMAT_OPUS is an enumerator (libsndfile >= 1.0.29),
		 * not a macro, so it cannot be tested with #ifdef; whether
		 * this libsndfile can write it is asked at run time with
		 * sf_format_check().
		 */
		return SF_FORMAT_OGG | SF_FORMAT_OPUS;
	}
	return 0;
}

static int
format_ok(enum siprec_format f, unsigned int rate)
{
	SF_INFO info;

	/* libopus encodes only these rates (RFC 6716 2). */
	if (f == SIPREC_FMT_OGG && rate != 8000 && rate != 12000 &&
	    rate != 16000 && rate != 24000 && rate != 48000)
		return 0;
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)rate;
	info.channels = 1;
	info.format = sf_format_of(f);
	return info.format != 0 && sf_format_check(&info);
}

static void
update_timing_stats(struct siprec_stream *s)
{
	s->st.samples = s->wpos;
	if (s->rate != 0) {
		s->st.gap_ms = siprec__muldiv(s->gap_samples, 1000, s->rate);
		s->st.paused_ms = siprec__muldiv(s->pause_samples, 1000,
		    s->rate);
	}
}

/*
 * WAV files are written through libsndfile's virtual I/O onto a
 * descriptor of our own: libsndfile rewrites the header after every
 * write (SFC_SET_UPDATE_HEADER_AUTO), and here that costs one pwrite()
 * instead of the seeks, writes and fstat() of its file layer.  With the
 * first write sized so that the samples end on a page boundary, every
 * later write covers whole pages, which the kernel need not zero first.
 */
static sf_count_t
vf_len(void *arg)
{
	return ((struct vfile *)arg)->len;
}

static sf_count_t
vf_seek(sf_count_t off, int whence, void *arg)
{
	struct vfile *v = arg;
	sf_count_t to;

	switch (whence) {
	case SEEK_SET:
		to = off;
		break;
	case SEEK_CUR:
		to = v->pos + off;
		break;
	case SEEK_END:
		to = v->len + off;
		break;
	default:
		return -1;
	}
	if (to < 0)
		return -1;
	v->pos = to;
	return to;
}

static sf_count_t
vf_read(void *p, sf_count_t n, void *arg)
{
	struct vfile *v = arg;
	ssize_t k;

	if (n <= 0 || siprec__wfile_sync(v->wf) != 0)
		return 0;
	k = pread(siprec__wfile_fd(v->wf), p, (size_t)n, (off_t)v->pos);
	if (k < 0)
		return 0;
	v->pos += k;
	return k;
}

static sf_count_t
vf_write(const void *p, sf_count_t n, void *arg)
{
	struct vfile *v = arg;

	if (n <= 0)
		return 0;
	if (p == v->give && !v->direct) {
		/* A whole output buffer, as libsndfile passes 16-bit PCM. */
		v->give = NULL;
		v->given = 1;
		if (siprec__wfile_give(v->wf, (void *)(uintptr_t)p, (size_t)n,
		    (off_t)v->pos) != 0)
			return 0;
	} else if (siprec__wfile_pwrite(v->wf, p, (size_t)n, (off_t)v->pos,
	    v->direct) != 0)
		return 0;
	v->pos += n;
	if (v->pos > v->len)
		v->len = v->pos;
	return n;
}

static sf_count_t
vf_tell(void *arg)
{
	return ((struct vfile *)arg)->pos;
}

/* Close the audio file; 0, or the error's text. */
static const char *
close_file(struct siprec_stream *s)
{
	const char *why = NULL;
	int e;

	if (s->sf != NULL && (e = sf_close(s->sf)) != 0)
		why = sf_error_number(e);
	s->sf = NULL;
	if (s->vf.wf != NULL && (e = siprec__wfile_close(s->vf.wf)) != 0 &&
	    why == NULL)
		why = strerror(e);
	s->vf.wf = NULL;
	return why;
}

/* Samples in the next write: the first one ends on a page boundary. */
static void
set_chunk(struct siprec_stream *s)
{
	sf_count_t at = s->vf.wf != NULL ? s->vf.len : 0;
	size_t k = (size_t)((PAGE - at % PAGE) % PAGE) / sizeof(s->obuf[0]);

	s->chunk = k != 0 && at % (sf_count_t)sizeof(s->obuf[0]) == 0 ?
	    k : OUT_CHUNK;
}

static enum siprec_err
open_file(struct siprec_stream *s, unsigned int rate)
{
	static SF_VIRTUAL_IO vio = {
		vf_len, vf_seek, vf_read, vf_write, vf_tell
	};
	SF_INFO info;
	char *tmp;

	if (s->sf != NULL)
		return SIPREC_OK;
	if (rate < RATE_MIN || rate > RATE_MAX || !format_ok(s->format, rate)) {
		char why[64];

		snprintf(why, sizeof(why), "format cannot hold %u Hz", rate);
		set_err(s, SIPREC_EUNSUPP, s->part, why);
		return s->err;
	}
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)rate;
	info.channels = 1;
	info.format = sf_format_of(s->format);
	/*
	 * Open under a name of its own and rename to ".part" once the
	 * header is on disk: a killed process never leaves a ".part" file
	 * without one.
	 */
	if ((tmp = malloc(strlen(s->part) + sizeof(".new"))) == NULL) {
		set_err(s, SIPREC_ENOMEM, s->part, strerror(ENOMEM));
		return s->err;
	}
	strcpy(tmp, s->part);
	strcat(tmp, ".new");
	if (s->format == SIPREC_FMT_WAV) {
		int fd;

		memset(&s->vf, 0, sizeof(s->vf));
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			set_err(s, SIPREC_EIO, s->part, strerror(errno));
			free(tmp);
			return s->err;
		}
		if ((s->vf.wf = siprec__wfile_new(fd)) == NULL) {
			(void)close(fd);
			(void)unlink(tmp);
			set_err(s, SIPREC_ENOMEM, s->part, strerror(ENOMEM));
			free(tmp);
			return s->err;
		}
		/* The first header is on disk before the rename below. */
		s->vf.direct = 1;
		s->sf = sf_open_virtual(&vio, SFM_WRITE, &info, &s->vf);
	} else
		s->sf = sf_open(tmp, SFM_WRITE, &info);
	if (s->sf == NULL) {
		set_err(s, SIPREC_EIO, s->part, sf_strerror(NULL));
		(void)siprec__wfile_close(s->vf.wf);
		s->vf.wf = NULL;
		(void)unlink(tmp);	/* it may have made an empty one */
		free(tmp);
		return s->err;
	}
	/*
	 * Rewrite the header after every write, so that a killed process
	 * leaves a ".part" file that reads back up to its last write.
	 */
	sf_command(s->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
	sf_command(s->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	s->vf.data_off = s->vf.len;
	s->vf.direct = 0;
	set_chunk(s);
	if (rename(tmp, s->part) != 0) {
		set_err(s, SIPREC_EIO, s->part, strerror(errno));
		close_file(s);
		(void)unlink(tmp);
		free(tmp);
		return s->err;
	}
	free(tmp);
	s->rate = rate;
	s->st.rate = rate;
	s->pause_samples += siprec__muldiv(s->pre_pause_ns, rate, NS_PER_S);
	s->pre_pause_ns = 0;
	update_timing_stats(s);
	return SIPREC_OK;
}

static void
flush_out(struct siprec_stream *s)
{
	if (s->on == 0 || s->sf == NULL || s->obuf == NULL)
		return;
	s->vf.give = s->obuf;
	s->vf.given = 0;
	if (s->err == SIPREC_OK &&
	    sf_write_short(s->sf, s->obuf, (sf_count_t)s->on) !=
	    (sf_count_t)s->on)
		set_err(s, SIPREC_EIO, s->part, sf_strerror(s->sf));
	s->vf.give = NULL;
	if (s->vf.given && (s->obuf = siprec__wbuf_get()) == NULL)
		/* Nowhere to put samples: they are dropped from now on. */
		set_err(s, SIPREC_ENOMEM, s->part, strerror(ENOMEM));
	s->vf.given = 0;
	s->on = 0;
	s->chunk = OUT_CHUNK;
}

/* Append samples to the file, dropping the first *skip of them. */
static void
out_samples(struct siprec_stream *s, const int16_t *p, size_t n,
    size_t *skip)
{
	size_t k;

	if (*skip >= n) {
		*skip -= n;
		return;
	}
	p += *skip;
	n -= *skip;
	*skip = 0;
	s->wpos += n;
	while (n > 0 && s->obuf != NULL) {
		k = s->chunk - s->on;
		if (k > n)
			k = n;
		memcpy(s->obuf + s->on, p, k * sizeof(*p));
		s->on += k;
		p += k;
		n -= k;
		if (s->on == s->chunk)
			flush_out(s);
	}
}

static void
rs_reset(struct siprec_stream *s, unsigned int in)
{
	unsigned int a = in, b = s->rate, t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	memset(&s->rs, 0, sizeof(s->rs));
	s->rs.from = in;
	s->rs.in = a != 0 ? in / a : in;
	s->rs.out = a != 0 ? s->rate / a : s->rate;
}

static void
write_silence(struct siprec_stream *s, uint64_t n, enum silence why)
{
	size_t k;

	switch (why) {
	case SIL_GAP:
		s->gap_samples += n;
		break;
	case SIL_PAUSE:
		s->pause_samples += n;
		break;
	case SIL_LEAD:
	case SIL_PAD:
		break;
	}
	s->wpos += n;
	while (n > 0 && s->obuf != NULL) {
		k = s->chunk - s->on;
		if (k > n)
			k = (size_t)n;
		memset(s->obuf + s->on, 0, k * sizeof(s->obuf[0]));
		s->on += k;
		n -= k;
		if (s->on == s->chunk)
			flush_out(s);
	}
	/* Silence breaks the signal: interpolation starts again from 0. */
	rs_reset(s, s->rs.from);
	update_timing_stats(s);
}

static int16_t
round_div(int64_t sum, unsigned int n)
{
	if (sum >= 0)
		return (int16_t)((sum + n / 2) / n);
	return (int16_t)((sum - (int64_t)(n / 2)) / n);
}

/* Resample n samples at the resampler's input rate into the file. */
static void
resample(struct siprec_stream *s, const int16_t *in, size_t n, size_t skip)
{
	struct resamp *r = &s->rs;
	int16_t tmp[256];
	size_t i, t = 0;

	if (r->in == r->out) {
		out_samples(s, in, n, &skip);
		return;
	}
	for (i = 0; i < n; i++) {
		int16_t cur = in[i];

		r->nin++;
		if (r->in < r->out) {
			/* Up: outputs whose position falls at or before cur. */
			while ((r->nout + 1) * r->in <= r->nin * r->out) {
				uint64_t x = (r->nout + 1) * r->in -
				    (r->nin - 1) * r->out;
				int64_t d = (int64_t)cur - r->prev;

				tmp[t++] = (int16_t)(r->prev +
				    d * (int64_t)x / (int64_t)r->out);
				r->nout++;
				if (t == sizeof(tmp) / sizeof(tmp[0])) {
					out_samples(s, tmp, t, &skip);
					t = 0;
				}
			}
		} else {
			/* Down: average the inputs that map to output k. */
			r->acc += cur;
			r->accn++;
			if (r->nin * r->out >= (r->nout + 1) * r->in) {
				tmp[t++] = round_div(r->acc, r->accn);
				r->acc = 0;
				r->accn = 0;
				r->nout++;
				if (t == sizeof(tmp) / sizeof(tmp[0])) {
					out_samples(s, tmp, t, &skip);
					t = 0;
				}
			}
		}
		r->prev = cur;
	}
	out_samples(s, tmp, t, &skip);
}

/* Put decoded audio at file sample pos: gap, overlap or contiguous. */
static void
place(struct siprec_stream *s, uint64_t pos, const int16_t *pcm, size_t n,
    unsigned int in_rate)
{
	size_t skip = 0;

	if (s->rs.from != in_rate)
		rs_reset(s, in_rate);
	if (pos > s->wpos + PLACE_TOL) {
		write_silence(s, pos - s->wpos,
		    s->have_audio ? SIL_GAP : SIL_LEAD);
		rs_reset(s, in_rate);
	} else if (pos + PLACE_TOL < s->wpos) {
		skip = (size_t)(s->wpos - pos < SIZE_MAX ? s->wpos - pos :
		    SIZE_MAX);
		rs_reset(s, in_rate);
	}
	resample(s, pcm, n, skip);
	s->have_audio = 1;
	update_timing_stats(s);
}

/*
 * File position of RTP timestamp ts of an audio or CN packet, moving the
 * segment's anchor.  *fresh is set when the packet was placed by
 * arrival time.
 */
static uint64_t
timeline(struct siprec_stream *s, uint32_t ts, unsigned int clock,
    uint64_t arrival, int *fresh)
{
	struct segment *g = &s->seg;

	if (g->anchored && g->clock == clock) {
		/* RFC 3550 5.1: timestamps are modulo 2^32 (T-07). */
		int32_t d = (int32_t)(ts - g->ts_last);

		if (d >= 0 && (int64_t)d <= (int64_t)JUMP_MAX_S * clock) {
			g->ts_ext += d;
			g->ts_last = ts;
			*fresh = 0;
			return g->anchor_pos + siprec__muldiv(
			    (uint64_t)g->ts_ext, s->rate, clock);
		}
		/* T-09: backward or implausible step: re-anchor. */
		s->st.resyncs++;
	}
	g->anchored = 1;
	g->clock = clock;
	g->ts_last = ts;
	g->ts_ext = 0;
	g->anchor_pos = ns_to_pos(s, arrival);
	g->plc_ok = 0;
	*fresh = 1;
	return g->anchor_pos;
}

/* Recording time of RTP timestamp ts, for events; arrival if unknown. */
static uint64_t
ts_to_ns(const struct siprec_stream *s, uint32_t ts, unsigned int clock,
    uint64_t arrival)
{
	const struct segment *g = &s->seg;
	int64_t d, e;
	uint64_t base, off;

	if (!g->anchored || g->clock != clock || s->rate == 0)
		return arrival;
	d = (int32_t)(ts - g->ts_last);
	if (d > (int64_t)JUMP_MAX_S * clock || -d > (int64_t)JUMP_MAX_S * clock)
		return arrival;
	e = g->ts_ext + d;
	base = s->t0 + siprec__muldiv(g->anchor_pos, NS_PER_S, s->rate);
	if (e >= 0)
		return base + siprec__muldiv((uint64_t)e, NS_PER_S, clock);
	off = siprec__muldiv((uint64_t)-e, NS_PER_S, clock);
	return off > base ? arrival : base - off;
}

static void
note_ssrc(struct siprec_stream *s, uint32_t ssrc)
{
	unsigned int i;

	for (i = 0; i < s->st.nssrc; i++)
		if (s->st.ssrc[i] == ssrc)
			return;
	if (s->st.nssrc < sizeof(s->st.ssrc) / sizeof(s->st.ssrc[0]))
		s->st.ssrc[s->st.nssrc++] = ssrc;
}

static void
accept_stats(struct siprec_stream *s, const struct siprec_rtp *r,
    uint64_t arrival)
{
	if (s->st.packets++ == 0)
		s->st.first_ns = arrival;
	s->st.last_ns = arrival;
	s->st.bytes += r->payload.len;
	note_ssrc(s, r->ssrc);
}

/*
 * RFC 4733 2.5: packets of one event share the RTP timestamp of its
 * start, the duration grows, the E bit ends it and the end packet is
 * usually sent three times; long events continue in a new segment
 * whose timestamp is the old one plus the old duration (2.5.1.3).
 */
static void
dtmf(struct siprec_stream *s, const struct siprec_rtp *r,
    const struct ptmap *m, uint64_t arrival, int on_timeline)
{
	const uint8_t *p = r->payload.p;
	unsigned int code, i;
	int end;
	uint64_t dur;
	struct event *e = NULL;

	if (r->payload.len < 4) {
		s->st.bad++;
		return;
	}
	code = p[0];
	end = p[1] >> 7;
	dur = (uint64_t)p[2] << 8 | p[3];
	if (code > 15)
		return;		/* not DTMF (flash, tones): no entry */
	for (i = 0; i < NEVENTS; i++) {
		struct event *c = &s->ev[i];

		if (!c->valid || c->ssrc != r->ssrc || c->event != code ||
		    c->clock != m->clock)
			continue;
		if (c->ts == r->ts) {
			e = c;
			break;
		}
		if (!c->ended && c->dur != 0 &&
		    r->ts == (uint32_t)(c->ts + c->dur)) {
			c->base += c->dur;
			c->ts = r->ts;
			c->dur = 0;
			e = c;
			break;
		}
	}
	if (e == NULL) {
		e = &s->ev[s->ev_next];
		s->ev_next = (s->ev_next + 1) % NEVENTS;
		memset(e, 0, sizeof(*e));
		e->valid = 1;
		e->ssrc = r->ssrc;
		e->ts = r->ts;
		e->event = code;
		e->clock = m->clock;
		e->idx = s->st.ndtmf;
		if (e->idx < sizeof(s->st.dtmf) / sizeof(s->st.dtmf[0])) {
			s->st.dtmf[e->idx].at_ns = on_timeline ?
			    ts_to_ns(s, r->ts, m->clock, arrival) : arrival;
			s->st.dtmf[e->idx].event = code;
			s->st.ndtmf++;
		}
	} else if (e->ended)
		return;		/* a repeated end packet */
	if (dur > e->dur)
		e->dur = dur;
	if (end)
		e->ended = 1;
	if (e->idx < sizeof(s->st.dtmf) / sizeof(s->st.dtmf[0]))
		s->st.dtmf[e->idx].duration_ms = (unsigned int)
		    siprec__muldiv(e->base + e->dur, 1000, e->clock);
}

static void
note_codec(struct siprec_stream *s, unsigned int pt, const struct ptmap *m)
{
	const char *name;

	if (s->codec_pt == pt)
		return;
	s->codec_pt = pt;
	name = m->codec == SIPREC__C_OTHER ? m->name :
	    siprec__codec_name(m->codec);
	if (m->channels > 1)
		snprintf(s->st.codec, sizeof(s->st.codec), "%s/%u/%u",
		    name, m->clock, (unsigned int)m->channels);
	else
		snprintf(s->st.codec, sizeof(s->st.codec), "%s/%u", name,
		    m->clock);
}

static void
dec_failed(struct siprec_stream *s, enum siprec_err e)
{
	if (e == SIPREC_ENOMEM)
		set_err(s, e, s->part, "cannot create a decoder");
	else if (e != SIPREC_OK)
		s->st.bad++;
	s->seg.plc_ok = 0;
}

/* Decode and place one packet released in sequence order. */
static void
deliver(struct siprec_stream *s, const struct slot *sl)
{
	struct siprec_rtp r;
	uint64_t ext = sl->ext, arrival = sl->arrival;
	const struct ptmap *m;
	struct segment *g = &s->seg;
	int16_t pcm[SIPREC__DEC_MAX];	/* on the stack: not per stream */
	enum siprec_err e;
	unsigned int drate;
	uint64_t pos;
	size_t n;
	int fresh, gapped, decoded;

	gapped = s->src.released && ext != s->src.out + 1;
	/* Parsed on arrival: what decoding and events use of it. */
	r.pt = sl->pt;
	r.ts = sl->ts;
	r.ssrc = sl->ssrc;
	r.payload.p = sl->buf;
	r.payload.len = sl->len;
	m = &s->map[r.pt];
	switch (m->codec) {
	case SIPREC__C_TEVENT:
		dtmf(s, &r, m, arrival, 1);
		return;
	case SIPREC__C_CN:
		/*
		 * RFC 3389: silence until the next voice packet.  Only the
		 * timestamp is used: the gap up to the next audio is
		 * written as silence, and it is not loss.
		 */
		if (s->rate != 0) {
			(void)timeline(s, r.ts, m->clock, arrival, &fresh);
			g->plc_ok = 0;
		}
		return;
	case SIPREC__C_OTHER:
		/*
		 * Counted with loss and jitter like any audio, not heard:
		 * its time is left to the silence of the timeline.
		 */
		note_codec(s, r.pt, m);
		s->st.undecoded++;
		g->plc_ok = 0;
		return;
	case SIPREC__C_NONE:
		return;
	case SIPREC__C_PCMU:
	case SIPREC__C_PCMA:
	case SIPREC__C_G722:
	case SIPREC__C_G729:
	case SIPREC__C_OPUS:
	case SIPREC__C_L16:
		break;
	}
	if (r.payload.len == 0)
		return;
	drate = siprec__codec_rate(m->codec, m->clock);
	decoded = 0;
	if (s->rate == 0) {
		/* The first audio fixes the file's rate, once it decodes. */
		e = siprec__dec_decode(s->dec, m->codec, m->channels,
		    r.payload.p, r.payload.len, pcm, SIPREC__DEC_MAX, &n);
		if (e != SIPREC_OK || n == 0) {
			dec_failed(s, e);
			return;
		}
		if (open_file(s, drate) != SIPREC_OK)
			return;
		decoded = 1;
	}
	pos = timeline(s, r.ts, m->clock, arrival, &fresh);

	/* Loss inside an Opus talkspurt: let the decoder conceal it. */
	if (!decoded && m->codec == SIPREC__C_OPUS && gapped && !fresh &&
	    g->plc_ok && g->last_codec == SIPREC__C_OPUS &&
	    m->clock == drate && g->ts_ext > g->next_ts) {
		siprec__dec_conceal(s->dec, m->codec, pcm,
		    (size_t)(g->ts_ext - g->next_ts), &n);
		if (n > 0)
			place(s, g->anchor_pos + siprec__muldiv(
			    (uint64_t)g->next_ts, s->rate, m->clock),
			    pcm, n, drate);
	}
	if (!decoded && (m->codec == SIPREC__C_PCMU ||
	    m->codec == SIPREC__C_PCMA) && m->channels == 1 &&
	    drate == s->rate && s->rs.from == drate && s->obuf != NULL &&
	    r.payload.len <= s->chunk - s->on &&
	    pos + PLACE_TOL >= s->wpos && pos <= s->wpos + PLACE_TOL) {
		/*
		 * What place() would do for G.711 that follows on: decoded
		 * straight into the output buffer instead of copied there.
		 */
		e = siprec__dec_decode(s->dec, m->codec, 1, r.payload.p,
		    r.payload.len, s->obuf + s->on, s->chunk - s->on, &n);
		if (e != SIPREC_OK) {
			dec_failed(s, e);
			return;
		}
		note_codec(s, r.pt, m);
		s->on += n;
		s->wpos += n;
		s->have_audio = 1;
		/* No silence written: the rest of update_timing_stats() holds. */
		s->st.samples = s->wpos;
		if (s->on == s->chunk)
			flush_out(s);
		g->next_ts = g->ts_ext + (int64_t)siprec__muldiv(n, m->clock,
		    drate);
		g->plc_ok = 1;
		g->last_codec = m->codec;
		return;
	}
	if (!decoded) {
		e = siprec__dec_decode(s->dec, m->codec, m->channels,
		    r.payload.p, r.payload.len, pcm, SIPREC__DEC_MAX, &n);
		if (e != SIPREC_OK) {
			dec_failed(s, e);
			return;
		}
	}
	note_codec(s, r.pt, m);
	if (n == 0)
		return;
	place(s, pos, pcm, n, drate);
	g->next_ts = g->ts_ext + (int64_t)siprec__muldiv(n, m->clock, drate);
	g->plc_ok = 1;
	g->last_codec = m->codec;
}

static void
hist_mark(struct source *c, uint64_t ext)
{
	uint64_t q;

	/* Clear the positions skipped since the last release. */
	if (c->released) {
		if (ext - c->out >= HIST)
			memset(c->hist, 0, sizeof(c->hist));
		else
			for (q = c->out + 1; q < ext; q++)
				c->hist[q % HIST / 64] &=
				    ~((uint64_t)1 << (q % 64));
	}
	c->hist[ext % HIST / 64] |= (uint64_t)1 << (ext % 64);
}

static int
hist_has(const struct source *c, uint64_t ext)
{
	if (!c->released || ext > c->out || c->out - ext >= HIST)
		return 0;
	return (c->hist[ext % HIST / 64] >> (ext % 64)) & 1;
}

/* Decode and place a packet; it is the last released from now on. */
static void
emit(struct siprec_stream *s, const struct slot *sl)
{
	deliver(s, sl);
	hist_mark(&s->src, sl->ext);
	s->src.out = sl->ext;
	s->src.released = 1;
}

static void
release_one(struct siprec_stream *s)
{
	struct slot *sl = s->win[0];

	memmove(s->win, s->win + 1, (s->nwin - 1) * sizeof(s->win[0]));
	s->nwin--;
	emit(s, sl);
	s->freel[s->nfree++] = sl;
}

/*
 * Release what can no longer be preceded: the window's lowest packets
 * while they follow the last one released without a gap.  Whatever
 * arrives later for a position up to there is late or a duplicate
 * either way, so the file is the one a full window would give.
 */
static void
release_run(struct siprec_stream *s)
{
	while (s->nwin > 0 && s->src.released &&
	    s->win[0]->ext == s->src.out + 1)
		release_one(s);
}

static void
flush_window(struct siprec_stream *s)
{
	while (s->nwin > 0)
		release_one(s);
}

static enum siprec_err
insert(struct siprec_stream *s, const struct siprec_rtp *r, uint64_t ext,
    uint64_t arrival)
{
	const uint8_t *buf = r->payload.p;
	size_t i, len = r->payload.len;
	struct slot *sl, now;

	if (s->nwin == 0 && s->src.released && ext == s->src.out + 1) {
		/* In order after the last release: out now, not copied. */
		now.ext = ext;
		now.arrival = arrival;
		now.ts = r->ts;
		now.ssrc = r->ssrc;
		now.pt = r->pt;
		now.len = len;
		now.cap = 0;
		now.buf = (uint8_t *)(uintptr_t)buf;	/* read only */
		emit(s, &now);
		return s->err;
	}
	sl = s->freel[s->nfree - 1];
	if (sl->cap < len) {
		size_t cap = len < SLOT_MIN ? SLOT_MIN : len;
		uint8_t *nb = realloc(sl->buf, cap);

		if (nb == NULL) {
			set_err(s, SIPREC_ENOMEM, s->part, strerror(ENOMEM));
			return s->err;
		}
		sl->buf = nb;
		sl->cap = cap;
	}
	s->nfree--;
	if (len > 0)
		memcpy(sl->buf, buf, len);
	sl->len = len;
	sl->ext = ext;
	sl->arrival = arrival;
	sl->ts = r->ts;
	sl->ssrc = r->ssrc;
	sl->pt = r->pt;
	for (i = s->nwin; i > 0 && s->win[i - 1]->ext > ext; i--)
		s->win[i] = s->win[i - 1];
	s->win[i] = sl;
	s->nwin++;
	if (s->nwin > s->reorder)
		release_one(s);
	release_run(s);
	return s->err;
}

/*
 * Start a new source (T-02): the old segment ends, the new one will be
 * placed by arrival time.
 */
static void
new_source(struct siprec_stream *s, const struct siprec_rtp *r)
{
	struct source *c = &s->src;

	if (c->active) {
		flush_window(s);
		s->lost_done += siprec__seq_lost(&c->seq);
		s->have_prev = 1;
		s->prev_ssrc = c->ssrc;
		s->prev_max = (uint16_t)c->hi;
		s->st.ssrc_changes++;
		siprec__dec_reset(s->dec);
	}
	memset(c, 0, sizeof(*c));
	c->active = 1;
	c->ssrc = r->ssrc;
	siprec__seq_start(&c->seq, r->seq);
	c->hi = EPOCH + r->seq;
	s->seg.anchored = 0;
	s->seg.plc_ok = 0;
	s->st.jitter_ms = 0;
}

/* A straggler of the previous SSRC after a change: late, not a change. */
static int
prev_straggler(const struct siprec_stream *s, const struct siprec_rtp *r)
{
	uint16_t udelta;

	if (!s->have_prev || r->ssrc != s->prev_ssrc)
		return 0;
	udelta = (uint16_t)(r->seq - s->prev_max);
	return udelta == 0 || udelta > (1u << 16) - SIPREC__MAX_MISORDER;
}

static int
in_window(const struct siprec_stream *s, uint64_t ext)
{
	size_t i;

	for (i = 0; i < s->nwin; i++)
		if (s->win[i]->ext == ext)
			return 1;
	return 0;
}

static void
set_static(struct siprec_stream *s, unsigned int pt, enum siprec__codec c,
    const char *name, unsigned int clock, unsigned int channels)
{
	s->map[pt].codec = c;
	s->map[pt].clock = clock;
	s->map[pt].channels = (unsigned short)channels;
	s->map[pt].set = 1;
	if (name != NULL)
		snprintf(s->map[pt].name, sizeof(s->map[pt].name), "%s", name);
}

enum siprec_err
siprec_stream_new(const struct siprec_stream_opts *o,
    struct siprec_stream **out, struct siprec_diag *diag)
{
	struct siprec_stream *s;
	size_t n, i;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (o == NULL || o->path == NULL || o->path[0] == '\0') {
		siprec_diag_set(diag, 0, 0, "no output path");
		return SIPREC_EINVAL;
	}
	if (o->format != SIPREC_FMT_WAV && o->format != SIPREC_FMT_FLAC &&
	    o->format != SIPREC_FMT_OGG) {
		siprec_diag_set(diag, 0, 0, "%s: unknown format", o->path);
		return SIPREC_EINVAL;
	}
	if (o->rate != 0 && (o->rate < RATE_MIN || o->rate > RATE_MAX)) {
		siprec_diag_set(diag, 0, 0, "%s: sample rate %u out of range",
		    o->path, o->rate);
		return SIPREC_EINVAL;
	}
	if (o->reorder > REORDER_MAX) {
		siprec_diag_set(diag, 0, 0, "%s: reorder window %u over %u",
		    o->path, o->reorder, REORDER_MAX);
		return SIPREC_EINVAL;
	}
	if (!format_ok(o->format, o->rate != 0 ? o->rate : 48000)) {
		siprec_diag_set(diag, 0, 0, "%s: this libsndfile cannot write "
		    "the format", o->path);
		return SIPREC_EUNSUPP;
	}
	/* Read by every packet, among thousands: see pool_int.h. */
	if ((s = siprec__pool_get(sizeof(*s))) == NULL)
		return SIPREC_ENOMEM;
	memset(s, 0, sizeof(*s));
	s->format = o->format;
	s->t0 = o->t0_ns;
	s->reorder = o->reorder != 0 ? o->reorder : REORDER_DEFAULT;
	s->codec_pt = 128;
	s->chunk = OUT_CHUNK;
	n = strlen(o->path);
	s->path = strdup(o->path);
	s->part = malloc(n + sizeof(".part"));
	s->slots = calloc(s->reorder + 1, sizeof(*s->slots));
	s->win = calloc(s->reorder + 1, sizeof(*s->win));
	s->freel = calloc(s->reorder + 1, sizeof(*s->freel));
	s->obuf = siprec__wbuf_get();
	if (s->path == NULL || s->part == NULL || s->slots == NULL ||
	    s->win == NULL || s->freel == NULL || s->obuf == NULL ||
	    siprec__dec_new(&s->dec) != SIPREC_OK) {
		siprec_stream_free(s);
		return SIPREC_ENOMEM;
	}
	memcpy(s->part, o->path, n);
	memcpy(s->part + n, ".part", sizeof(".part"));
	for (i = 0; i <= s->reorder; i++)
		s->freel[s->nfree++] = &s->slots[i];

	/*
	 * RFC 3551 6: static payload types known without an rtpmap; those
	 * we cannot decode still have their statistics.
	 */
	set_static(s, 0, SIPREC__C_PCMU, NULL, 8000, 1);
	set_static(s, 3, SIPREC__C_OTHER, "GSM", 8000, 1);
	set_static(s, 4, SIPREC__C_OTHER, "G723", 8000, 1);
	set_static(s, 5, SIPREC__C_OTHER, "DVI4", 8000, 1);
	set_static(s, 6, SIPREC__C_OTHER, "DVI4", 16000, 1);
	set_static(s, 7, SIPREC__C_OTHER, "LPC", 8000, 1);
	set_static(s, 8, SIPREC__C_PCMA, NULL, 8000, 1);
	set_static(s, 9, SIPREC__C_G722, NULL, 8000, 1);
	set_static(s, 12, SIPREC__C_OTHER, "QCELP", 8000, 1);
	set_static(s, 13, SIPREC__C_CN, NULL, 8000, 1);
	set_static(s, 15, SIPREC__C_OTHER, "G728", 8000, 1);
	set_static(s, 16, SIPREC__C_OTHER, "DVI4", 11025, 1);
	set_static(s, 17, SIPREC__C_OTHER, "DVI4", 22050, 1);
	set_static(s, 18, SIPREC__C_G729, NULL, 8000, 1);

	if (o->rate != 0 && open_file(s, o->rate) != SIPREC_OK) {
		enum siprec_err e = s->err;

		siprec_diag_set(diag, 0, 0, "%s", s->errmsg);
		siprec_stream_free(s);
		return e;
	}
	*out = s;
	return SIPREC_OK;
}

enum siprec_err
siprec_stream_map(struct siprec_stream *s, unsigned int pt,
    const char *encoding, unsigned int clock, unsigned int channels)
{
	enum siprec__codec c;
	struct ptmap *m;

	if (s == NULL || pt > 127 || encoding == NULL || clock == 0 ||
	    clock > RATE_MAX || channels > CHANNELS_MAX)
		return SIPREC_EINVAL;
	if (channels == 0)
		channels = 1;
	c = siprec__codec_byname(encoding);
	if (c == SIPREC__C_NONE)
		c = SIPREC__C_OTHER;
	m = &s->map[pt];
	if (m->set) {
		/* RFC 3264 8.3.2: a payload type keeps its mapping. */
		if (m->codec != c || m->clock != clock ||
		    m->channels != channels || (c == SIPREC__C_OTHER &&
		    strncasecmp(m->name, encoding, sizeof(m->name) - 1) != 0))
			return SIPREC_EINVAL;
		return c == SIPREC__C_OTHER ? SIPREC_EUNSUPP : SIPREC_OK;
	}
	m->codec = c;
	m->clock = clock;
	m->channels = (unsigned short)channels;
	m->set = 1;
	if (c != SIPREC__C_OTHER)
		return SIPREC_OK;
	/* Statistics without audio (siprec-recording(5)). */
	snprintf(m->name, sizeof(m->name), "%s", encoding);
	return SIPREC_EUNSUPP;
}

enum siprec_err
siprec_stream_rtp(struct siprec_stream *s, const uint8_t *buf, size_t len,
    uint64_t arrival_ns)
{
	struct source *c;
	struct siprec_rtp r;
	const struct ptmap *m;
	enum siprec__seqres sr;
	uint64_t ext;
	int16_t delta;

	if (s == NULL || (buf == NULL && len != 0) || s->finished)
		return SIPREC_EINVAL;
	if (s->err != SIPREC_OK)
		return s->err;
	c = &s->src;
	if (len > PKT_MAX || siprec_rtp_is_rtcp(buf, len) ||
	    siprec_rtp_parse(buf, len, &r) != SIPREC_OK) {
		s->st.bad++;
		return SIPREC_OK;
	}
	m = &s->map[r.pt];
	if (!m->set || m->codec == SIPREC__C_NONE) {
		s->st.bad++;
		return SIPREC_OK;
	}

	/* T-03: DTMF on an SSRC of its own is an event, not a new source. */
	if (m->codec == SIPREC__C_TEVENT && (!c->active || r.ssrc != c->ssrc)) {
		accept_stats(s, &r, arrival_ns);
		dtmf(s, &r, m, arrival_ns, 0);
		return s->err;
	}
	if (!c->active || r.ssrc != c->ssrc) {
		if (c->active && prev_straggler(s, &r)) {
			s->st.late++;
			return SIPREC_OK;
		}
		new_source(s, &r);
		if (s->err != SIPREC_OK)
			return s->err;
	}

	/* Extended sequence number: the nearest to the highest so far. */
	delta = (int16_t)(uint16_t)(r.seq - (uint16_t)c->hi);
	ext = c->hi + (uint64_t)(int64_t)delta;
	/* The window holds nothing above hi: in order, no search. */
	if ((ext <= c->hi && in_window(s, ext)) || hist_has(c, ext)) {
		s->st.duplicates++;
		return SIPREC_OK;
	}
	sr = siprec__seq_update(&c->seq, r.seq);
	if (sr == SIPREC__SEQ_BAD) {
		/*
		 * A.1: a very large jump, kept out until a sequential
		 * packet confirms it.  Up to MAX_DROPOUT behind reads as
		 * an old packet, anything else as a jump.
		 */
		if (delta < 0 && delta >= -SIPREC__MAX_DROPOUT)
			s->st.late++;
		else
			s->st.bad++;
		return SIPREC_OK;
	}
	if (sr == SIPREC__SEQ_RESTART) {
		/* The sender restarted its sequence: a new numbering. */
		flush_window(s);
		c->hi = ((c->hi >> 16) + 2) << 16 | r.seq;
		ext = c->hi;
		c->released = 0;
		memset(c->hist, 0, sizeof(c->hist));
	}
	if (m->codec != SIPREC__C_TEVENT) {
		/*
		 * Event packets repeat the timestamp of the event's start
		 * and would read as jitter (RFC 4733 2.5.1.1).
		 */
		siprec__jitter_update(&c->jit, arrival_ns, r.ts, m->clock);
		s->st.jitter_ms = siprec__jitter_ms(&c->jit);
		if (s->st.jitter_ms > s->st.max_jitter_ms)
			s->st.max_jitter_ms = s->st.jitter_ms;
	}
	s->st.lost = s->lost_done + siprec__seq_lost(&c->seq);
	if (c->released && ext <= c->out) {
		s->st.late++;		/* T-04: beyond the window */
		return SIPREC_OK;
	}
	accept_stats(s, &r, arrival_ns);
	if (ext < c->hi)
		s->st.reordered++;
	else
		c->hi = ext;
	return insert(s, &r, ext, arrival_ns);
}

void
siprec_stream_pause(struct siprec_stream *s, uint64_t from_ns,
    uint64_t to_ns)
{
	uint64_t a, b;

	if (s == NULL || s->finished || s->err != SIPREC_OK)
		return;
	flush_window(s);
	/* Media after the pause is placed by its arrival time (T-15). */
	s->seg.anchored = 0;
	s->seg.plc_ok = 0;
	if (to_ns <= from_ns)
		return;
	if (s->rate == 0) {
		s->pre_pause_ns += to_ns - from_ns;
		return;
	}
	a = ns_to_pos(s, from_ns);
	b = ns_to_pos(s, to_ns);
	if (a > s->wpos)
		write_silence(s, a - s->wpos,
		    s->have_audio ? SIL_GAP : SIL_LEAD);
	if (b > s->wpos)
		write_silence(s, b - s->wpos, SIL_PAUSE);
}

/* Cut the file back to n samples (media past the recording's end). */
static void
cut_to(struct siprec_stream *s, uint64_t n)
{
	uint64_t written = s->wpos - s->on;
	sf_count_t frames, end;
	SF_INFO info;
	int e;

	if (n >= written) {
		s->on = (size_t)(n - written);
		s->wpos = n;
		return;
	}
	/* Only WAV can be cut after writing; other formats keep the tail. */
	if (s->format != SIPREC_FMT_WAV)
		return;
	s->on = 0;
	s->wpos = n;
	frames = (sf_count_t)n;
	if (s->vf.wf == NULL) {
		if (sf_command(s->sf, SFC_FILE_TRUNCATE, &frames,
		    sizeof(frames)) != 0)
			set_err(s, SIPREC_EIO, s->part, sf_strerror(s->sf));
		return;
	}
	/*
	 * Virtual I/O: SFC_FILE_TRUNCATE seeks and sets libsndfile's frame
	 * count, then fails to truncate a descriptor it does not have; the
	 * cut is made here, and sf_close() sizes the header from vf_len().
	 */
	(void)sf_command(s->sf, SFC_FILE_TRUNCATE, &frames, sizeof(frames));
	memset(&info, 0, sizeof(info));
	end = s->vf.data_off + frames * (sf_count_t)sizeof(int16_t);
	if (sf_command(s->sf, SFC_GET_CURRENT_SF_INFO, &info,
	    sizeof(info)) != 0 || info.frames != frames) {
		set_err(s, SIPREC_EIO, s->part, "cannot cut the file");
		return;
	}
	if ((e = siprec__wfile_truncate(s->vf.wf, (off_t)end)) != 0) {
		set_err(s, SIPREC_EIO, s->part, strerror(e));
		return;
	}
	s->vf.len = end;
	s->vf.pos = end;
}

enum siprec_err
siprec_stream_finish(struct siprec_stream *s, uint64_t end_ns,
    struct siprec_diag *diag)
{
	uint64_t end;

	if (s == NULL || s->finished) {
		siprec_diag_set(diag, 0, 0, "stream already finished");
		return SIPREC_EINVAL;
	}
	if (s->err == SIPREC_OK)
		flush_window(s);
	if (s->err == SIPREC_OK && s->rate == 0)
		(void)open_file(s, 8000);
	if (s->err == SIPREC_OK) {
		end = ns_to_pos(s, end_ns);
		if (end > s->wpos)
			write_silence(s, end - s->wpos, SIL_PAD);
		else if (end < s->wpos)
			cut_to(s, end);
		flush_out(s);
		update_timing_stats(s);
	}
	s->finished = 1;
	if (s->sf != NULL) {
		const char *why = close_file(s);

		if (why != NULL)
			set_err(s, SIPREC_EIO, s->part, why);
	}
	if (s->err == SIPREC_OK && rename(s->part, s->path) != 0)
		set_err(s, SIPREC_EIO, s->path, strerror(errno));
	if (s->err != SIPREC_OK) {
		siprec_diag_set(diag, 0, 0, "%s", s->errmsg);
		return s->err;
	}
	return SIPREC_OK;
}

enum siprec_err
siprec_stream_sync(struct siprec_stream *s)
{
	int e;

	if (s == NULL)
		return SIPREC_EINVAL;
	if (s->vf.wf != NULL && (e = siprec__wfile_sync(s->vf.wf)) != 0)
		set_err(s, SIPREC_EIO, s->part, strerror(e));
	return s->err == SIPREC_EIO ? SIPREC_EIO : SIPREC_OK;
}

void
siprec__stream_prefetch(const struct siprec_stream *s,
    const struct siprec_slice *pkt)
{
	const char *p;
	size_t i, n;

	if (pkt == NULL) {
		/* The fields read first, and the pointers read next. */
		__builtin_prefetch(s);
		__builtin_prefetch((const char *)s + 64);
		return;
	}
	/*
	 * The lines of the fields every packet reads, no more: each
	 * prefetch holds a fill buffer until its line arrives, and too
	 * many make the next ones wait (measured: src, st and dec whole
	 * cost 3 % more main-thread time than these).
	 */
	__builtin_prefetch(&s->src.seq, 1);
	__builtin_prefetch(&s->src.jit, 1);
	__builtin_prefetch(&s->src.hi, 1);
	__builtin_prefetch(&s->seg, 1);
	if (pkt->len >= 2)
		__builtin_prefetch(&s->map[pkt->p[1] & 0x7f]);
	__builtin_prefetch(&s->st, 1);
	__builtin_prefetch(&s->st.first_ns, 1);
	if (s->obuf != NULL && s->on < s->chunk) {
		/* Where the samples go: a packet's worth, as G.711 fills. */
		p = (const char *)(s->obuf + s->on);
		n = (s->chunk - s->on) * sizeof(s->obuf[0]);
		if (n > 2 * pkt->len)
			n = 2 * pkt->len;
		for (i = 0; i < n; i += 64)
			__builtin_prefetch(p + i, 1);
	}
}

const struct siprec_stream_stats *
siprec_stream_stats(const struct siprec_stream *s)
{
	return s != NULL ? &s->st : NULL;
}

void
siprec_stream_free(struct siprec_stream *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->sf != NULL) {
		flush_out(s);
		(void)close_file(s);
	}
	if (s->slots != NULL)
		for (i = 0; i <= s->reorder; i++)
			free(s->slots[i].buf);
	free(s->slots);
	free(s->win);
	free(s->freel);
	siprec__wbuf_put(s->obuf);
	siprec__dec_free(s->dec);
	free(s->part);
	free(s->path);
	siprec__pool_put(s, sizeof(*s));
}
