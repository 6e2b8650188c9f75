/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory for the state that every packet reads, in huge-page regions. */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <sys/mman.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "pool_int.h"

/*
 * Design note.  Objects are carved from CHUNK-aligned regions of CHUNK
 * bytes, advised MADV_HUGEPAGE: where transparent huge pages are on
 * ("always" or "madvise"), a region is one TLB entry instead of 512.
 * Sizes are rounded up to a cache line; each size has a free list, and
 * a freed object waits there for the next of its size.  Sizes past BIG,
 * and sizes past the NCLASS first ones, go to malloc() as usual.  If a
 * region cannot be mapped, the object comes from malloc() and joins its
 * free list when put back like any other.
 *
 * New regions are made and faulted in ahead, READY of them, by a thread
 * of the pool's, so that the thread that needs memory does not wait for
 * the kernel to clear it: on a virtual machine whose freed memory went
 * back to the host, clearing 2 MiB is a page fault on the host for each
 * 4 KiB of it.  The thread starts with the first region and sleeps
 * while READY wait.
 *
 * Measured on the capture benchmark (tests/bench/pcap2rec.sh: 2,000
 * streams): the recordings' state, the streams' state and their sample
 * buffers from here took the run from 4.54 s to 4.04 s (medians of 3),
 * as much as glibc's own huge-page tunable for the whole heap.
 */

#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF	1
#endif
#endif
#ifndef POOL_OFF
#define POOL_OFF	0
#endif

#define CHUNK		((size_t)2 * 1024 * 1024)
#define BIG		(CHUNK / 8)
#define LINE		64
#define NCLASS		16
#define READY		2		/* regions faulted in ahead */

struct freed {
	struct freed	*next;
};

static struct {
	pthread_mutex_t	 mu;
	struct {
		size_t		 size;
		struct freed	*list;
	}		 cls[NCLASS];
	unsigned int	 ncls;
	char		*at, *end;	/* what is left of the last region */
	char		*ready[READY];	/* faulted in, not yet used */
	unsigned int	 nready;
	int		 filler;	/* 1 running, -1 could not start */
	pthread_cond_t	 want;		/* a ready region was taken */
} P = { .mu = PTHREAD_MUTEX_INITIALIZER, .want = PTHREAD_COND_INITIALIZER };

/* A CHUNK-aligned region of CHUNK bytes, or NULL. */
static char *
region(void)
{
	char *p, *a;
	size_t len = 2 * CHUNK;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
	if (a > p)
		(void)munmap(p, (size_t)(a - p));
	if (a + CHUNK < p + len)
		(void)munmap(a + CHUNK, (size_t)(p + len - (a + CHUNK)));
#ifdef MADV_HUGEPAGE
	(void)madvise(a, CHUNK, MADV_HUGEPAGE);
#endif
	return a;
}

/* Fault a region in: each page written once, or the kernel asked to. */
static void
populate(char *a)
{
	size_t i;

#ifdef MADV_POPULATE_WRITE
	if (madvise(a, CHUNK, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	for (i = 0; i < CHUNK; i += 4096)
		((volatile char *)a)[i] = 0;
}

/* The pool's thread: keeps READY regions faulted in. */
static void *
filler(void *arg)
{
	char *a;

	(void)arg;
	(void)pthread_setname_np(pthread_self(), "siprec-pool");
	pthread_mutex_lock(&P.mu);
	for (;;) {
		while (P.nready == READY)
			pthread_cond_wait(&P.want, &P.mu);
		pthread_mutex_unlock(&P.mu);
		if ((a = region()) != NULL)
			populate(a);
		pthread_mutex_lock(&P.mu);
		if (a == NULL)
			break;
		P.ready[P.nready++] = a;
	}
	P.filler = -1;
	pthread_mutex_unlock(&P.mu);
	return NULL;
}

/* A region for the next objects, ready or made now; P.mu held. */
static char *
next_region(void)
{
	pthread_attr_t at;
	pthread_t th;

	if (P.filler == 0) {
		P.filler = -1;
		if (pthread_attr_init(&at) == 0) {
			if (pthread_attr_setdetachstate(&at,
			    PTHREAD_CREATE_DETACHED) == 0 &&
			    pthread_create(&th, &at, filler, NULL) == 0)
				P.filler = 1;
			pthread_attr_destroy(&at);
		}
	}
	if (P.filler == 1)
		pthread_cond_signal(&P.want);
	if (P.nready > 0)
		return P.ready[--P.nready];
	return region();
}

/* The class of size n (rounded), made if need be; -1 if none is left. */
static int
class_of(size_t n)
{
	unsigned int i;

	for (i = 0; i < P.ncls; i++)
		if (P.cls[i].size == n)
			return (int)i;
	if (P.ncls == NCLASS)
		return -1;
	P.cls[P.ncls].size = n;
	P.cls[P.ncls].list = NULL;
	return (int)P.ncls++;
}

void *
siprec__pool_get(size_t n)
{
	struct freed *f;
	char *p;
	int c;

	if (POOL_OFF || n == 0 || n > BIG)
		return malloc(n > 0 ? n : 1);
	n = (n + LINE - 1) & ~(size_t)(LINE - 1);
	pthread_mutex_lock(&P.mu);
	if ((c = class_of(n)) < 0) {
		pthread_mutex_unlock(&P.mu);
		return malloc(n);
	}
	if ((f = P.cls[c].list) != NULL) {
		P.cls[c].list = f->next;
		pthread_mutex_unlock(&P.mu);
		return f;
	}
	if (P.at == NULL || (size_t)(P.end - P.at) < n) {
		/* The rest of the last region is left unused. */
		if ((p = next_region()) == NULL) {
			pthread_mutex_unlock(&P.mu);
			return malloc(n);
		}
		P.at = p;
		P.end = p + CHUNK;
	}
	p = P.at;
	P.at += n;
	pthread_mutex_unlock(&P.mu);
	return p;
}

void
siprec__pool_put(void *p, size_t n)
{
	struct freed *f = p;
	int c;

	if (p == NULL)
		return;
	if (POOL_OFF || n == 0 || n > BIG) {
		free(p);
		return;
	}
	n = (n + LINE - 1) & ~(size_t)(LINE - 1);
	pthread_mutex_lock(&P.mu);
	if ((c = class_of(n)) < 0) {
		pthread_mutex_unlock(&P.mu);
		free(p);
		return;
	}
	f->next = P.cls[c].list;
	P.cls[c].list = f;
	pthread_mutex_unlock(&P.mu);
}

int
siprec__pool_regions(void)
{
	return !POOL_OFF;
}
