/* SPDX-License-Identifier: BSD-2-Clause */
/* Private: memory for the state that every packet reads. */
#ifndef SIPREC_POOL_INT_H
#define SIPREC_POOL_INT_H

#include <stddef.h>

/*
 * Objects that live as long as a call or a stream and are read by each
 * of its packets, among thousands of others (a recording's state, a
 * stream's, its sample buffers), come from 2 MiB regions that the
 * kernel may back with huge pages.  With 4 KiB pages nearly every such
 * read also misses the TLB.
 *
 * siprec__pool_get() returns n bytes, not zeroed, or NULL when out of
 * memory; siprec__pool_put() takes them back with the same n.  Freed
 * objects are kept for reuse, so the memory held is that of the most
 * objects of a size alive at once.  Thread-safe.  Under AddressSanitizer
 * both are malloc() and free(), so that its checks see every object.
 */
void	*siprec__pool_get(size_t n);
void	 siprec__pool_put(void *, size_t n);

/* 1 when objects come from the regions, 0 when from malloc(). */
int	 siprec__pool_regions(void);

#endif
