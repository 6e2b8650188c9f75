/* SPDX-License-Identifier: BSD-2-Clause */
/* pcapfloor: the least work any RTP extractor must do, as a benchmark floor. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

/*
 * Read a capture with libpcap, assume Ethernet, IPv4 and UDP, and append
 * the payload of every datagram whose RTP header parses (RFC 3550 5.1,
 * version 2, not RTCP) to OUTDIR/<dst-ip>-<dst-port>.raw: raw payload
 * bytes, no reordering, no decoding, no SIP.  Whatever a real extractor
 * adds on top (signalling, jitter handling, decoding, WAV headers) is
 * measured against this.  No VLAN tags, tunnels, fragments or IPv6: such
 * packets are counted and skipped.
 *
 * At most MAX_OPEN streams hold an open FILE at a time; past that the
 * stream opened longest ago is closed and reopened for appending when it
 * next has data.  Exit status: 0 done, 2 usage, 3 unusable capture, 4
 * system error.
 */

#define MAX_OPEN	4096
#define FD_SPARE	16		/* descriptors kept for libpcap, stdio */

#define ETH_HLEN	14
#define ETHERTYPE_IP	0x0800
#define IP_HLEN_MIN	20
#define UDP_HLEN	8
#define RTP_HLEN	12

struct stream {
	uint64_t	 key;		/* dst IPv4 << 16 | dst port */
	FILE		*fp;		/* NULL while closed */
	int		 created;	/* the file exists: reopen to append */
};

struct floor {
	const char	*outdir;
	struct stream	*streams;	/* dense, indices are stable */
	size_t		 nstreams, streams_cap;
	uint32_t	*table;		/* open addressing: index + 1, 0 free */
	size_t		 table_cap;	/* a power of two */
	size_t		*ring;		/* open streams, oldest first */
	size_t		 ring_head, nopen, max_open;
	uint64_t	 records, rtp, skipped, bytes;
};

static const char *prog = "pcapfloor";

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [-hq] -o outdir capture\n", prog);
}

static uint64_t
be16(const u_char *p)
{
	return (uint64_t)p[0] << 8 | p[1];
}

static size_t
hash(uint64_t key, size_t cap)
{
	/* Fibonacci hashing; keys differ mostly in the low (port) bits. */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static int
table_grow(struct floor *f)
{
	uint32_t *t;
	size_t cap, i, h;

	cap = f->table_cap == 0 ? 1024 : f->table_cap * 2;
	if ((t = calloc(cap, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < f->nstreams; i++) {
		h = hash(f->streams[i].key, cap);
		while (t[h] != 0)
			h = (h + 1) & (cap - 1);
		t[h] = (uint32_t)(i + 1);
	}
	free(f->table);
	f->table = t;
	f->table_cap = cap;
	return 0;
}

/* The stream for key, created on first sight; NULL when out of memory. */
static struct stream *
lookup(struct floor *f, uint64_t key)
{
	struct stream *s;
	size_t h;

	if (f->table_cap != 0) {
		h = hash(key, f->table_cap);
		while (f->table[h] != 0) {
			s = &f->streams[f->table[h] - 1];
			if (s->key == key)
				return s;
			h = (h + 1) & (f->table_cap - 1);
		}
	}
	/* Keep the load at most one half. */
	if (2 * (f->nstreams + 1) > f->table_cap && table_grow(f) != 0)
		return NULL;
	if (f->nstreams == f->streams_cap) {
		size_t cap = f->streams_cap == 0 ? 256 : f->streams_cap * 2;

		if (cap > UINT32_MAX - 1) {
			errno = ENOMEM;
			return NULL;
		}
		if ((s = reallocarray(f->streams, cap, sizeof(*s))) == NULL)
			return NULL;
		f->streams = s;
		f->streams_cap = cap;
	}
	h = hash(key, f->table_cap);
	while (f->table[h] != 0)
		h = (h + 1) & (f->table_cap - 1);
	s = &f->streams[f->nstreams++];
	f->table[h] = (uint32_t)f->nstreams;
	s->key = key;
	s->fp = NULL;
	s->created = 0;
	return s;
}

/* Open s for writing, closing the oldest open stream first if need be. */
static int
stream_open(struct floor *f, struct stream *s)
{
	struct stream *old;
	char path[4096];
	uint64_t ip = s->key >> 16;
	int n;

	if (f->nopen == f->max_open) {
		old = &f->streams[f->ring[f->ring_head]];
		if (fclose(old->fp) != 0) {
			old->fp = NULL;
			return -1;
		}
		old->fp = NULL;
		f->nopen--;
		f->ring_head = (f->ring_head + 1) % f->max_open;
	}
	n = snprintf(path, sizeof(path), "%s/%u.%u.%u.%u-%u.raw", f->outdir,
	    (unsigned int)(ip >> 24 & 0xff), (unsigned int)(ip >> 16 & 0xff),
	    (unsigned int)(ip >> 8 & 0xff), (unsigned int)(ip & 0xff),
	    (unsigned int)(s->key & 0xffff));
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((s->fp = fopen(path, s->created ? "ab" : "wb")) == NULL)
		return -1;
	s->created = 1;
	f->ring[(f->ring_head + f->nopen) % f->max_open] =
	    (size_t)(s - f->streams);
	f->nopen++;
	return 0;
}

/*
 * The RTP payload of an Ethernet frame, or NULL: IPv4 (RFC 791) without
 * fragmentation, UDP (RFC 768), RTP version 2 with its CSRCs, extension
 * and padding removed (RFC 3550 5.1, 5.3.1).
 */
static const u_char *
rtp_payload(const u_char *p, size_t n, uint64_t *key, size_t *len)
{
	size_t ihl, ulen, hl, pad;
	const u_char *r;

	if (n < ETH_HLEN + IP_HLEN_MIN || be16(p + 12) != ETHERTYPE_IP)
		return NULL;
	p += ETH_HLEN;
	n -= ETH_HLEN;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < IP_HLEN_MIN || p[9] != 17 ||
	    (be16(p + 6) & 0x3fff) != 0 || n < ihl + UDP_HLEN)
		return NULL;
	if (be16(p + 2) < n)
		n = (size_t)be16(p + 2);	/* drop Ethernet padding */
	if (n < ihl + UDP_HLEN)
		return NULL;
	*key = ((uint64_t)p[16] << 24 | (uint64_t)p[17] << 16 |
	    (uint64_t)p[18] << 8 | p[19]) << 16 | be16(p + ihl + 2);
	r = p + ihl + UDP_HLEN;
	ulen = (size_t)be16(p + ihl + 4);
	if (ulen < UDP_HLEN || ulen > n - ihl)
		return NULL;
	n = ulen - UDP_HLEN;
	/* RTP version 2, and not RTCP on a shared port (RFC 5761 4). */
	if (n < RTP_HLEN || (r[0] >> 6) != 2 || (r[1] >= 192 && r[1] <= 223))
		return NULL;
	hl = RTP_HLEN + (size_t)(r[0] & 0x0f) * 4;
	if (hl > n)
		return NULL;
	if (r[0] & 0x10) {
		if (hl + 4 > n)
			return NULL;
		hl += 4 + (size_t)be16(r + hl + 2) * 4;
		if (hl > n)
			return NULL;
	}
	if (r[0] & 0x20) {
		pad = r[n - 1];
		if (pad == 0 || pad > n - hl)
			return NULL;
		n -= pad;
	}
	*len = n - hl;
	return r + hl;
}

/* Raise the descriptor limit as far as MAX_OPEN needs; the cap it allows. */
static size_t
open_limit(void)
{
	struct rlimit rl;
	rlim_t want = MAX_OPEN + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > want ? want : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 256;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return MAX_OPEN;
	return rl.rlim_cur > 2 * FD_SPARE ? (size_t)rl.rlim_cur - FD_SPARE :
	    FD_SPARE;
}

static int
close_all(struct floor *f)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < f->nstreams; i++)
		if (f->streams[i].fp != NULL) {
			if (fclose(f->streams[i].fp) != 0 && rc == 0)
				rc = errno != 0 ? errno : EIO;
			f->streams[i].fp = NULL;
		}
	free(f->streams);
	free(f->table);
	free(f->ring);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL,	'h' },
		{ "outdir",	required_argument,	NULL,	'o' },
		{ "quiet",	no_argument,		NULL,	'q' },
		{ NULL,		0,			NULL,	0 }
	};
	char errbuf[PCAP_ERRBUF_SIZE];
	struct floor f;
	struct pcap_pkthdr *h;
	struct stream *s;
	const u_char *data, *pl;
	pcap_t *pc;
	uint64_t key;
	size_t len;
	int ch, quiet = 0, rc, err;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt_long(argc, argv, "ho:q", longopts, NULL)) != -1)
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'o':
			f.outdir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	argc -= optind;
	argv += optind;
	if (argc != 1 || f.outdir == NULL) {
		usage(stderr);
		return 2;
	}
	if (mkdir(f.outdir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, f.outdir,
		    strerror(errno));
		return 4;
	}
	f.max_open = open_limit();
	if ((f.ring = calloc(f.max_open, sizeof(*f.ring))) == NULL) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return 4;
	}
	if ((pc = pcap_open_offline(argv[0], errbuf)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], errbuf);
		close_all(&f);
		return 3;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "%s: %s: link type %s, not Ethernet\n", prog,
		    argv[0], pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		close_all(&f);
		return 3;
	}
	rc = 0;
	while ((err = pcap_next_ex(pc, &h, &data)) == 1) {
		f.records++;
		if ((pl = rtp_payload(data, h->caplen, &key, &len)) == NULL) {
			f.skipped++;
			continue;
		}
		f.rtp++;
		if ((s = lookup(&f, key)) == NULL ||
		    (s->fp == NULL && stream_open(&f, s) != 0) ||
		    (len > 0 && fwrite(pl, 1, len, s->fp) != len)) {
			fprintf(stderr, "%s: %s: %s\n", prog, f.outdir,
			    strerror(errno));
			rc = 4;
			break;
		}
		f.bytes += len;
	}
	if (rc == 0 && err != PCAP_ERROR_BREAK) {
		fprintf(stderr, "%s: %s: record %llu: %s\n", prog, argv[0],
		    (unsigned long long)f.records + 1, pcap_geterr(pc));
		rc = 3;
	}
	pcap_close(pc);
	if ((err = close_all(&f)) != 0 && rc == 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, f.outdir,
		    strerror(err));
		rc = 4;
	}
	if (!quiet)
		fprintf(stderr, "%s: %llu records, %llu RTP, %llu skipped, "
		    "%zu streams, %llu payload bytes\n", prog,
		    (unsigned long long)f.records, (unsigned long long)f.rtp,
		    (unsigned long long)f.skipped, f.nstreams,
		    (unsigned long long)f.bytes);
	return rc;
}
