/* SPDX-License-Identifier: BSD-2-Clause */
/* Captures read as one time-ordered stream, decoded down to UDP and TCP. */
#define _GNU_SOURCE	/* fopencookie */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>
#include <pcap/pcap.h>

#include "capture_int.h"
#include "gcry_int.h"

/*
 * A classic pcap file is read here (lib/pcapfile.c) in large reads,
 * records parsed where they lie; pcapng goes to libpcap as a stdio
 * stream, or to lib/pcapng.c when its interfaces mix link types.  A
 * regular file is hashed meanwhile by a second thread from a descriptor
 * of its own, so the digest is known early (a recording finished before
 * the end of the input can name it) and costs the reading thread
 * nothing.  When the input has been read, the file's size is checked
 * against what was hashed; a file that grew in between is hashed again.
 * Anything else (standard input, a pipe) is hashed as it is read: its
 * first bytes are read to tell the format, then either by pcapfile.c or
 * through a stdio cookie stream that gives libpcap those bytes again and
 * feeds every later byte to SHA-256, so the digest covers exactly what
 * was parsed (and, drained at the end, the whole input).  Streams are
 * used by one thread only: stdio locking is off.  Each input keeps one
 * record read ahead; the earliest of them is decoded next.  A UDP
 * payload is handed out in place, inside the record buffer, so plain UDP
 * costs no allocation; the record is replaced only on the following call.
 *
 * Decoding is a recursive descent from the link layer: Ethernet with its
 * tags, MPLS and PPPoE; Linux cooked v1/v2; raw IP; BSD loopback; then
 * IPv4/IPv6 with fragment reassembly and duplicate suppression; then UDP,
 * TCP and the tunnels (IP-in-IP, GRE with ERSPAN II/III and transparent
 * Ethernet bridging, VXLAN), which start again at an inner layer.
 */

#define MAX_DEPTH	8		/* nested encapsulations */

#define DGRAM_MAX	65535		/* largest reassembled payload */
#define FRAG_MAX	256		/* datagrams being reassembled */
#define FRAG_BYTES	(8 * 1024 * 1024) /* their buffers together */
#define FRAG_RANGES	32		/* disjoint pieces per datagram */
#define FRAG_TIMEOUT	(30 * SIPREC__NS)

#define HASH_CHUNK	(1024 * 1024)	/* read by the hashing thread */
#define NGPROG_MAX	8		/* filters compiled per link type */
#define STREAM_BUF	(256 * 1024)	/* libpcap's stdio buffer */
#define PEEK		24		/* a classic pcap file header */

#define DUP_RING	8		/* recent packets compared */
#define DUP_WINDOW	(10 * 1000000ULL) /* 10 ms */

struct hashio {
	FILE		*fp;
	gcry_md_hd_t	 md;
	int		 own;		/* close fp with the stream */
	int		 err;		/* errno of a failed read, or 0 */
	uint8_t		 pre[PEEK];	/* read and hashed before the stream */
	size_t		 npre, preat;
};

enum in_state {
	IN_NEED,			/* read the next record */
	IN_HAVE,			/* hdr/data hold the next record */
	IN_DONE
};

/* A regular file's digest, computed by the hashing thread. */
struct bghash {
	int			 fd;		/* its own; -1: not a regular file */
	atomic_int		 state;		/* BG_* */
	uint64_t		 len;		/* bytes hashed */
	uint8_t			 sha[32];
};

enum { BG_RUNNING, BG_DONE, BG_FAILED };

struct input {
	char			*path;
	struct hashio		 io;
	FILE			*fp;		/* what libpcap reads */
	struct siprec__pf	*pf;		/* or classic pcap read here */
	struct bghash		 bg;
	char			*vbuf;		/* fp's buffer */
	/* pcapng with mixed link types, read block by block (pcapng.c). */
	struct siprec__ng	*ng;
	FILE			*ngfp;
	struct pcap_pkthdr	 nghdr;
	char			*filter;	/* to compile per link type */
	struct ngprog {
		int			 linktype;
		int			 ok;
		struct bpf_program	 prog;
	}			 ngprog[NGPROG_MAX];
	unsigned int		 nngprog;
	pcap_t			*pcap;
	int			 linktype;
	struct bpf_program	 prog;
	int			 has_prog;
	enum in_state		 state;
	struct pcap_pkthdr	*hdr;
	const u_char		*data;
	uint64_t		 ts;
	uint64_t		 recno;
	int			 hashed;
	uint8_t			 sha[32];
};

struct frag {
	struct frag	*next;		/* oldest first */
	uint8_t		 family, proto;
	uint8_t		 src[16], dst[16];
	uint32_t	 id;
	uint64_t	 first_ns;
	uint8_t		*buf;
	size_t		 cap;
	size_t		 total;		/* 0 until the last fragment */
	uint32_t	 lo[FRAG_RANGES], hi[FRAG_RANGES];
	int		 nr;
};

struct dup {
	uint64_t	 ts;
	uint64_t	 hash;
	uint32_t	 id;
	uint32_t	 len;
	uint8_t		 family;
	uint8_t		 used;
	uint8_t		 src[16], dst[16];
};

struct siprec_capture {
	struct input			*in;
	size_t				 n;
	struct siprec_capture_stats	 st;
	struct siprec__tcp		*tcp;
	struct frag			*frags, *frags_tail;
	size_t				 nfrags, frag_bytes;
	uint8_t				*dgram;		/* reassembled */
	pthread_t			 hasher;
	int				 hashing;	/* hasher started */
	atomic_int			 stop;		/* hasher: give up */
	struct dup			 dups[DUP_RING];
	size_t				 dup_next;
	enum siprec_err			 err;		/* from the decoders */
};

/* Per record: where it came from and where a packet goes. */
struct dctx {
	uint64_t		 ts;
	const char		*file;
	uint64_t		 record;
	int			 cut;		/* bytes missing at the end */
	struct siprec_pkt	*out;
};

static const struct bpf_program *ng_prog(struct input *);
static int	ethertype(struct siprec_capture *, struct dctx *, uint16_t,
		    const uint8_t *, size_t, int);
static int	ipv4(struct siprec_capture *, struct dctx *, const uint8_t *,
		    size_t, int);
static int	ipv6(struct siprec_capture *, struct dctx *, const uint8_t *,
		    size_t, int);
static int	ipv6_ext(struct siprec_capture *, struct dctx *, uint8_t,
		    struct siprec_addr *, struct siprec_addr *,
		    const uint8_t *, size_t, size_t, int);


static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* --- inputs ------------------------------------------------------------- */

static ssize_t
hio_read(void *cookie, char *buf, size_t n)
{
	struct hashio *h = cookie;
	size_t k;

	if (h->preat < h->npre) {
		/* Peeked at (and hashed) before libpcap was given the stream. */
		k = h->npre - h->preat < n ? h->npre - h->preat : n;
		memcpy(buf, h->pre + h->preat, k);
		h->preat += k;
		return (ssize_t)k;
	}
	k = fread(buf, 1, n, h->fp);
	if (k == 0 && ferror(h->fp)) {
		h->err = errno != 0 ? errno : EIO;
		return -1;
	}
	gcry_md_write(h->md, buf, k);
	return (ssize_t)k;
}

static int
hio_close(void *cookie)
{
	struct hashio *h = cookie;
	int r = 0;

	if (h->own && h->fp != NULL)
		r = fclose(h->fp);
	h->fp = NULL;
	return r;
}

/* SHA-256 of fd from offset 0 to its end; 0, or -1 on a read error. */
static int
hash_fd(int fd, const atomic_int *stop, uint8_t sha[32], uint64_t *len)
{
	gcry_md_hd_t md;
	uint8_t *buf;
	uint64_t at = 0;
	ssize_t k;
	int rc = -1;

	if ((buf = malloc(HASH_CHUNK)) == NULL)
		return -1;
	if (gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		free(buf);
		return -1;
	}
	for (;;) {
		if (stop != NULL && atomic_load(stop))
			break;
		k = pread(fd, buf, HASH_CHUNK, (off_t)at);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		if (k == 0) {
			memcpy(sha, gcry_md_read(md, GCRY_MD_SHA256), 32);
			*len = at;
			rc = 0;
			break;
		}
		gcry_md_write(md, buf, (size_t)k);
		at += (uint64_t)k;
	}
	gcry_md_close(md);
	free(buf);
	return rc;
}

/* The hashing thread: every regular input, in order. */
static void *
hasher(void *arg)
{
	struct siprec_capture *c = arg;
	size_t i;

	(void)pthread_setname_np(pthread_self(), "siprec-hash");
	for (i = 0; i < c->n; i++) {
		struct bghash *h = &c->in[i].bg;

		if (h->fd < 0)
			continue;
		atomic_store(&h->state, hash_fd(h->fd, &c->stop, h->sha,
		    &h->len) == 0 ? BG_DONE : BG_FAILED);
	}
	return NULL;
}

/* Wait for the hashing thread to be done with in. */
static int
bg_wait(struct input *in)
{
	int st;

	while ((st = atomic_load(&in->bg.state)) == BG_RUNNING) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	return st;
}

static void
ng_close(struct input *in)
{
	unsigned int i;

	siprec__ng_free(in->ng);
	in->ng = NULL;
	if (in->ngfp != NULL)
		fclose(in->ngfp);
	in->ngfp = NULL;
	for (i = 0; i < in->nngprog; i++)
		if (in->ngprog[i].ok)
			pcap_freecode(&in->ngprog[i].prog);
	in->nngprog = 0;
}

/* Close what reads in: libpcap, or the reader here and its stream. */
static void
input_close(struct input *in)
{
	if (in->pf != NULL) {
		siprec__pf_free(in->pf);
		in->pf = NULL;
		if (in->pcap != NULL)
			pcap_close(in->pcap);	/* a dead one: no stream */
		if (in->fp != NULL)
			fclose(in->fp);
		else
			hio_close(&in->io);
	} else if (in->pcap != NULL)
		pcap_close(in->pcap);	/* closes fp, then io.fp */
	else if (in->fp != NULL)
		fclose(in->fp);
	else
		hio_close(&in->io);
	in->pcap = NULL;
	in->fp = NULL;
}

/* Read what libpcap left, seal the digest, close the input. */
static void
input_finish(struct input *in)
{
	char buf[8192];
	struct stat sb;

	if (in->bg.fd >= 0) {
		/* The whole file as it is now: hashed already, unless it grew. */
		if (bg_wait(in) == BG_DONE && fstat(in->bg.fd, &sb) == 0 &&
		    (uint64_t)sb.st_size == in->bg.len) {
			memcpy(in->sha, in->bg.sha, 32);
			in->hashed = 1;
		} else if (hash_fd(in->bg.fd, NULL, in->sha, &in->bg.len) == 0)
			in->hashed = 1;
	} else {
		if (in->pf != NULL) {
			if (!in->io.err)
				in->io.err = siprec__pf_drain(in->pf);
		} else if (in->fp != NULL)
			while (fread(buf, 1, sizeof(buf), in->fp) > 0)
				continue;
		if (in->io.md != NULL && !in->io.err) {
			memcpy(in->sha, gcry_md_read(in->io.md,
			    GCRY_MD_SHA256), 32);
			in->hashed = 1;
		}
	}
	input_close(in);
	free(in->vbuf);
	in->vbuf = NULL;
	ng_close(in);
	if (in->has_prog)
		pcap_freecode(&in->prog);
	in->has_prog = 0;
	in->state = IN_DONE;
}

/* A filter for in, compiled for its link type. */
static enum siprec_err
input_filter(struct input *in, const char *filter, struct siprec_diag *diag)
{
	if (filter != NULL && (in->filter = strdup(filter)) == NULL) {
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	if (filter != NULL) {
		/*
		 * Matched with pcap_offline_filter() rather than
		 * pcap_setfilter(), so that records the filter drops still
		 * count and record numbers stay those of the file.
		 */
		if (pcap_compile(in->pcap, &in->prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			siprec_diag_set(diag, 0, 0, "%s: filter \"%s\": %s",
			    in->path, filter, pcap_geterr(in->pcap));
			return SIPREC_EINVAL;
		}
		in->has_prog = 1;
	}
	in->state = IN_NEED;
	return SIPREC_OK;
}

/*
 * Look at the start of in: a classic pcap file is read here (pcapfile.c),
 * anything else by libpcap.  A regular file is looked at in place; from a
 * pipe the bytes are read (and hashed), to be read again by libpcap.
 */
static enum siprec_err
peek(struct input *in, const char *filter, struct siprec_diag *diag)
{
	struct siprec__pf_hdr h;
	char msg[PCAP_ERRBUF_SIZE];
	int fd, eno, dlt;
	ssize_t k;

	fd = fileno(in->fp != NULL ? in->fp : in->io.fp);
	while (in->io.npre < PEEK) {
		if (in->fp != NULL)
			k = pread(fd, in->io.pre + in->io.npre,
			    PEEK - in->io.npre, (off_t)in->io.npre);
		else
			k = read(fd, in->io.pre + in->io.npre,
			    PEEK - in->io.npre);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			siprec_diag_set(diag, 0, 0, "%s: %s", in->path,
			    strerror(errno));
			return SIPREC_EIO;
		}
		if (k == 0)
			break;
		if (in->fp == NULL)
			gcry_md_write(in->io.md, in->io.pre + in->io.npre,
			    (size_t)k);
		in->io.npre += (size_t)k;
	}
	if (!siprec__pf_takes(in->io.pre, in->io.npre)) {
		if (in->fp != NULL)
			in->io.npre = 0;	/* libpcap reads from 0 */
		return SIPREC_OK;
	}
	in->pf = siprec__pf_new(fd, in->fp != NULL ? NULL : in->io.md,
	    in->io.pre, in->fp != NULL ? 0 : in->io.npre, &h, msg,
	    sizeof(msg), &eno);
	in->io.npre = 0;
	if (in->pf == NULL) {
		siprec_diag_set(diag, 0, 0, "%s: %s", in->path, msg);
		return eno == ENOMEM ? SIPREC_ENOMEM : eno != 0 ? SIPREC_EIO :
		    SIPREC_EPARSE;
	}
	/* Numbers as pcap_datalink() would give them. */
	dlt = h.linktype == 101 ? DLT_RAW : h.linktype;
	in->linktype = dlt;
	if ((in->pcap = pcap_open_dead_with_tstamp_precision(dlt,
	    (int)(h.snaplen > 0 && h.snaplen < INT32_MAX ? h.snaplen : 262144),
	    PCAP_TSTAMP_PRECISION_NANO)) == NULL) {
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	return input_filter(in, filter, diag);
}

static enum siprec_err
input_open(struct input *in, const char *filter, struct siprec_diag *diag)
{
	static const cookie_io_functions_t fns = {
		.read = hio_read,
		.close = hio_close
	};
	char errbuf[PCAP_ERRBUF_SIZE];
	enum siprec_err e;
	struct stat sb;

	if (strcmp(in->path, "-") == 0) {
		in->io.fp = stdin;
		in->io.own = 0;
	} else {
		if ((in->io.fp = fopen(in->path, "rb")) == NULL) {
			siprec_diag_set(diag, 0, 0, "%s: %s", in->path,
			    strerror(errno));
			return SIPREC_EIO;
		}
		in->io.own = 1;
		if (fstat(fileno(in->io.fp), &sb) == 0 &&
		    S_ISREG(sb.st_mode) &&
		    (in->bg.fd = fcntl(fileno(in->io.fp), F_DUPFD_CLOEXEC,
		    0)) >= 0) {
			/* Libpcap reads the file itself; see the note above. */
			in->fp = in->io.fp;
			in->io.fp = NULL;
		}
	}
	if (in->fp == NULL &&
	    gcry_md_open(&in->io.md, GCRY_MD_SHA256, 0) != 0) {
		in->io.md = NULL;
		hio_close(&in->io);
		siprec_diag_set(diag, 0, 0, "%s: cannot start SHA-256",
		    in->path);
		return SIPREC_ENOMEM;
	}
	if ((e = peek(in, filter, diag)) != SIPREC_OK || in->pf != NULL)
		return e;
	if (in->fp == NULL) {
		if ((in->fp = fopencookie(&in->io, "r", fns)) == NULL) {
			hio_close(&in->io);
			siprec_diag_set(diag, 0, 0, "%s: %s", in->path,
			    strerror(errno));
			return SIPREC_ENOMEM;
		}
	}
	if ((in->vbuf = malloc(STREAM_BUF)) != NULL)
		(void)setvbuf(in->fp, in->vbuf, _IOFBF, STREAM_BUF);
	__fsetlocking(in->fp, FSETLOCKING_BYCALLER);
	errbuf[0] = '\0';
	in->pcap = pcap_fopen_offline_with_tstamp_precision(in->fp,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (in->pcap == NULL) {
		/* libpcap leaves the stream to us on failure. */
		fclose(in->fp);
		in->fp = NULL;
		siprec_diag_set(diag, 0, 0, "%s: %s", in->path,
		    in->io.err ? strerror(in->io.err) : errbuf);
		return in->io.err ? SIPREC_EIO : SIPREC_EPARSE;
	}
	in->linktype = pcap_datalink(in->pcap);
	return input_filter(in, filter, diag);
}

void
siprec_capture_free(struct siprec_capture *c)
{
	struct frag *f;
	size_t i;

	if (c == NULL)
		return;
	if (c->hashing) {
		atomic_store(&c->stop, 1);
		pthread_join(c->hasher, NULL);
	}
	for (i = 0; i < c->n; i++) {
		struct input *in = &c->in[i];

		input_close(in);
		free(in->vbuf);
		ng_close(in);
		free(in->filter);
		if (in->bg.fd >= 0)
			close(in->bg.fd);
		if (in->has_prog)
			pcap_freecode(&in->prog);
		if (in->io.md != NULL)
			gcry_md_close(in->io.md);
		free(in->path);
	}
	free(c->in);
	while ((f = c->frags) != NULL) {
		c->frags = f->next;
		free(f->buf);
		free(f);
	}
	siprec__tcp_free(c->tcp);
	free(c->dgram);
	free(c);
}

enum siprec_err
siprec_capture_open(const char *const *paths, size_t n, const char *filter,
    struct siprec_capture **out, struct siprec_diag *diag)
{
	struct siprec_capture *c;
	enum siprec_err e;
	size_t i, nstdin = 0;

	if (out != NULL)
		*out = NULL;
	if (paths == NULL || n == 0 || out == NULL) {
		siprec_diag_set(diag, 0, 0, "no capture to read");
		return SIPREC_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (paths[i] == NULL) {
			siprec_diag_set(diag, 0, 0, "no capture to read");
			return SIPREC_EINVAL;
		}
		if (strcmp(paths[i], "-") == 0)
			nstdin++;
	}
	if (nstdin > 1) {
		siprec_diag_set(diag, 0, 0,
		    "-: standard input can be read only once");
		return SIPREC_EINVAL;
	}
	siprec__gcry_init();
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->in = calloc(n, sizeof(*c->in))) == NULL ||
	    (c->dgram = malloc(DGRAM_MAX)) == NULL) {
		siprec_capture_free(c);
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		c->in[i].state = IN_DONE;
		c->in[i].bg.fd = -1;
		if ((c->in[i].path = strdup(paths[i])) == NULL) {
			c->n = i;
			siprec_capture_free(c);
			siprec_diag_set(diag, 0, 0, "out of memory");
			return SIPREC_ENOMEM;
		}
		c->n = i + 1;
		if ((e = input_open(&c->in[i], filter, diag)) != SIPREC_OK) {
			siprec_capture_free(c);
			return e;
		}
	}
	for (i = 0; i < n; i++)
		if (c->in[i].bg.fd >= 0)
			break;
	if (i < n) {
		if (pthread_create(&c->hasher, NULL, hasher, c) == 0)
			c->hashing = 1;
		else	/* hashed at the end instead, by input_finish() */
			for (i = 0; i < n; i++)
				atomic_store(&c->in[i].bg.state, BG_FAILED);
	}
	*out = c;
	return SIPREC_OK;
}

const struct siprec_capture_stats *
siprec_capture_stats(const struct siprec_capture *c)
{
	return &c->st;
}

enum siprec_err
siprec_capture_sha256(const struct siprec_capture *c, size_t i,
    uint8_t out[32])
{
	const struct input *in;

	if (c == NULL || i >= c->n)
		return SIPREC_EINVAL;
	in = &c->in[i];
	if (in->hashed) {
		memcpy(out, in->sha, 32);
		return SIPREC_OK;
	}
	if (in->bg.fd >= 0 && atomic_load(&in->bg.state) == BG_DONE) {
		memcpy(out, in->bg.sha, 32);
		return SIPREC_OK;
	}
	return SIPREC_ENOTFOUND;
}

void
siprec_addr_format(const struct siprec_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return;
	if (a == NULL || (a->family != 4 && a->family != 6) ||
	    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip,
	    sizeof(ip)) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (a->family == 4)
		snprintf(buf, len, "%s:%u", ip, (unsigned int)a->port);
	else
		snprintf(buf, len, "[%s]:%u", ip, (unsigned int)a->port);
}

/* --- duplicates --------------------------------------------------------- */

static uint64_t
hash64(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, l[4], w;
	unsigned int i;

	/*
	 * Every step is a bijection of a lane for a given w (odd
	 * multiplier), and so is folding each lane into h, so equal-length
	 * inputs that differ in one word never collide.  Four lanes, so
	 * that the multiplies of a 200-byte RTP packet overlap (this runs
	 * on every packet); the shifts are left to the end.
	 */
	l[0] = h;
	l[1] = h ^ 0x243f6a8885a308d3ULL;
	l[2] = h ^ 0x13198a2e03707344ULL;
	l[3] = h ^ 0xa4093822299f31d0ULL;
	for (; n >= 32; p += 32, n -= 32)
		for (i = 0; i < 4; i++) {
			memcpy(&w, p + 8 * i, 8);
			l[i] = (l[i] ^ w) * 0x100000001b3ULL;
		}
	for (i = 0; i < 4; i++)
		h = (h ^ l[i]) * 0x100000001b3ULL;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	h ^= h >> 29;
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x100000001b3ULL;
	return h ^ (h >> 32);
}

/*
 * Whether this IP packet repeats one seen just before: same addresses,
 * identification and length, same payload (TTL and checksum may differ,
 * as when a SPAN port copies both ingress and egress).  SPEC T-06.
 */
static int
duplicate(struct siprec_capture *c, const struct dctx *x, uint8_t family,
    const uint8_t *src, const uint8_t *dst, uint32_t id, size_t len,
    const uint8_t *pl, size_t pn)
{
	size_t alen = family == 4 ? 4 : 16, i;
	uint64_t h = hash64(pl, pn);
	struct dup *d;

	for (i = 0; i < DUP_RING; i++) {
		d = &c->dups[i];
		if (d->used && d->family == family && d->id == id &&
		    d->len == len && d->hash == h && x->ts >= d->ts &&
		    x->ts - d->ts <= DUP_WINDOW &&
		    memcmp(d->src, src, alen) == 0 &&
		    memcmp(d->dst, dst, alen) == 0)
			return 1;
	}
	d = &c->dups[c->dup_next];
	c->dup_next = (c->dup_next + 1) % DUP_RING;
	d->used = 1;
	d->ts = x->ts;
	d->hash = h;
	d->id = id;
	d->len = (uint32_t)len;
	d->family = family;
	memcpy(d->src, src, alen);
	memcpy(d->dst, dst, alen);
	return 0;
}

/* --- transport ---------------------------------------------------------- */

static int
skip(struct siprec_capture *c)
{
	c->st.skipped_other++;
	return 0;
}

static int
ether(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	if (depth > MAX_DEPTH || n < 14)
		return skip(c);
	return ethertype(c, x, be16(p + 12), p + 14, n - 14, depth);
}

static int
udp(struct siprec_capture *c, struct dctx *x, struct siprec_addr *s,
    struct siprec_addr *d, const uint8_t *p, size_t avail, size_t full,
    int depth)
{
	struct siprec_pkt *o = x->out;
	size_t ulen;

	if (full < 8)
		return skip(c);
	if (avail < 8)
		return 0;		/* cut short by the snap length */
	ulen = be16(p + 4);
	if (ulen < 8 || ulen > full)
		return skip(c);
	if (ulen > avail)
		return 0;		/* payload not all captured */
	s->port = be16(p);
	d->port = be16(p + 2);
	/* VXLAN (RFC 7348): the I flag says a VNI and a frame follow. */
	if (d->port == 4789 && ulen >= 16 && (p[8] & 0x08) != 0 &&
	    depth < MAX_DEPTH)
		return ether(c, x, p + 16, ulen - 16, depth + 1);
	o->kind = SIPREC_PKT_UDP;
	o->ts_ns = x->ts;
	o->src = *s;
	o->dst = *d;
	o->data.p = p + 8;
	o->data.len = ulen - 8;
	o->file = x->file;
	o->record = x->record;
	c->st.udp++;
	return 1;
}

static int
tcp(struct siprec_capture *c, struct dctx *x, struct siprec_addr *s,
    struct siprec_addr *d, const uint8_t *p, size_t avail, size_t full)
{
	struct siprec__tcp_seg g;
	enum siprec_err e;
	size_t off;

	if (full < 20)
		return skip(c);
	if (avail < 20)
		return 0;
	off = (size_t)(p[12] >> 4) * 4;
	if (off < 20 || off > full)
		return skip(c);
	if (off > avail)
		return 0;
	s->port = be16(p);
	d->port = be16(p + 2);
	if (c->tcp == NULL && (e = siprec__tcp_new(&c->tcp)) != SIPREC_OK) {
		c->err = e;
		return -1;
	}
	/* A segment cut by the snap length is used as far as it goes. */
	g.src = s;
	g.dst = d;
	g.seq = be32(p + 4);
	g.flags = p[13];
	g.data = p + off;
	g.len = avail - off;
	g.ts_ns = x->ts;
	g.file = x->file;
	g.record = x->record;
	if ((e = siprec__tcp_segment(c->tcp, &g, &c->st)) != SIPREC_OK) {
		c->err = e;
		return -1;
	}
	return 0;
}

/* GRE (RFC 2784, 2890) and the ERSPAN mirrors carried in it. */
static int
gre(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	uint16_t fl, proto;
	size_t hl, k;

	if (n < 4)
		return x->cut ? 0 : skip(c);
	fl = be16(p);
	proto = be16(p + 2);
	if ((fl & 0x0007) != 0 || (fl & 0x4000) != 0)
		return skip(c);		/* enhanced GRE (PPTP), routing */
	hl = 4 + ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) +
	    ((fl & 0x1000) ? 4 : 0);
	if (n < hl)
		return x->cut ? 0 : skip(c);
	p += hl;
	n -= hl;
	switch (proto) {
	case 0x88be:
		/*
		 * ERSPAN type II has a sequence number and 8 bytes of
		 * header; type I has neither.
		 */
		if (fl & 0x1000) {
			if (n < 8)
				return skip(c);
			p += 8;
			n -= 8;
		}
		return ether(c, x, p, n, depth + 1);
	case 0x22eb:
		/*
		 * ERSPAN type III: 12 bytes, 8 more with the O flag; frame
		 * type 0 is Ethernet.
		 */
		if (n < 12)
			return skip(c);
		k = 12 + ((p[11] & 0x01) ? 8 : 0);
		if (n < k || ((p[10] >> 2) & 0x1f) != 0)
			return skip(c);
		return ether(c, x, p + k, n - k, depth + 1);
	default:
		return ethertype(c, x, proto, p, n, depth + 1);
	}
}

/*
 * The payload of an IP packet: avail bytes at hand of full on the wire
 * (fewer only when the record was cut).
 */
static int
transport(struct siprec_capture *c, struct dctx *x, uint8_t proto,
    struct siprec_addr *s, struct siprec_addr *d, const uint8_t *p,
    size_t avail, size_t full, int depth)
{
	if (depth > MAX_DEPTH)
		return skip(c);
	switch (proto) {
	case 17:
		return udp(c, x, s, d, p, avail, full, depth);
	case 6:
		return tcp(c, x, s, d, p, avail, full);
	case 4:
		return ipv4(c, x, p, avail, depth + 1);
	case 41:
		return ipv6(c, x, p, avail, depth + 1);
	case 47:
		return gre(c, x, p, avail, depth);
	default:
		return skip(c);
	}
}

/* --- fragments (RFC 791 section 3.2, RFC 8200 section 4.5) -------------- */

static void
frag_drop(struct siprec_capture *c, struct frag *f)
{
	struct frag **pp, *prev = NULL;

	for (pp = &c->frags; *pp != NULL; prev = *pp, pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			if (c->frags_tail == f)
				c->frags_tail = prev;
			break;
		}
	c->frag_bytes -= f->cap;
	c->nfrags--;
	free(f->buf);
	free(f);
}

/* Record piece [lo, hi) in the sorted, disjoint range list. */
static int
frag_range(struct frag *f, uint32_t lo, uint32_t hi)
{
	uint32_t nlo[FRAG_RANGES + 1], nhi[FRAG_RANGES + 1];
	int i, k = 0, placed = 0;

	for (i = 0; i < f->nr; i++) {
		if (f->hi[i] < lo) {
			nlo[k] = f->lo[i];
			nhi[k++] = f->hi[i];
		} else if (f->lo[i] > hi) {
			if (!placed) {
				nlo[k] = lo;
				nhi[k++] = hi;
				placed = 1;
			}
			nlo[k] = f->lo[i];
			nhi[k++] = f->hi[i];
		} else {
			if (f->lo[i] < lo)
				lo = f->lo[i];
			if (f->hi[i] > hi)
				hi = f->hi[i];
		}
	}
	if (!placed) {
		nlo[k] = lo;
		nhi[k++] = hi;
	}
	if (k > FRAG_RANGES)
		return -1;
	memcpy(f->lo, nlo, (size_t)k * sizeof(nlo[0]));
	memcpy(f->hi, nhi, (size_t)k * sizeof(nhi[0]));
	f->nr = k;
	return 0;
}

/*
 * Add a fragment's data at byte offset off.  Overlaps keep the bytes that
 * came first.  When the datagram is whole it is decoded from c->dgram.
 */
static int
fragment(struct siprec_capture *c, struct dctx *x, uint8_t family,
    uint8_t proto, struct siprec_addr *s, struct siprec_addr *d, uint32_t id,
    uint32_t off, int more, const uint8_t *p, size_t n, int depth)
{
	size_t alen = family == 4 ? 4 : 16, ncap, total;
	uint32_t end = off + (uint32_t)n, pos, e;
	struct frag *f;
	uint8_t *nb;
	int i, r, cut;

	c->st.fragments++;
	while ((f = c->frags) != NULL && f->first_ns + FRAG_TIMEOUT < x->ts)
		frag_drop(c, f);
	if (end > DGRAM_MAX || (more && (n == 0 || n % 8 != 0)))
		return skip(c);
	for (f = c->frags; f != NULL; f = f->next)
		if (f->id == id && f->family == family && f->proto == proto &&
		    memcmp(f->src, s->ip, alen) == 0 &&
		    memcmp(f->dst, d->ip, alen) == 0)
			break;
	if (f == NULL) {
		if (c->nfrags >= FRAG_MAX)
			frag_drop(c, c->frags);
		if ((f = calloc(1, sizeof(*f))) == NULL) {
			c->err = SIPREC_ENOMEM;
			return -1;
		}
		f->family = family;
		f->proto = proto;
		memcpy(f->src, s->ip, alen);
		memcpy(f->dst, d->ip, alen);
		f->id = id;
		f->first_ns = x->ts;
		if (c->frags_tail != NULL)
			c->frags_tail->next = f;
		else
			c->frags = f;
		c->frags_tail = f;
		c->nfrags++;
	}
	if ((!more && f->total != 0 && f->total != end) ||
	    (f->total != 0 && end > f->total) ||
	    (!more && f->nr > 0 && f->hi[f->nr - 1] > end)) {
		frag_drop(c, f);	/* inconsistent lengths */
		return skip(c);
	}
	if (!more)
		f->total = end;
	if (end > f->cap) {
		ncap = f->cap > 0 ? f->cap * 2 : 2048;
		if (ncap < end)
			ncap = end;
		if (ncap > DGRAM_MAX)
			ncap = DGRAM_MAX;
		while (c->frag_bytes + ncap - f->cap > FRAG_BYTES &&
		    c->frags != f)
			frag_drop(c, c->frags);
		if (c->frag_bytes + ncap - f->cap > FRAG_BYTES ||
		    (nb = realloc(f->buf, ncap)) == NULL) {
			frag_drop(c, f);
			return skip(c);
		}
		c->frag_bytes += ncap - f->cap;
		f->buf = nb;
		f->cap = ncap;
	}
	/* Copy only where nothing has arrived yet. */
	pos = off;
	for (i = 0; i < f->nr && pos < end; i++) {
		if (f->hi[i] <= pos)
			continue;
		if (f->lo[i] > pos) {
			e = f->lo[i] < end ? f->lo[i] : end;
			memcpy(f->buf + pos, p + (pos - off), e - pos);
		}
		pos = f->hi[i];
	}
	if (pos < end)
		memcpy(f->buf + pos, p + (pos - off), end - pos);
	if (end > off && frag_range(f, off, end) != 0) {
		frag_drop(c, f);
		return skip(c);
	}
	if (f->total == 0 || f->nr != 1 || f->lo[0] != 0 ||
	    f->hi[0] != f->total)
		return 0;
	total = f->total;
	memcpy(c->dgram, f->buf, total);
	frag_drop(c, f);
	c->st.reassembled++;
	cut = x->cut;
	x->cut = 0;
	if (family == 4)
		r = transport(c, x, proto, s, d, c->dgram, total, total, depth);
	else
		r = ipv6_ext(c, x, proto, s, d, c->dgram, total, total, depth);
	x->cut = cut;
	return r;
}

/* --- IP ----------------------------------------------------------------- */

static int
ipv4(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	struct siprec_addr s, d;
	size_t hl, tot, avail;
	uint16_t fo;

	if (depth > MAX_DEPTH)
		return skip(c);
	if (n < 20)
		return x->cut ? 0 : skip(c);
	hl = (size_t)(p[0] & 0x0f) * 4;
	tot = be16(p + 2);
	if ((p[0] >> 4) != 4 || hl < 20 || tot < hl)
		return skip(c);
	if (hl > n)
		return x->cut ? 0 : skip(c);
	if (tot > n) {
		if (!x->cut)
			return skip(c);
		avail = n;
	} else
		avail = tot;		/* drop link padding and trailers */
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.family = d.family = 4;
	memcpy(s.ip, p + 12, 4);
	memcpy(d.ip, p + 16, 4);
	if (duplicate(c, x, 4, s.ip, d.ip, be16(p + 4), tot, p + hl,
	    avail - hl)) {
		c->st.duplicates++;
		return 0;
	}
	fo = be16(p + 6);
	if ((fo & 0x3fff) != 0) {
		if (avail < tot) {
			c->st.fragments++;
			return 0;	/* a cut fragment cannot be used */
		}
		return fragment(c, x, 4, p[9], &s, &d, be16(p + 4),
		    (uint32_t)(fo & 0x1fff) * 8, (fo & 0x2000) != 0, p + hl,
		    tot - hl, depth);
	}
	return transport(c, x, p[9], &s, &d, p + hl, avail - hl, tot - hl,
	    depth);
}

/* IPv6 extension headers (RFC 8200 section 4), then the payload. */
static int
ipv6_ext(struct siprec_capture *c, struct dctx *x, uint8_t nh,
    struct siprec_addr *s, struct siprec_addr *d, const uint8_t *p,
    size_t avail, size_t full, int depth)
{
	size_t hl;
	uint16_t fo;
	int i;

	for (i = 0; i < 16; i++) {
		switch (nh) {
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 51:	/* authentication header (RFC 4302) */
			if (avail < 8)
				return x->cut ? 0 : skip(c);
			hl = nh == 51 ? ((size_t)p[1] + 2) * 4 :
			    ((size_t)p[1] + 1) * 8;
			if (hl > avail)
				return x->cut ? 0 : skip(c);
			nh = p[0];
			break;
		case 44:	/* fragment */
			if (avail < 8)
				return x->cut ? 0 : skip(c);
			fo = be16(p + 2);
			if ((fo & 0xfff9) == 0) {
				/* An atomic fragment (RFC 6946). */
				hl = 8;
				nh = p[0];
				break;
			}
			if (avail < full) {
				c->st.fragments++;
				return 0;
			}
			return fragment(c, x, 6, p[0], s, d, be32(p + 4),
			    fo & 0xfff8, fo & 0x0001, p + 8, full - 8, depth);
		case 59:	/* no next header */
			return skip(c);
		default:
			return transport(c, x, nh, s, d, p, avail, full,
			    depth);
		}
		p += hl;
		avail -= hl;
		full -= hl;
	}
	return skip(c);
}

static int
ipv6(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	struct siprec_addr s, d;
	size_t plen, avail;

	if (depth > MAX_DEPTH)
		return skip(c);
	if (n < 40)
		return x->cut ? 0 : skip(c);
	plen = be16(p + 4);
	if ((p[0] >> 4) != 6 || plen == 0)
		return skip(c);		/* not IPv6, or a jumbogram */
	if (40 + plen > n) {
		if (!x->cut)
			return skip(c);
		avail = n - 40;
	} else
		avail = plen;
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.family = d.family = 6;
	memcpy(s.ip, p + 8, 16);
	memcpy(d.ip, p + 24, 16);
	if (duplicate(c, x, 6, s.ip, d.ip, 0, plen, p + 40, avail)) {
		c->st.duplicates++;
		return 0;
	}
	return ipv6_ext(c, x, p[6], &s, &d, p + 40, avail, plen, depth);
}

/* --- link layers -------------------------------------------------------- */

/* RFC 3032 label stack, then IP or an Ethernet pseudowire (RFC 4448). */
static int
mpls(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	int bottom = 0;

	while (!bottom) {
		if (n < 4)
			return skip(c);
		bottom = p[2] & 0x01;
		p += 4;
		n -= 4;
	}
	if (n < 1)
		return skip(c);
	switch (p[0] >> 4) {
	case 4:
		return ipv4(c, x, p, n, depth);
	case 6:
		return ipv6(c, x, p, n, depth);
	case 0:
		/* The pseudowire control word. */
		if (n < 4)
			return skip(c);
		return ether(c, x, p + 4, n - 4, depth + 1);
	default:
		return skip(c);
	}
}

/* A PPPoE session frame (RFC 2516) carrying IPv4 or IPv6 over PPP. */
static int
pppoe(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n,
    int depth)
{
	size_t len;

	if (n < 8 || p[0] != 0x11 || p[1] != 0x00)
		return skip(c);
	len = be16(p + 4);
	if (len < 2)
		return skip(c);
	len -= 2;
	if (len > n - 8)
		len = n - 8;
	switch (be16(p + 6)) {
	case 0x0021:
		return ipv4(c, x, p + 8, len, depth);
	case 0x0057:
		return ipv6(c, x, p + 8, len, depth);
	default:
		return skip(c);
	}
}

static int
ethertype(struct siprec_capture *c, struct dctx *x, uint16_t type,
    const uint8_t *p, size_t n, int depth)
{
	for (;;) {
		switch (type) {
		case 0x0800:
			return ipv4(c, x, p, n, depth);
		case 0x86dd:
			return ipv6(c, x, p, n, depth);
		case 0x8100:	/* 802.1Q */
		case 0x88a8:	/* 802.1ad */
		case 0x9100:	/* QinQ, pre-standard */
			if (n < 4)
				return skip(c);
			type = be16(p + 2);
			p += 4;
			n -= 4;
			break;
		case 0x8847:
			return mpls(c, x, p, n, depth);
		case 0x8864:
			return pppoe(c, x, p, n, depth);
		case 0x6558:	/* transparent Ethernet bridging */
			return ether(c, x, p, n, depth + 1);
		default:
			return skip(c);
		}
	}
}

/* BSD loopback: the address family in either byte order. */
static int
loopback(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n)
{
	uint32_t le, be;

	if (n < 4)
		return skip(c);
	le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
	be = be32(p);
	if (le == 2 || be == 2)
		return ipv4(c, x, p + 4, n - 4, 0);
	if (le == 24 || le == 28 || le == 30 || be == 24 || be == 28 ||
	    be == 30)
		return ipv6(c, x, p + 4, n - 4, 0);
	return skip(c);
}

static int
raw_ip(struct siprec_capture *c, struct dctx *x, const uint8_t *p, size_t n)
{
	if (n < 1)
		return skip(c);
	switch (p[0] >> 4) {
	case 4:
		return ipv4(c, x, p, n, 0);
	case 6:
		return ipv6(c, x, p, n, 0);
	default:
		return skip(c);
	}
}

/* Decode the record held by in: 1 a packet in *out, 0 none, -1 c->err. */
static int
record(struct siprec_capture *c, struct input *in, struct siprec_pkt *out)
{
	const uint8_t *p = in->data;
	size_t n = in->hdr->caplen;
	struct dctx x;

	c->st.records++;
	x.cut = in->hdr->caplen < in->hdr->len;
	if (x.cut)
		c->st.truncated++;
	if (in->has_prog && pcap_offline_filter(in->ng != NULL ?
	    ng_prog(in) : &in->prog, in->hdr, p) == 0)
		return 0;
	x.ts = in->ts;
	x.file = in->path;
	x.record = in->recno;
	x.out = out;
	/* Numbers as pcap_datalink() gives them (DLT_*, not LINKTYPE_*). */
	switch (in->linktype) {
	case 1:		/* DLT_EN10MB */
		return ether(c, &x, p, n, 0);
	case 113:	/* DLT_LINUX_SLL */
		if (n < 16)
			return skip(c);
		return ethertype(c, &x, be16(p + 14), p + 16, n - 16, 0);
	case 276:	/* DLT_LINUX_SLL2 */
		if (n < 20)
			return skip(c);
		return ethertype(c, &x, be16(p), p + 20, n - 20, 0);
	case 12:	/* DLT_RAW */
	case 14:	/* DLT_RAW on OpenBSD */
	case 101:	/* LINKTYPE_RAW */
		return raw_ip(c, &x, p, n);
	case 228:	/* DLT_IPV4 */
		return ipv4(c, &x, p, n, 0);
	case 229:	/* DLT_IPV6 */
		return ipv6(c, &x, p, n, 0);
	case 0:		/* DLT_NULL */
	case 108:	/* DLT_LOOP */
		return loopback(c, &x, p, n);
	default:
		c->st.skipped_link++;
		return 0;
	}
}

/*
 * The filter for the current record's link type, compiled on first use;
 * one that cannot be compiled for it passes nothing.
 */
static const struct bpf_program *
ng_prog(struct input *in)
{
	static const struct bpf_insn reject = BPF_STMT(BPF_RET | BPF_K, 0);
	static const struct bpf_program none = { 1,
	    (struct bpf_insn *)(uintptr_t)&reject };
	struct ngprog *g;
	pcap_t *dead;
	unsigned int i;

	for (i = 0; i < in->nngprog; i++)
		if (in->ngprog[i].linktype == in->linktype)
			return in->ngprog[i].ok ? &in->ngprog[i].prog : &none;
	if (in->nngprog == NGPROG_MAX)
		return &none;
	g = &in->ngprog[in->nngprog++];
	g->linktype = in->linktype;
	g->ok = 0;
	/* pcap_open_dead() takes a DLT_*; pcapng has LINKTYPE_* values. */
	if ((dead = pcap_open_dead(in->linktype == 101 ? DLT_RAW :
	    in->linktype, 262144)) != NULL) {
		g->ok = pcap_compile(dead, &g->prog, in->filter, 1,
		    PCAP_NETMASK_UNKNOWN) == 0;
		pcap_close(dead);
	}
	return g->ok ? &g->prog : &none;
}

/*
 * libpcap gave up on a pcapng file whose interfaces have different link
 * types: read it again block by block (pcapng.c), past the records
 * already delivered.  Only a file can be read again; 0 when switched.
 */
static int
ng_switch(struct input *in, char *msg, size_t len)
{
	struct siprec__ng_rec rec;
	uint64_t k;

	if (in->bg.fd < 0) {
		snprintf(msg, len, "pcapng interfaces of different link types "
		    "(libpcap: %s); give the capture as a file, not on "
		    "standard input or a pipe", pcap_geterr(in->pcap));
		return -1;
	}
	if ((in->ngfp = fopen(in->path, "rb")) == NULL ||
	    (in->ng = siprec__ng_new(in->ngfp)) == NULL) {
		snprintf(msg, len, "%s", strerror(errno));
		ng_close(in);
		return -1;
	}
	for (k = 0; k < in->recno; k++)
		if (siprec__ng_next(in->ng, &rec, msg, len) != 1) {
			if (msg[0] == '\0')
				snprintf(msg, len, "the file changed");
			ng_close(in);
			return -1;
		}
	return 0;
}

/* The next record through pcapng.c. */
static enum siprec_err
ng_read(struct input *in, struct siprec_diag *diag)
{
	struct siprec__ng_rec rec;
	char msg[PCAP_ERRBUF_SIZE];
	int r;

	msg[0] = '\0';
	r = siprec__ng_next(in->ng, &rec, msg, sizeof(msg));
	if (r == 1) {
		in->recno++;
		memset(&in->nghdr, 0, sizeof(in->nghdr));
		in->nghdr.caplen = rec.caplen;
		in->nghdr.len = rec.len;
		in->hdr = &in->nghdr;
		in->data = rec.data;
		in->linktype = rec.linktype;
		in->ts = rec.ts_ns;
		in->state = IN_HAVE;
		return SIPREC_OK;
	}
	input_finish(in);
	if (r == 0)
		return SIPREC_OK;
	siprec_diag_set(diag, 0, 0, "%s: record %llu: %s", in->path,
	    (unsigned long long)in->recno + 1, msg);
	return SIPREC_EPARSE;
}

/* The next record of a classic pcap file read here. */
static enum siprec_err
pf_read(struct input *in, struct siprec_diag *diag)
{
	struct siprec__ng_rec rec;
	char msg[PCAP_ERRBUF_SIZE];
	int r, eno;

	msg[0] = '\0';
	r = siprec__pf_next(in->pf, &rec, msg, sizeof(msg), &eno);
	if (r == 1) {
		in->recno++;
		in->nghdr.caplen = rec.caplen;
		in->nghdr.len = rec.len;
		in->hdr = &in->nghdr;
		in->data = rec.data;
		in->ts = rec.ts_ns;
		in->state = IN_HAVE;
		return SIPREC_OK;
	}
	if (eno != 0 && !in->io.err)
		in->io.err = eno;
	input_finish(in);
	if (r == 0)
		return SIPREC_OK;
	siprec_diag_set(diag, 0, 0, "%s: record %llu: %s", in->path,
	    (unsigned long long)in->recno + 1, msg);
	return eno != 0 ? SIPREC_EIO : SIPREC_EPARSE;
}

/* Read the next record of in, or finish it at its end or on damage. */
static enum siprec_err
input_read(struct input *in, struct siprec_diag *diag)
{
	char msg[PCAP_ERRBUF_SIZE];
	int64_t sec;
	int r;

	if (in->ng != NULL)
		return ng_read(in, diag);
	if (in->pf != NULL)
		return pf_read(in, diag);
	do
		r = pcap_next_ex(in->pcap, &in->hdr, &in->data);
	while (r == 0);
	if (r == 1) {
		in->recno++;
		/*
		 * Classic pcap stores seconds as an unsigned 32-bit number,
		 * which libpcap sign-extends: undo that past 2038.
		 */
		sec = in->hdr->ts.tv_sec;
		if (sec < 0)
			sec = (int64_t)(uint32_t)sec;
		in->ts = (uint64_t)sec * SIPREC__NS +
		    (uint64_t)in->hdr->ts.tv_usec;
		in->state = IN_HAVE;
		return SIPREC_OK;
	}
	if (r == PCAP_ERROR_BREAK) {
		input_finish(in);
		return SIPREC_OK;
	}
	msg[0] = '\0';
	if (!in->io.err && strstr(pcap_geterr(in->pcap),
	    "different from the type of the first interface") != NULL) {
		if (ng_switch(in, msg, sizeof(msg)) == 0)
			return ng_read(in, diag);
	} else
		snprintf(msg, sizeof(msg), "%s", in->io.err ?
		    strerror(in->io.err) : pcap_geterr(in->pcap));
	input_finish(in);
	siprec_diag_set(diag, 0, 0, "%s: record %llu: %s", in->path,
	    (unsigned long long)in->recno + 1, msg);
	return in->io.err ? SIPREC_EIO : SIPREC_EPARSE;
}

enum siprec_err
siprec_capture_next(struct siprec_capture *c, struct siprec_pkt *out,
    struct siprec_diag *diag)
{
	struct input *in, *best;
	enum siprec_err e;
	size_t i;
	int r;

	if (c == NULL || out == NULL)
		return SIPREC_EINVAL;
	for (;;) {
		if (c->tcp != NULL && siprec__tcp_next(c->tcp, out, &c->st)) {
			c->st.sip_tcp++;
			return SIPREC_OK;
		}
		best = NULL;
		for (i = 0; i < c->n; i++) {
			in = &c->in[i];
			if (in->state == IN_NEED &&
			    (e = input_read(in, diag)) != SIPREC_OK)
				return e;
			if (in->state == IN_HAVE &&
			    (best == NULL || in->ts < best->ts))
				best = in;
		}
		if (best == NULL) {
			if (c->tcp != NULL && siprec__tcp_flush(c->tcp, &c->st))
				continue;
			return SIPREC_ENOTFOUND;
		}
		best->state = IN_NEED;
		memset(out, 0, sizeof(*out));
		c->err = SIPREC_OK;
		if ((r = record(c, best, out)) > 0)
			return SIPREC_OK;
		if (r < 0) {
			siprec_diag_set(diag, 0, 0, "%s: record %llu: %s",
			    best->path, (unsigned long long)best->recno,
			    siprec_strerror(c->err));
			return c->err;
		}
	}
}

