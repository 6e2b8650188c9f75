/* SPDX-License-Identifier: BSD-2-Clause */
/* A pcapng block reader for what libpcap refuses: mixed link types. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture_int.h"

/*
 * libpcap (1.10) reads a pcapng file only while every interface has the
 * link type of the first; a capture taken on "any" plus an Ethernet
 * interface, or merged from several, has several.  This reader walks the
 * blocks itself (draft-ietf-opsawg-pcapng): each Section Header Block
 * sets the byte order and starts a new list of interfaces; an Interface
 * Description Block gives a link type, a snap length and a timestamp
 * resolution (if_tsresol, if_tsoffset); Enhanced, Simple and obsolete
 * Packet Blocks carry packets; anything else is skipped.  A Simple
 * Packet Block has no timestamp: it takes the previous packet's.
 */

#define BT_SHB		0x0a0d0d0aU
#define BT_IDB		1U
#define BT_OPB		2U		/* obsolete Packet Block */
#define BT_SPB		3U
#define BT_EPB		6U
#define BOM		0x1a2b3c4dU
#define BLOCK_MAX	(16U * 1024 * 1024)	/* one block, at most */
#define IFACES_MAX	4096

struct ng_iface {
	int		 linktype;
	uint32_t	 snaplen;
	uint64_t	 units;		/* per second; 0: a power of two */
	unsigned int	 shift;		/* with units 0: 2^-shift s */
	int64_t		 offset_s;	/* if_tsoffset */
};

struct siprec__ng {
	FILE			*fp;
	int			 swap;		/* section not in host order */
	int			 in_section;
	struct ng_iface		*ifs;
	size_t			 nifs, capifs;
	uint8_t			*blk;
	size_t			 capblk;
	uint64_t		 last_ns;
	uint64_t		 blocks;	/* read so far, for messages */
};

static uint32_t
get32(const struct siprec__ng *g, const uint8_t *p)
{
	return siprec__get32(p, g->swap);
}

static uint16_t
get16(const struct siprec__ng *g, const uint8_t *p)
{
	return siprec__get16(p, g->swap);
}

static uint64_t
get64(const struct siprec__ng *g, const uint8_t *p)
{
	return siprec__get64(p, g->swap);
}

static void
set_err(char *err, size_t len, const struct siprec__ng *g, const char *why)
{
	snprintf(err, len, "pcapng block %llu: %s",
	    (unsigned long long)g->blocks, why);
}

struct siprec__ng *
siprec__ng_new(FILE *fp)
{
	struct siprec__ng *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->fp = fp;
	return g;
}

void
siprec__ng_free(struct siprec__ng *g)
{
	if (g == NULL)
		return;
	free(g->ifs);
	free(g->blk);
	free(g);
}

/* An Interface Description Block's body (after type and length). */
static int
add_iface(struct siprec__ng *g, const uint8_t *b, size_t n, char *err,
    size_t elen)
{
	struct ng_iface *f;
	size_t at = 8;

	if (n < 8) {
		set_err(err, elen, g, "interface description too short");
		return -1;
	}
	if (g->nifs == g->capifs) {
		size_t nc = g->capifs ? 2 * g->capifs : 4;
		struct ng_iface *ni;

		if (nc > IFACES_MAX ||
		    (ni = realloc(g->ifs, nc * sizeof(*ni))) == NULL) {
			set_err(err, elen, g, "too many interfaces");
			return -1;
		}
		g->ifs = ni;
		g->capifs = nc;
	}
	f = &g->ifs[g->nifs++];
	memset(f, 0, sizeof(*f));
	f->linktype = get16(g, b);
	f->snaplen = get32(g, b + 4);
	f->units = 1000000;		/* default: microseconds */
	/* Options: code, length, value padded to 32 bits. */
	while (at + 4 <= n) {
		uint16_t code = get16(g, b + at), len = get16(g, b + at + 2);

		at += 4;
		if (code == 0 || at + len > n)
			break;
		if (code == 9 && len >= 1) {		/* if_tsresol */
			uint8_t r = b[at];

			if (r & 0x80) {
				f->units = 0;
				f->shift = r & 0x7f;
				if (f->shift > 63)
					f->shift = 63;
			} else {
				unsigned int i;

				f->units = 1;
				for (i = 0; i < (r > 19 ? 19u : r); i++)
					f->units *= 10;
			}
		} else if (code == 14 && len >= 8)	/* if_tsoffset */
			f->offset_s = (int64_t)get64(g, b + at);
		at += (len + 3u) & ~3u;
	}
	return 0;
}

static uint64_t
to_ns(const struct ng_iface *f, uint64_t t)
{
	uint64_t s, frac, ns;

	if (f->units == 0) {
		s = t >> f->shift;
		frac = t & ((1ULL << f->shift) - 1);
		ns = (uint64_t)(((unsigned __int128)frac * 1000000000U) >>
		    f->shift);
	} else {
		s = t / f->units;
		frac = t % f->units;
		ns = (uint64_t)((unsigned __int128)frac * 1000000000U /
		    f->units);
	}
	if (f->offset_s < 0 && (uint64_t)-f->offset_s > s)
		s = 0;
	else
		s = (uint64_t)((int64_t)s + f->offset_s);
	return s * 1000000000U + ns;
}

int
siprec__ng_next(struct siprec__ng *g, struct siprec__ng_rec *r, char *err,
    size_t elen)
{
	uint8_t h[12];
	uint32_t type, len, ifc, cap, orig;
	const uint8_t *b;
	size_t n;

	for (;;) {
		if (fread(h, 1, 8, g->fp) != 8)
			return ferror(g->fp) ? (set_err(err, elen, g,
			    "read error"), -1) : 0;
		g->blocks++;
		memcpy(&type, h, 4);	/* the SHB type reads the same both ways */
		if (type == BT_SHB) {
			uint32_t bom;

			if (fread(h + 8, 1, 4, g->fp) != 4) {
				set_err(err, elen, g, "truncated section header");
				return -1;
			}
			memcpy(&bom, h + 8, 4);
			if (bom == BOM)
				g->swap = 0;
			else if (__builtin_bswap32(bom) == BOM)
				g->swap = 1;
			else {
				set_err(err, elen, g, "bad byte-order magic");
				return -1;
			}
			g->in_section = 1;
			g->nifs = 0;	/* interfaces are per section */
			len = get32(g, h + 4);
			if (len < 28 || len % 4 != 0 || len > BLOCK_MAX) {
				set_err(err, elen, g, "bad section length");
				return -1;
			}
			if (fseek(g->fp, (long)len - 12, SEEK_CUR) != 0) {
				set_err(err, elen, g, "truncated section header");
				return -1;
			}
			continue;
		}
		if (!g->in_section) {
			set_err(err, elen, g, "not a pcapng section");
			return -1;
		}
		type = get32(g, h);
		len = get32(g, h + 4);
		if (len < 12 || len % 4 != 0 || len > BLOCK_MAX) {
			set_err(err, elen, g, "bad block length");
			return -1;
		}
		n = len - 8;		/* body and the trailing length */
		if (n > g->capblk) {
			uint8_t *nb = realloc(g->blk, n);

			if (nb == NULL) {
				set_err(err, elen, g, "out of memory");
				return -1;
			}
			g->blk = nb;
			g->capblk = n;
		}
		if (fread(g->blk, 1, n, g->fp) != n) {
			set_err(err, elen, g, "truncated block");
			return -1;
		}
		b = g->blk;
		n -= 4;			/* the body */
		switch (type) {
		case BT_IDB:
			if (add_iface(g, b, n, err, elen) != 0)
				return -1;
			continue;
		case BT_EPB:
		case BT_OPB:
			if (n < 20) {
				set_err(err, elen, g, "packet block too short");
				return -1;
			}
			ifc = type == BT_EPB ? get32(g, b) : get16(g, b);
			cap = get32(g, b + 12);
			orig = get32(g, b + 16);
			if (ifc >= g->nifs || cap > n - 20) {
				set_err(err, elen, g, ifc >= g->nifs ?
				    "packet of an undescribed interface" :
				    "captured length past the block");
				return -1;
			}
			g->last_ns = to_ns(&g->ifs[ifc],
			    (uint64_t)get32(g, b + 4) << 32 | get32(g, b + 8));
			r->data = b + 20;
			break;
		case BT_SPB:
			if (n < 4 || g->nifs == 0) {
				set_err(err, elen, g, "simple packet block "
				    "without an interface");
				return -1;
			}
			ifc = 0;
			orig = get32(g, b);
			cap = orig;
			if (g->ifs[0].snaplen != 0 && cap > g->ifs[0].snaplen)
				cap = g->ifs[0].snaplen;
			if (cap > n - 4)
				cap = (uint32_t)(n - 4);
			r->data = b + 4;
			break;
		default:
			continue;	/* statistics, names, comments, DSB... */
		}
		r->linktype = g->ifs[ifc].linktype;
		r->caplen = cap;
		r->len = orig < cap ? cap : orig;
		r->ts_ns = g->last_ns;
		return 1;
	}
}
