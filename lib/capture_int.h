/* SPDX-License-Identifier: BSD-2-Clause */
/* Private interface between the capture reader and its TCP SIP reassembler. */
#ifndef SIPREC_CAPTURE_INT_H
#define SIPREC_CAPTURE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gcrypt.h>

#include <siprec/capture.h>

#define SIPREC__NS		1000000000ULL

/*
 * Limits of the TCP reassembler.  Captures are untrusted, so every buffer
 * has a ceiling and every flow an idle timeout in capture time.
 */
#define SIPREC__TCP_MSG_MAX	(256 * 1024)	/* largest SIP message kept */
#define SIPREC__TCP_LINE_MAX	(64 * 1024)	/* longest start line */
#define SIPREC__TCP_HUNT_MAX	(1024 * 1024)	/* non-SIP bytes, then stop */
#define SIPREC__TCP_OOO_SEGS	64		/* out-of-order segments held */
#define SIPREC__TCP_OOO_BYTES	(256 * 1024)	/* out-of-order bytes held */
#define SIPREC__TCP_OOO_WINDOW	(1024 * 1024)	/* farther ahead: a jump */
#define SIPREC__TCP_OOO_WAIT	(5 * SIPREC__NS) /* hole left open this long */
#define SIPREC__TCP_FLOWS_MAX	65536		/* directions tracked */
#define SIPREC__TCP_BYTES_MAX	(64 * 1024 * 1024) /* all flows together */
#define SIPREC__TCP_IDLE	(300 * SIPREC__NS)

/* TCP header flags used here. */
#define SIPREC__TCP_FIN		0x01
#define SIPREC__TCP_SYN		0x02
#define SIPREC__TCP_RST		0x04

/* One TCP segment as decoded from a record; data is borrowed. */
struct siprec__tcp_seg {
	const struct siprec_addr	*src, *dst;
	uint32_t			 seq;
	uint8_t				 flags;
	const uint8_t			*data;
	size_t				 len;
	uint64_t			 ts_ns;
	const char			*file;
	uint64_t			 record;
};

struct siprec__tcp;

/* A new, empty reassembler; *out is NULL on failure. */
enum siprec_err	siprec__tcp_new(struct siprec__tcp **out);
void		siprec__tcp_free(struct siprec__tcp *);

/*
 * Feed one segment.  Complete SIP messages it yields are then handed out
 * by siprec__tcp_next(), which must be drained before the next segment.
 * Counts gaps and skipped streams in st.  SIPREC_ENOMEM loses the data.
 */
enum siprec_err	siprec__tcp_segment(struct siprec__tcp *,
		    const struct siprec__tcp_seg *,
		    struct siprec_capture_stats *st);

/*
 * The next whole SIP message from the last segment fed (or the flush):
 * returns 1 and fills *out (data valid until the next call into the
 * reassembler), or 0 when there is none.
 */
int		siprec__tcp_next(struct siprec__tcp *, struct siprec_pkt *out,
		    struct siprec_capture_stats *st);

/*
 * At the end of input: close the holes of one flow that still holds
 * out-of-order data, so its messages can be drained with
 * siprec__tcp_next().  Returns 1 while there was such a flow, then 0.
 */
int		siprec__tcp_flush(struct siprec__tcp *,
		    struct siprec_capture_stats *st);

/* Integers of a capture file in its byte order: swap when not the host's. */
static inline uint16_t
siprec__get16(const uint8_t *p, int swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t
siprec__get32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t
siprec__get64(const uint8_t *p, int swap)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return swap ? __builtin_bswap64(v) : v;
}

/*
 * pcapng read block by block (lib/pcapng.c), for the files libpcap
 * refuses: interfaces of different link types.  The reader borrows fp.
 */
struct siprec__ng;

struct siprec__ng_rec {
	int		 linktype;	/* LINKTYPE_* of its interface */
	uint32_t	 caplen, len;
	uint64_t	 ts_ns;
	const uint8_t	*data;		/* valid until the next call */
};

struct siprec__ng *siprec__ng_new(FILE *fp);
void		siprec__ng_free(struct siprec__ng *);

/* 1: a packet in *r; 0: the end; -1: damage, said in err. */
int		siprec__ng_next(struct siprec__ng *, struct siprec__ng_rec *r,
		    char *err, size_t elen);

/*
 * Classic pcap read straight from a descriptor in large reads
 * (lib/pcapfile.c), records handed out in place: no stdio, no libpcap
 * copy.  The reader borrows fd; with md, every byte read is hashed.
 */
struct siprec__pf;

struct siprec__pf_hdr {
	int		 linktype;	/* LINKTYPE_* of the file */
	uint32_t	 snaplen;
	int		 nsec;		/* nanosecond timestamps */
};

/* Whether the n bytes h open a classic pcap file this reader takes. */
int		siprec__pf_takes(const uint8_t *h, size_t n);

/*
 * Start reading fd, whose first npre bytes (at most 4096) were read
 * already into pre (and hashed, if they were to be); reads the file
 * header.  NULL with err set on failure, errno in *eno for a read error
 * (0 for a bad header).
 */
struct siprec__pf *siprec__pf_new(int fd, gcry_md_hd_t md,
		    const uint8_t *pre, size_t npre, struct siprec__pf_hdr *h,
		    char *err, size_t elen, int *eno);
void		siprec__pf_free(struct siprec__pf *);

/*
 * 1: a record in *r (data valid until the next call); 0: the end; -1:
 * damage or a read error, said in err (errno of a read error in *eno).
 */
int		siprec__pf_next(struct siprec__pf *, struct siprec__ng_rec *r,
		    char *err, size_t elen, int *eno);

/* Read (and hash) what is left, after damage; 0 or an errno. */
int		siprec__pf_drain(struct siprec__pf *);

#endif
