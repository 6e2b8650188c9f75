/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-src: media threads, each a paced sender for its share of the streams. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "src.h"

struct mthread {
	struct src_media	*m;
	pthread_t		 th;
	pthread_mutex_t		 mu;
	struct src_stream	**inbox;
	size_t			 nin, capin;
	struct siprec_pacer	*pacer;
	atomic_int		 stop;
	atomic_int		 rt_failed;
	int			 started;
	uint64_t		 stop_at;	/* thread's own */
};

struct src_media {
	int			 realtime;
	struct mthread		*t;
	unsigned int		 n, next;
	struct src_media_totals	*tot;
	int			 merged;
};

void
src_stream_free(struct src_stream *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	siprec_rtp_tx_free(s->tx);
	siprec_enc_free(s->enc);
	siprec_audio_free(s->audio);
	free(s);
}

static uint64_t
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The pacer's callback: one packet of stream s, due at due. */
static int
fill(void *arg, uint64_t due, uint8_t *buf, size_t cap, size_t *len)
{
	struct src_stream		*s = arg;
	const struct siprec_enc_info	*in;
	int16_t				 pcm[2880];
	uint8_t				 pay[1500], sr[256];
	struct sockaddr_storage		 ss;
	socklen_t			 sl;
	size_t				 plen, srlen;

	if (atomic_load(&s->stop)) {
		src_stream_free(s);
		return -1;
	}
	in = siprec_enc_info(s->enc);
	if (atomic_load(&s->paused)) {
		/* Paused: the timeline goes on, nothing is sent (RFC 3550 5.1). */
		siprec_rtp_tx_skip(s->tx, 1);
		siprec_audio_skip(s->audio, in->samples);
		return 1;
	}
	siprec_audio_read(s->audio, pcm, in->samples);
	if (siprec_enc_frame(s->enc, pcm, pay, sizeof(pay), &plen) !=
	    SIPREC_OK ||
	    siprec_rtp_tx_packet(s->tx, pay, plen, buf, cap, len) != SIPREC_OK) {
		atomic_fetch_add(&s->tot->errors, 1);
		return 1;
	}
	atomic_fetch_add(&s->tot->packets, 1);
	atomic_fetch_add(&s->tot->bytes, *len);
	/* RTCP SR every 5 s to the next port up (RFC 3550 6.2, 11). */
	if (s->next_sr != 0 && due >= s->next_sr) {
		s->next_sr = due + 5000000000ull;
		if (siprec_rtp_tx_sr(s->tx, due + s->ntp_base, sr, sizeof(sr),
		    &srlen) == SIPREC_OK) {
			struct siprec_addr rtcp = s->dst;

			rtcp.port++;
			sl = siprec_net_sockaddr(&rtcp, &ss);
			if (sl > 0 && sendto(s->fd, sr, srlen, MSG_DONTWAIT,
			    (struct sockaddr *)&ss, sl) > 0)
				atomic_fetch_add(&s->tot->rtcp, 1);
		}
	}
	return 0;
}

static void *
thread_main(void *arg)
{
	struct mthread		*t = arg;
	struct src_stream	*s;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	uint64_t		 next, now, period;
	struct timespec		 ts;
	size_t			 i;
	struct sched_param	 sp;

	/* Wake on time: no timer slack (the default is 50 us). */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (t->m->realtime) {
		/*
		 * --realtime: run before ordinary threads, ksoftirqd among
		 * them, whose turns otherwise delay whole batches by
		 * milliseconds.  The thread sleeps between deadlines, so it
		 * takes only what sending needs.
		 */
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = 10;
		if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0)
			atomic_store(&t->rt_failed, 1);
	}
	for (;;) {
		/*
		 * Once told to stop, go on until every stream has ended
		 * (their fills free them), for at most 200 ms.
		 */
		if (atomic_load(&t->stop)) {
			if (t->stop_at == 0)
				t->stop_at = mono() + 200000000u;
			if (siprec_pacer_stats(t->pacer)->streams == 0 ||
			    mono() > t->stop_at)
				break;
		}
		pthread_mutex_lock(&t->mu);
		for (i = 0; i < t->nin; i++) {
			s = t->inbox[i];
			sl = siprec_net_sockaddr(&s->dst, &ss);
			period = (uint64_t)siprec_enc_info(s->enc)->ptime *
			    1000000u;
			if (sl == 0 || siprec_pacer_add(t->pacer, s->fd,
			    (struct sockaddr *)&ss, sl, period, 0, fill, s,
			    NULL) != SIPREC_OK) {
				atomic_fetch_add(&s->tot->errors, 1);
				src_stream_free(s);
			}
		}
		t->nin = 0;
		pthread_mutex_unlock(&t->mu);
		next = siprec_pacer_poll(t->pacer);
		now = mono();
		/* New streams wait at most 5 ms for their first packet. */
		if (next > now + 5000000u)
			next = now + 5000000u;
		if (next > now) {
			ts.tv_sec = (time_t)(next / 1000000000u);
			ts.tv_nsec = (long)(next % 1000000000u);
			(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL);
		}
	}
	return NULL;
}

int
src_media_start(struct src_media **out, unsigned int n,
    struct src_media_totals *tot, int realtime)
{
	struct src_media	*m;
	unsigned int		 i;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	if (n == 0)
		n = 1;
	if ((m->t = calloc(n, sizeof(*m->t))) == NULL) {
		free(m);
		return -1;
	}
	m->n = n;
	m->tot = tot;
	m->realtime = realtime;
	for (i = 0; i < n; i++) {
		m->t[i].m = m;
		pthread_mutex_init(&m->t[i].mu, NULL);
		if (siprec_pacer_new(NULL, &m->t[i].pacer) != SIPREC_OK)
			goto fail;
		if (pthread_create(&m->t[i].th, NULL, thread_main,
		    &m->t[i]) != 0)
			goto fail;
		m->t[i].started = 1;
	}
	*out = m;
	return 0;
fail:
	src_media_free(m);
	return -1;
}

void
src_media_add(struct src_media *m, struct src_stream *s)
{
	struct mthread		*t = &m->t[m->next++ % m->n];
	struct src_stream	**ni;

	pthread_mutex_lock(&t->mu);
	if (t->nin == t->capin) {
		ni = realloc(t->inbox, (t->capin ? t->capin * 2 : 64) *
		    sizeof(*ni));
		if (ni == NULL) {
			pthread_mutex_unlock(&t->mu);
			atomic_fetch_add(&s->tot->errors, 1);
			src_stream_free(s);
			return;
		}
		t->inbox = ni;
		t->capin = t->capin ? t->capin * 2 : 64;
	}
	t->inbox[t->nin++] = s;
	pthread_mutex_unlock(&t->mu);
}

void
src_media_stop(struct src_media *m)
{
	unsigned int	i;
	size_t		k;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		atomic_store(&m->t[i].stop, 1);
		if (m->t[i].started)
			pthread_join(m->t[i].th, NULL);
		m->t[i].started = 0;
		for (k = 0; k < m->t[i].nin; k++)
			src_stream_free(m->t[i].inbox[k]);
		m->t[i].nin = 0;
	}
	/* One histogram for the report. */
	if (!m->merged)
		for (i = 1; i < m->n; i++)
			siprec_pacer_merge(m->t[0].pacer, m->t[i].pacer);
	m->merged = 1;
}

int
src_media_rt_failed(struct src_media *m)
{
	unsigned int	i;

	for (i = 0; m != NULL && i < m->n; i++)
		if (atomic_load(&m->t[i].rt_failed))
			return 1;
	return 0;
}

void
src_media_free(struct src_media *m)
{
	unsigned int	i;

	if (m == NULL)
		return;
	src_media_stop(m);
	for (i = 0; i < m->n; i++) {
		siprec_pacer_free(m->t[i].pacer);
		free(m->t[i].inbox);
		pthread_mutex_destroy(&m->t[i].mu);
	}
	free(m->t);
	free(m);
}

uint64_t
src_media_deviation(struct src_media *m, double q)
{
	return m == NULL ? 0 : siprec_pacer_deviation(m->t[0].pacer, q);
}

void
src_media_pacer_stats(struct src_media *m, struct siprec_pacer_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (m != NULL)
		*st = *siprec_pacer_stats(m->t[0].pacer);
}
