/* SPDX-License-Identifier: BSD-2-Clause */
/* The sending side of media: SDES keys, RTP packetiser with SRTP, RTCP SR, one paced sender. */
#define _GNU_SOURCE	/* sendmmsg(2), struct mmsghdr */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gcrypt.h>
#include <srtp2/srtp.h>

#include <siprec/base64.h>
#include <siprec/rtpsend.h>

#include "gcry_int.h"
#include "media_int.h"
#include "srtp_int.h"

/* --- suites -------------------------------------------------------------- */

struct txsuite {
	const char	*name;
	size_t		 keylen;	/* master key || salt */
	void		(*rtp)(srtp_crypto_policy_t *);
	void		(*rtcp)(srtp_crypto_policy_t *);
};

/*
 * RFC 4568 6.2, RFC 6188, RFC 7714.  SRTCP keeps an 80-bit tag with the
 * _32 suites (RFC 4568 6.2.2).
 */
static const struct txsuite txsuites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 30, srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtcp_default },
	{ "AES_CM_128_HMAC_SHA1_32", 30,
	    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtcp_default },
	{ "AES_192_CM_HMAC_SHA1_80", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	{ "AES_192_CM_HMAC_SHA1_32", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80 },
	{ "AES_256_CM_HMAC_SHA1_80", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AES_256_CM_HMAC_SHA1_32", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AEAD_AES_128_GCM", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ "AEAD_AES_256_GCM", 44, srtp_crypto_policy_set_aes_gcm_256_16_auth,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

const char *const siprec_sdes_suites[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
	"AES_192_CM_HMAC_SHA1_80", "AES_192_CM_HMAC_SHA1_32",
	"AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
	"AEAD_AES_128_GCM", "AEAD_AES_256_GCM", NULL
};

static const struct txsuite *
txsuite(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(txsuites) / sizeof(txsuites[0]); i++)
		if (strcasecmp(name, txsuites[i].name) == 0)
			return &txsuites[i];
	return NULL;
}

enum siprec_err
siprec_sdes_generate(const char *suite, unsigned int tag,
    struct siprec_crypto *out, struct siprec_diag *diag)
{
	const struct txsuite	*su;

	if (out == NULL || suite == NULL)
		return SIPREC_EINVAL;
	siprec_crypto_wipe(out);
	memset(out, 0, sizeof(*out));
	if ((su = txsuite(suite)) == NULL) {
		siprec_diag_set(diag, 0, 0, "suite %s cannot be sent", suite);
		return SIPREC_EUNSUPP;
	}
	siprec__gcry_init();
	out->tag = tag;
	snprintf(out->suite, sizeof(out->suite), "%s", su->name);
	/* RFC 4568 6.1: keys are random; a fresh pair per session. */
	gcry_randomize(out->key, su->keylen, GCRY_STRONG_RANDOM);
	out->keylen = su->keylen;
	return SIPREC_OK;
}

enum siprec_err
siprec_sdes_format(const struct siprec_crypto *c, char *buf, size_t cap)
{
	char	key[72];
	int	n;

	if (c == NULL || buf == NULL || c->keylen > SIPREC_SRTP_KEY_MAX)
		return SIPREC_EINVAL;
	siprec_base64_encode(key, c->key, c->keylen);
	n = snprintf(buf, cap, "%u %s inline:%s", c->tag, c->suite, key);
	explicit_bzero(key, sizeof(key));
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			explicit_bzero(buf, cap);
		return SIPREC_ETOOBIG;
	}
	return SIPREC_OK;
}

/* --- packetiser --------------------------------------------------------- */

struct siprec_rtp_tx {
	unsigned int	 pt;
	uint32_t	 ssrc, ts, ts_step;
	uint16_t	 seq;
	int		 marker;
	uint64_t	 packets, octets;
	srtp_t		 srtp;
	struct siprec_crypto c;
	char		 cname[64];
	uint32_t	 work[(1500 + SRTP_MAX_TRAILER_LEN) / 4 + 1];
};

static atomic_uint_least64_t ssrc_counter;
static uint64_t ssrc_key;
static pthread_once_t ssrc_once = PTHREAD_ONCE_INIT;

static void
ssrc_init(void)
{
	siprec__gcry_init();
	gcry_randomize(&ssrc_key, sizeof(ssrc_key), GCRY_STRONG_RANDOM);
}

/*
 * Each step (xor with a constant, xor-shift, multiply by an odd number)
 * is a bijection of 32-bit words, so distinct counters give distinct
 * SSRCs: no collision inside one process (RFC 3550 8.1 still applies
 * between processes, which tools shard by identity).
 */
static uint32_t
ssrc_next(void)
{
	uint32_t x;

	(void)pthread_once(&ssrc_once, ssrc_init);
	do {
		x = (uint32_t)atomic_fetch_add(&ssrc_counter, 1);
		x ^= (uint32_t)ssrc_key;
		x ^= x >> 16;
		x *= 0x7feb352dU;
		x ^= x >> 15;
		x *= 0x846ca68bU;
		x ^= x >> 16;
		x ^= (uint32_t)(ssrc_key >> 32);
	} while (x == 0);
	return x;
}

static enum siprec_err
tx_srtp(struct siprec_rtp_tx *t, const struct siprec_crypto *c,
    struct siprec_diag *diag)
{
	const struct txsuite	*su;
	srtp_policy_t		 p;
	srtp_err_status_t	 st;

	if ((su = txsuite(c->suite)) == NULL || c->mki_len != 0) {
		siprec_diag_set(diag, 0, 0, "cannot send with %s%s", c->suite,
		    c->mki_len ? " and an MKI" : "");
		return SIPREC_EUNSUPP;
	}
	if (c->keylen != su->keylen) {
		siprec_diag_set(diag, 0, 0, "%s needs %zu bytes of key and "
		    "salt, not %zu", su->name, su->keylen, c->keylen);
		return SIPREC_EINVAL;
	}
	if (siprec__srtp_init() != 0) {
		siprec_diag_set(diag, 0, 0, "libsrtp2 does not initialise");
		return SIPREC_EUNSUPP;
	}
	t->c = *c;
	memset(&p, 0, sizeof(p));
	su->rtp(&p.rtp);
	su->rtcp(&p.rtcp);
	if (c->unencrypted_srtp)
		p.rtp.sec_serv = sec_serv_auth;
	if (c->unencrypted_srtcp)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = ssrc_any_outbound;
	p.key = t->c.key;
	p.window_size = 128;
	st = srtp_create(&t->srtp, &p);
	if (st != srtp_err_status_ok) {
		t->srtp = NULL;
		siprec_diag_set(diag, 0, 0, "libsrtp2 refuses %s (error %d)",
		    su->name, (int)st);
		return st == srtp_err_status_alloc_fail ? SIPREC_ENOMEM :
		    SIPREC_EUNSUPP;
	}
	return SIPREC_OK;
}

enum siprec_err
siprec_rtp_tx_new(const struct siprec_rtp_tx_opts *o,
    struct siprec_rtp_tx **out, struct siprec_diag *diag)
{
	struct siprec_rtp_tx	*t;
	enum siprec_err		 e;
	uint8_t			 r[6];

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (o == NULL || o->pt > 127 || o->clock == 0 || o->ts_step == 0) {
		siprec_diag_set(diag, 0, 0, "bad RTP options");
		return SIPREC_EINVAL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SIPREC_ENOMEM;
	t->pt = o->pt;
	t->ts_step = o->ts_step;
	t->ssrc = o->ssrc != 0 ? o->ssrc : ssrc_next();
	if (o->fixed_start) {
		t->seq = o->seq0;
		t->ts = o->ts0;
	} else {
		siprec__gcry_init();
		gcry_create_nonce(r, sizeof(r));
		t->seq = (uint16_t)((r[0] << 8 | r[1]) & 0x7fff);
		t->ts = (uint32_t)r[2] << 24 | (uint32_t)r[3] << 16 |
		    (uint32_t)r[4] << 8 | r[5];
	}
	t->marker = 1;
	snprintf(t->cname, sizeof(t->cname), "%s",
	    o->cname != NULL ? o->cname : "siprec-src");
	if (o->crypto != NULL && (e = tx_srtp(t, o->crypto, diag)) !=
	    SIPREC_OK) {
		siprec_rtp_tx_free(t);
		return e;
	}
	*out = t;
	return SIPREC_OK;
}

void
siprec_rtp_tx_free(struct siprec_rtp_tx *t)
{
	if (t == NULL)
		return;
	if (t->srtp != NULL)
		(void)srtp_dealloc(t->srtp);
	siprec_crypto_wipe(&t->c);
	explicit_bzero(t->work, sizeof(t->work));
	free(t);
}

uint32_t
siprec_rtp_tx_ssrc(const struct siprec_rtp_tx *t)
{
	return t->ssrc;
}

uint32_t
siprec_rtp_tx_next_ts(const struct siprec_rtp_tx *t)
{
	return t->ts;
}

uint64_t
siprec_rtp_tx_packets(const struct siprec_rtp_tx *t)
{
	return t->packets;
}

uint64_t
siprec_rtp_tx_octets(const struct siprec_rtp_tx *t)
{
	return t->octets;
}

enum siprec_err
siprec_rtp_tx_packet(struct siprec_rtp_tx *t, const uint8_t *payload,
    size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t			*w = (uint8_t *)t->work;
	int			 n;
	srtp_err_status_t	 st;

	if (outlen != NULL)
		*outlen = 0;
	if (t == NULL || (payload == NULL && len > 0) || out == NULL ||
	    outlen == NULL)
		return SIPREC_EINVAL;
	if (len > 1500 - 12)
		return SIPREC_ETOOBIG;
	w[0] = 0x80;	/* V=2, no padding, extension or CSRC */
	w[1] = (uint8_t)(t->pt | (t->marker ? 0x80 : 0));
	w[2] = (uint8_t)(t->seq >> 8);
	w[3] = (uint8_t)t->seq;
	siprec__put32(w + 4, t->ts);
	siprec__put32(w + 8, t->ssrc);
	if (len > 0)
		memcpy(w + 12, payload, len);
	n = (int)(12 + len);
	if (t->srtp != NULL) {
		st = srtp_protect(t->srtp, w, &n);
		if (st != srtp_err_status_ok)
			return SIPREC_EUNSUPP;
	}
	if ((size_t)n > cap)
		return SIPREC_ETOOBIG;
	memcpy(out, w, (size_t)n);
	*outlen = (size_t)n;
	t->marker = 0;
	t->seq++;
	t->ts += t->ts_step;
	t->packets++;
	t->octets += len;
	return SIPREC_OK;
}

void
siprec_rtp_tx_skip(struct siprec_rtp_tx *t, uint32_t n)
{
	if (t == NULL || n == 0)
		return;
	t->ts += n * t->ts_step;
	t->marker = 1;
}

size_t
siprec_rtcp_sdes(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname)
{
	size_t cl = strlen(cname), n;

	/* Header, SSRC, CNAME type and length, the name, then the end. */
	n = (4 + 4 + 2 + cl + 1 + 3) & ~(size_t)3;
	if (cl > 255 || n > cap)
		return 0;
	memset(out, 0, n);
	out[0] = 0x81;			/* V=2, SC=1 */
	out[1] = 202;
	out[2] = (uint8_t)((n / 4 - 1) >> 8);
	out[3] = (uint8_t)(n / 4 - 1);
	siprec__put32(out + 4, ssrc);
	out[8] = 1;			/* CNAME */
	out[9] = (uint8_t)cl;
	memcpy(out + 10, cname, cl);
	return n;
}

enum siprec_err
siprec_rtp_tx_sr(struct siprec_rtp_tx *t, uint64_t ntp_ns, uint8_t *out,
    size_t cap, size_t *outlen)
{
	uint8_t			*w = (uint8_t *)t->work;
	size_t			 sdes;
	uint64_t		 sec, frac;
	int			 n;
	srtp_err_status_t	 st;

	if (outlen != NULL)
		*outlen = 0;
	if (t == NULL || out == NULL || outlen == NULL)
		return SIPREC_EINVAL;
	/* SR (RFC 3550 6.4.1): 28 bytes, no report blocks. */
	w[0] = 0x80;
	w[1] = 200;
	w[2] = 0;
	w[3] = 6;
	siprec__put32(w + 4, t->ssrc);
	/* NTP epoch 1900; 2208988800 s before 1970. */
	sec = ntp_ns / 1000000000u + 2208988800u;
	frac = ((ntp_ns % 1000000000u) << 32) / 1000000000u;
	siprec__put32(w + 8, (uint32_t)sec);
	siprec__put32(w + 12, (uint32_t)frac);
	siprec__put32(w + 16, t->ts);
	siprec__put32(w + 20, (uint32_t)t->packets);
	siprec__put32(w + 24, (uint32_t)t->octets);
	if ((sdes = siprec_rtcp_sdes(w + 28, sizeof(t->work) - 28 -
	    SRTP_MAX_TRAILER_LEN, t->ssrc, t->cname)) == 0)
		return SIPREC_ETOOBIG;
	n = (int)(28 + sdes);
	if (t->srtp != NULL) {
		st = srtp_protect_rtcp(t->srtp, w, &n);
		if (st != srtp_err_status_ok)
			return SIPREC_EUNSUPP;
	}
	if ((size_t)n > cap)
		return SIPREC_ETOOBIG;
	memcpy(out, w, (size_t)n);
	*outlen = (size_t)n;
	return SIPREC_OK;
}

/* --- pacer ------------------------------------------------------------- */

#define PKT_CAP		1536
#define BATCH		256
#define HIST_BUCKET	10000u		/* ns */
#define HIST_N		10001		/* 0..100 ms, then overflow */
#define LATE_NS		5000000u

struct pitem {
	int			 fd;
	struct sockaddr_storage	 dst;
	socklen_t		 dstlen;
	uint64_t		 period, due;
	siprec_pacer_fill_fn	 fill;
	void			*arg;
	uint32_t		 gen;
	unsigned int		 heappos;	/* UINT_MAX: free slot */
};

struct siprec_pacer {
	struct siprec_pacer_clock clk;
	struct pitem		*items;
	unsigned int		 nitems, capitems;
	unsigned int		*freel;
	unsigned int		 nfree;
	unsigned int		*heap;
	unsigned int		 nheap;
	uint64_t		 phase;		/* golden-ratio sequence */
	struct msghdr		 msgs[BATCH];
	int			 fds[BATCH];
	struct iovec		 iov[BATCH];
	uint64_t		 due[BATCH];
	uint8_t			(*bufs)[PKT_CAP];
	struct siprec_pacer_stats st;
	uint32_t		*hist;
	uint64_t		 nhist;
};

static uint64_t
real_now(void *arg)
{
	struct timespec	ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
real_sleep(void *arg, uint64_t t)
{
	struct timespec	ts;

	(void)arg;
	ts.tv_sec = (time_t)(t / 1000000000u);
	ts.tv_nsec = (long)(t % 1000000000u);
	(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int
real_send(void *arg, int fd, const struct msghdr *m, unsigned int n)
{
	struct mmsghdr	mm[BATCH];
	unsigned int	i;

	(void)arg;
	if (n > BATCH)
		n = BATCH;
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr = m[i];
		mm[i].msg_len = 0;
	}
	return sendmmsg(fd, mm, n, MSG_DONTWAIT);
}

enum siprec_err
siprec_pacer_new(const struct siprec_pacer_clock *clk,
    struct siprec_pacer **out)
{
	struct siprec_pacer	*p;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return SIPREC_ENOMEM;
	if (clk != NULL)
		p->clk = *clk;
	if (p->clk.now == NULL)
		p->clk.now = real_now;
	if (p->clk.sleep_until == NULL)
		p->clk.sleep_until = real_sleep;
	if (p->clk.send == NULL)
		p->clk.send = real_send;
	p->bufs = malloc((size_t)BATCH * PKT_CAP);
	p->hist = calloc(HIST_N, sizeof(*p->hist));
	if (p->bufs == NULL || p->hist == NULL) {
		siprec_pacer_free(p);
		return SIPREC_ENOMEM;
	}
	*out = p;
	return SIPREC_OK;
}

void
siprec_pacer_free(struct siprec_pacer *p)
{
	if (p == NULL)
		return;
	free(p->items);
	free(p->freel);
	free(p->heap);
	free(p->bufs);
	free(p->hist);
	free(p);
}

/* Min-heap on due time; items remember their place for removal. */
static int
earlier(const struct siprec_pacer *p, unsigned int a, unsigned int b)
{
	return p->items[p->heap[a]].due < p->items[p->heap[b]].due;
}

static void
hswap(struct siprec_pacer *p, unsigned int a, unsigned int b)
{
	unsigned int t = p->heap[a];

	p->heap[a] = p->heap[b];
	p->heap[b] = t;
	p->items[p->heap[a]].heappos = a;
	p->items[p->heap[b]].heappos = b;
}

static void
sift_up(struct siprec_pacer *p, unsigned int i)
{
	while (i > 0 && earlier(p, i, (i - 1) / 2)) {
		hswap(p, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
sift_down(struct siprec_pacer *p, unsigned int i)
{
	unsigned int l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < p->nheap && earlier(p, l, m))
			m = l;
		if (l + 1 < p->nheap && earlier(p, l + 1, m))
			m = l + 1;
		if (m == i)
			return;
		hswap(p, i, m);
		i = m;
	}
}

enum siprec_err
siprec_pacer_add(struct siprec_pacer *p, int fd, const struct sockaddr *dst,
    socklen_t dstlen, uint64_t period_ns, uint64_t start_ns,
    siprec_pacer_fill_fn fill, void *arg, uint64_t *id)
{
	struct pitem	*it, *ni;
	unsigned int	 slot, ncap, *nf, *nh;

	if (p == NULL || period_ns == 0 || fill == NULL || dst == NULL ||
	    dstlen > sizeof(it->dst))
		return SIPREC_EINVAL;
	if (p->nfree > 0)
		slot = p->freel[--p->nfree];
	else {
		if (p->nitems == p->capitems) {
			ncap = p->capitems ? p->capitems * 2 : 64;
			ni = reallocarray(p->items, ncap, sizeof(*ni));
			if (ni == NULL)
				return SIPREC_ENOMEM;
			p->items = ni;
			nf = reallocarray(p->freel, ncap, sizeof(*nf));
			if (nf == NULL)
				return SIPREC_ENOMEM;
			p->freel = nf;
			nh = reallocarray(p->heap, ncap, sizeof(*nh));
			if (nh == NULL)
				return SIPREC_ENOMEM;
			p->heap = nh;
			p->capitems = ncap;
		}
		slot = p->nitems++;
		p->items[slot].gen = 0;
	}
	it = &p->items[slot];
	it->gen++;
	it->fd = fd;
	memcpy(&it->dst, dst, dstlen);
	it->dstlen = dstlen;
	it->period = period_ns;
	if (start_ns == 0)
		start_ns = p->clk.now(p->clk.arg);
	/*
	 * Phase spread: the fractional parts of k * (golden ratio) are as
	 * evenly spread over [0, 1) as any sequence can be for every k.
	 */
	p->phase += 0x9e3779b97f4a7c15ULL;
	it->due = start_ns + (uint64_t)(((unsigned __int128)p->phase *
	    period_ns) >> 64);
	it->fill = fill;
	it->arg = arg;
	it->heappos = p->nheap;
	p->heap[p->nheap++] = slot;
	sift_up(p, it->heappos);
	p->st.streams++;
	if (id != NULL)
		*id = (uint64_t)it->gen << 32 | slot;
	return SIPREC_OK;
}

static void
remove_slot(struct siprec_pacer *p, unsigned int slot)
{
	struct pitem	*it = &p->items[slot];
	unsigned int	 i = it->heappos;

	p->nheap--;
	if (i != p->nheap) {
		p->heap[i] = p->heap[p->nheap];
		p->items[p->heap[i]].heappos = i;
		sift_down(p, i);
		sift_up(p, i);
	}
	it->heappos = UINT32_MAX;
	it->gen++;
	p->freel[p->nfree++] = slot;
	p->st.streams--;
}

void
siprec_pacer_remove(struct siprec_pacer *p, uint64_t id)
{
	unsigned int	slot = (unsigned int)(id & 0xffffffffu);

	if (p == NULL || slot >= p->nitems ||
	    p->items[slot].gen != (uint32_t)(id >> 32) ||
	    p->items[slot].heappos == UINT32_MAX)
		return;
	remove_slot(p, slot);
}

static void
record(struct siprec_pacer *p, uint64_t dev)
{
	uint64_t	b = dev / HIST_BUCKET;

	p->hist[b >= HIST_N ? HIST_N - 1 : b]++;
	p->nhist++;
	if (dev > LATE_NS)
		p->st.late++;
}

static void
flush(struct siprec_pacer *p, unsigned int n)
{
	unsigned int	i = 0, j;
	uint64_t	t;
	int		r, fd;

	if (n == 0)
		return;
	t = p->clk.now(p->clk.arg);
	while (i < n) {
		fd = p->fds[i];
		for (j = i + 1; j < n && p->fds[j] == fd; j++)
			;
		while (i < j) {
			r = p->clk.send(p->clk.arg, fd, p->msgs + i, j - i);
			p->st.syscalls++;
			if (r <= 0) {
				/* One refused datagram; go on with the rest. */
				if (r < 0 && errno == EINTR)
					continue;
				p->st.send_errors++;
				record(p, t > p->due[i] ? t - p->due[i] : 0);
				i++;
				continue;
			}
			while (r-- > 0) {
				record(p, t > p->due[i] ? t - p->due[i] : 0);
				p->st.sent++;
				i++;
			}
		}
	}
}

uint64_t
siprec_pacer_poll(struct siprec_pacer *p)
{
	struct pitem	*it;
	unsigned int	 nb = 0, slot;
	uint64_t	 now;
	size_t		 len;
	int		 r;

	if (p == NULL)
		return UINT64_MAX;
	p->st.wakeups++;
	now = p->clk.now(p->clk.arg);
	while (p->nheap > 0) {
		slot = p->heap[0];
		it = &p->items[slot];
		if (it->due > now) {
			if (nb > 0) {
				flush(p, nb);
				nb = 0;
				now = p->clk.now(p->clk.arg);
				continue;
			}
			break;
		}
		len = 0;
		r = it->fill(it->arg, it->due, p->bufs[nb], PKT_CAP, &len);
		if (r < 0) {
			remove_slot(p, slot);
			continue;
		}
		if (r == 0 && len > 0 && len <= PKT_CAP) {
			p->iov[nb].iov_base = p->bufs[nb];
			p->iov[nb].iov_len = len;
			memset(&p->msgs[nb], 0, sizeof(p->msgs[nb]));
			p->msgs[nb].msg_name = &it->dst;
			p->msgs[nb].msg_namelen = it->dstlen;
			p->msgs[nb].msg_iov = &p->iov[nb];
			p->msgs[nb].msg_iovlen = 1;
			p->fds[nb] = it->fd;
			p->due[nb] = it->due;
			nb++;
		} else
			p->st.skipped++;
		it->due += it->period;
		sift_down(p, 0);
		if (nb == BATCH) {
			flush(p, nb);
			nb = 0;
			now = p->clk.now(p->clk.arg);
		}
	}
	flush(p, nb);
	return p->nheap > 0 ? p->items[p->heap[0]].due : UINT64_MAX;
}

void
siprec_pacer_run(struct siprec_pacer *p, volatile int *stop,
    int stop_when_empty)
{
	uint64_t	next, now;

	while (stop == NULL || !*stop) {
		next = siprec_pacer_poll(p);
		if (next == UINT64_MAX && stop_when_empty)
			return;
		now = p->clk.now(p->clk.arg);
		if (next > now + 50000000u)
			next = now + 50000000u;
		if (next > now)
			p->clk.sleep_until(p->clk.arg, next);
	}
}

const struct siprec_pacer_stats *
siprec_pacer_stats(const struct siprec_pacer *p)
{
	return &p->st;
}

uint64_t
siprec_pacer_deviation(const struct siprec_pacer *p, double q)
{
	uint64_t	want, acc = 0;
	unsigned int	i;

	if (p == NULL || p->nhist == 0)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	want = (uint64_t)(q * (double)p->nhist);
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_N; i++) {
		acc += p->hist[i];
		if (acc >= want)
			return (uint64_t)i * HIST_BUCKET + HIST_BUCKET / 2;
	}
	return (uint64_t)(HIST_N - 1) * HIST_BUCKET;
}

void
siprec_pacer_merge(struct siprec_pacer *dst, const struct siprec_pacer *src)
{
	unsigned int	i;

	if (dst == NULL || src == NULL)
		return;
	for (i = 0; i < HIST_N; i++)
		dst->hist[i] += src->hist[i];
	dst->nhist += src->nhist;
	dst->st.sent += src->st.sent;
	dst->st.send_errors += src->st.send_errors;
	dst->st.skipped += src->st.skipped;
	dst->st.late += src->st.late;
	dst->st.syscalls += src->st.syscalls;
	dst->st.wakeups += src->st.wakeups;
	dst->st.streams += src->st.streams;
}
