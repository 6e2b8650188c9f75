/* SPDX-License-Identifier: BSD-2-Clause */
/* gen-capture: deterministic SIPREC captures with known audio and faults. */

/*
 * Design note.
 *
 * The output is a classic pcap file (magic 0xa1b23c4d, nanosecond
 * timestamps, written little-endian; LINKTYPE_ETHERNET; snaplen 262144)
 * whose records are in capture-time order.  Every call is an RFC 7866
 * recording session from the SRC 192.0.2.10 (SIP port 5060) to the SRS
 * 198.51.100.20 (SIP port 5060) with two audio streams, labels 1 and 2,
 * sent from the SRC's ports 20000+4s and 20002+4s to the SRS's 30000+4s
 * and 30002+4s, where s is the call's slot (below).
 *
 * Schedule.  C = --concurrent, D = --duration rounded to a whole number
 * K of packets (K = D / ptime), call i has slot s = i % C and round
 * r = i / C.  All times are whole multiples of 125 us (one sample):
 *
 *	S	= 1700000000 s + r * (D + 1.025 s) + s * 1 ms
 *	S	  TCP only: SYN; S + 125 us SYN-ACK; S + 250 us ACK
 *	S + 1 ms  INVITE (multipart/mixed: SDP offer + complete metadata)
 *	S + 3 ms  100 Trying
 *	S + 5 ms  --prack: reliable 183 with the SRS's SDP (an answer, or
 *		  with offer-in-1xx an offer: the INVITE has only metadata)
 *	S + 7 ms  --prack: PRACK (the SRC's answer with offer-in-1xx, a new
 *		  offer with offer-in-prack); S + 9 ms its 200 (the answer
 *		  with offer-in-prack); the 200 to the INVITE has no SDP
 *	T0	= S + 21 ms: 200 OK with the SDP answer
 *	T0 + 1 ms ACK
 *	T0 + k * ptime, 0 <= k < K: RTP packet k ("slot k") of stream 1,
 *		then of stream 2
 *	T0 + FROM re-INVITE, both m-lines a=inactive; +2 ms 200; +3 ms ACK
 *	T0 + TO	  re-INVITE, both m-lines a=sendonly; +2 ms 200; +3 ms
 *		  ACK
 *	T0 + U	  UPDATE with a partial metadata document; +2 ms 200
 *	T1	= T0 + K * ptime: BYE (no body); T1 + 2 ms 200
 *	T1 + 3 ms TCP only: FIN from the SRC, +125 us FIN from the SRS,
 *		+250 us the last ACK
 *
 * FROM and TO (--pause) are rounded to whole packets, U (--update-at)
 * to whole milliseconds.  At equal times SIP goes before RTP, calls in
 * slot order.
 *
 * The recording timeline.  It starts at T0, the capture time of the 200
 * OK to the initial INVITE (the moment the recording session exists), and
 * ends at T1, the capture time of the BYE.  A sample at capture time t
 * has index n = (t - T0) * 8000 / 1e9, an integer because every time is a
 * multiple of 125 us.  Packet k carries samples n = k * spp .. k * spp +
 * spp - 1 (spp = 8 * ptime) and is captured at T0 + k * ptime, except
 * that a packet moved by --reorder is captured one ptime later (just
 * after its successor) and a --dup copy right after its original; RTP
 * timestamps always advance by spp per slot, across pauses too, so a
 * receiver that places packets by RTP timestamp from the first packet's
 * arrival puts every sample at its index.  The expected file of a stream
 * has exactly K * spp samples (16-bit little-endian, mono, 8 kHz):
 * sample n is decode(encode(x[n])) when the packet of its slot was sent,
 * and 0 when that packet was dropped (--loss, stream 1) or falls in a
 * pause ([FROM, TO)).  The first packet under a new SSRC (--ssrc-change)
 * is captured exactly at its slot time, so placing the new segment by
 * arrival time is exact as well.
 *
 * Numbering.  Fault indices (--loss, --reorder, --dup, --ssrc-change,
 * --codec-change) are slot numbers k, counted from 0 at T0, paused slots
 * included.  RTP sequence numbers advance once per slot outside a pause
 * (a dropped packet keeps its number, a paused slot has none); M is set
 * on slot 0, on the first slot after a pause and on the new SSRC's first
 * packet.  Faults that hit a packet not sent (paused, or dropped) do
 * nothing.
 *
 * The audio.  With p = n mod 16000 (both signals have a 2 s period):
 *	label 1: x[n] = round(8000 * (0.75 + 0.25 sin(2 pi p / 16000))
 *		      * sin(2 pi (440 (2p + 1) mod 16000) / 16000))
 *	label 2: x[n] = round(6000 * sin(2 pi (1000 (2p + 1) mod 16000)
 *		      / 16000))
 * that is 440 Hz under a 0.5 Hz envelope (0.5 .. 1.0) and 1000 Hz, both
 * sampled half a sample off the zero crossings, so |x| >= 62 and no
 * decoded sample of a sent packet is ever 0: every zero in an expected
 * file is a lost or paused sample.  Both tables are computed once and
 * G.711-encoded once; a packet is a copy out of the table, so memory
 * stays the same for any number of calls and any duration (calls live
 * in C slots ordered by a binary heap on their next event time).
 *
 * Codec change (--codec-change IDX).  Every m-line of every offer and
 * answer lists both G.711 payload types, the --codec one first, each
 * with its a=rtpmap.  From slot IDX on, stream 1 sends the other law
 * (payload type and encoding) under the same SSRC, its sequence numbers
 * and timestamps going on and no marker: a switch within the negotiated
 * set (RFC 3264 6.1), with no re-INVITE (SPEC T-13).  Its expected samples from IDX *
 * spp on are those of the other law's round trip; stream 2 does not
 * change.  calls.tsv's codec column lists the codecs of the packets a
 * receiver gets, in slot order: "PCMU/8000,PCMA/8000" for stream 1.
 *
 * SRTP (--srtp SUITE).  Both m-lines of every offer use RTP/SAVP and carry
 * "a=crypto:1 SUITE inline:<key||salt>" (RFC 4568; key||salt is 30 bytes
 * for the AES_CM_128 suites, 46 for AES_256_CM (RFC 6188), 28 for
 * AEAD_AES_128_GCM (RFC 7714)); every answer uses RTP/SAVP and its own
 * key, which protects only what the SRS sends, that is nothing.  The keys
 * come from a random stream of their own, derived from the seed, the
 * suite and the call index, so a call is otherwise the same with and
 * without SRTP: same SSRCs, sequence numbers and plain payloads.  Each
 * SRTP stream has a libsrtp2 sender session for its SSRC (and the new
 * SSRC of --ssrc-change), which protects every packet as it is sent:
 * the ROC starts at 0 and follows sequence number wraps; a --dup copy
 * is protected again with the same index, so it is the same bytes.  The
 * expected audio does not change: a recorder decrypts with the SDP key
 * (or the --srtp-keys file: "<SRS address>:<port> SUITE inline:<key>",
 * the SRC's key, a line per stream in call order; one key per address,
 * so it needs every call in a slot of its own, --concurrent >= --calls).
 * --srtp-bad-tag IDX flips the last byte of the authentication tag of
 * slot IDX of stream 1, so a recorder must count one authentication
 * failure and treat the packet as lost: its samples are 0 in the
 * expected file, as for --loss.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#ifndef SIPREC_VERSION
#define SIPREC_VERSION	"0.1.0"
#endif

#define EXIT_USAGE	2
#define EXIT_SYSTEM	4

#define NS_PER_S	1000000000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_US	1000ULL
#define EPOCH_S		1700000000ULL	/* 2023-11-14T22:13:20Z */
#define RATE		8000u
#define PERIOD		16000u	/* samples: 2 s, both signals */
#define PTIME_MIN	5u
#define PTIME_MAX	200u
#define SPP_MAX		(PTIME_MAX * RATE / 1000u)
#define CALLS_MAX	100000000ULL
#define CONC_MAX	8000u		/* keeps RTP ports below 65536 */
#define CONC_DEFAULT	1000u
#define DUR_MAX_S	86400u
#define LOSS_MAX	100000u
#define NSEV_MAX	24
#define MSG_MAX		16384	/* one SIP message (they are < 5 KB) */
#define FRAG_SIZE	600	/* IP payload of one fragment */
#define SNAPLEN		262144u
#define OUTBUF_CAP	(1u << 20)
#define NONE		UINT64_MAX

#define SRC_ADDR	"192.0.2.10"
#define SRS_ADDR	"198.51.100.20"
#define SIP_PORT	5060u
#define RTP_SRC_BASE	20000u
#define RTP_SRS_BASE	30000u
#define RTP_SRC_MOVED	40000u		/* --prack offer-in-prack */
#define RTP_SRS_MOVED	50000u
#define TCP_PORT_BASE	10000u
#define TCP_PORT_SPAN	50000u
#define KEY_MAX		46	/* SRTP master key || salt, bytes */
#define KEY_B64_MAX	65	/* its base64, NUL included */
#define SRTP_BUF	((12 + SPP_MAX + SRTP_MAX_TRAILER_LEN + 3) / 4)

static const char	*progname = "gen-capture";

/* --- SRTP suites (RFC 4568 6.2, RFC 6188 7.1, RFC 7714 14.2) ------------ */

struct suite {
	const char	*name;
	size_t		 keylen;	/* master key + master salt */
	void		(*rtp)(srtp_crypto_policy_t *);
	void		(*rtcp)(srtp_crypto_policy_t *);
};

/* The _32 suites still use an 80-bit tag on SRTCP (RFC 4568 6.2.2). */
static const struct suite	suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 30, srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtcp_default },
	{ "AES_CM_128_HMAC_SHA1_32", 30,
	    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtcp_default },
	{ "AES_256_CM_HMAC_SHA1_80", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AEAD_AES_128_GCM", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/* --- options ----------------------------------------------------------- */

struct opts {
	uint64_t	 calls;
	uint32_t	 conc;
	uint64_t	 dur_ns;
	uint64_t	 seed;
	int		 pt;		/* 0 PCMU, 8 PCMA */
	unsigned int	 ptime;		/* ms */
	int		 tcp;
	int		 fragment;
	const char	*expect;
	const char	*out;
	uint32_t	*loss;
	size_t		 nloss;
	uint64_t	 reorder, dup, ssrc_change;	/* slots or NONE */
	uint64_t	 seq_start, ts_start;		/* or NONE */
	int		 pause;
	uint64_t	 pause_from_ns, pause_to_ns;
	int		 update;
	uint64_t	 update_ns;
	const struct suite *srtp;	/* NULL: plain RTP */
	unsigned int	 srtp_no;	/* its index in suites[] */
	const char	*srtp_keys;
	uint64_t	 bad_tag;	/* slot or NONE */
	uint64_t	 codec_change;	/* slot or NONE */
	int		 prack;		/* PRACK_* */

	/* Derived once all options are known. */
	uint64_t	 ptime_ns;
	uint32_t	 spp;		/* samples per packet */
	uint32_t	 npkts;		/* K */
	uint32_t	 from_slot, to_slot;	/* pause: [from, to) */
	uint8_t		*lost;		/* per slot: dropped */
	int		 reorder_eff, dup_eff;
	uint32_t	 ssrc_eff;	/* first slot of the new SSRC or K */
	int		 bad_tag_eff;
	int		 pt_other;	/* the other G.711 law */
	uint32_t	 law_slot;	/* first slot in pt_other, or K */
	uint64_t	 round_ns;
};

/* --prack: where the initial offer and answer go (RFC 3262 5). */
enum {
	PRACK_NONE,
	PRACK_ANSWER,		/* offer in the INVITE, answer in the 183 */
	PRACK_OFFER_1XX,	/* offerless INVITE, offer in the 183,
				   answer in the PRACK */
	PRACK_OFFER_PRACK	/* as PRACK_ANSWER, then a new offer in the
				   PRACK, answered in its 200 */
};

/* --- small helpers ----------------------------------------------------- */

static void	die(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

static void
die(int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071 one's-complement sum, big-endian 16-bit words. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n > 0)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* splitmix64 (Steele, Lea and Flood 2014): tiny, fast, seedable. */
struct rng {
	uint64_t	s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static void
rng_hex(struct rng *r, char *out, size_t ndigits)
{
	static const char	 hex[] = "0123456789abcdef";
	uint64_t		 v = 0;
	size_t			 i;

	for (i = 0; i < ndigits; i++) {
		if (i % 16 == 0)
			v = rng_next(r);
		out[i] = hex[v & 15];
		v >>= 4;
	}
	out[ndigits] = '\0';
}

/* A version 4 UUID (RFC 4122 4.4): random but for version and variant. */
static void
rng_uuid(struct rng *r, uint8_t u[16])
{
	uint64_t	a = rng_next(r), b = rng_next(r);
	int		i;

	for (i = 0; i < 8; i++) {
		u[i] = (uint8_t)(a >> (8 * i));
		u[8 + i] = (uint8_t)(b >> (8 * i));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

/*
 * Base64 (RFC 4648 4) of n bytes with padding; out holds 4 * ((n + 2) /
 * 3) + 1 characters.
 */
static void
b64enc(char *out, const uint8_t *p, size_t n)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		 v;
	size_t			 i, o = 0;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* An RFC 7865 6.10 identifier: base64 (RFC 4648 4) of a v4 UUID. */
static void
rng_id(struct rng *r, char out[25])
{
	uint8_t	u[16];

	rng_uuid(r, u);
	b64enc(out, u, sizeof(u));
}

/* RFC 3339 UTC time with milliseconds; t is a capture time in ns. */
static void
fmt_time(char out[32], uint64_t t)
{
	struct tm	tm;
	time_t		sec = (time_t)(t / NS_PER_S);
	size_t		n;

	if (gmtime_r(&sec, &tm) == NULL ||
	    (n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		die(EXIT_SYSTEM, "cannot format a time");
	snprintf(out + n, 32 - n, ".%03uZ",
	    (unsigned int)(t % NS_PER_S / NS_PER_MS));
}

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void	sb_printf(struct sbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	/* Messages are bounded by construction; this is a bug check. */
	if (n < 0 || (size_t)n >= b->cap - b->len)
		die(EXIT_SYSTEM, "internal error: message buffer too small");
	b->len += (size_t)n;
}

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (n >= b->cap - b->len)
		die(EXIT_SYSTEM, "internal error: message buffer too small");
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* --- G.711 (ITU-T G.711; the classic Sun reference algorithms) --------- */

static uint8_t
ulaw_encode(int pcm)
{
	int	sign = 0, exp, mant, v = pcm;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > 32635)
		v = 32635;
	v += 0x84;
	for (exp = 7; exp > 0 && !(v & (0x80 << exp)); exp--)
		;
	mant = (v >> (exp + 3)) & 0x0f;
	return (uint8_t)~(sign | exp << 4 | mant);
}

static int
ulaw_decode(uint8_t u)
{
	int	t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static uint8_t
alaw_encode(int pcm)
{
	static const int	 seg_end[8] = {
		0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff
	};
	int			 mask, seg, v, aval;

	if (pcm >= 0) {
		mask = 0xd5;
		v = pcm >> 3;
	} else {
		mask = 0x55;
		v = (-pcm - 1) >> 3;
	}
	for (seg = 0; seg < 8 && v > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = seg << 4;
	aval |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

static int
alaw_decode(uint8_t a)
{
	int	t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

/* --- audio tables ------------------------------------------------------ */

/*
 * Both signals repeat every PERIOD samples; the tables hold PERIOD + SPP_MAX
 * samples so a packet starting anywhere in the period is one memcpy.
 * Tables 0 and 1 are labels 1 and 2 in the --codec law; table TAB_OTHER
 * is label 1 in the other law, for --codec-change.
 */
#define TABLE_LEN	(PERIOD + SPP_MAX)
#define TAB_OTHER	2
#define NTABS		3

static uint8_t		 enc_tab[NTABS][TABLE_LEN];
static uint8_t		 dec_tab[NTABS][TABLE_LEN * 2];	/* s16le */
static uint32_t		 psum_tab[NTABS][PERIOD];	/* payload sums */
static const uint8_t	 zeros[SPP_MAX * 2];

static int
signal_at(int label, uint32_t n)
{
	const double	two_pi = 6.283185307179586476925;
	uint32_t	p = n % PERIOD;
	double		x;

	if (label == 1) {
		x = 8000.0 * (0.75 + 0.25 * sin(two_pi * p / PERIOD)) *
		    sin(two_pi * (double)((440u * (2 * p + 1)) % PERIOD) /
		    PERIOD);
	} else {
		x = 6000.0 * sin(two_pi *
		    (double)((1000u * (2 * p + 1)) % PERIOD) / PERIOD);
	}
	return (int)lrint(x);
}

/* Table t: the signal of label, encoded with payload type pt (0 or 8). */
static void
table_fill(const struct opts *o, int t, int label, int pt)
{
	uint32_t	n;
	int		v;

	for (n = 0; n < TABLE_LEN; n++) {
		v = signal_at(label, n);
		if (pt == 0) {
			enc_tab[t][n] = ulaw_encode(v);
			v = ulaw_decode(enc_tab[t][n]);
		} else {
			enc_tab[t][n] = alaw_encode(v);
			v = alaw_decode(enc_tab[t][n]);
		}
		dec_tab[t][2 * n] = (uint8_t)((unsigned int)v & 0xff);
		dec_tab[t][2 * n + 1] =
		    (uint8_t)(((unsigned int)v >> 8) & 0xff);
	}
	/*
	 * The payload starts at an even offset of the UDP datagram, so its
	 * share of the UDP checksum can be summed in advance.
	 */
	for (n = 0; n < PERIOD; n++)
		psum_tab[t][n] = (uint32_t)csum_add(0, enc_tab[t] + n, o->spp);
}

static void
tables_init(const struct opts *o)
{
	table_fill(o, 0, 1, o->pt);
	table_fill(o, 1, 2, o->pt);
	if (o->law_slot < o->npkts)
		table_fill(o, TAB_OTHER, 1, o->pt_other);
}

/* The table of slot k of stream s: the other law on stream 1 from IDX. */
static int
table_of(const struct opts *o, int s, uint32_t k)
{
	return s == 0 && k >= o->law_slot ? TAB_OTHER : s;
}

/* --- output ------------------------------------------------------------ */

struct out {
	FILE		*fp;
	const char	*name;
	uint8_t		*buf;
	size_t		 len;
	uint64_t	 bytes;
	uint64_t	 frames;
};

static void
out_flush(struct out *w)
{
	if (w->len > 0 && fwrite(w->buf, 1, w->len, w->fp) != w->len)
		die(EXIT_SYSTEM, "%s: %s", w->name, strerror(errno));
	w->len = 0;
}

static void
out_write(struct out *w, const void *p, size_t n)
{
	if (n > OUTBUF_CAP - w->len)
		out_flush(w);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	w->bytes += n;
}

struct host {
	uint32_t	addr;
	uint8_t		mac[6];
	uint16_t	ipid;
};

static struct host	src_host = {
	0xc000020a, { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a }, 0x1000
};
static struct host	srs_host = {
	0xc6336414, { 0x02, 0x00, 0x00, 0x00, 0x00, 0x14 }, 0x5000
};

/*
 * The frame under construction: 16 bytes of pcap record header, then
 * Ethernet, IPv4, UDP or TCP and the payload.
 */
#define FRAME_HDR	16
#define L2_LEN		14
#define IP_LEN		20
static uint8_t	frame[FRAME_HDR + L2_LEN + IP_LEN + 64 + MSG_MAX];

static void
emit(struct out *w, uint64_t t, size_t len)
{
	put32le(frame, (uint32_t)(t / NS_PER_S));
	put32le(frame + 4, (uint32_t)(t % NS_PER_S));
	put32le(frame + 8, (uint32_t)len);
	put32le(frame + 12, (uint32_t)len);
	out_write(w, frame, FRAME_HDR + len);
	w->frames++;
}

/* Ethernet and IPv4 header at frame + FRAME_HDR; iplen covers IP on. */
static void
put_l2l3(const struct host *from, const struct host *to, uint8_t proto,
    uint16_t ipid, uint16_t frag, size_t iplen)
{
	uint8_t	*e = frame + FRAME_HDR, *ip = e + L2_LEN;

	memcpy(e, to->mac, 6);
	memcpy(e + 6, from->mac, 6);
	e[12] = 0x08;
	e[13] = 0x00;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint32_t)iplen);
	put16(ip + 4, ipid);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	put32(ip + 12, from->addr);
	put32(ip + 16, to->addr);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_LEN)));
}

/* Pseudo-header sum (RFC 768, RFC 9293 3.1). */
static uint64_t
pseudo_sum(const struct host *from, const struct host *to, uint8_t proto,
    size_t len)
{
	return (from->addr >> 16) + (from->addr & 0xffff) +
	    (to->addr >> 16) + (to->addr & 0xffff) + proto + len;
}

static void
send_udp(struct out *w, uint64_t t, struct host *from, struct host *to,
    uint16_t sport, uint16_t dport, const uint8_t *data, size_t len)
{
	uint8_t		*u = frame + FRAME_HDR + L2_LEN + IP_LEN;
	uint16_t	 ck;

	put_l2l3(from, to, 17, from->ipid++, 0, IP_LEN + 8 + len);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint32_t)(8 + len));
	put16(u + 6, 0);
	memcpy(u + 8, data, len);
	ck = csum_fold(csum_add(pseudo_sum(from, to, 17, 8 + len), u,
	    8 + len));
	put16(u + 6, ck == 0 ? 0xffff : ck);
	emit(w, t, L2_LEN + IP_LEN + 8 + len);
}

/*
 * One UDP datagram as IPv4 fragments of FRAG_SIZE payload bytes (RFC 791
 * 3.2), written last fragment first so a reader must reorder them.
 */
static void
send_udp_fragments(struct out *w, uint64_t t, struct host *from,
    struct host *to, uint16_t sport, uint16_t dport, const uint8_t *data,
    size_t len)
{
	static uint8_t	 dgram[8 + MSG_MAX];
	size_t		 total = 8 + len, nfrag, i, off, n;
	uint16_t	 ck, ipid = from->ipid++;

	put16(dgram, sport);
	put16(dgram + 2, dport);
	put16(dgram + 4, (uint32_t)total);
	put16(dgram + 6, 0);
	memcpy(dgram + 8, data, len);
	ck = csum_fold(csum_add(pseudo_sum(from, to, 17, total), dgram, total));
	put16(dgram + 6, ck == 0 ? 0xffff : ck);
	nfrag = (total + FRAG_SIZE - 1) / FRAG_SIZE;
	for (i = nfrag; i-- > 0;) {
		off = i * FRAG_SIZE;
		n = total - off < FRAG_SIZE ? total - off : FRAG_SIZE;
		put_l2l3(from, to, 17, ipid, (uint16_t)((i + 1 < nfrag ?
		    0x2000 : 0) | off / 8), IP_LEN + n);
		memcpy(frame + FRAME_HDR + L2_LEN + IP_LEN, dgram + off, n);
		emit(w, t, L2_LEN + IP_LEN + n);
	}
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_PSH	0x08
#define TH_ACK	0x10

static void
send_tcp(struct out *w, uint64_t t, struct host *from, struct host *to,
    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, const uint8_t *data, size_t len)
{
	uint8_t	*th = frame + FRAME_HDR + L2_LEN + IP_LEN;
	size_t	 hl = (flags & TH_SYN) ? 24 : 20;

	put_l2l3(from, to, 6, from->ipid++, 0x4000, IP_LEN + hl + len);
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, (flags & TH_ACK) ? ack : 0);
	th[12] = (uint8_t)(hl / 4 << 4);
	th[13] = flags;
	put16(th + 14, 65535);
	put16(th + 16, 0);
	put16(th + 18, 0);
	if (hl == 24) {
		/* MSS option (RFC 9293 3.7.1) on SYNs, as stacks send it. */
		th[20] = 2;
		th[21] = 4;
		put16(th + 22, 1460);
	}
	if (len > 0)
		memcpy(th + hl, data, len);
	put16(th + 16, csum_fold(csum_add(pseudo_sum(from, to, 6, hl + len),
	    th, hl + len)));
	emit(w, t, L2_LEN + IP_LEN + hl + len);
}

/* --- calls ------------------------------------------------------------- */

enum ev {
	EV_SYN,
	EV_SYNACK,
	EV_HSACK,
	EV_INVITE,
	EV_TRYING,
	EV_OK,		/* 200 to the open transaction */
	EV_ACK,
	EV_REINVITE_INACTIVE,
	EV_REINVITE_SENDONLY,
	EV_UPDATE,
	EV_183,		/* reliable (RFC 3262) */
	EV_PRACK,
	EV_PRACK_OK,
	EV_BYE,
	EV_FIN,
	EV_FINACK,
	EV_LASTACK
};

struct sev {
	uint64_t	t;
	enum ev		kind;
};

enum { ID_SESSION, ID_PART_A, ID_PART_B, ID_STREAM1, ID_STREAM2, NIDS };

struct call {
	uint64_t	 index;
	uint32_t	 slot;
	uint64_t	 next;		/* next event time; NONE: done */
	struct rng	 rng;
	uint64_t	 t_start, t_inv, t_ok, t_bye;
	char		 callid[64];
	char		 ftag[13], ttag[13];
	char		 boundary[40];
	char		 ids[NIDS][25];
	char		 cs_local[33], cs_remote[33];	/* RFC 7989 */
	uint32_t	 ssrc[2], ssrc_new;
	uint16_t	 seq_base[2], seq_new;
	uint32_t	 ts_base[2], ts_new;
	uint16_t	 rtp_src[2], rtp_dst[2];
	uint64_t	 sdp_id[2];	/* SRC, SRS o= session ids */
	unsigned int	 sdp_ver[2];
	uint16_t	 tcp_sport;
	uint32_t	 tcp_nxt[2];	/* next sequence number SRC, SRS */
	uint32_t	 cseq;
	uint32_t	 inv_cseq;	/* for the ACK */
	uint32_t	 prack_cseq;
	int		 early_oa;	/* the INVITE's O/A done before its 200 */
	char		 branch[24];	/* of the open transaction */
	char		 inv_branch[24];	/* of the last INVITE */
	const char	*method;	/* of the open transaction */
	const char	*offer_dir;	/* its SDP offer's direction */
	struct sev	 sev[NSEV_MAX];
	unsigned int	 nsev, cur;
	uint32_t	 tick;		/* next RTP slot */
	char		 key[2][2][KEY_B64_MAX];	/* [stream][SRC, SRS] */
	srtp_t		 srtp[2];	/* the SRC's sender sessions */
};

struct gen {
	struct opts	*o;
	struct out	 w;
	struct call	*calls;
	uint32_t	*heap;
	uint32_t	 nheap;
	FILE		*tsv;
	FILE		*keys;		/* --srtp-keys */
};

static const char *
codec_name(int pt)
{
	return pt == 0 ? "PCMU" : "PCMA";
}

/* The payload type of slot k of stream s. */
static int
pt_of(const struct opts *o, int s, uint32_t k)
{
	return table_of(o, s, k) == TAB_OTHER ? o->pt_other : o->pt;
}

static int
paused(const struct opts *o, uint32_t k)
{
	return k >= o->from_slot && k < o->to_slot;
}

/* Slots in [a, b) that are not paused. */
static uint32_t
unpaused(const struct opts *o, uint32_t a, uint32_t b)
{
	uint32_t	lo = a > o->from_slot ? a : o->from_slot;
	uint32_t	hi = b < o->to_slot ? b : o->to_slot;

	return (b - a) - (hi > lo ? hi - lo : 0);
}

static void
sev_add(struct call *c, uint64_t t, enum ev kind)
{
	if (c->nsev == NSEV_MAX)
		die(EXIT_SYSTEM, "internal error: too many events");
	c->sev[c->nsev].t = t;
	c->sev[c->nsev].kind = kind;
	c->nsev++;
}

static void
schedule(struct call *c, const struct opts *o)
{
	struct sev	mid[3];
	unsigned int	nmid = 0, i, j;
	uint64_t	t;

	c->nsev = c->cur = 0;
	if (o->tcp) {
		sev_add(c, c->t_start, EV_SYN);
		sev_add(c, c->t_start + 125 * NS_PER_US, EV_SYNACK);
		sev_add(c, c->t_start + 250 * NS_PER_US, EV_HSACK);
	}
	sev_add(c, c->t_inv, EV_INVITE);
	sev_add(c, c->t_inv + 2 * NS_PER_MS, EV_TRYING);
	if (o->prack != PRACK_NONE) {
		sev_add(c, c->t_inv + 4 * NS_PER_MS, EV_183);
		sev_add(c, c->t_inv + 6 * NS_PER_MS, EV_PRACK);
		sev_add(c, c->t_inv + 8 * NS_PER_MS, EV_PRACK_OK);
	}
	sev_add(c, c->t_ok, EV_OK);
	sev_add(c, c->t_ok + NS_PER_MS, EV_ACK);
	if (o->pause) {
		mid[nmid].t = c->t_ok + o->from_slot * o->ptime_ns;
		mid[nmid++].kind = EV_REINVITE_INACTIVE;
		mid[nmid].t = c->t_ok + o->to_slot * o->ptime_ns;
		mid[nmid++].kind = EV_REINVITE_SENDONLY;
	}
	if (o->update) {
		mid[nmid].t = c->t_ok + o->update_ns;
		mid[nmid++].kind = EV_UPDATE;
	}
	for (i = 1; i < nmid; i++)
		for (j = i; j > 0 && mid[j].t < mid[j - 1].t; j--) {
			struct sev	tmp = mid[j];

			mid[j] = mid[j - 1];
			mid[j - 1] = tmp;
		}
	for (i = 0; i < nmid; i++) {
		t = mid[i].t;
		sev_add(c, t, mid[i].kind);
		sev_add(c, t + 2 * NS_PER_MS, EV_OK);
		if (mid[i].kind != EV_UPDATE)
			sev_add(c, t + 3 * NS_PER_MS, EV_ACK);
	}
	sev_add(c, c->t_bye, EV_BYE);
	sev_add(c, c->t_bye + 2 * NS_PER_MS, EV_OK);
	if (o->tcp) {
		t = c->t_bye + 3 * NS_PER_MS;
		sev_add(c, t, EV_FIN);
		sev_add(c, t + 125 * NS_PER_US, EV_FINACK);
		sev_add(c, t + 250 * NS_PER_US, EV_LASTACK);
	}
}

static uint64_t
call_next(const struct call *c, const struct opts *o)
{
	uint64_t	ts = NONE, tr = NONE;

	if (c->cur < c->nsev)
		ts = c->sev[c->cur].t;
	if (c->tick < o->npkts)
		tr = c->t_ok + c->tick * o->ptime_ns;
	return ts <= tr ? ts : tr;
}

static void
sanitise(char *dst, size_t cap, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < cap; i++) {
		char	ch = src[i];

		dst[i] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' &&
		    ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		    ch == '-') ? ch : '_';
	}
	dst[i] = '\0';
}

/*
 * Whether slot k of stream s is lost to a receiver outside a pause:
 * dropped (--loss) or failing authentication (--srtp-bad-tag).
 */
static int
gone(const struct opts *o, int s, uint32_t k)
{
	return s == 0 && (o->lost[k] || (o->bad_tag_eff && k == o->bad_tag));
}

/* The expected recording of one stream and its calls.tsv line. */
static void
write_expect(struct gen *g, const struct call *c, int s)
{
	const struct opts	*o = g->o;
	char			 name[96], path[4096];
	FILE			*fp;
	uint32_t		 k, sent = 0, detect = 0;
	uint32_t		 first = o->npkts, last = 0;
	size_t			 n = (size_t)o->spp * 2;
	int			 present;

	sanitise(name, sizeof(name) - 8, c->callid);
	snprintf(name + strlen(name), 8, "-%c.raw", s == 0 ? '1' : '2');
	snprintf(path, sizeof(path), "%s/%s", o->expect, name);
	if ((fp = fopen(path, "wb")) == NULL)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	for (k = 0; k < o->npkts; k++) {
		present = !paused(o, k) && !gone(o, s, k);
		if (fwrite(present ? dec_tab[table_of(o, s, k)] +
		    (size_t)(k * o->spp % PERIOD) * 2 : zeros, 1, n, fp) != n)
			die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
		if (present) {
			sent++;
			if (first == o->npkts)
				first = k;
			last = k;
		}
	}
	if (fclose(fp) != 0)
		die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
	/* A receiver sees only the gaps between the first and last packet. */
	for (k = first + 1; k < last; k++)
		if (!paused(o, k) && gone(o, s, k))
			detect++;
	fprintf(g->tsv, "%s\t%d\t0x%08x", c->callid, s + 1, c->ssrc[s]);
	if (s == 1 && o->ssrc_eff < o->npkts)
		fprintf(g->tsv, ",0x%08x", c->ssrc_new);
	fprintf(g->tsv, "\t%u\t%u\t%d\t%d\t", sent, detect,
	    s == 0 && o->dup_eff, s == 0 && o->reorder_eff);
	/*
	 * The codecs of the packets received, in slot order: the law only
	 * changes once (--codec-change), so the first and last tell them.
	 */
	if (first == o->npkts)
		fprintf(g->tsv, "%s/8000", codec_name(o->pt));
	else if (pt_of(o, s, first) == pt_of(o, s, last))
		fprintf(g->tsv, "%s/8000", codec_name(pt_of(o, s, first)));
	else
		fprintf(g->tsv, "%s/8000,%s/8000",
		    codec_name(pt_of(o, s, first)),
		    codec_name(pt_of(o, s, last)));
	fprintf(g->tsv, "\t%llu\t%s\t%d\n",
	    (unsigned long long)o->npkts * o->spp, name,
	    s == 0 && o->bad_tag_eff);
}

static void
srtp_check(srtp_err_status_t st, const char *what)
{
	if (st != srtp_err_status_ok)
		die(EXIT_SYSTEM, "libsrtp2: %s: error %d", what, (int)st);
}

static void
call_srtp_free(struct call *c)
{
	int	i;

	for (i = 0; i < 2; i++)
		if (c->srtp[i] != NULL) {
			srtp_check(srtp_dealloc(c->srtp[i]), "srtp_dealloc");
			c->srtp[i] = NULL;
		}
}

/*
 * The call's SDES keys (SRC and SRS, per stream) from a random stream of
 * their own, the SRC's sender sessions and its lines of the key file.
 */
static void
call_srtp(struct gen *g, struct call *c)
{
	const struct opts	*o = g->o;
	const struct suite	*su = o->srtp;
	srtp_policy_t		 p[2];
	struct rng		 kr;
	uint8_t			 key[2][2][KEY_MAX];
	uint64_t		 v = 0;
	size_t			 i, np;
	int			 s, d;

	kr.s = mix64(o->seed ^ 0x2545f4914f6cdd1dULL) +
	    mix64((c->index + 1) ^ (uint64_t)o->srtp_no << 56);
	for (s = 0; s < 2; s++)
		for (d = 0; d < 2; d++) {
			for (i = 0; i < su->keylen; i++) {
				if (i % 8 == 0)
					v = rng_next(&kr);
				key[s][d][i] = (uint8_t)v;
				v >>= 8;
			}
			b64enc(c->key[s][d], key[s][d], su->keylen);
		}
	for (s = 0; s < 2; s++) {
		memset(p, 0, sizeof(p));
		np = s == 1 && o->ssrc_eff < o->npkts ? 2 : 1;
		for (i = 0; i < np; i++) {
			su->rtp(&p[i].rtp);
			su->rtcp(&p[i].rtcp);
			p[i].ssrc.type = ssrc_specific;
			p[i].ssrc.value = i == 0 ? c->ssrc[s] : c->ssrc_new;
			p[i].key = key[s][0];
			/* A --dup copy is sent with the same index again. */
			p[i].allow_repeat_tx = 1;
			p[i].next = i + 1 < np ? &p[i + 1] : NULL;
		}
		srtp_check(srtp_create(&c->srtp[s], p), "srtp_create");
		if (g->keys != NULL)
			fprintf(g->keys, "%s:%u %s inline:%s\n", SRS_ADDR,
			    c->rtp_dst[s], su->name, c->key[s][0]);
	}
}

static void
call_load(struct gen *g, struct call *c, uint64_t index)
{
	const struct opts	*o = g->o;
	uint64_t		 r = index / o->conc;
	char			 hex[33];
	int			 i;

	call_srtp_free(c);
	memset(c, 0, sizeof(*c));
	c->index = index;
	c->slot = (uint32_t)(index % o->conc);
	/* Each call draws from its own stream: it does not depend on others. */
	c->rng.s = mix64(o->seed ^ 0x5851f42d4c957f2dULL) +
	    mix64(index + 1);
	c->t_start = EPOCH_S * NS_PER_S + r * o->round_ns +
	    c->slot * NS_PER_MS;
	c->t_inv = c->t_start + NS_PER_MS;
	c->t_ok = c->t_inv + 20 * NS_PER_MS;
	c->t_bye = c->t_ok + o->npkts * o->ptime_ns;

	rng_hex(&c->rng, hex, 32);
	snprintf(c->callid, sizeof(c->callid), "%s@%s", hex, SRC_ADDR);
	rng_hex(&c->rng, c->ftag, 12);
	rng_hex(&c->rng, c->ttag, 12);
	rng_hex(&c->rng, hex, 16);
	snprintf(c->boundary, sizeof(c->boundary), "b-%s", hex);
	for (i = 0; i < NIDS; i++)
		rng_id(&c->rng, c->ids[i]);
	rng_hex(&c->rng, c->cs_local, 32);
	rng_hex(&c->rng, c->cs_remote, 32);
	do {
		c->ssrc[0] = (uint32_t)rng_next(&c->rng);
		c->ssrc[1] = (uint32_t)rng_next(&c->rng);
		c->ssrc_new = (uint32_t)rng_next(&c->rng);
	} while (c->ssrc[0] == c->ssrc[1] || c->ssrc_new == c->ssrc[0] ||
	    c->ssrc_new == c->ssrc[1]);
	for (i = 0; i < 2; i++) {
		c->seq_base[i] = (uint16_t)rng_next(&c->rng);
		c->ts_base[i] = (uint32_t)rng_next(&c->rng);
		c->rtp_src[i] = (uint16_t)(RTP_SRC_BASE + 4 * c->slot + 2 * i);
		c->rtp_dst[i] = (uint16_t)(RTP_SRS_BASE + 4 * c->slot + 2 * i);
		c->sdp_id[i] = rng_next(&c->rng) % 9000000000ULL + 1000000000;
		c->sdp_ver[i] = 1;
	}
	c->seq_new = (uint16_t)rng_next(&c->rng);
	c->ts_new = (uint32_t)rng_next(&c->rng);
	if (o->seq_start != NONE)
		c->seq_base[0] = (uint16_t)o->seq_start;
	if (o->ts_start != NONE)
		c->ts_base[0] = (uint32_t)o->ts_start;
	c->tcp_sport = (uint16_t)(TCP_PORT_BASE + index % TCP_PORT_SPAN);
	c->tcp_nxt[0] = (uint32_t)rng_next(&c->rng);
	c->tcp_nxt[1] = (uint32_t)rng_next(&c->rng);
	schedule(c, o);
	c->next = call_next(c, o);
	if (o->srtp != NULL)
		call_srtp(g, c);
	if (g->tsv != NULL) {
		write_expect(g, c, 0);
		write_expect(g, c, 1);
	}
}

/* --- SIP --------------------------------------------------------------- */

static char	msgbuf[MSG_MAX], bodybuf[MSG_MAX], partbuf[MSG_MAX];

static const char *
transport(const struct opts *o)
{
	return o->tcp ? "TCP" : "UDP";
}

static const char *
uri_param(const struct opts *o)
{
	return o->tcp ? ";transport=tcp" : "";
}

/*
 * SDP (RFC 4566) for both m-lines; RFC 7866 7.1.1: a=label on each.  With
 * SRTP, RTP/SAVP and an SDES key (RFC 4568), the SRS's own in an answer.
 */
static void
put_sdp(struct sbuf *b, const struct opts *o, struct call *c, int srs,
    const char *dir)
{
	const char	*addr = srs ? SRS_ADDR : SRC_ADDR;
	int		 i;

	sb_printf(b, "v=0\r\no=%s %llu %u IN IP4 %s\r\ns=-\r\n"
	    "c=IN IP4 %s\r\nt=0 0\r\n", srs ? "srs" : "src",
	    (unsigned long long)c->sdp_id[srs], c->sdp_ver[srs]++, addr, addr);
	for (i = 0; i < 2; i++) {
		sb_printf(b, "m=audio %u RTP/%s %d", srs ? c->rtp_dst[i] :
		    c->rtp_src[i], o->srtp != NULL ? "SAVP" : "AVP", o->pt);
		/* --codec-change: both laws, --codec first (RFC 3264 5.1). */
		if (o->law_slot < o->npkts)
			sb_printf(b, " %d", o->pt_other);
		sb_printf(b, "\r\na=rtpmap:%d %s/8000\r\n", o->pt,
		    codec_name(o->pt));
		if (o->law_slot < o->npkts)
			sb_printf(b, "a=rtpmap:%d %s/8000\r\n", o->pt_other,
			    codec_name(o->pt_other));
		sb_printf(b, "a=ptime:%u\r\n", o->ptime);
		if (o->srtp != NULL)
			sb_printf(b, "a=crypto:1 %s inline:%s\r\n",
			    o->srtp->name, c->key[i][srs]);
		sb_printf(b, "a=%s\r\na=label:%d\r\n", dir, i + 1);
	}
}

/* The complete RFC 7865 document of the initial INVITE. */
static void
put_metadata(struct sbuf *b, const struct call *c)
{
	const char	*sid = c->ids[ID_SESSION];
	char		 t[32];
	int		 i;

	fmt_time(t, c->t_inv);
	sb_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">\r\n"
	    "  <datamode>complete</datamode>\r\n"
	    "  <session session_id=\"%s\">\r\n"
	    "    <sipSessionID>%s;remote=%s</sipSessionID>\r\n"
	    "    <start-time>%s</start-time>\r\n"
	    "  </session>\r\n", sid, c->cs_local, c->cs_remote, t);
	for (i = 0; i < 2; i++)
		sb_printf(b, "  <participant participant_id=\"%s\">\r\n"
		    "    <nameID aor=\"sip:%s@example.com\">\r\n"
		    "      <name xml:lang=\"en\">%s</name>\r\n"
		    "    </nameID>\r\n"
		    "  </participant>\r\n", c->ids[ID_PART_A + i],
		    i == 0 ? "alice" : "bob", i == 0 ? "Alice" : "Bob");
	for (i = 0; i < 2; i++)
		sb_printf(b, "  <stream stream_id=\"%s\" session_id=\"%s\">\r\n"
		    "    <label>%d</label>\r\n"
		    "  </stream>\r\n", c->ids[ID_STREAM1 + i], sid, i + 1);
	sb_printf(b, "  <sessionrecordingassoc session_id=\"%s\">\r\n"
	    "    <associate-time>%s</associate-time>\r\n"
	    "  </sessionrecordingassoc>\r\n", sid, t);
	for (i = 0; i < 2; i++)
		sb_printf(b, "  <participantsessionassoc participant_id=\"%s\""
		    " session_id=\"%s\">\r\n"
		    "    <associate-time>%s</associate-time>\r\n"
		    "  </participantsessionassoc>\r\n",
		    c->ids[ID_PART_A + i], sid, t);
	/* A sends label 1 and receives label 2; B the reverse. */
	for (i = 0; i < 2; i++)
		sb_printf(b, "  <participantstreamassoc participant_id=\"%s\">"
		    "\r\n    <send>%s</send>\r\n    <recv>%s</recv>\r\n"
		    "  </participantstreamassoc>\r\n", c->ids[ID_PART_A + i],
		    c->ids[ID_STREAM1 + i], c->ids[ID_STREAM2 - i]);
	sb_printf(b, "</recording>\r\n");
}

/*
 * A partial update (RFC 7865 5; RFC 7866 9.1): B stops receiving label 1.
 * No <label> because the UPDATE carries no SDP (RFC 7866 9.1).
 */
static void
put_update_metadata(struct sbuf *b, const struct call *c)
{
	sb_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">\r\n"
	    "  <datamode>partial</datamode>\r\n"
	    "  <participantstreamassoc participant_id=\"%s\">\r\n"
	    "    <send>%s</send>\r\n"
	    "  </participantstreamassoc>\r\n"
	    "</recording>\r\n", c->ids[ID_PART_B], c->ids[ID_STREAM2]);
}

/* Start line and the headers every request of the dialog carries. */
static void
put_request_head(struct sbuf *m, const struct opts *o, struct call *c,
    const char *method, uint32_t cseq, int dialog)
{
	char	branch[17];

	rng_hex(&c->rng, branch, 16);
	snprintf(c->branch, sizeof(c->branch), "z9hG4bK%s", branch);
	sb_printf(m, "%s sip:srs@%s%s%s SIP/2.0\r\n"
	    "Via: SIP/2.0/%s %s:%u;branch=%s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:src@%s>;tag=%s\r\n"
	    "To: <sip:srs@%s>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u %s\r\n", method, SRS_ADDR, dialog ? ":5060" : "",
	    dialog ? uri_param(o) : "", transport(o), SRC_ADDR, SIP_PORT,
	    c->branch, SRC_ADDR, c->ftag, SRS_ADDR, dialog ? ";tag=" : "",
	    dialog ? c->ttag : "", c->callid, cseq, method);
}

/* Status line and the headers of a response in the dialog. */
static void
put_response_head(struct sbuf *m, const struct opts *o, const struct call *c,
    const char *status, uint32_t cseq, const char *method)
{
	sb_printf(m, "SIP/2.0 %s\r\n"
	    "Via: SIP/2.0/%s %s:%u;branch=%s\r\n"
	    "From: <sip:src@%s>;tag=%s\r\n"
	    "To: <sip:srs@%s>;tag=%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u %s\r\n", status, transport(o), SRC_ADDR, SIP_PORT,
	    strcmp(method, "INVITE") == 0 ? c->inv_branch : c->branch,
	    SRC_ADDR, c->ftag, SRS_ADDR, c->ttag, c->callid, cseq, method);
}

/* RFC 7866 6.1.1: +sip.src in every dialog-creating or -modifying one. */
static void
put_src_contact(struct sbuf *m, const struct opts *o)
{
	sb_printf(m, "Contact: <sip:src@%s:%u%s>;+sip.src\r\n"
	    "Require: siprec\r\n"
	    "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, OPTIONS\r\n"
	    "User-Agent: gen-capture/%s\r\n", SRC_ADDR, SIP_PORT,
	    uri_param(o), SIPREC_VERSION);
}

static void
put_body(struct sbuf *m, const char *ctype, const char *extra,
    const struct sbuf *body)
{
	if (body == NULL || body->len == 0) {
		sb_printf(m, "Content-Length: 0\r\n\r\n");
		return;
	}
	sb_printf(m, "Content-Type: %s\r\n%sContent-Length: %zu\r\n\r\n",
	    ctype, extra, body->len);
	sb_put(m, body->p, body->len);
}

/* Build the SIP message for event kind into m; returns its direction. */
static int
build_sip(struct sbuf *m, const struct opts *o, struct call *c, enum ev kind)
{
	struct sbuf	 body = { bodybuf, 0, sizeof(bodybuf) };
	struct sbuf	 part = { partbuf, 0, sizeof(partbuf) };
	char		 ctype[96];
	const char	*dir;

	switch (kind) {
	case EV_INVITE:
		c->cseq = c->inv_cseq = 1;
		c->method = "INVITE";
		c->offer_dir = "sendonly";
		c->early_oa = o->prack != PRACK_NONE;
		put_request_head(m, o, c, "INVITE", c->cseq, 0);
		memcpy(c->inv_branch, c->branch, sizeof(c->inv_branch));
		put_src_contact(m, o);
		sb_printf(m, "Accept: application/sdp, "
		    "application/rs-metadata+xml\r\n");
		if (o->prack != PRACK_NONE)
			sb_printf(m, "Supported: 100rel\r\n");
		if (o->prack == PRACK_OFFER_1XX) {
			/* No offer: the SRS makes it (RFC 3262 5). */
			put_metadata(&body, c);
			put_body(m, "application/rs-metadata+xml",
			    "Content-Disposition: recording-session\r\n",
			    &body);
			return 0;
		}
		/* RFC 7866 9.1: SDP and metadata together are multipart. */
		sb_printf(&body, "--%s\r\nContent-Type: application/sdp\r\n"
		    "\r\n", c->boundary);
		put_sdp(&body, o, c, 0, c->offer_dir);
		sb_printf(&body, "\r\n--%s\r\n"
		    "Content-Type: application/rs-metadata+xml\r\n"
		    "Content-Disposition: recording-session\r\n\r\n",
		    c->boundary);
		put_metadata(&body, c);
		sb_printf(&body, "\r\n--%s--\r\n", c->boundary);
		snprintf(ctype, sizeof(ctype), "multipart/mixed;boundary=%s",
		    c->boundary);
		put_body(m, ctype, "", &body);
		return 0;
	case EV_REINVITE_INACTIVE:
	case EV_REINVITE_SENDONLY:
		c->cseq++;
		c->inv_cseq = c->cseq;
		c->method = "INVITE";
		c->offer_dir = kind == EV_REINVITE_INACTIVE ? "inactive" :
		    "sendonly";
		put_request_head(m, o, c, "INVITE", c->cseq, 1);
		memcpy(c->inv_branch, c->branch, sizeof(c->inv_branch));
		put_src_contact(m, o);
		put_sdp(&body, o, c, 0, c->offer_dir);
		put_body(m, "application/sdp", "", &body);
		return 0;
	case EV_UPDATE:
		c->cseq++;
		c->method = "UPDATE";
		c->offer_dir = NULL;
		put_request_head(m, o, c, "UPDATE", c->cseq, 1);
		put_src_contact(m, o);
		put_update_metadata(&body, c);
		put_body(m, "application/rs-metadata+xml",
		    "Content-Disposition: recording-session\r\n", &body);
		return 0;
	case EV_183:
		/* The To tag and RSeq 1; an answer, or the SRS's offer. */
		put_response_head(m, o, c, "183 Session Progress", c->inv_cseq,
		    "INVITE");
		sb_printf(m, "Require: 100rel\r\nRSeq: 1\r\n"
		    "Contact: <sip:srs@%s:%u%s>;+sip.srs\r\n", SRS_ADDR,
		    SIP_PORT, uri_param(o));
		put_sdp(&part, o, c, 1, "recvonly");
		put_body(m, "application/sdp", "", &part);
		return 1;
	case EV_PRACK:
		c->prack_cseq = ++c->cseq;
		put_request_head(m, o, c, "PRACK", c->prack_cseq, 1);
		sb_printf(m, "RAck: 1 %u INVITE\r\n", c->inv_cseq);
		if (o->prack == PRACK_ANSWER) {
			put_body(m, NULL, NULL, NULL);
			return 0;
		}
		/*
		 * The answer to the 183's offer, or a new offer that moves
		 * the SRC's ports (so only the new SDP tells the streams).
		 */
		if (o->prack == PRACK_OFFER_PRACK) {
			c->rtp_src[0] = (uint16_t)(RTP_SRC_MOVED + 4 * c->slot);
			c->rtp_src[1] = (uint16_t)(RTP_SRC_MOVED + 4 * c->slot +
			    2);
		}
		put_sdp(&part, o, c, 0, "sendonly");
		put_body(m, "application/sdp", "", &part);
		return 0;
	case EV_PRACK_OK:
		put_response_head(m, o, c, "200 OK", c->prack_cseq, "PRACK");
		if (o->prack != PRACK_OFFER_PRACK) {
			put_body(m, NULL, NULL, NULL);
			return 1;
		}
		/* The answer moves the SRS's ports too. */
		c->rtp_dst[0] = (uint16_t)(RTP_SRS_MOVED + 4 * c->slot);
		c->rtp_dst[1] = (uint16_t)(RTP_SRS_MOVED + 4 * c->slot + 2);
		put_sdp(&part, o, c, 1, "recvonly");
		put_body(m, "application/sdp", "", &part);
		return 1;
	case EV_ACK:
		put_request_head(m, o, c, "ACK", c->inv_cseq, 1);
		put_body(m, NULL, NULL, NULL);
		return 0;
	case EV_BYE:
		c->cseq++;
		c->method = "BYE";
		c->offer_dir = NULL;
		put_request_head(m, o, c, "BYE", c->cseq, 1);
		put_body(m, NULL, NULL, NULL);
		return 0;
	case EV_TRYING:
	case EV_OK:
		sb_printf(m, "SIP/2.0 %s\r\n"
		    "Via: SIP/2.0/%s %s:%u;branch=%s\r\n"
		    "From: <sip:src@%s>;tag=%s\r\n"
		    "To: <sip:srs@%s>%s%s\r\n"
		    "Call-ID: %s\r\n"
		    "CSeq: %u %s\r\n", kind == EV_TRYING ? "100 Trying" :
		    "200 OK", transport(o), SRC_ADDR, SIP_PORT,
		    strcmp(c->method, "INVITE") == 0 ? c->inv_branch :
		    c->branch, SRC_ADDR, c->ftag, SRS_ADDR,
		    kind == EV_TRYING ? "" : ";tag=", kind == EV_TRYING ? "" :
		    c->ttag, c->callid, strcmp(c->method, "INVITE") == 0 ?
		    c->inv_cseq : c->cseq, c->method);
		if (kind == EV_TRYING) {
			put_body(m, NULL, NULL, NULL);
			return 1;
		}
		/* RFC 7866 6.2: +sip.srs in the SRS's Contact. */
		if (strcmp(c->method, "BYE") != 0)
			sb_printf(m, "Contact: <sip:srs@%s:%u%s>;+sip.srs\r\n"
			    "Allow: INVITE, ACK, CANCEL, BYE, UPDATE, "
			    "OPTIONS\r\n", SRS_ADDR, SIP_PORT, uri_param(o));
		sb_printf(m, "Server: gen-capture/%s\r\n", SIPREC_VERSION);
		if (c->early_oa && strcmp(c->method, "INVITE") == 0) {
			/* Offer and answer went in the 183 and PRACK. */
			c->early_oa = 0;
			put_body(m, NULL, NULL, NULL);
		} else if (c->offer_dir != NULL) {
			/* RFC 3264 6.1: sendonly -> recvonly. */
			dir = strcmp(c->offer_dir, "inactive") == 0 ?
			    "inactive" : "recvonly";
			put_sdp(&part, o, c, 1, dir);
			put_body(m, "application/sdp", "", &part);
		} else
			put_body(m, NULL, NULL, NULL);
		return 1;
	default:
		die(EXIT_SYSTEM, "internal error: event %d", (int)kind);
	}
}

static void
sip_event(struct gen *g, struct call *c, uint64_t t, enum ev kind)
{
	const struct opts	*o = g->o;
	struct sbuf		 m = { msgbuf, 0, sizeof(msgbuf) };
	const uint8_t		*p = (const uint8_t *)msgbuf;
	int			 up, d;
	size_t			 half;

	up = build_sip(&m, o, c, kind);
	if (!o->tcp) {
		if (kind == EV_INVITE && o->fragment)
			send_udp_fragments(&g->w, t, &src_host, &srs_host,
			    SIP_PORT, SIP_PORT, p, m.len);
		else if (up)
			send_udp(&g->w, t, &srs_host, &src_host, SIP_PORT,
			    SIP_PORT, p, m.len);
		else
			send_udp(&g->w, t, &src_host, &srs_host, SIP_PORT,
			    SIP_PORT, p, m.len);
		return;
	}
	d = up ? 1 : 0;
	if (kind == EV_INVITE) {
		/* Two segments, so a reader has to reassemble (SPEC T-16). */
		half = m.len / 2;
		send_tcp(&g->w, t, &src_host, &srs_host, c->tcp_sport,
		    SIP_PORT, c->tcp_nxt[0], c->tcp_nxt[1], TH_ACK, p, half);
		c->tcp_nxt[0] += (uint32_t)half;
		p += half;
		m.len -= half;
	}
	if (up)
		send_tcp(&g->w, t, &srs_host, &src_host, SIP_PORT,
		    c->tcp_sport, c->tcp_nxt[1], c->tcp_nxt[0],
		    TH_PSH | TH_ACK, p, m.len);
	else
		send_tcp(&g->w, t, &src_host, &srs_host, c->tcp_sport,
		    SIP_PORT, c->tcp_nxt[0], c->tcp_nxt[1], TH_PSH | TH_ACK,
		    p, m.len);
	c->tcp_nxt[d] += (uint32_t)m.len;
}

static void
tcp_event(struct gen *g, struct call *c, uint64_t t, enum ev kind)
{
	struct out	*w = &g->w;
	uint16_t	 sp = c->tcp_sport;

	switch (kind) {
	case EV_SYN:
		send_tcp(w, t, &src_host, &srs_host, sp, SIP_PORT,
		    c->tcp_nxt[0]++, 0, TH_SYN, NULL, 0);
		break;
	case EV_SYNACK:
		send_tcp(w, t, &srs_host, &src_host, SIP_PORT, sp,
		    c->tcp_nxt[1]++, c->tcp_nxt[0], TH_SYN | TH_ACK, NULL, 0);
		break;
	case EV_HSACK:
	case EV_LASTACK:
		send_tcp(w, t, &src_host, &srs_host, sp, SIP_PORT,
		    c->tcp_nxt[0], c->tcp_nxt[1], TH_ACK, NULL, 0);
		break;
	case EV_FIN:
		send_tcp(w, t, &src_host, &srs_host, sp, SIP_PORT,
		    c->tcp_nxt[0]++, c->tcp_nxt[1], TH_FIN | TH_ACK, NULL, 0);
		break;
	case EV_FINACK:
		send_tcp(w, t, &srs_host, &src_host, SIP_PORT, sp,
		    c->tcp_nxt[1]++, c->tcp_nxt[0], TH_FIN | TH_ACK, NULL, 0);
		break;
	default:
		die(EXIT_SYSTEM, "internal error: event %d", (int)kind);
	}
}

/* --- RTP --------------------------------------------------------------- */

/*
 * RTP packet of slot k of stream s (RFC 3550 5.1), at capture time t; with
 * SRTP, protected (RFC 3711 3.1) on an aligned copy.
 */
static void
rtp_send(struct gen *g, const struct call *c, int s, uint32_t k, uint64_t t)
{
	static uint32_t		 spkt[SRTP_BUF];	/* aligned for libsrtp2 */
	const struct opts	*o = g->o;
	uint8_t			*u = frame + FRAME_HDR + L2_LEN + IP_LEN;
	uint8_t			*r = o->srtp != NULL ? (uint8_t *)spkt : u + 8;
	size_t			 udplen = 8 + 12 + o->spp;
	uint32_t		 off = k * o->spp % PERIOD, ssrc, ts;
	uint16_t		 seq, ck;
	uint64_t		 sum;
	int			 marker, n, tab = table_of(o, s, k);

	if (s == 1 && k >= o->ssrc_eff) {
		ssrc = c->ssrc_new;
		seq = (uint16_t)(c->seq_new + unpaused(o, o->ssrc_eff, k));
		ts = c->ts_new + (k - o->ssrc_eff) * o->spp;
	} else {
		ssrc = c->ssrc[s];
		seq = (uint16_t)(c->seq_base[s] + unpaused(o, 0, k));
		ts = c->ts_base[s] + k * o->spp;
	}
	/*
	 * RFC 3551 4.1: M marks the first packet of a talkspurt; a change
	 * of payload type (--codec-change) is not one.
	 */
	marker = k == 0 || (o->to_slot > o->from_slot && k == o->to_slot) ||
	    (s == 1 && k == o->ssrc_eff);

	r[0] = 0x80;
	r[1] = (uint8_t)(pt_of(o, s, k) | (marker ? 0x80 : 0));
	put16(r + 2, seq);
	put32(r + 4, ts);
	put32(r + 8, ssrc);
	memcpy(r + 12, enc_tab[tab] + off, o->spp);
	if (o->srtp != NULL) {
		n = (int)(12 + o->spp);
		srtp_check(srtp_protect(c->srtp[s], r, &n), "srtp_protect");
		/* The tag is the trailer: its last byte is flipped. */
		if (s == 0 && o->bad_tag_eff && k == o->bad_tag)
			r[n - 1] ^= 0xff;
		udplen = 8 + (size_t)n;
		memcpy(u + 8, r, (size_t)n);
	}
	put_l2l3(&src_host, &srs_host, 17, src_host.ipid++, 0,
	    IP_LEN + udplen);
	put16(u, c->rtp_src[s]);
	put16(u + 2, c->rtp_dst[s]);
	put16(u + 4, (uint32_t)udplen);
	put16(u + 6, 0);
	sum = pseudo_sum(&src_host, &srs_host, 17, udplen);
	if (o->srtp != NULL)
		sum = csum_add(sum, u, udplen);
	else
		sum = csum_add(sum + psum_tab[tab][off], u, 8 + 12);
	ck = csum_fold(sum);
	put16(u + 6, ck == 0 ? 0xffff : ck);
	emit(&g->w, t, L2_LEN + IP_LEN + udplen);
}

static void
rtp_tick(struct gen *g, struct call *c, uint64_t t)
{
	const struct opts	*o = g->o;
	uint32_t		 k = c->tick++;

	if (paused(o, k))
		return;
	/* Stream 1 carries the faults; a held packet follows its successor. */
	if (!(o->reorder_eff && k == o->reorder)) {
		if (!o->lost[k]) {
			rtp_send(g, c, 0, k, t);
			if (o->dup_eff && k == o->dup)
				rtp_send(g, c, 0, k, t);
		}
		if (o->reorder_eff && k == o->reorder + 1) {
			rtp_send(g, c, 0, k - 1, t);
			if (o->dup_eff && k - 1 == o->dup)
				rtp_send(g, c, 0, k - 1, t);
		}
	}
	rtp_send(g, c, 1, k, t);
}

static void
call_step(struct gen *g, struct call *c)
{
	const struct opts	*o = g->o;
	uint64_t		 t = c->next;
	enum ev			 kind;

	if (c->cur < c->nsev && c->sev[c->cur].t == t) {
		kind = c->sev[c->cur++].kind;
		switch (kind) {
		case EV_SYN:
		case EV_SYNACK:
		case EV_HSACK:
		case EV_FIN:
		case EV_FINACK:
		case EV_LASTACK:
			tcp_event(g, c, t, kind);
			break;
		default:
			sip_event(g, c, t, kind);
			break;
		}
	} else
		rtp_tick(g, c, t);
	c->next = call_next(c, o);
}

/* --- the heap of slots, by (next event time, slot) --------------------- */

static int
heap_less(const struct gen *g, uint32_t a, uint32_t b)
{
	const struct call	*ca = &g->calls[a], *cb = &g->calls[b];

	return ca->next < cb->next || (ca->next == cb->next && a < b);
}

static void
heap_down(struct gen *g, uint32_t i)
{
	uint32_t	l, m, tmp;

	for (;;) {
		l = 2 * i + 1;
		if (l >= g->nheap)
			return;
		m = l;
		if (l + 1 < g->nheap && heap_less(g, g->heap[l + 1],
		    g->heap[l]))
			m = l + 1;
		if (!heap_less(g, g->heap[m], g->heap[i]))
			return;
		tmp = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = tmp;
		i = m;
	}
}

static void
generate(struct gen *g)
{
	const struct opts	*o = g->o;
	uint8_t			 hdr[24];
	struct call		*c;
	uint32_t		 i;

	put32le(hdr, 0xa1b23c4d);
	hdr[4] = 2;
	hdr[5] = 0;
	hdr[6] = 4;
	hdr[7] = 0;
	put32le(hdr + 8, 0);
	put32le(hdr + 12, 0);
	put32le(hdr + 16, SNAPLEN);
	put32le(hdr + 20, 1);
	out_write(&g->w, hdr, sizeof(hdr));

	for (i = 0; i < o->conc; i++) {
		call_load(g, &g->calls[i], i);
		g->heap[i] = i;
	}
	g->nheap = o->conc;
	for (i = g->nheap / 2; i-- > 0;)
		heap_down(g, i);
	while (g->nheap > 0) {
		c = &g->calls[g->heap[0]];
		call_step(g, c);
		if (c->next == NONE) {
			if (c->index + o->conc < o->calls)
				call_load(g, c, c->index + o->conc);
			else
				g->heap[0] = g->heap[--g->nheap];
		}
		heap_down(g, 0);
	}
}

/* --- command line ------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [-fhV] [-B index] [-c calls] [-C concurrent] "
	    "[-d seconds]\n"
	    "\t[-D index] [-E suite] [-K file] [-k pcmu|pcma] [-L index]\n"
	    "\t[-l index[,index...]] [-P from,to] [-p ptime] [-q seq] "
	    "[-r index]\n"
	    "\t[-S index] [-s seed] [-T timestamp] [-t udp|tcp] "
	    "[-u seconds] [-x dir]\n"
	    "\tout.pcap\n"
	    "  -B, --srtp-bad-tag IDX corrupt the SRTP tag of packet IDX of "
	    "stream 1\n"
	    "  -c, --calls N          calls (default 1)\n"
	    "  -C, --concurrent N     calls at once (default min(calls, %u),"
	    " max %u)\n"
	    "  -d, --duration SEC     recorded audio per call (default 4)\n"
	    "  -D, --dup IDX          send packet IDX of stream 1 twice\n"
	    "  -E, --srtp SUITE       SRTP with SDES keys: "
	    "AES_CM_128_HMAC_SHA1_80,\n"
	    "                         AES_CM_128_HMAC_SHA1_32, "
	    "AES_256_CM_HMAC_SHA1_80\n"
	    "                         or AEAD_AES_128_GCM\n"
	    "  -f, --fragment         send the INVITE as out-of-order IPv4 "
	    "fragments\n"
	    "  -h, --help             print this help and exit\n"
	    "  -K, --srtp-keys FILE   write the SRC's SRTP keys to FILE, "
	    "one a stream\n"
	    "  -k, --codec NAME       pcmu (default) or pcma\n"
	    "  -L, --codec-change IDX offer PCMU and PCMA; stream 1 "
	    "switches law at\n"
	    "                         packet IDX\n"
	    "  -l, --loss LIST        drop these packets of stream 1\n"
	    "  -P, --pause FROM,TO    re-INVITE a=inactive at FROM, "
	    "a=sendonly at TO (s)\n"
	    "  -p, --ptime MS         packet time (default 20)\n"
	    "  -q, --seq-start N      first RTP sequence number of "
	    "stream 1\n"
	    "  -R, --prack MODE       reliable 183 and PRACK (RFC 3262): "
	    "answer,\n"
	    "                         offer-in-1xx or offer-in-prack\n"
	    "  -r, --reorder IDX      swap packets IDX and IDX+1 of "
	    "stream 1\n"
	    "  -S, --ssrc-change IDX  stream 2 takes a new SSRC at packet "
	    "IDX\n"
	    "  -s, --seed S           random seed (default 1)\n"
	    "  -T, --ts-start N       first RTP timestamp of stream 1\n"
	    "  -t, --transport NAME   SIP over udp (default) or tcp\n"
	    "  -u, --update-at SEC    metadata UPDATE (partial) at SEC\n"
	    "  -V, --version          print the version and exit\n"
	    "  -x, --expect DIR       write expected audio and calls.tsv "
	    "to DIR\n"
	    "Packet indices count from 0 at the 200 OK; out.pcap '-' is "
	    "stdout.\n", progname, CONC_DEFAULT, CONC_MAX);
}

static void	usage_error(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

static uint64_t
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("%s: not a number: %s", opt, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		usage_error("%s: %s: expected an integer from %llu to %llu",
		    opt, s, (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* Seconds, fractional allowed, to nanoseconds; end gets what follows. */
static uint64_t
parse_sec(const char *opt, const char *s, char **end, double max)
{
	double	v;

	errno = 0;
	if ((*s < '0' || *s > '9') && *s != '.')
		usage_error("%s: not a number of seconds: %s", opt, s);
	v = strtod(s, end);
	if (errno != 0 || *end == s || !(v >= 0 && v <= max))
		usage_error("%s: %s: expected seconds from 0 to %.0f", opt, s,
		    max);
	return (uint64_t)llround(v * 1e9);
}

static void
parse_loss(struct opts *o, const char *s)
{
	char			*end;
	const char		*p = s;
	uint32_t		*tmp;
	unsigned long long	 v;

	for (;;) {
		if (o->nloss == LOSS_MAX)
			usage_error("--loss: more than %u packets", LOSS_MAX);
		if (*p < '0' || *p > '9')
			usage_error("--loss: not a list of packet indices: %s",
			    s);
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || v >= UINT32_MAX ||
		    (*end != ',' && *end != '\0'))
			usage_error("--loss: not a list of packet indices: %s",
			    s);
		if ((tmp = realloc(o->loss, (o->nloss + 1) *
		    sizeof(*tmp))) == NULL)
			die(EXIT_SYSTEM, "%s", strerror(errno));
		o->loss = tmp;
		o->loss[o->nloss++] = (uint32_t)v;
		if (*end == '\0')
			return;
		p = end + 1;
	}
}

/* Check combinations and derive the schedule constants. */
static void
derive(struct opts *o)
{
	uint64_t	slots, from, to;
	size_t		i;

	if (o->conc == 0)
		o->conc = (uint32_t)(o->calls < CONC_DEFAULT ? o->calls :
		    CONC_DEFAULT);
	if (o->conc > o->calls)
		o->conc = (uint32_t)o->calls;
	if (o->fragment && o->tcp)
		usage_error("--fragment needs --transport udp");
	o->ptime_ns = o->ptime * NS_PER_MS;
	o->spp = o->ptime * RATE / 1000;
	slots = (o->dur_ns + o->ptime_ns / 2) / o->ptime_ns;
	if (slots < 1)
		usage_error("--duration: shorter than one packet");
	o->npkts = (uint32_t)slots;
	o->round_ns = o->npkts * o->ptime_ns + 1025 * NS_PER_MS;
	if ((o->lost = calloc(o->npkts, 1)) == NULL)
		die(EXIT_SYSTEM, "%s", strerror(errno));
	for (i = 0; i < o->nloss; i++) {
		if (o->loss[i] >= o->npkts)
			usage_error("--loss: packet %u is past the last (%u)",
			    o->loss[i], o->npkts - 1);
		o->lost[o->loss[i]] = 1;
	}
	o->from_slot = o->to_slot = 0;
	if (o->pause) {
		from = (o->pause_from_ns + o->ptime_ns / 2) / o->ptime_ns;
		to = (o->pause_to_ns + o->ptime_ns / 2) / o->ptime_ns;
		if (from < 1 || to <= from || to >= o->npkts)
			usage_error("--pause: need 0 < FROM < TO < duration "
			    "in whole packets");
		o->from_slot = (uint32_t)from;
		o->to_slot = (uint32_t)to;
	}
	if (o->update) {
		o->update_ns = (o->update_ns + NS_PER_MS / 2) / NS_PER_MS *
		    NS_PER_MS;
		if (o->update_ns < 5 * NS_PER_MS ||
		    o->update_ns + 5 * NS_PER_MS > o->npkts * o->ptime_ns)
			usage_error("--update-at: must lie 5 ms inside the "
			    "call");
		for (i = 0; o->pause && i < 2; i++) {
			uint64_t	r = (i == 0 ? o->from_slot :
			    o->to_slot) * o->ptime_ns;

			if (o->update_ns + 5 * NS_PER_MS > r &&
			    o->update_ns < r + 5 * NS_PER_MS)
				usage_error("--update-at: within 5 ms of a "
				    "pause re-INVITE");
		}
	}
	if (o->reorder != NONE && o->reorder + 1 >= o->npkts)
		usage_error("--reorder: packet %llu has no successor",
		    (unsigned long long)o->reorder);
	if (o->dup != NONE && o->dup >= o->npkts)
		usage_error("--dup: packet %llu is past the last",
		    (unsigned long long)o->dup);
	if (o->ssrc_change != NONE && (o->ssrc_change < 1 ||
	    o->ssrc_change >= o->npkts))
		usage_error("--ssrc-change: need 0 < IDX < %u", o->npkts);

	/* Faults on packets that are not sent have no effect. */
	o->reorder_eff = o->reorder != NONE &&
	    !paused(o, (uint32_t)o->reorder) &&
	    !paused(o, (uint32_t)o->reorder + 1) &&
	    !o->lost[o->reorder] && !o->lost[o->reorder + 1];
	o->dup_eff = o->dup != NONE && !paused(o, (uint32_t)o->dup) &&
	    !o->lost[o->dup];
	o->ssrc_eff = o->npkts;
	if (o->prack == PRACK_OFFER_PRACK && o->srtp_keys != NULL)
		usage_error("--srtp-keys names the SRS's first ports, which "
		    "--prack offer-in-prack moves");
	if (o->codec_change != NONE && (o->codec_change < 1 ||
	    o->codec_change >= o->npkts))
		usage_error("--codec-change: need 0 < IDX < %u", o->npkts);
	/* Slots from IDX on, paused or dropped or not, use the other law. */
	o->pt_other = o->pt == 0 ? 8 : 0;
	o->law_slot = o->codec_change != NONE ? (uint32_t)o->codec_change :
	    o->npkts;
	if (o->ssrc_change != NONE)
		o->ssrc_eff = paused(o, (uint32_t)o->ssrc_change) ?
		    o->to_slot : (uint32_t)o->ssrc_change;

	if (o->srtp == NULL && o->srtp_keys != NULL)
		usage_error("--srtp-keys needs --srtp");
	/* A key file gives one key per address: ports must not be reused. */
	if (o->srtp_keys != NULL && o->conc < o->calls)
		usage_error("--srtp-keys: later rounds would reuse ports; "
		    "need --concurrent >= --calls");
	if (o->bad_tag != NONE) {
		if (o->srtp == NULL)
			usage_error("--srtp-bad-tag needs --srtp");
		if (o->bad_tag >= o->npkts)
			usage_error("--srtp-bad-tag: packet %llu is past the "
			    "last", (unsigned long long)o->bad_tag);
		/* A receiver could not tell a duplicate or a late packet. */
		if (o->bad_tag == o->dup || (o->reorder != NONE &&
		    (o->bad_tag == o->reorder ||
		    o->bad_tag == o->reorder + 1)))
			usage_error("--srtp-bad-tag: packet %llu is also "
			    "duplicated or reordered",
			    (unsigned long long)o->bad_tag);
	}
	o->bad_tag_eff = o->bad_tag != NONE &&
	    !paused(o, (uint32_t)o->bad_tag) && !o->lost[o->bad_tag];
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		{ "calls",	 required_argument, NULL, 'c' },
		{ "codec",	 required_argument, NULL, 'k' },
		{ "codec-change", required_argument, NULL, 'L' },
		{ "concurrent",	 required_argument, NULL, 'C' },
		{ "dup",	 required_argument, NULL, 'D' },
		{ "duration",	 required_argument, NULL, 'd' },
		{ "expect",	 required_argument, NULL, 'x' },
		{ "fragment",	 no_argument,	    NULL, 'f' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ "loss",	 required_argument, NULL, 'l' },
		{ "pause",	 required_argument, NULL, 'P' },
		{ "prack",	 required_argument, NULL, 'R' },
		{ "ptime",	 required_argument, NULL, 'p' },
		{ "reorder",	 required_argument, NULL, 'r' },
		{ "seed",	 required_argument, NULL, 's' },
		{ "seq-start",	 required_argument, NULL, 'q' },
		{ "srtp",	 required_argument, NULL, 'E' },
		{ "srtp-bad-tag", required_argument, NULL, 'B' },
		{ "srtp-keys",	 required_argument, NULL, 'K' },
		{ "ssrc-change", required_argument, NULL, 'S' },
		{ "transport",	 required_argument, NULL, 't' },
		{ "ts-start",	 required_argument, NULL, 'T' },
		{ "update-at",	 required_argument, NULL, 'u' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ NULL,		 0,		    NULL, 0 }
	};
	struct opts	 o;
	struct gen	 g;
	char		*end, path[4096];
	size_t		 i;
	int		 ch;

	memset(&o, 0, sizeof(o));
	memset(&g, 0, sizeof(g));
	o.calls = 1;
	o.dur_ns = 4 * NS_PER_S;
	o.seed = 1;
	o.ptime = 20;
	o.reorder = o.dup = o.ssrc_change = NONE;
	o.seq_start = o.ts_start = NONE;
	o.bad_tag = NONE;
	o.codec_change = NONE;

	while ((ch = getopt_long(argc, argv, "B:C:c:D:d:E:fhK:k:L:l:P:p:q:R:r:"
	    "S:s:T:t:u:Vx:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'B':
			o.bad_tag = parse_u64("--srtp-bad-tag", optarg, 0,
			    UINT32_MAX - 1);
			break;
		case 'c':
			o.calls = parse_u64("--calls", optarg, 1, CALLS_MAX);
			break;
		case 'C':
			o.conc = (uint32_t)parse_u64("--concurrent", optarg, 1,
			    CONC_MAX);
			break;
		case 'd':
			o.dur_ns = parse_sec("--duration", optarg, &end,
			    DUR_MAX_S);
			if (*end != '\0')
				usage_error("--duration: not a number of "
				    "seconds: %s", optarg);
			break;
		case 'D':
			o.dup = parse_u64("--dup", optarg, 0, UINT32_MAX - 1);
			break;
		case 'E':
			for (i = 0; i < NSUITES &&
			    strcmp(optarg, suites[i].name) != 0; i++)
				;
			if (i == NSUITES)
				usage_error("--srtp: AES_CM_128_HMAC_SHA1_80, "
				    "AES_CM_128_HMAC_SHA1_32, "
				    "AES_256_CM_HMAC_SHA1_80 or "
				    "AEAD_AES_128_GCM, not %s", optarg);
			o.srtp = &suites[i];
			o.srtp_no = (unsigned int)i;
			break;
		case 'f':
			o.fragment = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'K':
			o.srtp_keys = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "pcmu") == 0)
				o.pt = 0;
			else if (strcmp(optarg, "pcma") == 0)
				o.pt = 8;
			else
				usage_error("--codec: pcmu or pcma, not %s",
				    optarg);
			break;
		case 'L':
			o.codec_change = parse_u64("--codec-change", optarg, 0,
			    UINT32_MAX - 1);
			break;
		case 'l':
			parse_loss(&o, optarg);
			break;
		case 'P':
			o.pause = 1;
			o.pause_from_ns = parse_sec("--pause", optarg, &end,
			    DUR_MAX_S);
			if (*end != ',')
				usage_error("--pause: expected FROM,TO: %s",
				    optarg);
			o.pause_to_ns = parse_sec("--pause", end + 1, &end,
			    DUR_MAX_S);
			if (*end != '\0')
				usage_error("--pause: expected FROM,TO: %s",
				    optarg);
			break;
		case 'p':
			o.ptime = (unsigned int)parse_u64("--ptime", optarg,
			    PTIME_MIN, PTIME_MAX);
			break;
		case 'q':
			o.seq_start = parse_u64("--seq-start", optarg, 0,
			    65535);
			break;
		case 'R':
			if (strcmp(optarg, "answer") == 0)
				o.prack = PRACK_ANSWER;
			else if (strcmp(optarg, "offer-in-1xx") == 0)
				o.prack = PRACK_OFFER_1XX;
			else if (strcmp(optarg, "offer-in-prack") == 0)
				o.prack = PRACK_OFFER_PRACK;
			else
				usage_error("--prack: answer, offer-in-1xx or "
				    "offer-in-prack, not %s", optarg);
			break;
		case 'r':
			o.reorder = parse_u64("--reorder", optarg, 0,
			    UINT32_MAX - 1);
			break;
		case 'S':
			o.ssrc_change = parse_u64("--ssrc-change", optarg, 0,
			    UINT32_MAX - 1);
			break;
		case 's':
			o.seed = parse_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'T':
			o.ts_start = parse_u64("--ts-start", optarg, 0,
			    UINT32_MAX);
			break;
		case 't':
			if (strcmp(optarg, "udp") == 0)
				o.tcp = 0;
			else if (strcmp(optarg, "tcp") == 0)
				o.tcp = 1;
			else
				usage_error("--transport: udp or tcp, not %s",
				    optarg);
			break;
		case 'u':
			o.update = 1;
			o.update_ns = parse_sec("--update-at", optarg, &end,
			    DUR_MAX_S);
			if (*end != '\0')
				usage_error("--update-at: not a number of "
				    "seconds: %s", optarg);
			break;
		case 'V':
			printf("%s %s\n", progname, SIPREC_VERSION);
			return 0;
		case 'x':
			o.expect = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage_error("expected one output file");
	o.out = argv[0];
	derive(&o);

	g.o = &o;
	g.w.name = strcmp(o.out, "-") == 0 ? "<stdout>" : o.out;
	if (strcmp(o.out, "-") == 0)
		g.w.fp = stdout;
	else if ((g.w.fp = fopen(o.out, "wb")) == NULL)
		die(EXIT_SYSTEM, "%s: %s", o.out, strerror(errno));
	if ((g.w.buf = malloc(OUTBUF_CAP)) == NULL ||
	    (g.calls = calloc(o.conc, sizeof(*g.calls))) == NULL ||
	    (g.heap = calloc(o.conc, sizeof(*g.heap))) == NULL)
		die(EXIT_SYSTEM, "%s", strerror(errno));
	if (o.expect != NULL) {
		if (mkdir(o.expect, 0777) == -1 && errno != EEXIST)
			die(EXIT_SYSTEM, "%s: %s", o.expect, strerror(errno));
		snprintf(path, sizeof(path), "%s/calls.tsv", o.expect);
		if ((g.tsv = fopen(path, "w")) == NULL)
			die(EXIT_SYSTEM, "%s: %s", path, strerror(errno));
		fprintf(g.tsv, "call_id\tlabel\tssrc\tpackets\tlost\t"
		    "duplicates\treordered\tcodec\tsamples\tfile\t"
		    "auth_failed\n");
	}
	if (o.srtp_keys != NULL && (g.keys = fopen(o.srtp_keys, "w")) == NULL)
		die(EXIT_SYSTEM, "%s: %s", o.srtp_keys, strerror(errno));
	if (o.srtp != NULL)
		srtp_check(srtp_init(), "srtp_init");
	tables_init(&o);
	generate(&g);
	out_flush(&g.w);
	if (fflush(g.w.fp) != 0 || ferror(g.w.fp) ||
	    (g.w.fp != stdout && fclose(g.w.fp) != 0))
		die(EXIT_SYSTEM, "%s: %s", g.w.name, strerror(errno));
	if (g.tsv != NULL && (ferror(g.tsv) || fclose(g.tsv) != 0))
		die(EXIT_SYSTEM, "%s/calls.tsv: %s", o.expect,
		    strerror(errno));
	if (g.keys != NULL && (ferror(g.keys) || fclose(g.keys) != 0))
		die(EXIT_SYSTEM, "%s: %s", o.srtp_keys, strerror(errno));
	if (o.srtp != NULL) {
		for (i = 0; i < o.conc; i++)
			call_srtp_free(&g.calls[i]);
		srtp_check(srtp_shutdown(), "srtp_shutdown");
	}
	free(g.w.buf);
	free(g.calls);
	free(g.heap);
	free(o.lost);
	free(o.loss);
	return 0;
}
