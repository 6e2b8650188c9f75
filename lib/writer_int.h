/* SPDX-License-Identifier: BSD-2-Clause */
/* Private: file writes handed to a thread of their own, in order. */
#ifndef SIPREC_WRITER_INT_H
#define SIPREC_WRITER_INT_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A file whose writes go through the writer thread.  Every operation on
 * one file happens in the order it was asked for; writes to different
 * files may interleave.  Errors are sticky and come back from later
 * calls and from siprec__wfile_close().  One thread uses a given file.
 */
struct siprec__wfile;

/*
 * Buffers of SIPREC__WBUF bytes that can be handed to the writer thread
 * instead of copied: get one, fill it, give it with siprec__wfile_give()
 * (or put it back unused).  NULL when out of memory.
 */
#define SIPREC__WBUF	(32 * 1024)
void		*siprec__wbuf_get(void);
void		 siprec__wbuf_put(void *);

/* Take over fd (it is closed by siprec__wfile_close()); NULL if no memory. */
struct siprec__wfile *siprec__wfile_new(int fd);

/*
 * Write n bytes at off: copied, so p may be reused on return.  With
 * direct set, written now, before returning (the first header of a
 * file, so it is on disk before the file is renamed).  Returns 0, or
 * the errno of this file's first failure.
 */
int		siprec__wfile_pwrite(struct siprec__wfile *, const void *p,
		    size_t n, off_t off, int direct);

/*
 * As siprec__wfile_pwrite() with buf, a buffer of siprec__wbuf_get(),
 * handed over instead of copied: the caller gives it up, always.
 */
int		siprec__wfile_give(struct siprec__wfile *, void *buf, size_t n,
		    off_t off);

/* Cut the file to len bytes, after the writes asked for before. */
int		siprec__wfile_truncate(struct siprec__wfile *, off_t len);

/* Wait until everything asked for is done; 0 or the first errno. */
int		siprec__wfile_sync(struct siprec__wfile *);

/* The descriptor, for reads: call siprec__wfile_sync() first. */
int		siprec__wfile_fd(const struct siprec__wfile *);

/* Sync, close the descriptor, free; 0 or the first errno.  NULL: 0. */
int		siprec__wfile_close(struct siprec__wfile *);

#endif
