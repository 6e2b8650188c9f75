/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the capture module on small captures built packet by packet. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>
#include <pcap/pcap.h>

#include <siprec/capture.h>

#include "check.h"

/*
 * Every capture is written with libpcap (pcap_dump) or by hand (pcapng)
 * into a private directory under /tmp, from packets assembled below with
 * documentation addresses (RFC 5737, RFC 3849).  Times are nanoseconds.
 */

#define T0	1700000000000000000ULL
#define MS	1000000ULL
#define MAXREC	64

static char dir[64];

/* --- building packets --------------------------------------------------- */

struct buf {
	uint8_t	b[70000];
	size_t	n;
};

static void
put(struct buf *o, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
put8(struct buf *o, unsigned int v)
{
	o->b[o->n++] = (uint8_t)v;
}

static void
put16(struct buf *o, unsigned int v)
{
	put8(o, v >> 8);
	put8(o, v);
}

static void
put32(struct buf *o, uint32_t v)
{
	put16(o, v >> 16);
	put16(o, v & 0xffff);
}

static void
putaddr(struct buf *o, const char *a)
{
	uint8_t x[16];

	/* Counted only when it fails: packets are built in loops. */
	if (strchr(a, ':') != NULL) {
		if (inet_pton(AF_INET6, a, x) != 1)
			CHECK(!"IPv6 address");
		put(o, x, 16);
	} else {
		if (inet_pton(AF_INET, a, x) != 1)
			CHECK(!"IPv4 address");
		put(o, x, 4);
	}
}

/* IPv4 header with a correct checksum, then pl. */
static void
ip4(struct buf *o, const char *src, const char *dst, unsigned int proto,
    unsigned int id, unsigned int frag, unsigned int ttl, const void *pl,
    size_t n)
{
	size_t h = o->n, i;
	uint32_t sum = 0;

	put8(o, 0x45);
	put8(o, 0);
	put16(o, (unsigned int)(20 + n));
	put16(o, id);
	put16(o, frag);
	put8(o, ttl);
	put8(o, proto);
	put16(o, 0);
	putaddr(o, src);
	putaddr(o, dst);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(o->b[h + i] << 8 | o->b[h + i + 1]);
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	o->b[h + 10] = (uint8_t)(~sum >> 8);
	o->b[h + 11] = (uint8_t)~sum;
	put(o, pl, n);
}

static void
ip6(struct buf *o, const char *src, const char *dst, unsigned int nh,
    const void *pl, size_t n)
{
	put32(o, 0x60000000);
	put16(o, (unsigned int)n);
	put8(o, nh);
	put8(o, 64);
	putaddr(o, src);
	putaddr(o, dst);
	put(o, pl, n);
}

static void
udp(struct buf *o, unsigned int sp, unsigned int dp, const void *pl, size_t n)
{
	put16(o, sp);
	put16(o, dp);
	put16(o, (unsigned int)(8 + n));
	put16(o, 0);
	put(o, pl, n);
}

static void
tcp(struct buf *o, unsigned int sp, unsigned int dp, uint32_t seq,
    unsigned int flags, const void *pl, size_t n)
{
	put16(o, sp);
	put16(o, dp);
	put32(o, seq);
	put32(o, 0);
	put8(o, 5 << 4);
	put8(o, flags);
	put16(o, 65535);
	put16(o, 0);
	put16(o, 0);
	put(o, pl, n);
}

static void
eth(struct buf *o, unsigned int type, const void *pl, size_t n)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	put(o, mac, 12);
	put16(o, type);
	put(o, pl, n);
}

/* Ethernet / IPv4 / UDP with payload s. */
static void
eth_udp4(struct buf *o, const char *src, const char *dst, unsigned int sp,
    unsigned int dp, unsigned int id, const char *s)
{
	struct buf u = { .n = 0 }, i = { .n = 0 };

	udp(&u, sp, dp, s, strlen(s));
	ip4(&i, src, dst, 17, id, 0x4000, 64, u.b, u.n);
	eth(o, 0x0800, i.b, i.n);
}

static void
ip4_udp(struct buf *o, const char *src, const char *dst, unsigned int sp,
    unsigned int dp, const char *s)
{
	struct buf u = { .n = 0 };

	udp(&u, sp, dp, s, strlen(s));
	ip4(o, src, dst, 17, 1, 0x4000, 64, u.b, u.n);
}

static void
ip6_udp(struct buf *o, const char *src, const char *dst, unsigned int sp,
    unsigned int dp, const char *s)
{
	struct buf u = { .n = 0 };

	udp(&u, sp, dp, s, strlen(s));
	ip6(o, src, dst, 17, u.b, u.n);
}

/* Ethernet / IPv4 / TCP. */
static void
eth_tcp4(struct buf *o, const char *src, const char *dst, unsigned int sp,
    unsigned int dp, uint32_t seq, unsigned int flags, const void *pl,
    size_t n)
{
	static unsigned int id = 100;
	struct buf t = { .n = 0 }, i = { .n = 0 };

	tcp(&t, sp, dp, seq, flags, pl, n);
	ip4(&i, src, dst, 6, id++, 0x4000, 64, t.b, t.n);
	eth(o, 0x0800, i.b, i.n);
}

/* --- writing captures --------------------------------------------------- */

struct w {
	pcap_t		*pd;
	pcap_dumper_t	*d;
	int		 nano;
};

static void
tpath(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
w_open(struct w *w, const char *name, int dlt, int nano)
{
	char p[128];

	tpath(p, sizeof(p), name);
	w->nano = nano;
	w->pd = pcap_open_dead_with_tstamp_precision(dlt, 262144, nano ?
	    PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	w->d = w->pd != NULL ? pcap_dump_open(w->pd, p) : NULL;
	CHECK(w->d != NULL);
}

/* A record of len bytes on the wire of which caplen were kept. */
static void
w_addc(struct w *w, uint64_t ts, const struct buf *b, size_t caplen,
    size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000000ULL);
	if (!w->nano)
		h.ts.tv_usec /= 1000;
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)len;
	if (w->d != NULL)
		pcap_dump((u_char *)w->d, &h, b->b);
}

static void
w_add(struct w *w, uint64_t ts, const struct buf *b)
{
	w_addc(w, ts, b, b->n, b->n);
}

static void
w_close(struct w *w)
{
	if (w->d != NULL)
		pcap_dump_close(w->d);
	if (w->pd != NULL)
		pcap_close(w->pd);
}

/* One Ethernet record (a fresh buffer each time). */
static void
w_udp4(struct w *w, uint64_t ts, const char *src, const char *dst,
    unsigned int sp, unsigned int dp, const char *s)
{
	static unsigned int id = 1000;
	struct buf b = { .n = 0 };

	eth_udp4(&b, src, dst, sp, dp, id++, s);
	w_add(w, ts, &b);
}

/* --- reading captures --------------------------------------------------- */

struct rec {
	enum siprec_pkt_kind	 kind;
	uint64_t		 ts;
	struct siprec_addr	 src, dst;
	uint8_t			*data;
	size_t			 len;
	char			 file[128];
	uint64_t		 record;
};

struct run {
	enum siprec_err			 open;
	char				 open_detail[SIPREC_DIAG_DETAIL];
	struct rec			 r[MAXREC];
	int				 n;
	int				 nerr;
	char				 err_detail[SIPREC_DIAG_DETAIL];
	int				 err_at;	/* deliveries before */
	struct siprec_capture_stats	 st;
	int				 sha_ok[4];
	int				 sha_early[4];	/* known before the end */
	uint8_t				 sha[4][32];
	uint8_t				 early[4][32];
};

static void
run(struct run *o, const char *const *names, size_t n, const char *filter)
{
	struct siprec_capture *c = NULL;
	const char *paths[4] = { NULL, NULL, NULL, NULL };
	char full[4][128];
	struct siprec_diag d;
	struct siprec_pkt p;
	enum siprec_err e;
	size_t i;
	int guard;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < n && i < 4; i++) {
		if (strcmp(names[i], "-") == 0 || names[i][0] == '/')
			paths[i] = names[i];
		else {
			tpath(full[i], sizeof(full[i]), names[i]);
			paths[i] = full[i];
		}
	}
	memset(&d, 0, sizeof(d));
	o->open = siprec_capture_open(paths, n, filter, &c, &d);
	snprintf(o->open_detail, sizeof(o->open_detail), "%s", d.detail);
	if (o->open != SIPREC_OK) {
		CHECK(c == NULL);
		return;
	}
	/*
	 * A regular file is hashed by a thread of its own: its digest may
	 * be known before it is read; anything else only at its end.
	 */
	for (i = 0; i < n && i < 4; i++) {
		e = siprec_capture_sha256(c, i, o->early[i]);
		CHECK(e == SIPREC_OK || e == SIPREC_ENOTFOUND);
		o->sha_early[i] = e == SIPREC_OK;
	}
	for (guard = 0; guard < 1000; guard++) {
		memset(&d, 0, sizeof(d));
		e = siprec_capture_next(c, &p, &d);
		if (e == SIPREC_ENOTFOUND)
			break;
		if (e != SIPREC_OK) {
			o->nerr++;
			o->err_at = o->n;
			snprintf(o->err_detail, sizeof(o->err_detail), "%s",
			    d.detail);
			if (e != SIPREC_EPARSE)
				break;
			continue;
		}
		if (o->n < MAXREC) {
			struct rec *r = &o->r[o->n];

			r->kind = p.kind;
			r->ts = p.ts_ns;
			r->src = p.src;
			r->dst = p.dst;
			r->len = p.data.len;
			r->data = malloc(p.data.len + 1);
			if (r->data != NULL) {
				memcpy(r->data, p.data.p, p.data.len);
				r->data[p.data.len] = '\0';
			}
			snprintf(r->file, sizeof(r->file), "%s", p.file);
			r->record = p.record;
		}
		o->n++;
	}
	CHECK(guard < 1000);
	CHECK(siprec_capture_next(c, &p, &d) == SIPREC_ENOTFOUND);
	o->st = *siprec_capture_stats(c);
	for (i = 0; i < n && i < 4; i++) {
		o->sha_ok[i] = siprec_capture_sha256(c, i, o->sha[i]) ==
		    SIPREC_OK;
		CHECK(!o->sha_early[i] ||
		    memcmp(o->early[i], o->sha[i], 32) == 0);
	}
	CHECK(siprec_capture_sha256(c, n, o->sha[0]) == SIPREC_EINVAL);
	siprec_capture_free(c);
}

static void
run1(struct run *o, const char *name, const char *filter)
{
	run(o, &name, 1, filter);
}

static void
run_free(struct run *o)
{
	int i;

	for (i = 0; i < o->n && i < MAXREC; i++)
		free(o->r[i].data);
}

/* Delivered packet i is kind k with exactly the bytes s. */
static int
is(const struct run *o, int i, enum siprec_pkt_kind k, const char *s)
{
	if (i >= o->n || i >= MAXREC)
		return 0;
	return o->r[i].kind == k && o->r[i].len == strlen(s) &&
	    memcmp(o->r[i].data, s, o->r[i].len) == 0;
}

static int
addr_is(const struct siprec_addr *a, const char *ip, unsigned int port)
{
	uint8_t x[16];

	memset(x, 0, sizeof(x));
	if (strchr(ip, ':') != NULL)
		return inet_pton(AF_INET6, ip, x) == 1 && a->family == 6 &&
		    memcmp(a->ip, x, 16) == 0 && a->port == port;
	return inet_pton(AF_INET, ip, x) == 1 && a->family == 4 &&
	    memcmp(a->ip, x, 4) == 0 && a->port == port;
}

/* The SHA-256 of a file's bytes as the test computes it. */
/* SHA-256 of a whole file. */
static int
sha_of(const char *name, uint8_t out[32])
{
	static uint8_t data[65536];
	gcry_md_hd_t md;
	char p[128];
	size_t n;
	FILE *fp;

	tpath(p, sizeof(p), name);
	if ((fp = fopen(p, "rb")) == NULL)
		return -1;
	if (gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		fclose(fp);
		return -1;
	}
	while ((n = fread(data, 1, sizeof(data), fp)) > 0)
		gcry_md_write(md, data, n);
	fclose(fp);
	memcpy(out, gcry_md_read(md, GCRY_MD_SHA256), 32);
	gcry_md_close(md);
	return 0;
}

/* --- the cases ---------------------------------------------------------- */

static void
test_ethernet(void)
{
	struct w w;
	struct run o;
	struct buf b = { .n = 0 }, v = { .n = 0 }, q = { .n = 0 };
	struct buf i = { .n = 0 }, u = { .n = 0 };
	uint8_t want[32];

	w_open(&w, "eth.pcap", DLT_EN10MB, 1);
	w_udp4(&w, T0 + 123456789, "192.0.2.1", "198.51.100.2", 5060, 5062,
	    "OPTIONS sip:a@example.com SIP/2.0\r\n\r\n");
	/* Short frame: padded to 60 bytes plus a 4-byte FCS. */
	eth_udp4(&b, "192.0.2.1", "198.51.100.2", 40000, 4000, 7, "hi");
	memset(b.b + b.n, 0xee, 64 - b.n);
	b.n = 64;
	w_add(&w, T0 + 2 * MS, &b);
	/* 802.1Q, then QinQ (802.1ad over 802.1Q), then 0x9100. */
	udp(&u, 1111, 2222, "vlan", 4);
	ip4(&i, "192.0.2.3", "192.0.2.4", 17, 9, 0, 64, u.b, u.n);
	put16(&v, 100);
	put16(&v, 0x0800);
	put(&v, i.b, i.n);
	b.n = 0;
	eth(&b, 0x8100, v.b, v.n);
	/* The same IP packet again more than 10 ms later: no duplicate. */
	w_add(&w, T0 + 30 * MS, &b);
	put16(&q, 200);
	put16(&q, 0x8100);
	put(&q, v.b, v.n);
	b.n = 0;
	eth(&b, 0x88a8, q.b, q.n);
	w_add(&w, T0 + 60 * MS, &b);
	b.n = 0;
	eth(&b, 0x9100, q.b, q.n);
	w_add(&w, T0 + 90 * MS, &b);
	/* ARP: not IP. */
	b.n = 0;
	eth(&b, 0x0806, "arp-arp-arp-arp-arp-arp-arp-", 28);
	w_add(&w, T0 + 100 * MS, &b);
	w_close(&w);

	run1(&o, "eth.pcap", NULL);
	CHECK(o.open == SIPREC_OK);
	CHECK(o.n == 5 && o.nerr == 0);
	CHECK(is(&o, 0, SIPREC_PKT_UDP,
	    "OPTIONS sip:a@example.com SIP/2.0\r\n\r\n"));
	CHECK(o.r[0].ts == T0 + 123456789);
	CHECK(addr_is(&o.r[0].src, "192.0.2.1", 5060));
	CHECK(addr_is(&o.r[0].dst, "198.51.100.2", 5062));
	CHECK(o.r[0].record == 1);
	CHECK(strstr(o.r[0].file, "eth.pcap") != NULL);
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "hi") && o.r[1].record == 2);
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "vlan") && o.r[2].record == 3);
	CHECK(addr_is(&o.r[2].src, "192.0.2.3", 1111));
	CHECK(is(&o, 3, SIPREC_PKT_UDP, "vlan") && o.r[3].record == 4);
	CHECK(is(&o, 4, SIPREC_PKT_UDP, "vlan") && o.r[4].record == 5);
	CHECK(o.st.records == 6 && o.st.udp == 5);
	CHECK(o.st.skipped_other == 1 && o.st.skipped_link == 0);
	CHECK(o.st.truncated == 0 && o.st.duplicates == 0);
	CHECK(o.sha_ok[0] && sha_of("eth.pcap", want) == 0 &&
	    memcmp(want, o.sha[0], 32) == 0);
	run_free(&o);

	/* Micro-second files give micro-seconds times 1000. */
	w_open(&w, "usec.pcap", DLT_EN10MB, 0);
	w_udp4(&w, T0 + 987654000, "192.0.2.1", "192.0.2.2", 1, 2, "u");
	/* Past 2038 the 32-bit seconds field is unsigned. */
	w_udp4(&w, 3000000000ULL * 1000000000ULL + 5000, "192.0.2.1",
	    "192.0.2.2", 1, 2, "2065");
	w_close(&w);
	run1(&o, "usec.pcap", NULL);
	CHECK(o.n == 2 && o.r[0].ts == T0 + 987654000);
	CHECK(o.n == 2 && o.r[1].ts == 3000000000ULL * 1000000000ULL + 5000);
	run_free(&o);
}

static void
test_cooked_raw_loop(void)
{
	struct w w;
	struct run o;
	struct buf b = { .n = 0 }, i = { .n = 0 };

	/* Linux cooked v1: IPv4. */
	w_open(&w, "sll.pcap", DLT_LINUX_SLL, 1);
	ip4_udp(&i, "192.0.2.10", "192.0.2.20", 5060, 5060, "sll");
	put16(&b, 0);
	put16(&b, 1);
	put16(&b, 6);
	put(&b, "\2\0\0\0\0\1\0\0", 8);
	put16(&b, 0x0800);
	put(&b, i.b, i.n);
	w_add(&w, T0, &b);
	w_close(&w);
	run1(&o, "sll.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "sll"));
	CHECK(o.n == 1 && addr_is(&o.r[0].dst, "192.0.2.20", 5060));
	run_free(&o);

	/* Linux cooked v2: IPv6. */
	w_open(&w, "sll2.pcap", 276, 1);
	i.n = b.n = 0;
	ip6_udp(&i, "2001:db8::1", "2001:db8::2", 5060, 5080, "sll2");
	put16(&b, 0x86dd);
	put16(&b, 0);
	put32(&b, 3);
	put16(&b, 1);
	put8(&b, 0);
	put8(&b, 6);
	put(&b, "\2\0\0\0\0\1\0\0", 8);
	put(&b, i.b, i.n);
	w_add(&w, T0, &b);
	w_close(&w);
	run1(&o, "sll2.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "sll2"));
	CHECK(o.n == 1 && addr_is(&o.r[0].src, "2001:db8::1", 5060));
	CHECK(o.n == 1 && addr_is(&o.r[0].dst, "2001:db8::2", 5080));
	run_free(&o);

	/* Raw IP (written as LINKTYPE_RAW 101): IPv6 then IPv4. */
	w_open(&w, "raw.pcap", DLT_RAW, 1);
	i.n = 0;
	ip6_udp(&i, "2001:db8::a", "2001:db8::b", 1000, 2000, "raw6");
	w_add(&w, T0, &i);
	i.n = 0;
	ip4_udp(&i, "192.0.2.5", "192.0.2.6", 1000, 2000, "raw4");
	w_add(&w, T0 + 1, &i);
	w_close(&w);
	run1(&o, "raw.pcap", NULL);
	CHECK(o.n == 2 && is(&o, 0, SIPREC_PKT_UDP, "raw6") &&
	    is(&o, 1, SIPREC_PKT_UDP, "raw4"));
	CHECK(o.n == 2 && addr_is(&o.r[0].dst, "2001:db8::b", 2000));
	run_free(&o);

	/* LINKTYPE_IPV4. */
	w_open(&w, "ipv4.pcap", 228, 1);
	i.n = 0;
	ip4_udp(&i, "192.0.2.5", "192.0.2.6", 1000, 2000, "v4");
	w_add(&w, T0, &i);
	w_close(&w);
	run1(&o, "ipv4.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "v4"));
	run_free(&o);

	/* BSD loopback: family in the writer's order, either way round. */
	w_open(&w, "null.pcap", DLT_NULL, 1);
	i.n = b.n = 0;
	ip4_udp(&i, "127.0.0.1", "127.0.0.1", 5060, 5061, "null-le");
	put(&b, "\2\0\0\0", 4);
	put(&b, i.b, i.n);
	w_add(&w, T0, &b);
	b.n = 0;
	put(&b, "\0\0\0\2", 4);
	put(&b, i.b, i.n);
	w_add(&w, T0 + 50 * MS, &b);
	i.n = b.n = 0;
	ip6_udp(&i, "::1", "::1", 5060, 5061, "null-be6");
	put(&b, "\0\0\0\x1e", 4);
	put(&b, i.b, i.n);
	w_add(&w, T0 + 1 * 20 * MS, &b);
	b.n = 0;
	put(&b, "\7\0\0\0", 4);
	put(&b, i.b, i.n);
	w_add(&w, T0 + 2 * 20 * MS, &b);
	w_close(&w);
	run1(&o, "null.pcap", NULL);
	CHECK(o.n == 3 && is(&o, 0, SIPREC_PKT_UDP, "null-le") &&
	    is(&o, 1, SIPREC_PKT_UDP, "null-le") &&
	    is(&o, 2, SIPREC_PKT_UDP, "null-be6"));
	CHECK(o.st.skipped_other == 1);
	run_free(&o);

	/* LOOP: network order, FreeBSD's AF_INET6. */
	w_open(&w, "loop.pcap", DLT_LOOP, 1);
	b.n = 0;
	put(&b, "\0\0\0\x1c", 4);
	put(&b, i.b, i.n);
	w_add(&w, T0, &b);
	w_close(&w);
	run1(&o, "loop.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "null-be6"));
	run_free(&o);

	/* A link type not decoded is counted, never an error. */
	w_open(&w, "wifi.pcap", DLT_IEEE802_11, 1);
	w_add(&w, T0, &b);
	w_add(&w, T0 + 1 * 20 * MS, &b);
	w_close(&w);
	run1(&o, "wifi.pcap", NULL);
	CHECK(o.open == SIPREC_OK && o.n == 0 && o.nerr == 0);
	CHECK(o.st.skipped_link == 2 && o.st.records == 2);
	run_free(&o);
}

static void
test_tunnels(void)
{
	struct w w;
	struct run o;
	struct buf b = { .n = 0 }, in = { .n = 0 }, g = { .n = 0 };
	struct buf i = { .n = 0 }, e = { .n = 0 }, u = { .n = 0 };

	w_open(&w, "tunnel.pcap", DLT_EN10MB, 1);
	/* The mirrored frame. */
	eth_udp4(&in, "192.0.2.1", "192.0.2.2", 5060, 5060, 1, "inner");

	/* GRE + ERSPAN type II (sequence number present). */
	put16(&g, 0x1000);
	put16(&g, 0x88be);
	put32(&g, 1);
	put32(&g, 0x10010001);
	put32(&g, 0);
	put(&g, in.b, in.n);
	ip4(&i, "203.0.113.1", "203.0.113.2", 47, 1, 0, 64, g.b, g.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 1 * 20 * MS, &b);

	/* ERSPAN type III with the optional 8-byte subheader. */
	g.n = i.n = b.n = 0;
	put16(&g, 0x1000);
	put16(&g, 0x22eb);
	put32(&g, 2);
	put32(&g, 0x20000001);
	put32(&g, 0x12345678);
	put32(&g, 0x00000001);
	put32(&g, 0);
	put32(&g, 0);
	put(&g, in.b, in.n);
	ip4(&i, "203.0.113.1", "203.0.113.2", 47, 2, 0, 64, g.b, g.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 2 * 20 * MS, &b);

	/* GRE with a key, transparent Ethernet bridging. */
	g.n = i.n = b.n = 0;
	put16(&g, 0x2000);
	put16(&g, 0x6558);
	put32(&g, 42);
	put(&g, in.b, in.n);
	ip4(&i, "203.0.113.1", "203.0.113.2", 47, 3, 0, 64, g.b, g.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 3 * 20 * MS, &b);

	/* VXLAN carrying Ethernet / IPv6 / UDP. */
	i.n = e.n = u.n = b.n = g.n = 0;
	ip6_udp(&i, "2001:db8::1", "2001:db8::2", 5060, 5070, "vxlan");
	eth(&e, 0x86dd, i.b, i.n);
	put32(&g, 0x08000000);
	put32(&g, 0x00012300);
	put(&g, e.b, e.n);
	udp(&u, 55555, 4789, g.b, g.n);
	i.n = 0;
	ip4(&i, "203.0.113.1", "203.0.113.2", 17, 4, 0, 64, u.b, u.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 4 * 20 * MS, &b);

	/* IPv4 in IPv4, and IPv6 in IPv4. */
	i.n = e.n = b.n = 0;
	ip4_udp(&i, "192.0.2.7", "192.0.2.8", 5060, 5060, "ipip");
	ip4(&e, "203.0.113.1", "203.0.113.2", 4, 5, 0, 64, i.b, i.n);
	eth(&b, 0x0800, e.b, e.n);
	w_add(&w, T0 + 5 * 20 * MS, &b);
	i.n = e.n = b.n = 0;
	ip6_udp(&i, "2001:db8::7", "2001:db8::8", 5060, 5060, "6in4");
	ip4(&e, "203.0.113.1", "203.0.113.2", 41, 6, 0, 64, i.b, i.n);
	eth(&b, 0x0800, e.b, e.n);
	w_add(&w, T0 + 6 * 20 * MS, &b);

	/* MPLS, two labels. */
	i.n = e.n = b.n = 0;
	ip4_udp(&i, "192.0.2.9", "192.0.2.10", 5060, 5060, "mpls");
	put32(&e, 0x00010040);
	put32(&e, 0x00020140);
	put(&e, i.b, i.n);
	eth(&b, 0x8847, e.b, e.n);
	w_add(&w, T0 + 7 * 20 * MS, &b);

	/* PPPoE session, PPP IPv4. */
	e.n = b.n = 0;
	put8(&e, 0x11);
	put8(&e, 0);
	put16(&e, 0x1234);
	put16(&e, (unsigned int)(i.n + 2));
	put16(&e, 0x0021);
	put(&e, i.b, i.n);
	eth(&b, 0x8864, e.b, e.n);
	w_add(&w, T0 + 8 * 20 * MS, &b);
	/* PPPoE session, PPP IPv6. */
	i.n = e.n = b.n = 0;
	ip6_udp(&i, "2001:db8::9", "2001:db8::a", 5060, 5060, "ppp6");
	put8(&e, 0x11);
	put8(&e, 0);
	put16(&e, 0x1234);
	put16(&e, (unsigned int)(i.n + 2));
	put16(&e, 0x0057);
	put(&e, i.b, i.n);
	eth(&b, 0x8864, e.b, e.n);
	w_add(&w, T0 + 9 * 20 * MS, &b);
	w_close(&w);

	run1(&o, "tunnel.pcap", NULL);
	CHECK(o.n == 9 && o.nerr == 0);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "inner") && o.r[0].record == 1);
	CHECK(o.n > 0 && addr_is(&o.r[0].src, "192.0.2.1", 5060));
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "inner") && o.r[1].record == 2);
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "inner") && o.r[2].record == 3);
	CHECK(is(&o, 3, SIPREC_PKT_UDP, "vxlan"));
	CHECK(o.n > 3 && addr_is(&o.r[3].dst, "2001:db8::2", 5070));
	CHECK(is(&o, 4, SIPREC_PKT_UDP, "ipip"));
	CHECK(o.n > 4 && addr_is(&o.r[4].src, "192.0.2.7", 5060));
	CHECK(is(&o, 5, SIPREC_PKT_UDP, "6in4"));
	CHECK(is(&o, 6, SIPREC_PKT_UDP, "mpls"));
	CHECK(is(&o, 7, SIPREC_PKT_UDP, "mpls") && o.r[7].record == 8);
	CHECK(is(&o, 8, SIPREC_PKT_UDP, "ppp6"));
	CHECK(o.st.udp == 9 && o.st.skipped_other == 0);
	run_free(&o);
}

static void
test_fragments(void)
{
	static char dg[3001];
	struct w w;
	struct run o;
	struct buf u = { .n = 0 }, f = { .n = 0 }, b = { .n = 0 };
	struct buf x = { .n = 0 }, t = { .n = 0 };
	size_t k;

	/* A 3000-byte UDP datagram in fragments 0, 1480 and 2960. */
	for (k = 0; k < 3000; k++)
		dg[k] = (char)('a' + k % 26);
	memcpy(dg, "MESSAGE sip:big@example.com SIP/2.0\r\n", 37);
	udp(&u, 5060, 5060, dg, 3000);
	w_open(&w, "frag4.pcap", DLT_EN10MB, 1);
#define FRAG4(off, len, more, ts) do {					\
	f.n = b.n = 0;							\
	ip4(&f, "192.0.2.1", "192.0.2.2", 17, 4242,			\
	    ((off) / 8) | ((more) ? 0x2000 : 0), 64, u.b + (off), (len)); \
	eth(&b, 0x0800, f.b, f.n);					\
	w_add(&w, (ts), &b);						\
} while (0)
	FRAG4(2960, 48, 0, T0 + 1);		/* last first */
	FRAG4(0, 1480, 1, T0 + 2);
	/* Overlap [1000, 2000): bytes before 1480 differ and lose. */
	memcpy(x.b, u.b, u.n);
	memset(u.b + 1000, '#', 480);
	FRAG4(1000, 1000, 1, T0 + 3);
	memcpy(u.b, x.b, u.n);
	FRAG4(1480, 1480, 1, T0 + 4);		/* completes */
	/* A fragment whose partner comes after the 30 s timeout. */
	f.n = b.n = 0;
	ip4(&f, "192.0.2.1", "192.0.2.2", 17, 99, 0x2000, 64, u.b, 8);
	eth(&b, 0x0800, f.b, f.n);
	w_add(&w, T0 + 5 * 20 * MS, &b);
	f.n = b.n = 0;
	ip4(&f, "192.0.2.1", "192.0.2.2", 17, 99, 1, 64, "late----", 8);
	eth(&b, 0x0800, f.b, f.n);
	w_add(&w, T0 + 31000 * MS, &b);
	w_close(&w);
#undef FRAG4

	run1(&o, "frag4.pcap", NULL);
	CHECK(o.n == 1);
	CHECK(o.n == 1 && o.r[0].len == 3000 &&
	    memcmp(o.r[0].data, dg, 3000) == 0);
	CHECK(o.n == 1 && o.r[0].record == 4 && o.r[0].ts == T0 + 4);
	CHECK(o.n == 1 && addr_is(&o.r[0].src, "192.0.2.1", 5060));
	CHECK(o.st.fragments == 6 && o.st.reassembled == 1);
	run_free(&o);

	/*
	 * IPv6: hop-by-hop options, then the fragment header, fragments
	 * out of order; then an atomic fragment (RFC 6946).
	 */
	w_open(&w, "frag6.pcap", DLT_EN10MB, 1);
	u.n = 0;
	udp(&u, 5062, 5060, dg, 2000);
#define FRAG6(off, len, more, ts) do {					\
	t.n = f.n = b.n = 0;						\
	put8(&t, 44);							\
	put8(&t, 0);							\
	put8(&t, 1);							\
	put8(&t, 4);							\
	put32(&t, 0);							\
	put8(&t, 17);							\
	put8(&t, 0);							\
	put16(&t, (off) | ((more) ? 1 : 0));				\
	put32(&t, 0xdeadbeef);						\
	put(&t, u.b + (off), (len));					\
	ip6(&f, "2001:db8::1", "2001:db8::2", 0, t.b, t.n);		\
	eth(&b, 0x86dd, f.b, f.n);					\
	w_add(&w, (ts), &b);						\
} while (0)
	FRAG6(1232, 776, 0, T0 + 10);
	FRAG6(0, 1232, 1, T0 + 11);
	t.n = f.n = b.n = x.n = 0;
	udp(&x, 7, 9, "atomic", 6);
	put8(&t, 17);
	put8(&t, 0);
	put16(&t, 0);
	put32(&t, 5);
	put(&t, x.b, x.n);
	ip6(&f, "2001:db8::1", "2001:db8::2", 44, t.b, t.n);
	eth(&b, 0x86dd, f.b, f.n);
	w_add(&w, T0 + 12, &b);
	/* Routing (type 0, no segments left), then destination options. */
	t.n = f.n = b.n = x.n = 0;
	udp(&x, 7, 9, "routed", 6);
	put8(&t, 60);
	put8(&t, 2);
	put8(&t, 0);
	put8(&t, 0);
	put32(&t, 0);
	putaddr(&t, "2001:db8::3");
	put8(&t, 17);
	put8(&t, 0);
	put8(&t, 1);
	put8(&t, 4);
	put32(&t, 0);
	put(&t, x.b, x.n);
	ip6(&f, "2001:db8::1", "2001:db8::2", 43, t.b, t.n);
	eth(&b, 0x86dd, f.b, f.n);
	w_add(&w, T0 + 13, &b);
	w_close(&w);
#undef FRAG6
	run1(&o, "frag6.pcap", NULL);
	CHECK(o.n == 3);
	CHECK(o.n >= 1 && o.r[0].len == 2000 &&
	    memcmp(o.r[0].data, dg, 2000) == 0 && o.r[0].record == 2);
	CHECK(o.n >= 1 && addr_is(&o.r[0].src, "2001:db8::1", 5062) &&
	    addr_is(&o.r[0].dst, "2001:db8::2", 5060));
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "atomic"));
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "routed"));
	CHECK(o.st.fragments == 2 && o.st.reassembled == 1);
	run_free(&o);
}

/* A SIP message with a body; compact uses "l:" and bare LF. */
static void
mkmsg(char *out, size_t len, const char *start, const char *body, int compact)
{
	if (compact)
		snprintf(out, len, "%s\nv: SIP/2.0/TCP 192.0.2.2\n"
		    "i: call-1\nl: %zu\n\n%s", start, strlen(body), body);
	else
		snprintf(out, len, "%s\r\nVia: SIP/2.0/TCP 192.0.2.1:40000;"
		    "branch=z9hG4bK1\r\nCall-ID: call-1\r\nCSeq: 1 INVITE\r\n"
		    "Content-Length: %zu\r\n\r\n%s", start, strlen(body), body);
}

#define C1	"192.0.2.1"
#define S1	"192.0.2.2"
#define SYN	0x02
#define ACK	0x10

static void
test_tcp(void)
{
	static char big[300001];
	char m1[512], m2[512], m3[512], r1[512], m4[512], m5[512], m6[512];
	char m7[512], m8[512], m9[512], m10[512], m11[512], m12[512];
	char m13[512], tmp[1536];
	struct w w;
	struct run o;
	struct buf b = { .n = 0 };
	uint32_t s, hl;
	uint64_t ts = T0;
	size_t n1, k;
	int j;

#define SEG(src_, dst_, sp_, dp_, seq_, fl_, p_, n_) do {		\
	b.n = 0;							\
	eth_tcp4(&b, (src_), (dst_), (sp_), (dp_), (seq_), (fl_), (p_),	\
	    (n_));							\
	ts += MS;							\
	w_add(&w, ts, &b);						\
} while (0)

	mkmsg(m1, sizeof(m1), "INVITE sip:bob@example.com SIP/2.0",
	    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 0);
	mkmsg(m2, sizeof(m2), "ACK sip:bob@example.com SIP/2.0", "", 0);
	mkmsg(m3, sizeof(m3), "BYE sip:bob@example.com SIP/2.0", "", 0);
	mkmsg(r1, sizeof(r1), "SIP/2.0 200 OK", "hello", 1);
	mkmsg(m4, sizeof(m4), "INFO sip:bob@example.com SIP/2.0", "x=1", 0);
	mkmsg(m5, sizeof(m5), "MESSAGE sip:bob@example.com SIP/2.0",
	    "lost message\r\n", 0);
	mkmsg(m6, sizeof(m6), "NOTIFY sip:bob@example.com SIP/2.0", "", 0);
	w_open(&w, "tcp.pcap", DLT_EN10MB, 1);

	/* 1-2: handshake. */
	SEG(C1, S1, 40000, 5060, 1000, SYN, NULL, 0);
	SEG(S1, C1, 5060, 40000, 5000, SYN | ACK, NULL, 0);
	/* 3-5: m1 over three segments, the last one early. */
	n1 = strlen(m1);
	s = 1001;
	SEG(C1, S1, 40000, 5060, s, ACK, m1, 30);
	SEG(C1, S1, 40000, 5060, s + 60, ACK, m1 + 60, n1 - 60);
	SEG(C1, S1, 40000, 5060, s + 30, ACK, m1 + 30, 30);
	/* 6: a retransmission of the middle. */
	SEG(C1, S1, 40000, 5060, s + 30, ACK, m1 + 30, 30);
	s += (uint32_t)n1;
	/* 7: a keep-alive and two messages in one segment. */
	snprintf(tmp, sizeof(tmp), "\r\n\r\n%s%s", m2, m3);
	SEG(C1, S1, 40000, 5060, s, ACK, tmp, strlen(tmp));
	s += (uint32_t)strlen(tmp);
	/* 8: the other direction, compact form and bare LF. */
	SEG(S1, C1, 5060, 40000, 5001, ACK, r1, strlen(r1));
	/* 9-10: m4, the second segment overlapping the first. */
	SEG(C1, S1, 40000, 5060, s, ACK, m4, 20);
	SEG(C1, S1, 40000, 5060, s + 10, ACK, m4 + 10, strlen(m4) - 10);
	s += (uint32_t)strlen(m4);
	/* 11: a lone CRLF pong. */
	SEG(C1, S1, 40000, 5060, s, ACK, "\r\n", 2);
	s += 2;
	/* 12: the start of m5 never arrives; the rest and m6 do. */
	snprintf(tmp, sizeof(tmp), "%s%s", m5 + 25, m6);
	SEG(C1, S1, 40000, 5060, s + 25, ACK, tmp, strlen(tmp));

	/* 13-15: HTTP is not SIP, even when a SIP message follows. */
	SEG(C1, S1, 40001, 80, 1, SYN, NULL, 0);
	SEG(C1, S1, 40001, 80, 2, ACK, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27);
	SEG(C1, S1, 40001, 80, 29, ACK, m2, strlen(m2));

	/* 16: picked up in the middle of a stream. */
	mkmsg(m7, sizeof(m7), "OPTIONS sip:bob@example.com SIP/2.0", "", 0);
	snprintf(tmp, sizeof(tmp), "ruption\r\n\r\n%s", m7);
	SEG(C1, S1, 40002, 5060, 777, ACK, tmp, strlen(tmp));

	/*
	 * 17-19: a new stream that opens with a keep-alive, sequence
	 * numbers wrapping inside its first message.
	 */
	mkmsg(m8, sizeof(m8), "UPDATE sip:bob@example.com SIP/2.0", "wrap", 0);
	snprintf(tmp, sizeof(tmp), "\r\n\r\n%s", m8);
	SEG(C1, S1, 40003, 5060, 0xfffffff0u, SYN, NULL, 0);
	SEG(C1, S1, 40003, 5060, 0xfffffff1u, ACK, tmp, 40);
	SEG(C1, S1, 40003, 5060, 0xfffffff1u + 40, ACK, tmp + 40,
	    strlen(tmp) - 40);

	/*
	 * 20-22: a hole inside a body whose length is known: skip exactly
	 * to the next message, not to the status line inside the body.
	 */
	mkmsg(m9, sizeof(m9), "NOTIFY sip:bob@example.com SIP/2.0",
	    "frag1234\r\nSIP/2.0 180 Ringing\r\n\r\n", 0);
	mkmsg(m10, sizeof(m10), "PRACK sip:bob@example.com SIP/2.0", "", 0);
	hl = (uint32_t)(strstr(m9, "\r\n\r\n") - m9) + 4;
	SEG(C1, S1, 40004, 5060, 99, SYN, NULL, 0);
	SEG(C1, S1, 40004, 5060, 100, ACK, m9, hl + 2);
	snprintf(tmp, sizeof(tmp), "%s%s", m9 + hl + 6, m10);
	SEG(C1, S1, 40004, 5060, 100 + hl + 6, ACK, tmp, strlen(tmp));

	/* 23-26: a hole left open more than 5 s is given up. */
	mkmsg(m11, sizeof(m11), "OPTIONS sip:a@example.com SIP/2.0", "", 0);
	mkmsg(m12, sizeof(m12), "REFER sip:bob@example.com SIP/2.0", "", 0);
	SEG(C1, S1, 40005, 5060, 0, SYN, NULL, 0);
	SEG(C1, S1, 40005, 5060, 1, ACK, m11, 10);
	snprintf(tmp, sizeof(tmp), "%s%s", m11 + 20, m12);
	k = strlen(m11) - 20 + 10;
	SEG(C1, S1, 40005, 5060, 21, ACK, tmp, k);
	ts += 6000 * MS;
	SEG(C1, S1, 40005, 5060, 21 + (uint32_t)k, ACK, m12 + 10,
	    strlen(m12) - 10);

	/* 27-33: a message too big to keep is skipped; the next one is not. */
	memset(big, 'z', 300000);
	k = strlen("MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "Content-Length: 123456\r\n\r\n");
	snprintf(tmp, sizeof(tmp), "MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "Content-Length: %zu\r\n\r\n", 300000 - k);
	CHECK(strlen(tmp) == k);
	memcpy(big, tmp, k);
	mkmsg(m13, sizeof(m13), "CANCEL sip:bob@example.com SIP/2.0", "", 0);
	SEG(C1, S1, 40006, 5060, 0, SYN, NULL, 0);
	for (j = 0; j < 5; j++)
		SEG(C1, S1, 40006, 5060, 1 + (uint32_t)j * 60000, ACK,
		    big + j * 60000, 60000);
	SEG(C1, S1, 40006, 5060, 300001, ACK, m13, strlen(m13));
	w_close(&w);
#undef SEG

	run1(&o, "tcp.pcap", NULL);
	CHECK(o.nerr == 0);
	CHECK(o.n == 11);
	CHECK(is(&o, 0, SIPREC_PKT_SIP_TCP, m1) && o.r[0].record == 5);
	CHECK(o.n > 0 && o.r[0].ts == T0 + 5 * MS);
	CHECK(o.n > 0 && addr_is(&o.r[0].src, C1, 40000) &&
	    addr_is(&o.r[0].dst, S1, 5060));
	CHECK(is(&o, 1, SIPREC_PKT_SIP_TCP, m2) && o.r[1].record == 7);
	CHECK(is(&o, 2, SIPREC_PKT_SIP_TCP, m3) && o.r[2].record == 7);
	CHECK(is(&o, 3, SIPREC_PKT_SIP_TCP, r1) && o.r[3].record == 8);
	CHECK(o.n > 3 && addr_is(&o.r[3].src, S1, 5060));
	CHECK(is(&o, 4, SIPREC_PKT_SIP_TCP, m4) && o.r[4].record == 10);
	CHECK(is(&o, 5, SIPREC_PKT_SIP_TCP, m7) && o.r[5].record == 16);
	CHECK(is(&o, 6, SIPREC_PKT_SIP_TCP, m8) && o.r[6].record == 19);
	CHECK(is(&o, 7, SIPREC_PKT_SIP_TCP, m12) && o.r[7].record == 26);
	CHECK(is(&o, 8, SIPREC_PKT_SIP_TCP, m13) && o.r[8].record == 33);
	/* At the end of input, the holes still open are given up. */
	CHECK(is(&o, 9, SIPREC_PKT_SIP_TCP, m6) && o.r[9].record == 12);
	CHECK(is(&o, 10, SIPREC_PKT_SIP_TCP, m10) && o.r[10].record == 22);
	CHECK(o.st.sip_tcp == 11 && o.st.udp == 0);
	CHECK(o.st.tcp_gaps == 3);
	/* HTTP and the oversized message. */
	CHECK(o.st.skipped_other == 2);
	CHECK(o.st.records == 33);
	run_free(&o);
}

static void
test_truncated(void)
{
	struct w w;
	struct run o;
	struct buf b = { .n = 0 };
	const char *two[2] = { "cut.pcap", "other.pcap" };
	static char big[4001];
	char p[128];
	uint8_t want[32];
	struct stat sb;
	FILE *fp;
	int k;

	/* Records cut by the snap length. */
	w_open(&w, "snap.pcap", DLT_EN10MB, 1);
	eth_udp4(&b, C1, S1, 5060, 5060, 1, "whole payload");
	put(&b, "FCS!", 4);
	w_addc(&w, T0, &b, b.n - 4, b.n);	/* only the FCS is missing */
	w_addc(&w, T0 + 20 * MS, &b, b.n - 10, b.n);	/* payload cut */
	w_addc(&w, T0 + 40 * MS, &b, 20, b.n);	/* IP header cut */
	w_close(&w);
	run1(&o, "snap.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "whole payload"));
	CHECK(o.st.truncated == 3 && o.st.records == 3 && o.st.udp == 1);
	run_free(&o);

	/* A file cut in the middle of its third record. */
	w_open(&w, "cut.pcap", DLT_EN10MB, 1);
	w_udp4(&w, T0 + 10, C1, S1, 1, 2, "cut-1");
	w_udp4(&w, T0 + 30, C1, S1, 1, 2, "cut-2");
	w_udp4(&w, T0 + 50, C1, S1, 1, 2, "cut-3");
	w_close(&w);
	tpath(p, sizeof(p), "cut.pcap");
	CHECK(stat(p, &sb) == 0 && truncate(p, sb.st_size - 10) == 0);
	w_open(&w, "other.pcap", DLT_EN10MB, 1);
	w_udp4(&w, T0 + 20, C1, S1, 3, 4, "other-1");
	w_udp4(&w, T0 + 40, C1, S1, 3, 4, "other-2");
	w_udp4(&w, T0 + 60, C1, S1, 3, 4, "other-3");
	w_close(&w);

	run1(&o, "cut.pcap", NULL);
	CHECK(o.n == 2 && o.nerr == 1 && o.err_at == 2);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "cut-1") &&
	    is(&o, 1, SIPREC_PKT_UDP, "cut-2"));
	CHECK(strstr(o.err_detail, "cut.pcap: record 3: ") != NULL);
	CHECK(o.sha_ok[0] && sha_of("cut.pcap", want) == 0 &&
	    memcmp(want, o.sha[0], 32) == 0);
	run_free(&o);

	/*
	 * A record header libpcap refuses (caplen far too big): the bytes
	 * after it are never parsed, yet the digest covers the whole file.
	 */
	w_open(&w, "badlen.pcap", DLT_EN10MB, 1);
	w_udp4(&w, T0 + 10, C1, S1, 1, 2, "bad-1");
	w_udp4(&w, T0 + 20, C1, S1, 1, 2, "bad-2");
	memset(big, 'x', sizeof(big) - 1);
	for (k = 0; k < 8; k++)
		w_udp4(&w, T0 + 30 + k, C1, S1, 1, 2, big);
	w_close(&w);
	tpath(p, sizeof(p), "badlen.pcap");
	if ((fp = fopen(p, "r+b")) != NULL) {
		/* Global header 24, record 1 is 16 + 14 + 20 + 8 + 5. */
		CHECK(fseek(fp, 24 + 16 + 47 + 8, SEEK_SET) == 0);
		CHECK(fwrite("\xff\xff\xff\x7f", 1, 4, fp) == 4);
		fclose(fp);
	}
	run1(&o, "badlen.pcap", NULL);
	CHECK(o.n == 1 && is(&o, 0, SIPREC_PKT_UDP, "bad-1"));
	CHECK(o.nerr == 1 && strstr(o.err_detail, "badlen.pcap: record 2: ") !=
	    NULL);
	CHECK(o.sha_ok[0] && sha_of("badlen.pcap", want) == 0 &&
	    memcmp(want, o.sha[0], 32) == 0);
	run_free(&o);

	/* Merged with a sound input: the rest of that one still comes. */
	run(&o, two, 2, NULL);
	CHECK(o.nerr == 1 && o.n == 5);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "cut-1"));
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "other-1"));
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "cut-2"));
	CHECK(is(&o, 3, SIPREC_PKT_UDP, "other-2"));
	CHECK(is(&o, 4, SIPREC_PKT_UDP, "other-3"));
	CHECK(strstr(o.err_detail, "cut.pcap: record 3: ") != NULL);
	CHECK(o.sha_ok[0] && o.sha_ok[1]);
	CHECK(sha_of("other.pcap", want) == 0 &&
	    memcmp(want, o.sha[1], 32) == 0);
	run_free(&o);
}

/*
 * A regular file's digest comes from a thread of its own, early; a file
 * that grows after it was hashed is hashed again at its end.
 */
static void
test_sha_early(void)
{
	struct w w;
	struct siprec_capture *c = NULL;
	struct siprec_pkt p;
	struct siprec_diag d;
	uint8_t early[32], want[32], rec[4096];
	const char *paths[1];
	char path[128];
	enum siprec_err e;
	size_t n;
	FILE *fp;
	int i, got = 0;

	w_open(&w, "grow.pcap", DLT_EN10MB, 1);
	for (i = 0; i < 3; i++)
		w_udp4(&w, T0 + (uint64_t)i * MS, "192.0.2.1", "192.0.2.2",
		    4000, 4002, "grow");
	w_close(&w);
	tpath(path, sizeof(path), "grow.pcap");
	paths[0] = path;
	CHECK(siprec_capture_open(paths, 1, NULL, &c, NULL) == SIPREC_OK);
	if (c == NULL)
		return;
	for (i = 0; i < 2000; i++) {
		struct timespec ts = { 0, 1000000 };

		if ((e = siprec_capture_sha256(c, 0, early)) == SIPREC_OK)
			break;
		CHECK(e == SIPREC_ENOTFOUND);
		nanosleep(&ts, NULL);
	}
	CHECK(e == SIPREC_OK && sha_of("grow.pcap", want) == 0 &&
	    memcmp(early, want, 32) == 0);
	/* The file grows by its own records before they are read. */
	fp = fopen(path, "r+b");
	CHECK(fp != NULL);
	if (fp != NULL) {
		n = fread(rec, 1, sizeof(rec), fp);
		CHECK(n > 24 && fseek(fp, 0, SEEK_END) == 0 &&
		    fwrite(rec + 24, 1, n - 24, fp) == n - 24);
		fclose(fp);
	}
	while ((e = siprec_capture_next(c, &p, &d)) == SIPREC_OK)
		got++;
	/* The copies read as duplicates: records count them. */
	CHECK(e == SIPREC_ENOTFOUND && got >= 3 &&
	    siprec_capture_stats(c)->records == 6);
	CHECK(siprec_capture_sha256(c, 0, early) == SIPREC_OK &&
	    sha_of("grow.pcap", want) == 0 && memcmp(early, want, 32) == 0);
	siprec_capture_free(c);
}

static void
test_merge_filter(void)
{
	struct w w;
	struct run o;
	struct buf b = { .n = 0 };
	const char *two[2] = { "a.pcap", "b.pcap" };
	const char *bad[2] = { "a.pcap", "nonexistent.pcap" };
	const char *stdin2[2] = { "-", "-" };
	char p[128];
	uint8_t want[32];
	FILE *fp;

	w_open(&w, "a.pcap", DLT_EN10MB, 1);
	w_udp4(&w, T0 + 100, C1, S1, 5060, 5060, "a1");
	w_udp4(&w, T0 + 300, C1, S1, 4000, 4002, "a2");
	w_udp4(&w, T0 + 300, C1, S1, 5060, 5060, "a3");
	eth_tcp4(&b, C1, S1, 40000, 5060, 1, SYN, NULL, 0);
	w_add(&w, T0 + 400, &b);
	w_close(&w);
	w_open(&w, "b.pcap", DLT_RAW, 0);
	b.n = 0;
	ip4_udp(&b, S1, C1, 5060, 5060, "b1");
	w_add(&w, T0 + 50000, &b);	/* 50 us */
	b.n = 0;
	ip4_udp(&b, S1, C1, 5060, 5060, "b2");
	w_add(&w, T0 + 200000, &b);
	w_close(&w);

	/* Time order across inputs. */
	run(&o, two, 2, NULL);
	CHECK(o.n == 5);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "a1") && o.r[0].record == 1);
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "a2") && o.r[1].record == 2);
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "a3") && o.r[2].record == 3);
	CHECK(is(&o, 3, SIPREC_PKT_UDP, "b1") && o.r[3].record == 1);
	CHECK(is(&o, 4, SIPREC_PKT_UDP, "b2") && o.r[4].record == 2);
	CHECK(o.n == 5 && strstr(o.r[3].file, "b.pcap") != NULL &&
	    strstr(o.r[2].file, "a.pcap") != NULL);
	CHECK(o.n == 5 && o.r[3].ts == T0 + 50000);
	CHECK(o.st.records == 6);
	run_free(&o);

	/* A filter keeps the file's record numbers. */
	run(&o, two, 2, "udp port 5060 and src host 192.0.2.1");
	CHECK(o.open == SIPREC_OK && o.n == 2);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "a1") && o.r[0].record == 1);
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "a3") && o.r[1].record == 3);
	CHECK(o.st.records == 6);
	run_free(&o);

	run(&o, two, 2, "udp port nonsense");
	CHECK(o.open == SIPREC_EINVAL && strstr(o.open_detail, "a.pcap") !=
	    NULL && strstr(o.open_detail, "nonsense") != NULL);

	run(&o, bad, 2, NULL);
	CHECK(o.open == SIPREC_EIO &&
	    strstr(o.open_detail, "nonexistent.pcap") != NULL);

	tpath(p, sizeof(p), "text.txt");
	if ((fp = fopen(p, "w")) != NULL) {
		fputs("this is not a capture file at all\n", fp);
		fclose(fp);
	}
	run1(&o, "text.txt", NULL);
	CHECK(o.open == SIPREC_EPARSE && strstr(o.open_detail, "text.txt") !=
	    NULL);
	run(&o, stdin2, 2, NULL);
	CHECK(o.open == SIPREC_EINVAL);
	run(&o, two, 0, NULL);
	CHECK(o.open == SIPREC_EINVAL);

	/* Standard input, hashed too. */
	tpath(p, sizeof(p), "b.pcap");
	if (freopen(p, "rb", stdin) != NULL) {
		run1(&o, "-", NULL);
		CHECK(o.n == 2 && strcmp(o.r[0].file, "-") == 0);
		CHECK(o.sha_ok[0] && sha_of("b.pcap", want) == 0 &&
		    memcmp(want, o.sha[0], 32) == 0);
		run_free(&o);
	} else
		CHECK(!"freopen");
}

static void
test_duplicates(void)
{
	struct w w;
	struct run o;
	struct buf u = { .n = 0 }, i = { .n = 0 }, b = { .n = 0 };
	uint8_t pl[201];
	int k;

	w_open(&w, "dup.pcap", DLT_EN10MB, 1);
	udp(&u, 5060, 5060, "INVITE", 6);
	ip4(&i, C1, S1, 17, 77, 0, 64, u.b, u.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0, &b);
	/* The same packet one hop later (TTL 63), 100 us later: dropped. */
	i.n = b.n = 0;
	ip4(&i, C1, S1, 17, 77, 0, 63, u.b, u.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 100000, &b);
	/* Another identification: kept. */
	i.n = b.n = 0;
	ip4(&i, C1, S1, 17, 78, 0, 64, u.b, u.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 200000, &b);
	/* The first again, a second later (a retransmission): kept. */
	i.n = b.n = 0;
	ip4(&i, C1, S1, 17, 77, 0, 64, u.b, u.n);
	eth(&b, 0x0800, i.b, i.n);
	w_add(&w, T0 + 1000 * MS, &b);
	/*
	 * Same addresses, identification and length, within 10 ms, but
	 * another payload (one byte apart, early, in the middle, at the
	 * end): kept.  The same payload once more: dropped.
	 */
	memset(pl, 0x5a, sizeof(pl));
	for (k = 0; k < 4; k++) {
		if (k == 1)
			pl[20] ^= 1;
		if (k == 2)
			pl[100] ^= 1;
		if (k == 3)
			pl[sizeof(pl) - 1] ^= 1;
		u.n = i.n = b.n = 0;
		udp(&u, 20000, 30000, (const char *)pl, sizeof(pl));
		ip4(&i, C1, S1, 17, 90, 0, 64, u.b, u.n);
		eth(&b, 0x0800, i.b, i.n);
		w_add(&w, T0 + (1100 + k) * MS, &b);
	}
	w_add(&w, T0 + 1104 * MS, &b);
	w_close(&w);
	run1(&o, "dup.pcap", NULL);
	CHECK(o.n == 7 && o.st.duplicates == 2);
	CHECK(o.n == 7 && o.r[0].record == 1 && o.r[1].record == 3 &&
	    o.r[2].record == 4 && o.r[3].record == 5 && o.r[6].record == 8);
	run_free(&o);
}

/* pcapng, little-endian, written by hand. */
static void
le32(struct buf *o, uint32_t v)
{
	put8(o, v & 0xff);
	put8(o, (v >> 8) & 0xff);
	put8(o, (v >> 16) & 0xff);
	put8(o, v >> 24);
}

static void
le16(struct buf *o, unsigned int v)
{
	put8(o, v & 0xff);
	put8(o, v >> 8);
}

static void
ng_epb(struct buf *f, uint32_t ifc, uint64_t t, const struct buf *p)
{
	size_t pad = (4 - p->n % 4) % 4;
	uint32_t len = (uint32_t)(32 + p->n + pad);

	le32(f, 6);
	le32(f, len);
	le32(f, ifc);
	le32(f, (uint32_t)(t >> 32));
	le32(f, (uint32_t)t);
	le32(f, (uint32_t)p->n);
	le32(f, (uint32_t)p->n);
	put(f, p->b, p->n);
	while (pad-- > 0)
		put8(f, 0);
	le32(f, len);
}

static void
ng_idb_lt(struct buf *f, unsigned int tsresol, unsigned int linktype)
{
	le32(f, 1);
	le32(f, 32);
	le16(f, linktype);
	le16(f, 0);
	le32(f, 0);
	le16(f, 9);		/* if_tsresol */
	le16(f, 1);
	put8(f, tsresol);
	put8(f, 0);
	put8(f, 0);
	put8(f, 0);
	le32(f, 0);		/* opt_endofopt */
	le32(f, 32);
}

static void
ng_idb(struct buf *f, unsigned int tsresol)
{
	ng_idb_lt(f, tsresol, 1);	/* Ethernet */
}

static void
ng_shb(struct buf *f)
{
	le32(f, 0x0a0d0d0a);
	le32(f, 28);
	le32(f, 0x1a2b3c4d);
	le16(f, 1);
	le16(f, 0);
	le32(f, 0xffffffff);
	le32(f, 0xffffffff);
	le32(f, 28);
}

static void
write_buf(const char *name, const struct buf *f)
{
	char path[128];
	FILE *fp;

	tpath(path, sizeof(path), name);
	if ((fp = fopen(path, "wb")) != NULL) {
		fwrite(f->b, 1, f->n, fp);
		fclose(fp);
	}
}

/*
 * Interfaces of different link types, which libpcap refuses: read block
 * by block, each packet by its interface's type and resolution; on
 * standard input, a clear error instead.
 */
static void
test_pcapng_mixed(void)
{
	static struct buf f;
	struct buf p = { .n = 0 };
	struct run o;
	char path[128];
	int fd;

	f.n = 0;
	ng_shb(&f);
	ng_idb(&f, 6);			/* Ethernet, microseconds */
	eth_udp4(&p, C1, S1, 5060, 5060, 1, "mixed-eth");
	ng_epb(&f, 0, (T0 + 5000) / 1000, &p);
	ng_idb_lt(&f, 9, 101);		/* raw IP, nanoseconds */
	p.n = 0;
	ip4_udp(&p, C1, S1, 5060, 5060, "mixed-raw");
	ng_epb(&f, 1, T0 + 6001, &p);
	p.n = 0;
	ip4_udp(&p, C1, S1, 4000, 4000, "mixed-raw2");
	ng_epb(&f, 1, T0 + 7001, &p);
	p.n = 0;
	eth_udp4(&p, C1, S1, 5060, 5060, 2, "mixed-eth2");
	ng_epb(&f, 0, (T0 + 8000) / 1000, &p);
	/* a second section, big-endian would be more; same order here */
	ng_shb(&f);
	ng_idb_lt(&f, 9, 101);
	p.n = 0;
	ip4_udp(&p, C1, S1, 5060, 5060, "section-2");
	ng_epb(&f, 0, T0 + 9001, &p);
	write_buf("mixed.pcapng", &f);

	run1(&o, "mixed.pcapng", NULL);
	CHECK(o.open == SIPREC_OK && o.nerr == 0 && o.n == 5);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "mixed-eth") && o.r[0].ts == T0 + 5000);
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "mixed-raw") && o.r[1].ts == T0 + 6001);
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "mixed-raw2") && o.r[2].record == 3);
	CHECK(is(&o, 3, SIPREC_PKT_UDP, "mixed-eth2") && o.r[3].record == 4);
	CHECK(is(&o, 4, SIPREC_PKT_UDP, "section-2") && o.r[4].record == 5);
	CHECK(o.st.records == 5 && o.st.skipped_link == 0);
	run_free(&o);

	/* a filter, compiled for each link type */
	run1(&o, "mixed.pcapng", "udp port 5060");
	CHECK(o.nerr == 0 && o.n == 4 && o.st.records == 5);
	CHECK(is(&o, 2, SIPREC_PKT_UDP, "mixed-eth2"));
	run_free(&o);

	/* damage after the switch is named with its record */
	f.n -= 20;
	write_buf("mixed-cut.pcapng", &f);
	run1(&o, "mixed-cut.pcapng", NULL);
	CHECK(o.nerr == 1 && o.n == 4);
	CHECK(strstr(o.err_detail, "mixed-cut.pcapng: record 5: pcapng "
	    "block") != NULL);
	run_free(&o);

	/* standard input cannot be read again: say so */
	tpath(path, sizeof(path), "mixed.pcapng");
	fd = dup(0);
	if (fd >= 0 && freopen(path, "rb", stdin) != NULL) {
		run1(&o, "-", NULL);
		CHECK(o.nerr == 1 && o.n == 1);
		CHECK(strstr(o.err_detail, "-: record 2: pcapng interfaces of "
		    "different link types") != NULL);
		run_free(&o);
		(void)dup2(fd, 0);
		clearerr(stdin);
	}
	if (fd >= 0)
		close(fd);
}

static void
test_pcapng(void)
{
	static struct buf f;
	struct buf p = { .n = 0 };
	struct run o;
	char path[128];
	FILE *fp;

	f.n = 0;
	ng_shb(&f);
	ng_idb(&f, 6);		/* microseconds */
	ng_idb(&f, 9);		/* nanoseconds */
	eth_udp4(&p, C1, S1, 5060, 5060, 1, "ng-usec");
	ng_epb(&f, 0, (T0 + 5000) / 1000, &p);
	p.n = 0;
	eth_udp4(&p, C1, S1, 5060, 5060, 2, "ng-nsec");
	ng_epb(&f, 1, T0 + 6001, &p);
	tpath(path, sizeof(path), "two-if.pcapng");
	if ((fp = fopen(path, "wb")) != NULL) {
		fwrite(f.b, 1, f.n, fp);
		fclose(fp);
	}
	run1(&o, "two-if.pcapng", NULL);
	CHECK(o.open == SIPREC_OK && o.n == 2);
	CHECK(is(&o, 0, SIPREC_PKT_UDP, "ng-usec") && o.r[0].ts == T0 + 5000);
	CHECK(is(&o, 1, SIPREC_PKT_UDP, "ng-nsec") && o.r[1].ts == T0 + 6001);
	run_free(&o);
}

static void
test_format(void)
{
	struct siprec_addr a;
	char s[64];

	memset(&a, 0, sizeof(a));
	a.family = 4;
	inet_pton(AF_INET, "192.0.2.1", a.ip);
	a.port = 5060;
	siprec_addr_format(&a, s, sizeof(s));
	CHECK(strcmp(s, "192.0.2.1:5060") == 0);
	siprec_addr_format(&a, s, 6);
	CHECK(strcmp(s, "192.0") == 0);
	a.family = 6;
	inet_pton(AF_INET6, "2001:db8::1", a.ip);
	a.port = 5061;
	siprec_addr_format(&a, s, sizeof(s));
	CHECK(strcmp(s, "[2001:db8::1]:5061") == 0);
	a.family = 0;
	siprec_addr_format(&a, s, sizeof(s));
	CHECK(strcmp(s, "?") == 0);
	siprec_capture_free(NULL);
}

/* --- classic pcap read in large reads (lib/pcapfile.c) ------------------ */

#define ORD_N	700

/* Packet k of the byte-order files: its UDP payload. */
static size_t
ord_payload(unsigned int k, char *pl)
{
	size_t n = 500 + (size_t)(k * 7919u) % 5500, j;

	for (j = 0; j < n; j++)
		pl[j] = (char)('a' + (k + j) % 26);
	pl[n] = '\0';
	return n;
}

static void
put32o(FILE *f, uint32_t v, int be)
{
	uint8_t b[4];

	if (be) {
		b[0] = (uint8_t)(v >> 24);
		b[1] = (uint8_t)(v >> 16);
		b[2] = (uint8_t)(v >> 8);
		b[3] = (uint8_t)v;
	} else {
		b[3] = (uint8_t)(v >> 24);
		b[2] = (uint8_t)(v >> 16);
		b[1] = (uint8_t)(v >> 8);
		b[0] = (uint8_t)v;
	}
	fwrite(b, 1, 4, f);
}

/*
 * The ORD_N packets by hand: byte order, timestamp unit and link type
 * field (its upper bits may carry an FCS length) as asked.
 */
static void
ord_write(const char *name, int be, int nano, uint32_t ltfield)
{
	static char pl[6100];
	static struct buf b;
	char p[128];
	uint64_t ts;
	unsigned int k;
	FILE *f;

	tpath(p, sizeof(p), name);
	if ((f = fopen(p, "wb")) == NULL) {
		CHECK(!"fopen");
		return;
	}
	put32o(f, nano ? 0xa1b23c4dU : 0xa1b2c3d4U, be);
	put32o(f, be ? 0x00020004U : 0x00040002U, be);	/* 2.4 */
	put32o(f, 0, be);
	put32o(f, 0, be);
	put32o(f, 262144, be);
	put32o(f, ltfield, be);
	for (k = 0; k < ORD_N; k++) {
		ord_payload(k, pl);
		b.n = 0;
		eth_udp4(&b, C1, S1, 4000, 5004, k, pl);
		ts = T0 + (uint64_t)k * 20 * MS + k;	/* nanoseconds too */
		put32o(f, (uint32_t)(ts / 1000000000ULL), be);
		put32o(f, (uint32_t)(nano ? ts % 1000000000ULL :
		    ts % 1000000000ULL / 1000), be);
		put32o(f, (uint32_t)b.n, be);
		put32o(f, (uint32_t)b.n, be);
		fwrite(b.b, 1, b.n, f);
	}
	CHECK(fclose(f) == 0);
}

/*
 * Read path (a file, or "-"); check every packet against ord_payload();
 * returns the packets that matched, stops at the first error (its
 * detail in err, the digest in sha when known).
 */
static unsigned int
ord_read(const char *path, int nano, char *err, size_t elen,
    uint8_t sha[32], int *sha_ok)
{
	static char pl[6100];
	struct siprec_capture *c = NULL;
	struct siprec_diag d;
	struct siprec_pkt pk;
	enum siprec_err e;
	unsigned int k = 0, bad = 0;
	uint64_t ts;
	size_t n;

	err[0] = '\0';
	*sha_ok = 0;
	memset(&d, 0, sizeof(d));
	if (siprec_capture_open(&path, 1, NULL, &c, &d) != SIPREC_OK) {
		snprintf(err, elen, "%s", d.detail);
		return 0;
	}
	for (;;) {
		memset(&d, 0, sizeof(d));
		if ((e = siprec_capture_next(c, &pk, &d)) != SIPREC_OK) {
			if (e != SIPREC_ENOTFOUND)
				snprintf(err, elen, "%s", d.detail);
			break;
		}
		n = ord_payload(k, pl);
		ts = T0 + (uint64_t)k * 20 * MS + k;
		if (!nano)
			ts -= ts % 1000;
		if (pk.kind != SIPREC_PKT_UDP || pk.data.len != n ||
		    memcmp(pk.data.p, pl, n) != 0 || pk.ts_ns != ts ||
		    pk.record != k + 1)
			bad++;
		k++;
	}
	*sha_ok = siprec_capture_sha256(c, 0, sha) == SIPREC_OK;
	siprec_capture_free(c);
	return bad == 0 ? k : 0;
}

/*
 * Records larger than the room kept in front of the reader's chunks
 * (snap length 4 MiB): put together whole, the small ones around them
 * unharmed.
 */
static void
test_pcap_big_records(void)
{
	static const size_t bigs[] = { 700000, 1500000, 300000, 2200000 };
	static uint8_t junk[2200000];
	struct siprec_capture *c = NULL;
	struct siprec_diag d;
	struct siprec_pkt pk;
	const char *path;
	char p[128], pl[32];
	struct buf b;
	unsigned int k, got = 0, bad = 0;
	size_t i;
	FILE *f;

	tpath(p, sizeof(p), "big.pcap");
	if ((f = fopen(p, "wb")) == NULL) {
		CHECK(!"fopen");
		return;
	}
	put32o(f, 0xa1b2c3d4U, 0);
	put32o(f, 0x00040002U, 0);
	put32o(f, 0, 0);
	put32o(f, 0, 0);
	put32o(f, 4 * 1024 * 1024, 0);
	put32o(f, 1, 0);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131);
	junk[12] = 0x88;	/* ethertype 0x88b5: skipped, still a record */
	junk[13] = 0xb5;
	for (k = 0; k < 5; k++) {
		snprintf(pl, sizeof(pl), "small-%u", k);
		b.n = 0;
		eth_udp4(&b, C1, S1, 4000, 5004, k, pl);
		put32o(f, 1700000000 + k, 0);
		put32o(f, 0, 0);
		put32o(f, (uint32_t)b.n, 0);
		put32o(f, (uint32_t)b.n, 0);
		fwrite(b.b, 1, b.n, f);
		if (k == 4)
			break;
		put32o(f, 1700000000 + k, 0);
		put32o(f, 1, 0);
		put32o(f, (uint32_t)bigs[k], 0);
		put32o(f, (uint32_t)bigs[k], 0);
		fwrite(junk, 1, bigs[k], f);
	}
	CHECK(fclose(f) == 0);
	path = p;
	memset(&d, 0, sizeof(d));
	CHECK(siprec_capture_open(&path, 1, NULL, &c, &d) == SIPREC_OK);
	while (c != NULL && siprec_capture_next(c, &pk, &d) == SIPREC_OK) {
		snprintf(pl, sizeof(pl), "small-%u", got);
		if (pk.data.len != strlen(pl) ||
		    memcmp(pk.data.p, pl, pk.data.len) != 0)
			bad++;
		got++;
	}
	CHECK(got == 5 && bad == 0);
	CHECK(c != NULL && siprec_capture_stats(c)->records == 9);
	siprec_capture_free(c);
}

static void
test_pcap_orders(void)
{
	static const struct {
		const char	*name;
		int		 be, nano;
		uint32_t	 lt;
	} f[] = {
		{ "le-us.pcap", 0, 0, 1 },
		{ "be-ns.pcap", 1, 1, 1 },
		{ "be-us.pcap", 1, 0, 1 },
		/* Ethernet with a 4-byte FCS flagged in the upper bits */
		{ "le-ns-fcs.pcap", 0, 1, 1 | 0x04000000U | 0x20000000U }
	};
	char p[128], err[SIPREC_DIAG_DETAIL];
	uint8_t sha[32], want[32];
	struct stat sb;
	unsigned int i, got;
	int ok, fds[2], st;
	pid_t pid;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ord_write(f[i].name, f[i].be, f[i].nano, f[i].lt);
		tpath(p, sizeof(p), f[i].name);
		/* over 2 MiB: records straddle the reader's 1 MiB reads */
		CHECK(stat(p, &sb) == 0 && sb.st_size > 2 * 1024 * 1024);
		got = ord_read(p, f[i].nano, err, sizeof(err), sha, &ok);
		CHECK(got == ORD_N && err[0] == '\0');
		CHECK(ok && sha_of(f[i].name, want) == 0 &&
		    memcmp(sha, want, 32) == 0);
	}

	/* From a pipe, written in small uneven pieces: the same. */
	tpath(p, sizeof(p), "be-ns.pcap");
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		CHECK(!"pipe/fork");
		return;
	}
	if (pid == 0) {
		static char chunk[777];
		FILE *in = fopen(p, "rb");
		size_t n;

		close(fds[0]);
		while (in != NULL && (n = fread(chunk, 1, sizeof(chunk),
		    in)) > 0)
			if (write(fds[1], chunk, n) != (ssize_t)n)
				_exit(1);
		_exit(in == NULL);
	}
	close(fds[1]);
	st = dup(0);
	CHECK(dup2(fds[0], 0) == 0);
	close(fds[0]);
	got = ord_read("-", 1, err, sizeof(err), sha, &ok);
	CHECK(got == ORD_N && err[0] == '\0');
	CHECK(ok && sha_of("be-ns.pcap", want) == 0 &&
	    memcmp(sha, want, 32) == 0);
	/* The pipe closed first: a writer left blocked then ends. */
	if (st >= 0) {
		(void)dup2(st, 0);
		close(st);
	} else
		close(0);
	clearerr(stdin);
	CHECK(waitpid(pid, NULL, 0) == pid);

	/*
	 * Cut in the middle of a record that straddles the first 1 MiB:
	 * the packets before it come, then the error names the record.
	 */
	tpath(p, sizeof(p), "be-ns.pcap");
	{
		static char pl[6100];
		static struct buf b;
		off_t at = 24;
		unsigned int k;

		for (k = 0; k < ORD_N; k++) {
			ord_payload(k, pl);
			b.n = 0;
			eth_udp4(&b, C1, S1, 4000, 5004, k, pl);
			if (at + 16 + (off_t)b.n > 1024 * 1024)
				break;
			at += 16 + (off_t)b.n;
		}
		CHECK(k < ORD_N && truncate(p, at + 16 + 100) == 0);
		got = ord_read(p, 1, err, sizeof(err), sha, &ok);
		CHECK(got == k);
		snprintf(p, sizeof(p), "be-ns.pcap: record %u: truncated "
		    "pcap file: 100 of a record's %zu captured bytes", k + 1,
		    b.n);
		CHECK(strstr(err, p) != NULL);
		/* the digest is of the whole file as it is */
		CHECK(ok && sha_of("be-ns.pcap", want) == 0 &&
		    memcmp(sha, want, 32) == 0);
	}
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_capture.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_ethernet();
	test_cooked_raw_loop();
	test_tunnels();
	test_fragments();
	test_tcp();
	test_truncated();
	test_merge_filter();
	test_sha_early();
	test_duplicates();
	test_pcapng();
	test_pcapng_mixed();
	test_format();
	test_pcap_orders();
	test_pcap_big_records();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return CHECK_DONE();
}
