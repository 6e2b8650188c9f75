/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet captures decoded down to UDP datagrams and SIP messages over TCP. */
#ifndef SIPREC_CAPTURE_H
#define SIPREC_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/err.h>

enum siprec_pkt_kind {
	SIPREC_PKT_UDP = 1,	/* one UDP payload (IP fragments reassembled) */
	SIPREC_PKT_SIP_TCP	/* one whole SIP message framed from TCP */
};

struct siprec_addr {
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 ip[16];	/* IPv4 in the first 4 bytes */
	uint16_t	 port;		/* host byte order */
};

struct siprec_pkt {
	enum siprec_pkt_kind	 kind;
	uint64_t		 ts_ns;		/* capture time, ns since the epoch */
	struct siprec_addr	 src, dst;
	struct siprec_slice	 data;		/* valid until the next call */
	const char		*file;		/* the input it came from */
	uint64_t		 record;	/* 1-based record in that input
						   (the last segment, for TCP) */
};

struct siprec_capture_stats {
	uint64_t	 records;	/* capture records read */
	uint64_t	 udp;		/* UDP datagrams delivered */
	uint64_t	 sip_tcp;	/* SIP messages framed from TCP */
	uint64_t	 fragments;	/* IP fragments seen */
	uint64_t	 reassembled;	/* datagrams rebuilt from fragments */
	uint64_t	 skipped_link;	/* records of a link type not decoded */
	uint64_t	 skipped_other;	/* not IP, not UDP/TCP, malformed */
	uint64_t	 truncated;	/* records shorter than on the wire */
	uint64_t	 tcp_gaps;	/* TCP data lost, stream resynchronised */
	uint64_t	 duplicates;	/* IP-level duplicates dropped */
};

struct siprec_capture;

/*
 * Open captures (pcap or pcapng, "-" is standard input) to be read as one
 * stream in capture-time order.  filter, if not NULL, is a libpcap filter
 * expression applied to every input.  On failure *out is NULL and diag
 * names the input and the reason.
 */
enum siprec_err	siprec_capture_open(const char *const *paths, size_t n,
		    const char *filter, struct siprec_capture **out,
		    struct siprec_diag *);

/*
 * The next packet in time order.  SIPREC_OK fills *out; SIPREC_ENOTFOUND
 * at the end of every input; SIPREC_EPARSE when an input is damaged or
 * truncated: diag names the file and the record, everything before it was
 * delivered, and calling again goes on with the other inputs.
 */
enum siprec_err	siprec_capture_next(struct siprec_capture *,
		    struct siprec_pkt *out, struct siprec_diag *);

const struct siprec_capture_stats *
		siprec_capture_stats(const struct siprec_capture *);

/*
 * SHA-256 of input i as read (standard input too), for chain of custody.
 * A regular file is hashed whole by a thread of its own as soon as it
 * is opened, so its digest may be known long before the file has been
 * read; if the file grew meanwhile, the digest given once it has been
 * read to its end is that of the grown file.  Anything else is known
 * once read to its end.  Returns SIPREC_ENOTFOUND before it is known.
 */
enum siprec_err	siprec_capture_sha256(const struct siprec_capture *, size_t i,
		    uint8_t out[32]);

void		siprec_capture_free(struct siprec_capture *);

/* Text form of an address, "192.0.2.1:5060" or "[2001:db8::1]:5060". */
void		siprec_addr_format(const struct siprec_addr *, char *buf,
		    size_t len);

#endif
