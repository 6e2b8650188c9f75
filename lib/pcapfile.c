/* SPDX-License-Identifier: BSD-2-Clause */
/* Classic pcap files read in large reads, records handed out in place. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gcrypt.h>

#include "capture_int.h"

/*
 * The classic format (draft-ietf-opsawg-pcap): a 24-byte file header
 * whose magic number gives the byte order and the timestamp unit
 * (0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds), then records of a
 * 16-byte header (seconds, fraction, captured length, original length)
 * and the captured bytes.  Libpcap reads it through stdio, one fread()
 * for each header and each packet, and copies every packet into a
 * buffer of its own; on a capture of millions of small RTP packets that
 * is a tenth of siprec-pcap2rec's time.  Here the file comes in reads of
 * a megabyte into one buffer and each record is parsed where it lies; a
 * record is moved only when it straddles the end of the buffer.  A read
 * returns what is there, so a live capture on a pipe is never held back
 * waiting for a megabyte, and a file that grows while read is read on.
 * (Mapping the file instead saved nothing measurable, and a file cut
 * shorter while mapped would fault.)
 */

#define READ_SIZE	(1024 * 1024)
#define PREFETCH	256		/* bytes after a record: the next RTP record */
#define CAPLEN_MAX	262144U		/* libpcap's largest for most links */
#define REC_MAX		(64U * 1024 * 1024)	/* with a larger snaplen */

#define MAGIC_US	0xa1b2c3d4U		/* microsecond timestamps */
#define MAGIC_NS	0xa1b23c4dU		/* nanosecond timestamps */

struct siprec__pf {
	int		 fd;
	gcry_md_hd_t	 md;
	int		 swap;		/* not in host byte order */
	int		 nsec;
	int		 linktype;
	uint32_t	 maxcap;
	uint8_t		*buf;
	size_t		 cap, at, end;
	int		 eof;
	int		 eno;		/* of a failed read */
};

static uint32_t
get32(const struct siprec__pf *f, const uint8_t *p)
{
	return siprec__get32(p, f->swap);
}

int
siprec__pf_takes(const uint8_t *h, size_t n)
{
	uint32_t m;
	int swap;

	if (n < 24)
		return 0;
	m = siprec__get32(h, 0);
	if (m == MAGIC_US || m == MAGIC_NS)
		swap = 0;
	else if (m == __builtin_bswap32(MAGIC_US) ||
	    m == __builtin_bswap32(MAGIC_NS))
		swap = 1;
	else
		return 0;
	return siprec__get16(h + 4, swap) == 2;	/* version 2.x */
}

/* Make the next need bytes available from at: 1, 0 short at the end, -1. */
static int
fill(struct siprec__pf *f, size_t need)
{
	ssize_t k;

	if (f->end - f->at >= need)
		return 1;
	if (f->at > 0) {
		memmove(f->buf, f->buf + f->at, f->end - f->at);
		f->end -= f->at;
		f->at = 0;
	}
	if (need > f->cap) {
		size_t cap = need + READ_SIZE;
		uint8_t *nb = realloc(f->buf, cap);

		if (nb == NULL) {
			f->eno = ENOMEM;
			return -1;
		}
		f->buf = nb;
		f->cap = cap;
	}
	while (f->end < need && !f->eof) {
		k = read(f->fd, f->buf + f->end, f->cap - f->end);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			f->eno = errno;
			return -1;
		}
		if (k == 0) {
			f->eof = 1;
			break;
		}
		if (f->md != NULL)
			gcry_md_write(f->md, f->buf + f->end, (size_t)k);
		f->end += (size_t)k;
	}
	return f->end >= need;
}

struct siprec__pf *
siprec__pf_new(int fd, gcry_md_hd_t md, const uint8_t *pre, size_t npre,
    struct siprec__pf_hdr *h, char *err, size_t elen, int *eno)
{
	struct siprec__pf *f;
	const uint8_t *p;
	uint32_t magic32, snaplen, lt;
	int r;

	*eno = 0;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->buf = malloc(READ_SIZE)) == NULL) {
		free(f);
		*eno = ENOMEM;
		snprintf(err, elen, "%s", strerror(ENOMEM));
		return NULL;
	}
	f->fd = fd;
	f->md = md;
	f->cap = READ_SIZE;
	if (npre > f->cap)
		npre = f->cap;
	memcpy(f->buf, pre, npre);
	f->end = npre;
	if ((r = fill(f, 24)) != 1) {
		*eno = r < 0 ? f->eno : 0;
		snprintf(err, elen, "%s", r < 0 ? strerror(f->eno) :
		    "truncated pcap file header");
		siprec__pf_free(f);
		return NULL;
	}
	/* The caller checked the magic and the version (siprec__pf_takes). */
	p = f->buf + f->at;
	magic32 = siprec__get32(p, 0);
	f->swap = magic32 != MAGIC_US && magic32 != MAGIC_NS;
	f->nsec = get32(f, p) == MAGIC_NS;
	snaplen = get32(f, p + 16);
	lt = get32(f, p + 20);
	f->linktype = (int)(lt & 0x03ffffff);	/* upper bits: FCS */
	f->maxcap = snaplen > CAPLEN_MAX ? (snaplen < REC_MAX ? snaplen :
	    REC_MAX) : CAPLEN_MAX;
	f->at += 24;
	h->linktype = f->linktype;
	h->snaplen = snaplen;
	h->nsec = f->nsec;
	return f;
}

void
siprec__pf_free(struct siprec__pf *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	free(f);
}

int
siprec__pf_next(struct siprec__pf *f, struct siprec__ng_rec *rec, char *err,
    size_t elen, int *eno)
{
	const uint8_t *p;
	uint32_t sec, frac, caplen, len;
	size_t k;
	int r;

	*eno = 0;
	if ((r = fill(f, 16)) < 0)
		goto readerr;
	if (r == 0) {
		if (f->end == f->at)
			return 0;
		snprintf(err, elen, "truncated pcap file: %zu of a record "
		    "header's 16 bytes", f->end - f->at);
		return -1;
	}
	p = f->buf + f->at;
	sec = get32(f, p);
	frac = get32(f, p + 4);
	caplen = get32(f, p + 8);
	len = get32(f, p + 12);
	if (caplen > f->maxcap) {
		snprintf(err, elen, "invalid captured length %u, larger than "
		    "the largest, %u", (unsigned int)caplen,
		    (unsigned int)f->maxcap);
		return -1;
	}
	if ((r = fill(f, 16 + (size_t)caplen)) < 0)
		goto readerr;
	if (r == 0) {
		snprintf(err, elen, "truncated pcap file: %zu of a record's "
		    "%u captured bytes", f->end - f->at - 16,
		    (unsigned int)caplen);
		return -1;
	}
	p = f->buf + f->at;
	rec->linktype = f->linktype;
	rec->caplen = caplen;
	rec->len = len;
	rec->ts_ns = (uint64_t)sec * 1000000000ULL +
	    (f->nsec ? (uint64_t)frac : (uint64_t)frac * 1000);
	rec->data = p + 16;
	f->at += 16 + (size_t)caplen;
	/*
	 * The next record, read after this one's handling, which among
	 * thousands of streams evicts it from the cache otherwise.
	 */
	p = f->buf + f->at;
	for (k = 0; k < PREFETCH && f->at + k < f->end; k += 64)
		__builtin_prefetch(p + k);
	return 1;
readerr:
	*eno = f->eno;
	snprintf(err, elen, "%s", strerror(f->eno));
	return -1;
}

int
siprec__pf_drain(struct siprec__pf *f)
{
	while (!f->eof) {
		f->at = f->end = 0;
		if (fill(f, f->cap) < 0)
			return f->eno;
	}
	return 0;
}
