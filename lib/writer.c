/* SPDX-License-Identifier: BSD-2-Clause */
/* File writes handed to a thread of their own, in order. */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_int.h"
#include "writer_int.h"

/*
 * Design note.  Copying a recording's samples into the page cache costs
 * the kernel about as much as decoding them costs us, so the recording
 * thread only copies each write into a ring of RING bytes and goes on;
 * one writer thread, shared by every open file of the process, makes
 * the system calls in the order they were queued.  Full buffers of
 * samples are handed over instead (siprec__wfile_give()) and go back to
 * the pool (pool_int.h) once written.  The thread starts
 * with the first open file and ends with the last.  A file's close (and
 * an explicit sync) waits until its own writes are done, which, the
 * queue being one FIFO, is at most the time to drain RING bytes.  Should
 * the thread fail to start, writes are made at once, as before.
 */

#define RING		(2u * 1024 * 1024)	/* bytes waiting, at most */
#define NJOBS		1024			/* operations waiting */
#define GIVEN_MAX	128		/* handed-over buffers waiting */
#define KICK_JOBS	64		/* writes queued before a wake-up */
#define WBATCH		64		/* jobs the thread takes at once */

struct siprec__wfile {
	int		 fd;
	int		 err;		/* first errno, sticky */
	unsigned int	 pending;	/* queued, not yet done */
};

struct job {
	struct siprec__wfile	*f;
	off_t			 off;
	size_t			 at, len;	/* the bytes in the ring */
	size_t			 waste;		/* ring bytes skipped before */
	int			 trunc;		/* ftruncate(off), no bytes */
	void			*buf;		/* handed over, not in the ring */
};

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 more, room, done;
	pthread_t	 th;
	int		 running, stop;
	int		 exiting;	/* the thread is being joined */
	unsigned int	 files;
	uint8_t		*ring;
	size_t		 wpos, used;
	struct job	 jobs[NJOBS];
	size_t		 jhead, jn;
	unsigned int	 given;		/* buffers in jobs */
} W = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER
};

static int
write_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	ssize_t k;

	while (n > 0) {
		k = pwrite(fd, p, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

void *
siprec__wbuf_get(void)
{
	return siprec__pool_get(SIPREC__WBUF);
}

void
siprec__wbuf_put(void *b)
{
	siprec__pool_put(b, SIPREC__WBUF);
}

static int
run_job(const struct job *j, const uint8_t *p)
{
	if (j->trunc)
		return ftruncate(j->f->fd, j->off) != 0 ? errno : 0;
	return write_all(j->f->fd, p, j->len, j->off);
}

static void *
writer(void *arg)
{
	struct job j[WBATCH];
	int e[WBATCH];
	size_t i, n;

	(void)arg;
	(void)pthread_setname_np(pthread_self(), "siprec-write");
	pthread_mutex_lock(&W.mu);
	for (;;) {
		while (W.jn == 0 && !W.stop)
			pthread_cond_wait(&W.more, &W.mu);
		if (W.jn == 0)
			break;
		/*
		 * The first jobs, at most WBATCH, made in one go: they stay
		 * queued, their bytes reserved, until done, and the lock is
		 * taken twice for them all, not twice each.
		 */
		n = W.jn < WBATCH ? W.jn : WBATCH;
		for (i = 0; i < n; i++) {
			j[i] = W.jobs[(W.jhead + i) % NJOBS];
			e[i] = j[i].f->err;
		}
		pthread_mutex_unlock(&W.mu);
		for (i = 0; i < n; i++)
			e[i] = e[i] == 0 ? run_job(&j[i], j[i].buf != NULL ?
			    j[i].buf : W.ring + j[i].at) : 0;
		pthread_mutex_lock(&W.mu);
		for (i = 0; i < n; i++) {
			if (e[i] != 0 && j[i].f->err == 0)
				j[i].f->err = e[i];
			if (j[i].buf != NULL) {
				siprec__pool_put(j[i].buf, SIPREC__WBUF);
				W.given--;
			} else
				W.used -= j[i].len + j[i].waste;
			j[i].f->pending--;
		}
		W.jhead = (W.jhead + n) % NJOBS;
		W.jn -= n;
		pthread_cond_broadcast(&W.room);
		pthread_cond_broadcast(&W.done);
	}
	pthread_mutex_unlock(&W.mu);
	return NULL;
}

struct siprec__wfile *
siprec__wfile_new(int fd)
{
	struct siprec__wfile *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->fd = fd;
	pthread_mutex_lock(&W.mu);
	while (W.exiting)
		pthread_cond_wait(&W.done, &W.mu);
	if (W.files++ == 0 && !W.running) {
		if (W.ring == NULL)
			W.ring = malloc(RING);
		W.stop = 0;
		W.running = W.ring != NULL &&
		    pthread_create(&W.th, NULL, writer, NULL) == 0;
	}
	pthread_mutex_unlock(&W.mu);
	return f;
}

/*
 * Queue a job: n bytes copied from p, or the buffer buf handed over, or
 * a truncation; W.mu held.
 */
static void
enqueue(struct siprec__wfile *f, const void *p, void *buf, size_t n,
    off_t off, int trunc)
{
	struct job *j;
	size_t at = 0, waste = 0, inring = buf == NULL ? n : 0;

	for (;;) {
		if (buf == NULL) {
			at = W.wpos;
			waste = 0;
			if (at + n > RING) {
				waste = RING - at;
				at = 0;
			}
		}
		if (W.jn < NJOBS && W.used + waste + inring <= RING &&
		    (buf == NULL || W.given < GIVEN_MAX))
			break;
		pthread_cond_signal(&W.more);
		pthread_cond_wait(&W.room, &W.mu);
	}
	j = &W.jobs[(W.jhead + W.jn) % NJOBS];
	j->f = f;
	j->off = off;
	j->at = at;
	j->len = n;
	j->waste = waste;
	j->trunc = trunc;
	j->buf = buf;
	if (buf != NULL)
		W.given++;
	else {
		if (n > 0)
			memcpy(W.ring + at, p, n);
		W.wpos = (at + n) % RING;
		W.used += waste + n;
	}
	W.jn++;
	f->pending++;
	/*
	 * Wake the thread for a batch, not for every write: a wake-up is a
	 * system call on both sides (drain() wakes it for the rest).
	 */
	if (W.jn >= KICK_JOBS || W.used >= RING / 2 || W.given >= GIVEN_MAX / 2)
		pthread_cond_signal(&W.more);
}

/* Wait for f's queued jobs; W.mu held. */
static void
drain(struct siprec__wfile *f)
{
	if (f->pending > 0)
		pthread_cond_signal(&W.more);
	while (f->pending > 0)
		pthread_cond_wait(&W.done, &W.mu);
}

int
siprec__wfile_pwrite(struct siprec__wfile *f, const void *p, size_t n,
    off_t off, int direct)
{
	int e;

	pthread_mutex_lock(&W.mu);
	if (f->err == 0 && n > 0) {
		if (!W.running || direct || n > RING / 4) {
			drain(f);
			pthread_mutex_unlock(&W.mu);
			e = write_all(f->fd, p, n, off);
			pthread_mutex_lock(&W.mu);
			if (e != 0 && f->err == 0)
				f->err = e;
		} else
			enqueue(f, p, NULL, n, off, 0);
	}
	e = f->err;
	pthread_mutex_unlock(&W.mu);
	return e;
}

int
siprec__wfile_give(struct siprec__wfile *f, void *buf, size_t n, off_t off)
{
	int e;

	pthread_mutex_lock(&W.mu);
	if (f->err == 0 && n > 0 && W.running) {
		enqueue(f, NULL, buf, n, off, 0);
		buf = NULL;
	}
	pthread_mutex_unlock(&W.mu);
	if (buf != NULL) {
		e = siprec__wfile_pwrite(f, buf, n, off, 1);
		siprec__wbuf_put(buf);
		return e;
	}
	pthread_mutex_lock(&W.mu);
	e = f->err;
	pthread_mutex_unlock(&W.mu);
	return e;
}

int
siprec__wfile_truncate(struct siprec__wfile *f, off_t len)
{
	int e;

	pthread_mutex_lock(&W.mu);
	if (f->err == 0) {
		if (!W.running) {
			if (ftruncate(f->fd, len) != 0)
				f->err = errno;
		} else
			enqueue(f, NULL, NULL, 0, len, 1);
	}
	e = f->err;
	pthread_mutex_unlock(&W.mu);
	return e;
}

int
siprec__wfile_sync(struct siprec__wfile *f)
{
	int e;

	pthread_mutex_lock(&W.mu);
	drain(f);
	e = f->err;
	pthread_mutex_unlock(&W.mu);
	return e;
}

int
siprec__wfile_fd(const struct siprec__wfile *f)
{
	return f->fd;
}

int
siprec__wfile_close(struct siprec__wfile *f)
{
	pthread_t th;
	int e, join = 0;

	if (f == NULL)
		return 0;
	pthread_mutex_lock(&W.mu);
	drain(f);
	e = f->err;
	if (--W.files == 0 && W.running) {
		W.stop = 1;
		W.running = 0;
		W.exiting = 1;
		th = W.th;
		join = 1;
		pthread_cond_signal(&W.more);
	}
	pthread_mutex_unlock(&W.mu);
	if (join) {
		pthread_join(th, NULL);
		pthread_mutex_lock(&W.mu);
		free(W.ring);
		W.ring = NULL;
		W.exiting = 0;
		pthread_cond_broadcast(&W.done);
		pthread_mutex_unlock(&W.mu);
	}
	if (close(f->fd) != 0 && e == 0)
		e = errno;
	free(f);
	return e;
}
