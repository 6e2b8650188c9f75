/* SPDX-License-Identifier: BSD-2-Clause */
/* The recording-session tracker: SIP and RTP in, recording directories out. */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <gcrypt.h>
#include <sndfile.h>

#include <siprec/json.h>
#include <siprec/meta.h>
#include <siprec/rs.h>
#include <siprec/sdp.h>
#include <siprec/sipmsg.h>
#include <siprec/srtp.h>

#include "gcry_int.h"
#include "media_int.h"
#include "pool_int.h"

/*
 * Design note.  One pass over time-ordered packets.  A recording session
 * is a SIP dialog (Call-ID and tags) whose INVITE is SIPREC (Require:
 * siprec, +sip.src or a metadata part), or any INVITE dialog with
 * --all-calls.  Offers and metadata wait for the 2xx of their transaction
 * (RFC 3264; SPEC 2.6); a rejected offer changes nothing.  The recording
 * starts at the 2xx of the initial INVITE: every stream's file begins
 * there, so all streams of a recording share one timeline.  Recorded
 * media is what flows to the addresses the SRS put in its SDP (for a
 * plain call, to either party).  RTP that arrives before its binding is
 * known (T-01) waits in a small ring and is replayed when a new binding
 * appears.  Memory is bounded by the sessions in progress.
 */

#define NBUCKET		4096
#define MAX_STREAMS	16
#define RING		2048
#define RING_MTU	1600
#define RING_NS		(2ull * 1000000000ull)
#define MAX_EVENTS	256
#define MAX_DOCS	1000
#define MAX_BODY	(1u << 20)

enum rstate { R_PENDING = 0, R_ACTIVE };

struct rs_stream {
	/* What every datagram reads first: two cache lines (see AHEAD). */
	struct rs_rec		*rec;
	struct siprec_stream	*s;
	struct siprec_srtp	*srtp;		/* SDES or --keys; NULL: plain */
	unsigned int		 nkey;
	int			 paused;
	int			 stopped;	/* port 0 */
	int			 latched;	/* a sender was seen (plain calls) */
	uint64_t		 t_last;	/* its last datagram (rec_last()) */
	/*
	 * Flow keys: where its RTP goes (the receiver's SDP address), and,
	 * as a fallback, where it comes from (the sender's SDP address,
	 * symmetric RTP, RFC 4961), for NAT and B2BUA captures (T-23).
	 */
	struct flowkey {
		struct siprec_addr	 a;
		int			 from;	/* 1: a sender's address */
		uint32_t		 bucket; /* key_bucket(a, from) */
		struct rs_stream	*next;	/* hash chain */
	}			 key[8];
	uint64_t		 pause_from;
	unsigned int		 index;		/* m-line */
	char			 label[64];
	char			 fname[96];
	struct siprec_crypto	 crypto;	/* its key, to notice a new one */
	uint64_t		 srtp_dropped;	/* failed authentication */
};

struct rs_event {
	uint64_t	 t;
	char		 what[16];
	char		 detail[96];
};

struct rs_txn {			/* a request waiting for its final answer */
	int		 active;
	unsigned long	 cseq;
	char		 method[24];
	int		 from_srs;	/* the SRS sent the request */
	int		 has_sdp;
	struct siprec_sdp sdp;
	uint8_t		*meta;		/* metadata body */
	size_t		 nmeta;
	char		 charset[40];
	/*
	 * RFC 3262 5, INVITE only: an offer in a reliable 1xx awaits its
	 * answer in the PRACK; early_done: offer and answer were exchanged
	 * before the 2xx (applied as they came), which adds none.
	 */
	int		 early_offer;
	int		 early_done;
};

struct rs_rec {
	struct rs_rec		*hnext, *next, **pprev;
	struct siprec_rs	*rs;
	char			 call_id[256];
	char			 from_tag[64], to_tag[64];
	char			 id[128];
	char			 dir[PATH_MAX];
	enum rstate		 state;
	int			 siprec;
	struct siprec_addr	 src, srs;	/* SIP addresses */
	uint64_t		 t_invite, t0;
	uint64_t		 t_last;	/* SIP; with the streams': rec_last() */
	struct rs_txn		 txn;
	struct rs_txn		*prack;		/* an offer in a PRACK (RFC 3262) */
	int			 offer_in_2xx;	/* offerless INVITE: answer in ACK */
	struct siprec_sdp	 src_sdp, srs_sdp;
	int			 have_src_sdp, have_srs_sdp;
	struct rs_stream	 st[MAX_STREAMS];
	unsigned int		 nst;
	struct siprec_meta_state *meta;
	unsigned int		 ndocs;
	unsigned long		 findings[SIPREC_SEV_FATAL + 1];
	struct rs_event		*ev;		/* grows to MAX_EVENTS */
	unsigned int		 nev, capev;
	char			 layout_file[96];	/* combined audio */
	char			 layout_desc[256];	/* for session.json */
	int			 chan_of[MAX_STREAMS];	/* stream -> channel */
	unsigned long		 last_cseq_seen;
	char			 last_method_seen[24];
	int			 last_status_seen;
	int			 io_error;
};

/* A finished recording whose directory is being completed. */
struct rs_fin {
	struct rs_fin		*next;
	struct rs_rec		*r;
	uint64_t		 end;
	char			 why[64];
	char			*json;		/* session.json */
	size_t			 njson;
	int			 with_inputs;
	int			 done;		/* the thread is through */
};

#define FIN_MAX		64		/* recordings completing at once */
#define AHEAD		32		/* datagrams queued (o.ahead) */
#define AHEAD_STEP	8		/* datagrams between two fetches */
#define AHEAD_MTU	2048		/* larger ones are not queued */

struct ring_ent {
	uint64_t		 ts;
	struct siprec_addr	 dst, src;
	uint16_t		 len;
	uint8_t			 data[RING_MTU];
};

/* A datagram waiting in the look-ahead queue. */
struct ahead {
	struct siprec_pkt	 p;		/* data points to buf */
	size_t			 bucket;	/* of its destination */
	uint8_t			 buf[AHEAD_MTU];
};

struct siprec_rs {
	struct siprec_rs_opts	 o;
	struct siprec_meta_ctx	*meta;
	struct rs_rec		*recs[NBUCKET];
	struct rs_rec		*all;		/* list of every open record */
	struct rs_stream	*flows[NBUCKET];
	struct ring_ent		*ring;
	size_t			 rhead, rlen;
	uint64_t		 last_idle_check;
	struct siprec_rs_stats	 stats;
	char			**written;	/* dirs finished in this run */
	size_t			 nwritten, capwritten;
	unsigned char		*written_with;	/* ... with the early inputs */
	/* Inputs known early (siprec_rs_inputs()). */
	char			**in_name, **in_hex;
	size_t			 nin;
	/* Directories completed in the background (o.background). */
	pthread_t		 fin_th;
	int			 fin_running, fin_stop;
	pthread_mutex_t		 fin_mu;
	pthread_cond_t		 fin_work, fin_done;
	struct rs_fin		*fin_head, *fin_tail;	/* in order of ending */
	struct rs_fin		*fin_next;		/* for the thread */
	unsigned int		 fin_n;
	atomic_uint		 fin_ndone;	/* completed, not reported */
	const struct siprec_pkt	*cur;		/* packet being handled */
	struct ahead		*q;		/* o.ahead: AHEAD of them */
	size_t			 qhead, qn;
	struct siprec_keyring	*keys;
	uint8_t			 pkt[SIPREC_SRTP_PKT_MAX];	/* for SRTP */
};

/* --- small helpers ------------------------------------------------------- */


static uint64_t
fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 1469598103934665603ull;

	while (n-- > 0)
		h = (h ^ *c++) * 1099511628211ull;
	return h;
}

static size_t
addr_bucket(const struct siprec_addr *a)
{
	return (size_t)(fnv(a->ip, a->family == 6 ? 16 : 4) ^ a->port) %
	    NBUCKET;
}

static int
addr_eq(const struct siprec_addr *a, const struct siprec_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

static void
rslog(struct siprec_rs *rs, enum siprec_sev sev, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (rs->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rs->o.log(rs->o.arg, rs->cur ? rs->cur->file : "", rs->cur ?
	    rs->cur->record : 0, sev, buf);
}

/* Keep [A-Za-z0-9._-]; never "", "." or "..": path components are safe. */
static void
sanitise(const char *in, char *out, size_t len, const char *fallback)
{
	size_t i, o = 0;

	for (i = 0; in[i] != '\0' && o + 1 < len; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ?
		    (char)c : '_';
	}
	out[o] = '\0';
	if (o == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		snprintf(out, len, "%s", fallback);
	if (out[0] == '.')
		out[0] = '_';
}

static void
rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    (unsigned int)(tm.tm_year + 1900) % 10000u,
	    (unsigned int)(tm.tm_mon + 1) % 100u, (unsigned int)tm.tm_mday % 100u,
	    (unsigned int)tm.tm_hour % 100u, (unsigned int)tm.tm_min % 100u,
	    (unsigned int)tm.tm_sec % 100u, (unsigned int)(ns / 1000000 % 1000));
}

static void
event(struct rs_rec *r, uint64_t t, const char *what, const char *fmt, ...)
{
	struct rs_event *e;
	va_list ap;

	if (r->nev == r->capev) {
		unsigned int nc = r->capev ? 2 * r->capev : 8;
		struct rs_event *ne;

		if (r->capev == MAX_EVENTS ||
		    (ne = realloc(r->ev, nc * sizeof(*ne))) == NULL)
			return;
		r->ev = ne;
		r->capev = nc;
	}
	e = &r->ev[r->nev++];
	e->t = t;
	snprintf(e->what, sizeof(e->what), "%s", what);
	e->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	if (r->rs->o.event != NULL && r->state == R_ACTIVE) {
		struct siprec_rs_event ev;

		ev.id = r->id;
		ev.call_id = r->call_id;
		ev.what = e->what;
		ev.detail = e->detail;
		ev.t_ns = t;
		r->rs->o.event(r->rs->o.arg, &ev);
	}
}

static int
write_file(const char *path, const void *p, size_t n)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.part", path);
	if ((f = fopen(tmp, "wb")) == NULL)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

static int
sha256_file(const char *path, char hex[65])
{
	unsigned char buf[65536], dig[32];
	gcry_md_hd_t h;
	size_t n;
	FILE *f;
	int i;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0) {
		fclose(f);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		gcry_md_write(h, buf, n);
	fclose(f);
	memcpy(dig, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	return 0;
}

/* --- records and flows ------------------------------------------------------ */

static struct rs_rec *
rec_find(struct siprec_rs *rs, const char *call_id)
{
	struct rs_rec *r;

	for (r = rs->recs[fnv(call_id, strlen(call_id)) % NBUCKET]; r != NULL;
	    r = r->hnext)
		if (strcmp(r->call_id, call_id) == 0)
			return r;
	return NULL;
}

static size_t
key_bucket(const struct siprec_addr *a, int from)
{
	return (addr_bucket(a) + (size_t)from * 7919) % NBUCKET;
}

/* The key of s that chains bucket b, or NULL. */
static struct flowkey *
key_in(struct rs_stream *s, size_t b)
{
	unsigned int i;

	for (i = 0; i < s->nkey; i++)
		if (s->key[i].bucket == b)
			return &s->key[i];
	return NULL;
}

static void
flow_add(struct siprec_rs *rs, struct rs_stream *s, const struct siprec_addr *a,
    int from)
{
	struct flowkey *k;
	size_t b;
	unsigned int i;

	if (a->port == 0 || s->nkey == 8)
		return;
	for (i = 0; i < s->nkey; i++)
		if (s->key[i].from == from && addr_eq(&s->key[i].a, a))
			return;
	b = key_bucket(a, from);
	if (key_in(s, b) != NULL) {
		/* Already chained in this bucket: lookups see every key. */
		k = &s->key[s->nkey++];
		k->a = *a;
		k->from = from;
		k->bucket = (uint32_t)b;
		k->next = NULL;
		return;
	}
	k = &s->key[s->nkey++];
	k->a = *a;
	k->from = from;
	k->bucket = (uint32_t)b;
	k->next = rs->flows[b];
	rs->flows[b] = s;
}

static struct rs_stream *
flow_lookup(struct siprec_rs *rs, const struct siprec_addr *a, int from)
{
	size_t b = key_bucket(a, from);
	struct rs_stream *s;
	struct flowkey *k;
	unsigned int i;

	for (s = rs->flows[b]; s != NULL; s = k->next) {
		for (i = 0; i < s->nkey; i++)
			if (s->key[i].from == from && addr_eq(&s->key[i].a, a))
				return s;
		if ((k = key_in(s, b)) == NULL)
			return NULL;
	}
	return NULL;
}

/* The stream of a datagram: by destination, else by its sender. */
static struct rs_stream *
flow_find(struct siprec_rs *rs, const struct siprec_addr *dst,
    const struct siprec_addr *src)
{
	struct rs_stream *s = flow_lookup(rs, dst, 0);

	if (s == NULL && src != NULL)
		s = flow_lookup(rs, src, 1);
	return s;
}

static void
flow_remove(struct siprec_rs *rs, struct rs_stream *s)
{
	unsigned int i;

	for (i = 0; i < s->nkey; i++) {
		size_t b = s->key[i].bucket;
		struct rs_stream **pp = &rs->flows[b];

		while (*pp != NULL && *pp != s) {
			struct flowkey *k = key_in(*pp, b);

			if (k == NULL)
				break;
			pp = &k->next;
		}
		if (*pp == s)
			*pp = s->key[i].next;
	}
	s->nkey = 0;
}

static void
rec_unlink(struct siprec_rs *rs, struct rs_rec *r)
{
	struct rs_rec **pp = &rs->recs[fnv(r->call_id, strlen(r->call_id)) %
	    NBUCKET];
	unsigned int i;

	while (*pp != NULL && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp == r)
		*pp = r->hnext;
	if (r->next != NULL)
		r->next->pprev = r->pprev;
	*r->pprev = r->next;
	for (i = 0; i < r->nst; i++)
		flow_remove(rs, &r->st[i]);
}

static void
txn_clear(struct rs_txn *t)
{
	free(t->meta);
	memset(t, 0, sizeof(*t));
}

/* A recording's state, zeroed: read by every packet (pool_int.h). */
static struct rs_rec *
rec_alloc(void)
{
	struct rs_rec *r;

	if ((r = siprec__pool_get(sizeof(*r))) != NULL)
		memset(r, 0, sizeof(*r));
	return r;
}

static void
rec_free(struct rs_rec *r)
{
	unsigned int i;

	for (i = 0; i < r->nst; i++) {
		siprec_stream_free(r->st[i].s);
		siprec_srtp_free(r->st[i].srtp);
		siprec_crypto_wipe(&r->st[i].crypto);
	}
	siprec_meta_state_free(r->meta);
	txn_clear(&r->txn);
	if (r->prack != NULL)
		txn_clear(r->prack);
	free(r->prack);
	free(r->ev);
	siprec__pool_put(r, sizeof(*r));
}

/* --- the recording directory ------------------------------------------------- */

/* The last member of session.json: the inputs and their SHA-256. */
static void
json_inputs(FILE *f, const char *const *inputs, const char *const *hex,
    size_t n)
{
	size_t i;

	fprintf(f, "\"inputs\": [");
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\"file\": ", i ? "," : "");
		siprec_json_str(f, inputs[i]);
		fprintf(f, ", \"sha256\": ");
		if (hex != NULL && hex[i] != NULL)
			siprec_json_str(f, hex[i]);
		else
			fprintf(f, "null");
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]\n}\n");
}

/* The AoRs of the participants that send (or receive) label. */
static void
json_parties(FILE *f, const struct siprec_meta_party *p, size_t np,
    const char *label, int send)
{
	size_t i;
	unsigned int q, n, j = 0;

	putc('[', f);
	for (i = 0; i < np; i++) {
		n = send ? p[i].nsend : p[i].nrecv;
		for (q = 0; q < n; q++)
			if (strcmp(send ? p[i].send[q] : p[i].recv[q],
			    label) == 0) {
				fprintf(f, "%s", j++ ? ", " : "");
				siprec_json_str(f, p[i].aor);
			}
	}
	putc(']', f);
}

/* session.json; into *keep (a buffer of *keepn bytes) if keep is set. */
static void
write_session_json(struct siprec_rs *rs, struct rs_rec *r, uint64_t end,
    const char *reason, const char *const *inputs, const char *const *hex,
    size_t ninputs, char **keep, size_t *keepn)
{
	struct siprec_meta_party parties[16];
	char path[PATH_MAX + 32], t[40], a[80];
	size_t np, i, n = 0;
	unsigned int k, j;
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, &n)) == NULL)
		return;
	fprintf(f, "{\n  \"recording_id\": ");
	siprec_json_str(f, r->id);
	fprintf(f, ",\n  \"tool\": ");
	siprec_json_str(f, rs->o.tool ? rs->o.tool : "siprec-tools");
	fprintf(f, ",\n  \"siprec\": %s,\n  \"call_id\": ",
	    r->siprec ? "true" : "false");
	siprec_json_str(f, r->call_id);
	fprintf(f, ",\n  \"from_tag\": ");
	siprec_json_str(f, r->from_tag);
	fprintf(f, ",\n  \"to_tag\": ");
	siprec_json_str(f, r->to_tag);
	siprec_addr_format(&r->src, a, sizeof(a));
	fprintf(f, ",\n  \"src\": ");
	siprec_json_str(f, a);
	siprec_addr_format(&r->srs, a, sizeof(a));
	fprintf(f, ",\n  \"srs\": ");
	siprec_json_str(f, a);
	rfc3339(r->t0, t, sizeof(t));
	fprintf(f, ",\n  \"start\": \"%s\"", t);
	rfc3339(end, t, sizeof(t));
	fprintf(f, ",\n  \"end\": \"%s\",\n  \"duration_ms\": %llu,\n"
	    "  \"end_reason\": ", t,
	    (unsigned long long)((end - r->t0) / 1000000));
	siprec_json_str(f, reason);
	fprintf(f, ",\n  \"timeline\": [");
	for (k = 0; k < r->nev; k++) {
		rfc3339(r->ev[k].t, t, sizeof(t));
		fprintf(f, "%s\n    {\"t\": \"%s\", \"offset_ms\": %lld, "
		    "\"event\": ", k ? "," : "", t,
		    (long long)((int64_t)(r->ev[k].t - r->t0) / 1000000));
		siprec_json_str(f, r->ev[k].what);
		if (r->ev[k].detail[0] != '\0') {
			fprintf(f, ", \"detail\": ");
			siprec_json_str(f, r->ev[k].detail);
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"layout\": %s", r->layout_desc[0] ?
	    r->layout_desc : "{\"type\": \"per-stream\"}");
	fprintf(f, ",\n  \"metadata\": {\"documents\": %u, \"findings\": "
	    "{\"error\": %lu, \"warning\": %lu, \"info\": %lu}},\n"
	    "  \"streams\": [", r->ndocs,
	    r->findings[SIPREC_SEV_ERROR] + r->findings[SIPREC_SEV_FATAL],
	    r->findings[SIPREC_SEV_WARNING], r->findings[SIPREC_SEV_INFO]);
	np = siprec_meta_state_parties(r->meta, parties, 16);
	for (k = 0; k < r->nst; k++) {
		const struct rs_stream *s = &r->st[k];
		const struct siprec_stream_stats *x = siprec_stream_stats(s->s);

		fprintf(f, "%s\n    {\"label\": ", k ? "," : "");
		siprec_json_str(f, s->label);
		fprintf(f, ", \"file\": ");
		siprec_json_str(f, r->layout_file[0] ? r->layout_file : s->fname);
		if (r->layout_file[0])
			fprintf(f, ", \"channel\": %d", r->chan_of[k]);
		fprintf(f, ", \"codec\": ");
		siprec_json_str(f, x ? x->codec : "");
		fprintf(f, ", \"ssrc\": [");
		for (j = 0; x != NULL && j < x->nssrc; j++)
			fprintf(f, "%s\"0x%08x\"", j ? ", " : "", x->ssrc[j]);
		fprintf(f, "], \"packets\": %llu, \"bytes\": %llu, \"lost\": "
		    "%llu, \"duplicated\": %llu, \"reordered\": %llu, "
		    "\"late\": %llu, \"bad\": %llu, \"jitter_ms\": %.3f, "
		    "\"max_jitter_ms\": %.3f, \"gap_ms\": %llu, \"paused_ms\": "
		    "%llu, \"samples\": %llu, \"rate\": %u",
		    (unsigned long long)(x ? x->packets : 0),
		    (unsigned long long)(x ? x->bytes : 0),
		    (unsigned long long)(x ? x->lost : 0),
		    (unsigned long long)(x ? x->duplicates : 0),
		    (unsigned long long)(x ? x->reordered : 0),
		    (unsigned long long)(x ? x->late : 0),
		    (unsigned long long)(x ? x->bad : 0),
		    x ? x->jitter_ms : 0.0, x ? x->max_jitter_ms : 0.0,
		    (unsigned long long)(x ? x->gap_ms : 0),
		    (unsigned long long)(x ? x->paused_ms : 0),
		    (unsigned long long)(x ? x->samples : 0),
		    x ? x->rate : 0);
		if (x != NULL && x->undecoded > 0)
			fprintf(f, ", \"undecoded\": %llu",
			    (unsigned long long)x->undecoded);
		if (x != NULL && x->first_ns != 0) {
			rfc3339(x->first_ns, t, sizeof(t));
			fprintf(f, ", \"first\": \"%s\"", t);
			rfc3339(x->last_ns, t, sizeof(t));
			fprintf(f, ", \"last\": \"%s\"", t);
		}
		if (s->srtp != NULL) {
			const struct siprec_srtp_stats *z =
			    siprec_srtp_stats(s->srtp);

			fprintf(f, ", \"srtp\": {\"suite\": \"%s\", \"ok\": %llu, "
			    "\"auth_failed\": %llu, \"replay\": %llu, "
			    "\"roc_guessed\": %llu}", s->crypto.suite,
			    (unsigned long long)z->ok,
			    (unsigned long long)z->auth_failed,
			    (unsigned long long)z->replay,
			    (unsigned long long)z->roc_guessed);
		}
		fprintf(f, ", \"dtmf\": [");
		for (j = 0; x != NULL && j < x->ndtmf; j++)
			fprintf(f, "%s{\"offset_ms\": %lld, \"event\": %u, "
			    "\"duration_ms\": %u}", j ? ", " : "",
			    (long long)((int64_t)(x->dtmf[j].at_ns - r->t0) /
			    1000000), x->dtmf[j].event, x->dtmf[j].duration_ms);
		fprintf(f, "], \"sent_by\": ");
		json_parties(f, parties, np, s->label, 1);
		fprintf(f, ", \"received_by\": ");
		json_parties(f, parties, np, s->label, 0);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"participants\": [");
	for (i = 0; i < np; i++) {
		fprintf(f, "%s\n    {\"participant_id\": ", i ? "," : "");
		siprec_json_str(f, parties[i].id);
		fprintf(f, ", \"aor\": ");
		siprec_json_str(f, parties[i].aor);
		fprintf(f, ", \"name\": ");
		siprec_json_str(f, parties[i].name);
		fprintf(f, ", \"sends\": [");
		for (k = 0; k < parties[i].nsend; k++) {
			fprintf(f, "%s", k ? ", " : "");
			siprec_json_str(f, parties[i].send[k]);
		}
		fprintf(f, "], \"receives\": [");
		for (k = 0; k < parties[i].nrecv; k++) {
			fprintf(f, "%s", k ? ", " : "");
			siprec_json_str(f, parties[i].recv[k]);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ],\n  ");
	json_inputs(f, inputs, hex, ninputs);
	fclose(f);
	if (keep != NULL) {
		*keep = buf;
		*keepn = n;
		return;
	}
	snprintf(path, sizeof(path), "%s/session.json", r->dir);
	if (write_file(path, buf, n) != 0)
		r->io_error = 1;
	free(buf);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* MANIFEST.sha256 in sha256sum format, recording files first. */
/*
 * The hash of name in an earlier manifest (old, NUL-terminated, or NULL):
 * audio files and metadata bodies do not change once their recording is
 * finished, so the end of the run need not read them again.
 */
static int
old_hash(const char *old, const char *name, char h[65])
{
	size_t n = strlen(name);
	const char *l;

	for (l = old; l != NULL && *l != '\0'; ) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (len == 66 + n && l[64] == ' ' && l[65] == ' ' &&
		    memcmp(l + 66, name, n) == 0) {
			memcpy(h, l, 64);
			h[64] = '\0';
			return 0;
		}
		l = e ? e + 1 : NULL;
	}
	return -1;
}

static int
write_manifest(const char *dir, const char *const *inputs,
    const char *const *hex, size_t ninputs, const char *json, size_t njson)
{
	static const char *const fixed[] = { "session.json", "metadata.xml" };
	char path[PATH_MAX + 64], h[65];
	char *buf = NULL, **names = NULL;
	size_t n = 0, nn = 0, i;
	FILE *f;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	char *old = NULL;
	size_t oldn = 0;
	FILE *of;

	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", dir);
	if ((of = fopen(path, "rb")) != NULL) {
		if ((old = malloc(1 << 20)) != NULL) {
			oldn = fread(old, 1, (1 << 20) - 1, of);
			old[oldn] = '\0';
		}
		fclose(of);
	}
	if ((f = open_memstream(&buf, &n)) == NULL) {
		free(old);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fixed[i]);
		if (i == 0 && json != NULL) {
			/* session.json about to be written: from memory */
			uint8_t dig[32];
			int k;

			gcry_md_hash_buffer(GCRY_MD_SHA256, dig, json, njson);
			for (k = 0; k < 32; k++)
				snprintf(h + 2 * k, 3, "%02x", dig[k]);
			fprintf(f, "%s  %s\n", h, fixed[i]);
		} else if (sha256_file(path, h) == 0)
			fprintf(f, "%s  %s\n", h, fixed[i]);
	}
	/* Audio files and metadata bodies, in name order. */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), i ? "%s/metadata" : "%s", dir);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			const char *e = strrchr(de->d_name, '.');
			char **nv;

			if (e == NULL || strcmp(e, ".part") == 0 ||
			    (i == 0 && strcmp(e, ".wav") != 0 &&
			    strcmp(e, ".flac") != 0 && strcmp(e, ".ogg") != 0) ||
			    (i == 1 && strcmp(e, ".xml") != 0))
				continue;
			if ((nv = realloc(names, (nn + 1) * sizeof(*nv))) == NULL)
				break;
			names = nv;
			if (asprintf(&names[nn], "%s%s", i ? "metadata/" : "",
			    de->d_name) < 0)
				break;
			nn++;
		}
		closedir(d);
	}
	if (nn > 1)
		qsort(names, nn, sizeof(*names), cmp_names);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (old_hash(old, names[i], h) == 0 || sha256_file(path, h) == 0)
			fprintf(f, "%s  %s\n", h, names[i]);
		free(names[i]);
	}
	free(names);
	/* The input captures, by the names they were given (custody). */
	for (i = 0; i < ninputs; i++)
		if (hex != NULL && hex[i] != NULL)
			fprintf(f, "%s  %s\n", hex[i], inputs[i]);
	fclose(f);
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", dir);
	if (write_file(path, buf, n) != 0)
		rc = -1;
	free(buf);
	free(old);
	return rc;
}

/* --- metadata -------------------------------------------------------------- */

struct msink {
	struct rs_rec	*r;
};

static void
meta_emit(void *arg, const struct siprec_finding *f)
{
	struct rs_rec *r = arg;
	const struct siprec_check_info *ci = siprec_check_info(f->check);

	r->findings[f->sev]++;
	if (f->sev >= SIPREC_SEV_ERROR && ci != NULL)
		rslog(r->rs, SIPREC_SEV_WARNING, "%s: metadata %u line %u: %s: "
		    "%s [%s/%s]", r->id, r->ndocs, f->line, ci->text, f->detail,
		    ci->rule, ci->name);
}

/* Keep a received metadata body, byte for byte, as metadata/NNNN.xml. */
static void
store_body(struct rs_rec *r, const uint8_t *p, size_t n)
{
	char path[PATH_MAX + 32];

	if (r->ndocs >= MAX_DOCS)
		return;
	r->ndocs++;
	snprintf(path, sizeof(path), "%s/metadata/%04u.xml", r->dir, r->ndocs);
	if (write_file(path, p, n) != 0) {
		r->io_error = 1;
		rslog(r->rs, SIPREC_SEV_ERROR, "%s: %s", path, strerror(errno));
	}
}

/* Merge a metadata body into the state (its transaction succeeded). */
static void
apply_meta(struct rs_rec *r, const uint8_t *p, size_t n, const char *charset,
    const struct siprec_sdp *sdp, uint64_t t)
{
	struct siprec_sink sink;
	struct siprec_meta_input in;
	struct siprec_sdp_media_labels {
		struct siprec_sdp_media m[SIPREC_SDP_MAX_MEDIA];
	} lab;
	struct siprec_meta_summary sum;
	unsigned int i;

	memset(&sink, 0, sizeof(sink));
	sink.emit = meta_emit;
	sink.arg = r;
	sink.profile = r->rs->o.strict_meta ? SIPREC_PROFILE_STRICT :
	    SIPREC_PROFILE_LENIENT;
	memset(&in, 0, sizeof(in));
	in.xml.p = p;
	in.xml.len = n;
	in.line0 = 1;
	in.charset = charset && charset[0] ? charset : NULL;
	in.in_sip = 1;
	in.has_sdp = sdp != NULL;
	memset(&lab, 0, sizeof(lab));
	if (sdp != NULL) {
		for (i = 0; i < sdp->nm; i++) {
			lab.m[i].label = sdp->m[i].label[0] ? sdp->m[i].label :
			    NULL;
			lab.m[i].line = 0;
		}
		in.media = lab.m;
		in.nmedia = sdp->nm;
	}
	(void)siprec_meta_check(r->rs->meta, &in, r->meta, &sink, &sum, NULL);
	event(r, t, "metadata", "document %u%s%s", r->ndocs,
	    sum.partial ? " (partial)" : "", sum.dialect ? ", dialect" : "");
}

/* --- streams --------------------------------------------------------------- */

static const char *
ext_of(enum siprec_format f)
{
	return f == SIPREC_FMT_FLAC ? "flac" : f == SIPREC_FMT_OGG ? "ogg" :
	    "wav";
}

static int
add_stream(struct rs_rec *r, unsigned int index, const char *label)
{
	struct siprec_rs *rs = r->rs;
	struct siprec_stream_opts so;
	struct siprec_diag d;
	struct rs_stream *s;
	char base[64], path[PATH_MAX + 128], fb[32];
	unsigned int i, dup = 1;

	if (r->nst == MAX_STREAMS)
		return -1;
	s = &r->st[r->nst];
	memset(s, 0, sizeof(*s));
	s->rec = r;
	s->index = index;
	snprintf(s->label, sizeof(s->label), "%s", label);
	snprintf(fb, sizeof(fb), "stream-%u", index + 1);
	sanitise(label, base, sizeof(base), fb);
	snprintf(s->fname, sizeof(s->fname), "%s.%s", base, ext_of(rs->o.format));
	for (i = 0; i < r->nst; i++)	/* two streams with one label */
		if (strcmp(r->st[i].fname, s->fname) == 0) {
			snprintf(s->fname, sizeof(s->fname), "%s-%u.%s", base,
			    ++dup, ext_of(rs->o.format));
			i = (unsigned int)-1;
		}
	memset(&so, 0, sizeof(so));
	snprintf(path, sizeof(path), "%s/%s", r->dir, s->fname);
	so.path = path;
	so.format = rs->o.format;
	so.t0_ns = r->t0;
	if (siprec_stream_new(&so, &s->s, &d) != SIPREC_OK) {
		rslog(rs, SIPREC_SEV_ERROR, "%s: %s", path, d.detail);
		r->io_error = 1;
		return -1;
	}
	r->nst++;
	return 0;
}

/*
 * Decrypt a stream with key c (RFC 4568: a key protects what its SDP's
 * author sends).  The same key again keeps the context and its rollover
 * state; a new one starts afresh (RFC 4568 7.1.4).
 */
static void
stream_key(struct rs_rec *r, struct rs_stream *s, const struct siprec_crypto *c)
{
	struct siprec_diag d;

	if (s->srtp != NULL && s->crypto.keylen == c->keylen &&
	    memcmp(s->crypto.key, c->key, c->keylen) == 0 &&
	    strcmp(s->crypto.suite, c->suite) == 0)
		return;
	siprec_srtp_free(s->srtp);
	s->srtp = NULL;
	siprec_crypto_wipe(&s->crypto);
	if (siprec_srtp_new(c, &s->srtp, &d) != SIPREC_OK) {
		rslog(r->rs, SIPREC_SEV_WARNING, "%s: stream %s: SRTP: %s",
		    r->id, s->label, d.detail);
		return;
	}
	s->crypto = *c;
}

/* The sender's a=crypto the answer chose (by tag), for stream s. */
static void
sdes_key(struct rs_rec *r, struct rs_stream *s, const struct siprec_sdp_m *snd,
    const struct siprec_sdp_m *ans)
{
	struct siprec_crypto c;
	struct siprec_diag d;
	unsigned long tag = 0;
	unsigned int k, pick = 0;

	if (snd == NULL || snd->ncrypto == 0)
		return;
	if (ans != NULL && ans->ncrypto > 0)
		tag = strtoul(ans->crypto[0], NULL, 10);
	for (k = 0; k < snd->ncrypto; k++)
		if (strtoul(snd->crypto[k], NULL, 10) == tag)
			pick = k;
	if (siprec_crypto_parse(snd->crypto[pick], &c, &d) != SIPREC_OK) {
		rslog(r->rs, SIPREC_SEV_WARNING, "%s: stream %s: a=crypto: %s",
		    r->id, s->label, d.detail);
		return;
	}
	stream_key(r, s, &c);
	siprec_crypto_wipe(&c);
}

static void
map_pts(struct rs_stream *s, const struct siprec_sdp_m *m)
{
	unsigned int i;

	for (i = 0; i < m->npt; i++)
		if (m->pts[i].enc[0] != '\0')
			(void)siprec_stream_map(s->s, m->pts[i].pt,
			    m->pts[i].enc, m->pts[i].clock ? m->pts[i].clock :
			    8000, m->pts[i].channels ? m->pts[i].channels : 1);
}

static void replay(struct siprec_rs *);

/*
 * Media bound by these SDPs may have arrived before the 2xx (early media,
 * T-01): it waits in the ring, and the recording then starts with it.
 */
static void
early_start(struct rs_rec *r, const struct siprec_sdp *a,
    const struct siprec_sdp *b)
{
	struct siprec_rs *rs = r->rs;
	uint64_t first = r->t0;
	size_t i;
	unsigned int k;

	for (i = 0; i < rs->rlen; i++) {
		const struct ring_ent *e = &rs->ring[(rs->rhead + i) % RING];

		if (e->len == 0 || e->ts >= first)
			continue;
		for (k = 0; k < a->nm; k++)
			if (addr_eq(&e->dst, &a->m[k].addr))
				first = e->ts;
		for (k = 0; b != NULL && k < b->nm; k++)
			if (addr_eq(&e->dst, &b->m[k].addr))
				first = e->ts;
	}
	if (first < r->t0) {
		r->t0 = first;
		if (r->nev > 0)
			r->ev[0].t = first;
	}
}

/*
 * Bring the streams in line with the accepted SDP pair at time t: new
 * m-lines become streams, new addresses new flows (the old ones stay,
 * RFC 3264 8.3.1), inactive or held media pauses, port 0 stops.
 */
static void
apply_sdp(struct rs_rec *r, uint64_t t)
{
	const struct siprec_sdp *to = &r->srs_sdp, *lab = &r->src_sdp;
	unsigned int i, k;
	int added = 0;

	if (!r->have_srs_sdp)
		return;
	if (r->nst == 0)
		early_start(r, to, r->siprec ? NULL : lab);
	for (i = 0; i < to->nm; i++) {
		const struct siprec_sdp_m *m = &to->m[i];
		const struct siprec_sdp_m *o = r->have_src_sdp &&
		    i < lab->nm ? &lab->m[i] : NULL;
		struct rs_stream *s = NULL;
		int off;

		if (strcmp(m->type, "audio") != 0)
			continue;
		for (k = 0; k < r->nst; k++)
			if (r->st[k].index == i)
				s = &r->st[k];
		if (s == NULL) {
			const char *label = o && o->label[0] ? o->label :
			    m->label;
			char plain[32];

			if (!r->siprec) {
				snprintf(plain, sizeof(plain), "%s%s",
				    "to-callee", i ? "" : "");
				if (i > 0)
					snprintf(plain, sizeof(plain),
					    "to-callee-%u", i + 1);
				label = plain;
			}
			if (m->addr.port == 0 || add_stream(r, i, label) != 0)
				continue;
			s = &r->st[r->nst - 1];
			event(r, t, "stream", "%s", s->label);
		}
		map_pts(s, m);
		if (o != NULL)
			map_pts(s, o);
		/* The offerer's key when the SRS answered, else the SRS's. */
		if (r->siprec)
			sdes_key(r, s, o, m);
		else if (r->have_src_sdp)
			sdes_key(r, s, o, m);
		if (m->addr.port == 0) {
			if (!s->stopped)
				event(r, t, "stop", "%s", s->label);
			s->stopped = 1;
			continue;
		}
		if (!m->hold)
			flow_add(r->rs, s, &m->addr, 0), added = 1;
		/* SIPREC media flows one way: its sender's address is a key. */
		if (r->siprec && o != NULL && !o->hold && o->addr.port != 0)
			flow_add(r->rs, s, &o->addr, 1);
		off = m->hold || m->dir == SIPREC_DIR_INACTIVE ||
		    m->dir == SIPREC_DIR_SENDONLY ||
		    (o != NULL && (o->dir == SIPREC_DIR_INACTIVE ||
		    o->dir == SIPREC_DIR_RECVONLY || o->hold));
		if (!r->siprec)
			off = m->hold || m->dir == SIPREC_DIR_INACTIVE ||
			    m->dir == SIPREC_DIR_SENDONLY;
		if (off && !s->paused) {
			s->paused = 1;
			s->pause_from = t;
			event(r, t, "pause", "%s", s->label);
		} else if (!off && s->paused) {
			s->paused = 0;
			siprec_stream_pause(s->s, s->pause_from, t);
			event(r, t, "resume", "%s", s->label);
		}
	}
	/* A plain call: media towards the caller is a stream as well. */
	if (!r->siprec && r->have_src_sdp)
		for (i = 0; i < lab->nm; i++) {
			const struct siprec_sdp_m *m = &lab->m[i];
			struct rs_stream *s = NULL;
			char plain[32];

			if (strcmp(m->type, "audio") != 0 || m->addr.port == 0)
				continue;
			for (k = 0; k < r->nst; k++)
				if (r->st[k].index == 100 + i)
					s = &r->st[k];
			if (s == NULL) {
				snprintf(plain, sizeof(plain), i ?
				    "to-caller-%u" : "to-caller", i + 1);
				if (add_stream(r, 100 + i, plain) != 0)
					continue;
				s = &r->st[r->nst - 1];
				event(r, t, "stream", "%s", s->label);
			}
			map_pts(s, m);
			sdes_key(r, s, i < to->nm ? &to->m[i] : NULL, m);
			if (!m->hold)
				flow_add(r->rs, s, &m->addr, 0), added = 1;
		}
	if (added)
		replay(r->rs);
}

/* --- activation and the end ----------------------------------------------------- */

static void
make_id(struct rs_rec *r)
{
	char base[64], key[512];
	unsigned char dig[32];

	sanitise(r->call_id, base, 49, "call");
	snprintf(key, sizeof(key), "%s%c%s", r->call_id, 0, r->from_tag);
	gcry_md_hash_buffer(GCRY_MD_SHA256, dig, key,
	    strlen(r->call_id) + 1 + strlen(r->from_tag));
	snprintf(r->id, sizeof(r->id), "%s-%02x%02x%02x%02x", base, dig[0],
	    dig[1], dig[2], dig[3]);
	snprintf(r->dir, sizeof(r->dir), "%s/%s", r->rs->o.outdir, r->id);
}

static int
activate(struct rs_rec *r, uint64_t t)
{
	char path[PATH_MAX + 16];

	r->state = R_ACTIVE;
	r->t0 = t;
	make_id(r);
	snprintf(path, sizeof(path), "%s/metadata", r->dir);
	if ((mkdir(r->dir, 0777) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0777) != 0 && errno != EEXIST)) {
		rslog(r->rs, SIPREC_SEV_ERROR, "%s: %s", r->dir, strerror(errno));
		r->io_error = 1;
		return -1;
	}
	if (siprec_meta_state_new(&r->meta) != SIPREC_OK)
		return -1;
	event(r, t, "start", r->siprec ? "SIPREC session" : "SIP call");
	return 0;
}

/* Numeric labels in numeric order, then the others by text. */
static int
label_before(const char *a, const char *b)
{
	char *ea, *eb;
	unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

	if (*a && *b && *ea == '\0' && *eb == '\0')
		return x < y;
	return strcmp(a, b) < 0;
}

/*
 * --layout stereo or mixed: put the finished stream files into one file
 * and remove them.  Stereo takes two streams, left the one the first
 * participant of the metadata sends, else the lower label.  Files of
 * different sample rates stay per stream (said in session.json).
 */
static void
combine(struct siprec_rs *rs, struct rs_rec *r)
{
	struct siprec_meta_party parties[16];
	SNDFILE *in[MAX_STREAMS], *out = NULL;
	SF_INFO si[MAX_STREAMS], so;
	unsigned int order[MAX_STREAMS], n = 0, i, j, k;
	char path[PATH_MAX + 128], tmp[PATH_MAX + 136];
	const char *how = "label";
	short ib[MAX_STREAMS][1024], ob[2048];
	size_t np;
	int ok = 1;

	if (rs->o.layout == SIPREC_LAYOUT_PER_STREAM || r->nst == 0)
		return;
	for (i = 0; i < r->nst; i++)
		order[n++] = i;
	for (i = 1; i < n; i++)		/* by label */
		for (j = i; j > 0 && label_before(r->st[order[j]].label,
		    r->st[order[j - 1]].label); j--) {
			k = order[j];
			order[j] = order[j - 1];
			order[j - 1] = k;
		}
	np = siprec_meta_state_parties(r->meta, parties, 16);
	if (rs->o.layout == SIPREC_LAYOUT_STEREO && np > 0 && n >= 2) {
		for (i = 0; i < n; i++) {
			for (k = 0; k < parties[0].nsend; k++)
				if (strcmp(parties[0].send[k],
				    r->st[order[i]].label) == 0)
					break;
			if (k < parties[0].nsend && i != 0) {
				j = order[0];
				order[0] = order[i];
				order[i] = j;
				how = "participant";
				break;
			}
			if (k < parties[0].nsend) {
				how = "participant";
				break;
			}
		}
	}
	if (rs->o.layout == SIPREC_LAYOUT_STEREO && n > 2)
		n = 2;
	memset(in, 0, sizeof(in));
	for (i = 0; i < n; i++) {
		memset(&si[i], 0, sizeof(si[i]));
		snprintf(path, sizeof(path), "%s/%s", r->dir,
		    r->st[order[i]].fname);
		if ((in[i] = sf_open(path, SFM_READ, &si[i])) == NULL ||
		    si[i].samplerate != si[0].samplerate || si[i].channels != 1)
			ok = 0;
	}
	if (ok) {
		memset(&so, 0, sizeof(so));
		so.samplerate = si[0].samplerate;
		so.channels = rs->o.layout == SIPREC_LAYOUT_STEREO ? 2 : 1;
		so.format = si[0].format;
		snprintf(r->layout_file, sizeof(r->layout_file), "%s.%s",
		    rs->o.layout == SIPREC_LAYOUT_STEREO ? "stereo" : "mixed",
		    ext_of(rs->o.format));
		snprintf(path, sizeof(path), "%s/%s", r->dir, r->layout_file);
		snprintf(tmp, sizeof(tmp), "%s.part", path);
		if ((out = sf_open(tmp, SFM_WRITE, &so)) == NULL)
			ok = 0;
	}
	for (;;) {
		sf_count_t got = 0, c;

		if (!ok)
			break;
		for (i = 0; i < n; i++) {
			c = sf_read_short(in[i], ib[i], 1024);
			if (c > got)
				got = c;
			for (; c < 1024; c++)
				ib[i][c] = 0;
		}
		if (got == 0)
			break;
		for (c = 0; c < got; c++) {
			if (so.channels == 2) {
				ob[2 * c] = ib[0][c];
				ob[2 * c + 1] = n > 1 ? ib[1][c] : 0;
			} else {
				long sum = 0;

				for (i = 0; i < n; i++)
					sum += ib[i][c];
				ob[c] = (short)(sum > 32767 ? 32767 :
				    sum < -32768 ? -32768 : sum);
			}
		}
		if (sf_writef_short(out, ob, got) != got)
			ok = 0;
	}
	for (i = 0; i < n; i++)
		if (in[i] != NULL)
			sf_close(in[i]);
	if (out != NULL && sf_close(out) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0) {
		/* The combined file replaces the per-stream files. */
		for (i = 0; i < r->nst; i++) {
			snprintf(path, sizeof(path), "%s/%s", r->dir,
			    r->st[i].fname);
			r->chan_of[i] = -1;
			for (j = 0; j < n; j++)
				if (order[j] == i)
					r->chan_of[i] = (int)j;
			if (r->chan_of[i] >= 0 || rs->o.layout ==
			    SIPREC_LAYOUT_MIXED)
				remove(path);
		}
		snprintf(r->layout_desc, sizeof(r->layout_desc),
		    "{\"type\": \"%s\", \"file\": \"%s\", \"order\": "
		    "\"%s\", \"streams\": %u}", so.channels == 2 ? "stereo" :
		    "mixed", r->layout_file, how, n);
		return;
	}
	if (out != NULL)
		remove(tmp);
	r->layout_file[0] = '\0';
	snprintf(r->layout_desc, sizeof(r->layout_desc),
	    "{\"type\": \"per-stream\", \"note\": \"streams differ in "
	    "sample rate; not combined\"}");
	rslog(rs, SIPREC_SEV_WARNING, "%s: streams not combined: sample "
	    "rates differ", r->id);
}

static void	complete(struct siprec_rs *, struct rs_fin *);
static void	finish_end(struct siprec_rs *, struct rs_fin *);
static int	fin_start(struct siprec_rs *);
static void	fin_queue(struct siprec_rs *, struct rs_fin *);

static void
finish(struct siprec_rs *rs, struct rs_rec *r, uint64_t end, const char *why)
{
	char path[PATH_MAX + 32], *xml;
	struct rs_fin *j;
	size_t n, i;
	struct siprec_diag d;

	rec_unlink(rs, r);
	if (r->state != R_ACTIVE) {
		rs->stats.skipped_calls++;
		rec_free(r);
		return;
	}
	if (end < r->t0)
		end = r->t0;
	event(r, end, "end", "%s", why);
	for (i = 0; i < r->nst; i++) {
		struct rs_stream *s = &r->st[i];

		if (s->paused)
			siprec_stream_pause(s->s, s->pause_from, end);
		if (siprec_stream_finish(s->s, end, &d) != SIPREC_OK) {
			rslog(rs, SIPREC_SEV_ERROR, "%s/%s: %s", r->dir,
			    s->fname, d.detail);
			r->io_error = 1;
		}
	}
	combine(rs, r);
	snprintf(path, sizeof(path), "%s/metadata.xml", r->dir);
	if (siprec_meta_state_dump(r->meta, &xml, &n) == SIPREC_OK) {
		if (write_file(path, xml, n) != 0)
			r->io_error = 1;
		free(xml);
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		/* No memory for the job: completed here, as it can be. */
		write_session_json(rs, r, end, why,
		    (const char *const *)rs->in_name,
		    (const char *const *)rs->in_hex, rs->nin, NULL, NULL);
		(void)write_manifest(r->dir, (const char *const *)rs->in_name,
		    (const char *const *)rs->in_hex, rs->nin, NULL, 0);
		r->io_error = 1;
		rs->stats.recordings++;
		rec_free(r);
		return;
	}
	j->r = r;
	j->end = end;
	snprintf(j->why, sizeof(j->why), "%s", why);
	j->with_inputs = rs->nin > 0;
	/* With the inputs known, each file is written once. */
	write_session_json(rs, r, end, why, (const char *const *)rs->in_name,
	    (const char *const *)rs->in_hex, rs->nin, &j->json, &j->njson);
	if (rs->o.background && fin_start(rs)) {
		fin_queue(rs, j);
		return;
	}
	complete(rs, j);
	finish_end(rs, j);
}

/*
 * Complete a recording's directory: MANIFEST.sha256 with the hashes of
 * everything in it, then session.json.  On the background thread when
 * there is one; touches nothing of rs but the inputs, which stay put
 * while jobs are queued (siprec_rs_inputs() waits for them).
 */
static void
complete(struct siprec_rs *rs, struct rs_fin *j)
{
	struct rs_rec *r = j->r;
	char path[PATH_MAX + 32];

	/*
	 * The manifest first, with session.json hashed from memory: a
	 * directory with a session.json always has its manifest, even
	 * after a kill between the two.
	 */
	if (j->json == NULL || write_manifest(r->dir, j->with_inputs ?
	    (const char *const *)rs->in_name : NULL, j->with_inputs ?
	    (const char *const *)rs->in_hex : NULL, j->with_inputs ?
	    rs->nin : 0, j->json, j->njson) != 0)
		r->io_error = 1;
	snprintf(path, sizeof(path), "%s/session.json", r->dir);
	if (j->json == NULL || write_file(path, j->json, j->njson) != 0)
		r->io_error = 1;
	free(j->json);
	j->json = NULL;
}

/* A completed recording: counted, remembered, reported, freed. */
static void
finish_end(struct siprec_rs *rs, struct rs_fin *j)
{
	struct rs_rec *r = j->r;
	struct siprec_rs_done done;
	struct siprec_rs_done_stream dst[MAX_STREAMS];
	const struct siprec_stream_stats *x;
	uint64_t pk = 0, lost = 0;
	size_t i;

	if (rs->nwritten == rs->capwritten) {
		size_t nc = rs->capwritten ? rs->capwritten * 2 : 64;
		char **nw = realloc(rs->written, nc * sizeof(*nw));
		unsigned char *ww = realloc(rs->written_with, nc);

		if (nw != NULL)
			rs->written = nw;
		if (ww != NULL)
			rs->written_with = ww;
		if (nw != NULL && ww != NULL)
			rs->capwritten = nc;
	}
	if (rs->nwritten < rs->capwritten) {
		rs->written_with[rs->nwritten] = (unsigned char)j->with_inputs;
		rs->written[rs->nwritten++] = strdup(r->dir);
	}
	rs->stats.recordings++;
	for (i = 0; i < r->nst; i++)
		if ((x = siprec_stream_stats(r->st[i].s)) != NULL) {
			pk += x->packets;
			lost += x->lost;
		}
	memset(&done, 0, sizeof(done));
	done.id = r->id;
	done.dir = r->dir;
	done.call_id = r->call_id;
	done.reason = j->why;
	done.siprec = r->siprec;
	done.start_ns = r->t0;
	done.end_ns = j->end;
	done.streams = r->nst;
	done.metadata = r->ndocs;
	done.packets = pk;
	done.lost = lost;
	done.ok = !r->io_error;
	for (i = 0; i < r->nst; i++) {
		dst[i].label = r->st[i].label;
		dst[i].file = r->layout_file[0] ? r->layout_file :
		    r->st[i].fname;
		dst[i].stats = siprec_stream_stats(r->st[i].s);
	}
	done.st = dst;
	done.meta_errors = r->findings[SIPREC_SEV_ERROR] +
	    r->findings[SIPREC_SEV_FATAL];
	done.meta_warnings = r->findings[SIPREC_SEV_WARNING];
	if (rs->o.done != NULL)
		rs->o.done(rs->o.arg, &done);
	rec_free(r);
	free(j->json);
	free(j);
}

/* --- completing directories in the background ------------------------------ */

/* Take the next queued job and complete it; fin_mu held, let go meanwhile. */
static void
fin_run_next(struct siprec_rs *rs)
{
	struct rs_fin *j = rs->fin_next;

	rs->fin_next = j->next;
	pthread_mutex_unlock(&rs->fin_mu);
	complete(rs, j);
	pthread_mutex_lock(&rs->fin_mu);
	j->done = 1;
	atomic_fetch_add(&rs->fin_ndone, 1);
}

static void *
fin_thread(void *arg)
{
	struct siprec_rs *rs = arg;

	(void)pthread_setname_np(pthread_self(), "siprec-finish");
	pthread_mutex_lock(&rs->fin_mu);
	for (;;) {
		while (rs->fin_next == NULL && !rs->fin_stop)
			pthread_cond_wait(&rs->fin_work, &rs->fin_mu);
		if (rs->fin_next == NULL)
			break;
		fin_run_next(rs);
		pthread_cond_broadcast(&rs->fin_done);
	}
	pthread_mutex_unlock(&rs->fin_mu);
	return NULL;
}

/* The background thread, started on first use; 0 if it cannot run. */
static int
fin_start(struct siprec_rs *rs)
{
	if (rs->fin_running)
		return 1;
	if (pthread_mutex_init(&rs->fin_mu, NULL) != 0)
		return 0;
	if (pthread_cond_init(&rs->fin_work, NULL) != 0) {
		pthread_mutex_destroy(&rs->fin_mu);
		return 0;
	}
	if (pthread_cond_init(&rs->fin_done, NULL) != 0) {
		pthread_cond_destroy(&rs->fin_work);
		pthread_mutex_destroy(&rs->fin_mu);
		return 0;
	}
	rs->fin_stop = 0;
	if (pthread_create(&rs->fin_th, NULL, fin_thread, rs) != 0) {
		pthread_cond_destroy(&rs->fin_done);
		pthread_cond_destroy(&rs->fin_work);
		pthread_mutex_destroy(&rs->fin_mu);
		return 0;
	}
	rs->fin_running = 1;
	return 1;
}

/*
 * Wait, fin_mu held, for the thread to complete a job: rather than idle,
 * complete the next one not started here.
 */
static void
fin_help(struct siprec_rs *rs)
{
	if (rs->fin_next == NULL)
		pthread_cond_wait(&rs->fin_done, &rs->fin_mu);
	else
		fin_run_next(rs);
}

/*
 * Report the completed recordings at the head of the queue, in order;
 * with all set, wait for every one.
 */
static void
fin_reap(struct siprec_rs *rs, int all)
{
	struct rs_fin *j;

	if (!rs->fin_running)
		return;
	for (;;) {
		/* Per packet: nothing to do unless a job is through. */
		if (!all && atomic_load(&rs->fin_ndone) == 0)
			return;
		pthread_mutex_lock(&rs->fin_mu);
		while ((j = rs->fin_head) != NULL && !j->done && all)
			fin_help(rs);
		if (j != NULL && j->done) {
			rs->fin_head = j->next;
			if (rs->fin_head == NULL)
				rs->fin_tail = NULL;
			rs->fin_n--;
			atomic_fetch_sub(&rs->fin_ndone, 1);
		} else
			j = NULL;
		pthread_mutex_unlock(&rs->fin_mu);
		if (j == NULL)
			return;
		finish_end(rs, j);
	}
}

static void
fin_queue(struct siprec_rs *rs, struct rs_fin *j)
{
	pthread_mutex_lock(&rs->fin_mu);
	/* At most FIN_MAX recordings held in memory: wait for the oldest. */
	while (rs->fin_n >= FIN_MAX && !rs->fin_head->done)
		fin_help(rs);
	if (rs->fin_tail != NULL)
		rs->fin_tail->next = j;
	else
		rs->fin_head = j;
	rs->fin_tail = j;
	if (rs->fin_next == NULL)
		rs->fin_next = j;
	rs->fin_n++;
	pthread_cond_signal(&rs->fin_work);
	pthread_mutex_unlock(&rs->fin_mu);
	fin_reap(rs, 0);
}

static void
fin_stop(struct siprec_rs *rs)
{
	if (!rs->fin_running)
		return;
	fin_reap(rs, 1);
	pthread_mutex_lock(&rs->fin_mu);
	rs->fin_stop = 1;
	pthread_cond_signal(&rs->fin_work);
	pthread_mutex_unlock(&rs->fin_mu);
	pthread_join(rs->fin_th, NULL);
	pthread_cond_destroy(&rs->fin_done);
	pthread_cond_destroy(&rs->fin_work);
	pthread_mutex_destroy(&rs->fin_mu);
	rs->fin_running = 0;
}

/* --- SIP -------------------------------------------------------------------- */

static int
is_siprec_invite(const struct siprec_sipmsg *m)
{
	size_t i;

	if (m->require_siprec || m->supported_siprec ||
	    m->contact == SIPREC_CONTACT_SRC ||
	    m->contact == SIPREC_CONTACT_LEGACY_SRC)
		return 1;
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].metadata)
			return 1;
	return 0;
}

static int
wanted(struct siprec_rs *rs, const char *call_id)
{
	if (rs->o.call_id != NULL && strcmp(rs->o.call_id, call_id) != 0)
		return 0;
	/* A deterministic share: FNV-1a 64 of the Call-ID, modulo N. */
	if (rs->o.shard_n > 1 && fnv(call_id, strlen(call_id)) %
	    rs->o.shard_n != rs->o.shard_k - 1)
		return 0;
	return 1;
}

/* The SDP and the metadata of a message into a transaction. */
static void
take_bodies(struct rs_rec *r, const struct siprec_sipmsg *m,
    struct rs_txn *t, int store)
{
	struct siprec_diag d;
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		const struct siprec_part *p = &m->parts[i];

		if (p->sdp && !t->has_sdp) {
			if (siprec_sdp_parse(p->body.p, p->body.len, &t->sdp,
			    &d) == SIPREC_OK)
				t->has_sdp = 1;
			else
				rslog(r->rs, SIPREC_SEV_WARNING, "%s: SDP: %s",
				    r->call_id, d.detail);
		} else if (p->metadata && t->meta == NULL &&
		    p->body.len <= MAX_BODY) {
			if ((t->meta = malloc(p->body.len + 1)) == NULL)
				continue;
			memcpy(t->meta, p->body.p, p->body.len);
			t->nmeta = p->body.len;
			snprintf(t->charset, sizeof(t->charset), "%s",
			    p->charset);
			if (store && r->state == R_ACTIVE)
				store_body(r, p->body.p, p->body.len);
		}
	}
}

/* A transaction succeeded: its offer and metadata take effect at t. */
/* An SDP that now stands for its author's side. */
static void
keep_sdp(struct rs_rec *r, const struct siprec_sdp *sdp, int by_srs)
{
	if (by_srs) {
		r->srs_sdp = *sdp;
		r->have_srs_sdp = 1;
	} else {
		r->src_sdp = *sdp;
		r->have_src_sdp = 1;
	}
}

/*
 * A PRACK (RFC 3262) while the INVITE is pending: its SDP answers an
 * offer made in a reliable 1xx, or is a new offer answered in the
 * PRACK's 2xx (RFC 3262 5).
 */
static void
on_prack(struct rs_rec *r, struct siprec_sipmsg *m, int from_srs)
{
	struct rs_txn *t;

	if (!r->txn.active || strcasecmp(r->txn.method, "INVITE") != 0)
		return;
	if (r->prack != NULL && r->prack->cseq == m->cseq) {
		r->rs->stats.retransmissions++;
		return;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return;
	take_bodies(r, m, t, 0);
	if (!t->has_sdp) {
		txn_clear(t);
		free(t);
		return;
	}
	if (r->txn.early_offer) {
		keep_sdp(r, &t->sdp, from_srs);
		r->txn.early_offer = 0;
		r->txn.early_done = 1;
		txn_clear(t);
		free(t);
		return;
	}
	t->active = 1;
	t->cseq = m->cseq;
	t->from_srs = from_srs;
	snprintf(t->method, sizeof(t->method), "PRACK");
	if (r->prack != NULL)
		txn_clear(r->prack);
	free(r->prack);
	r->prack = t;
}

/* The final response to a PRACK that made an offer. */
static void
on_prack_response(struct rs_rec *r, struct siprec_sipmsg *m)
{
	struct rs_txn ans;

	if (r->prack == NULL || r->prack->cseq != m->cseq || m->status < 200)
		return;
	if (m->status < 300) {
		memset(&ans, 0, sizeof(ans));
		take_bodies(r, m, &ans, 0);
		if (ans.has_sdp) {
			keep_sdp(r, &r->prack->sdp, r->prack->from_srs);
			keep_sdp(r, &ans.sdp, !r->prack->from_srs);
			r->txn.early_done = 1;
		}
		txn_clear(&ans);
	}
	/* A rejected offer changes nothing (RFC 3264). */
	txn_clear(r->prack);
	free(r->prack);
	r->prack = NULL;
}

static void
commit(struct rs_rec *r, struct rs_txn *t, const struct rs_txn *answer,
    uint64_t t_ns)
{
	const struct rs_txn *offer = t;

	/* Whoever wrote each SDP: requests from the SRS are rare. */
	if (offer->has_sdp) {
		if (offer->from_srs) {
			r->srs_sdp = offer->sdp;
			r->have_srs_sdp = 1;
		} else {
			r->src_sdp = offer->sdp;
			r->have_src_sdp = 1;
		}
	}
	if (answer != NULL && answer->has_sdp) {
		if (offer->from_srs) {
			r->src_sdp = answer->sdp;
			r->have_src_sdp = 1;
		} else {
			r->srs_sdp = answer->sdp;
			r->have_srs_sdp = 1;
		}
	}
	if (t->meta != NULL)
		apply_meta(r, t->meta, t->nmeta, t->charset, offer->has_sdp ?
		    &offer->sdp : NULL, t_ns);
	apply_sdp(r, t_ns);
}

static void
on_request(struct siprec_rs *rs, struct rs_rec *r, struct siprec_sipmsg *m,
    const struct siprec_pkt *p)
{
	int from_srs;

	if (r == NULL) {
		if (strcasecmp(m->method, "INVITE") != 0 || m->to_tag)
			return;
		if (!(is_siprec_invite(m) || rs->o.all_calls) ||
		    !wanted(rs, m->call_id)) {
			rs->stats.skipped_calls++;
			return;
		}
		if ((r = rec_alloc()) == NULL)
			return;
		r->rs = rs;
		snprintf(r->call_id, sizeof(r->call_id), "%s", m->call_id);
		snprintf(r->from_tag, sizeof(r->from_tag), "%s", m->from_tag_s);
		r->siprec = is_siprec_invite(m);
		r->src = p->src;
		r->srs = p->dst;
		r->t_invite = p->ts_ns;
		r->hnext = rs->recs[fnv(r->call_id, strlen(r->call_id)) %
		    NBUCKET];
		rs->recs[fnv(r->call_id, strlen(r->call_id)) % NBUCKET] = r;
		r->next = rs->all;
		if (rs->all != NULL)
			rs->all->pprev = &r->next;
		rs->all = r;
		r->pprev = &rs->all;
	}
	r->t_last = p->ts_ns;
	from_srs = addr_eq(&p->src, &r->srs) && !addr_eq(&p->src, &r->src);
	if (strcasecmp(m->method, "ACK") == 0) {
		/* The answer to an offer made in a 2xx (offerless INVITE). */
		if (r->offer_in_2xx) {
			struct rs_txn a;

			memset(&a, 0, sizeof(a));
			take_bodies(r, m, &a, 0);
			if (a.has_sdp) {
				if (from_srs) {
					r->srs_sdp = a.sdp;
					r->have_srs_sdp = 1;
				} else {
					r->src_sdp = a.sdp;
					r->have_src_sdp = 1;
				}
				apply_sdp(r, p->ts_ns);
			}
			txn_clear(&a);
			r->offer_in_2xx = 0;
		}
		return;
	}
	if (strcasecmp(m->method, "BYE") == 0) {
		struct rs_txn b;

		if (r->state != R_ACTIVE) {
			finish(rs, r, p->ts_ns, "bye");
			return;
		}
		memset(&b, 0, sizeof(b));
		take_bodies(r, m, &b, 1);	/* RFC 8068 3.2.4 */
		if (b.meta != NULL)
			apply_meta(r, b.meta, b.nmeta, b.charset, NULL,
			    p->ts_ns);
		txn_clear(&b);
		finish(rs, r, p->ts_ns, "bye");
		return;
	}
	if (strcasecmp(m->method, "CANCEL") == 0) {
		if (r->state != R_ACTIVE)
			finish(rs, r, p->ts_ns, "cancel");
		return;
	}
	if (strcasecmp(m->method, "PRACK") == 0) {
		on_prack(r, m, from_srs);
		return;
	}
	if (strcasecmp(m->method, "INVITE") != 0 &&
	    strcasecmp(m->method, "UPDATE") != 0)
		return;
	/* A retransmission of the pending request is the same request. */
	if (r->txn.active && r->txn.cseq == m->cseq &&
	    strcasecmp(r->txn.method, m->method) == 0) {
		rs->stats.retransmissions++;
		return;
	}
	if (m->cseq == r->last_cseq_seen &&
	    strcasecmp(m->method, r->last_method_seen) == 0) {
		rs->stats.retransmissions++;
		return;
	}
	txn_clear(&r->txn);
	r->txn.active = 1;
	r->txn.cseq = m->cseq;
	r->txn.from_srs = from_srs;
	snprintf(r->txn.method, sizeof(r->txn.method), "%s", m->method);
	take_bodies(r, m, &r->txn, 1);
	r->last_cseq_seen = m->cseq;
	snprintf(r->last_method_seen, sizeof(r->last_method_seen), "%s",
	    m->method);
}

static void
on_response(struct siprec_rs *rs, struct rs_rec *r, struct siprec_sipmsg *m,
    const struct siprec_pkt *p)
{
	struct rs_txn ans;
	int initial;

	if (r == NULL)
		return;
	r->t_last = p->ts_ns;
	if (strcasecmp(m->cseq_method, "PRACK") == 0) {
		on_prack_response(r, m);
		return;
	}
	if (!r->txn.active || r->txn.cseq != m->cseq ||
	    strcasecmp(r->txn.method, m->cseq_method) != 0) {
		if (m->status >= 200)
			rs->stats.retransmissions++;
		return;
	}
	if (m->status < 200) {
		/*
		 * An answer in a reliable provisional response (RFC 3262) is
		 * the answer: the 2xx need not repeat it.  Kept until then.
		 */
		if (m->status > 100 && r->txn.has_sdp && !r->txn.early_done) {
			memset(&ans, 0, sizeof(ans));
			take_bodies(r, m, &ans, 0);
			/*
			 * Not early_done: a 2xx with SDP still has the
			 * last word, as after an unreliable 183 whose SDP
			 * was a preview.
			 */
			if (ans.has_sdp)
				keep_sdp(r, &ans.sdp, !r->txn.from_srs);
			txn_clear(&ans);
		} else if (m->status > 100 && !r->txn.has_sdp &&
		    !r->txn.early_offer && !r->txn.early_done &&
		    strcasecmp(r->txn.method, "INVITE") == 0) {
			/*
			 * No offer in the INVITE: one in a reliable 1xx is
			 * the offer, answered in the PRACK (RFC 3262 5).
			 */
			memset(&ans, 0, sizeof(ans));
			take_bodies(r, m, &ans, 0);
			if (ans.has_sdp) {
				keep_sdp(r, &ans.sdp, !r->txn.from_srs);
				r->txn.early_offer = 1;
			}
			txn_clear(&ans);
		}
		return;
	}
	initial = r->state != R_ACTIVE;
	if (m->status >= 300) {
		/* A rejected offer changes nothing (RFC 3264); metadata too. */
		event(r, p->ts_ns, "rejected", "%s %lu: %d", r->txn.method,
		    r->txn.cseq, m->status);
		txn_clear(&r->txn);
		if (initial)
			finish(rs, r, p->ts_ns, "rejected");
		return;
	}
	if (initial) {
		snprintf(r->to_tag, sizeof(r->to_tag), "%s", m->to_tag_s);
		if (activate(r, p->ts_ns) != 0) {
			txn_clear(&r->txn);
			finish(rs, r, p->ts_ns, "error");
			return;
		}
		if (r->txn.meta != NULL)	/* held until the directory existed */
			store_body(r, r->txn.meta, r->txn.nmeta);
	}
	memset(&ans, 0, sizeof(ans));
	take_bodies(r, m, &ans, 0);
	if (r->txn.early_done || (r->txn.early_offer && !ans.has_sdp)) {
		/*
		 * Offer and answer went in a reliable 1xx and the PRACK
		 * (RFC 3262 5) and were kept as they came; an SDP in the
		 * 2xx only repeats the answer.  (An offer in a 1xx never
		 * answered, then one in the 2xx: the 1xx was a preview and
		 * the 2xx's is the offer, answered in the ACK, below.)
		 */
		if (r->txn.meta != NULL)
			apply_meta(r, r->txn.meta, r->txn.nmeta,
			    r->txn.charset, r->have_src_sdp ? &r->src_sdp :
			    NULL, p->ts_ns);
		apply_sdp(r, p->ts_ns);
	} else if (!r->txn.has_sdp && ans.has_sdp) {
		/* The offer is in the 2xx; its answer will be in the ACK. */
		struct rs_txn off = ans;

		off.from_srs = !r->txn.from_srs;
		off.meta = r->txn.meta;
		off.nmeta = r->txn.nmeta;
		memcpy(off.charset, r->txn.charset, sizeof(off.charset));
		r->offer_in_2xx = 1;
		commit(r, &off, NULL, p->ts_ns);
		ans.meta = ans.meta;	/* the 2xx's own metadata below */
	} else
		commit(r, &r->txn, &ans, p->ts_ns);
	if (ans.meta != NULL) {	/* metadata in the 2xx (RFC 7866 9.1) */
		store_body(r, ans.meta, ans.nmeta);
		apply_meta(r, ans.meta, ans.nmeta, ans.charset, ans.has_sdp ?
		    &ans.sdp : NULL, p->ts_ns);
	}
	txn_clear(&ans);
	txn_clear(&r->txn);
}

static void
on_sip(struct siprec_rs *rs, const struct siprec_pkt *p)
{
	struct siprec_sipmsg *m = NULL;
	struct siprec_diag d;
	struct rs_rec *r;

	rs->stats.sip++;
	if (siprec_sipmsg_parse(p->data.p, p->data.len, NULL, &m, &d) !=
	    SIPREC_OK || m->bare || m->call_id[0] == '\0') {
		rs->stats.sip_bad++;
		rslog(rs, SIPREC_SEV_WARNING, "malformed SIP message: %s",
		    m == NULL ? d.detail : "no Call-ID");
		siprec_sipmsg_free(m);
		return;
	}
	r = rec_find(rs, m->call_id);
	if (m->request)
		on_request(rs, r, m, p);
	else
		on_response(rs, r, m, p);
	siprec_sipmsg_free(m);
}

/* --- RTP -------------------------------------------------------------------- */

/*
 * Symmetric RTP (RFC 4961, SPEC T-23, T-25): in a plain call, the address
 * seen sending into one direction receives the other, whatever the SDP
 * said (NAT, media relays).
 */
static void
latch(struct siprec_rs *rs, struct rs_stream *s, const struct siprec_addr *src)
{
	struct rs_rec *r = s->rec;
	unsigned int want, k;

	s->latched = 1;
	if (r->siprec)
		return;
	want = s->index >= 100 ? s->index - 100 : s->index + 100;
	for (k = 0; k < r->nst; k++)
		if (r->st[k].index == want) {
			flow_add(rs, &r->st[k], src, 0);
			replay(rs);
			return;
		}
}

static void
to_stream(struct siprec_rs *rs, struct rs_stream *s, const uint8_t *data,
    size_t len, uint64_t ts)
{
	struct siprec_diag d;

	s->t_last = ts;
	if (s->stopped)
		return;
	if (s->srtp == NULL && rs->keys != NULL && len >= 12) {
		uint32_t ssrc = (uint32_t)data[8] << 24 | (uint32_t)data[9] << 16 |
		    (uint32_t)data[10] << 8 | data[11];
		const struct siprec_crypto *c = siprec_keyring_find(rs->keys,
		    &s->key[0].a, ssrc);

		if (c != NULL)
			stream_key(s->rec, s, c);
	}
	if (s->srtp != NULL && len <= sizeof(rs->pkt)) {
		memcpy(rs->pkt, data, len);
		if (siprec_srtp_unprotect(s->srtp, rs->pkt, &len) != SIPREC_OK) {
			s->srtp_dropped++;
			return;
		}
		data = rs->pkt;
	}
	if (siprec_rtp_is_rtcp(data, len))
		return;
	if (s->paused) {
		/*
		 * Media during a pause was still sent: the pause ends at its
		 * arrival (a resume's RTP often precedes the resume's 2xx).
		 */
		siprec_stream_pause(s->s, s->pause_from, ts);
		s->paused = 0;
		event(s->rec, ts, "resume", "%s: media", s->label);
	}
	if (siprec_stream_rtp(s->s, data, len, ts) != SIPREC_OK &&
	    !s->rec->io_error) {
		s->rec->io_error = 1;
		memset(&d, 0, sizeof(d));
		rslog(rs, SIPREC_SEV_ERROR, "%s/%s: cannot write", s->rec->dir,
		    s->fname);
	}
}

/* RTP-looking datagrams without a stream yet wait here a little. */
static void
ring_put(struct siprec_rs *rs, const struct siprec_pkt *p)
{
	struct ring_ent *e;

	if (p->data.len > RING_MTU || p->data.len < 12 ||
	    (p->data.p[0] >> 6) != 2)
		return;
	if (rs->ring == NULL &&
	    (rs->ring = calloc(RING, sizeof(*rs->ring))) == NULL)
		return;
	e = &rs->ring[(rs->rhead + rs->rlen) % RING];
	if (rs->rlen == RING)
		rs->rhead = (rs->rhead + 1) % RING;
	else
		rs->rlen++;
	e->ts = p->ts_ns;
	e->dst = p->dst;
	e->src = p->src;
	e->len = (uint16_t)p->data.len;
	memcpy(e->data, p->data.p, p->data.len);
}

static void
replay(struct siprec_rs *rs)
{
	size_t i;

	for (i = 0; i < rs->rlen; i++) {
		struct ring_ent *e = &rs->ring[(rs->rhead + i) % RING];
		struct rs_stream *s;

		if (e->len == 0 || (s = flow_find(rs, &e->dst, &e->src)) ==
		    NULL)
			continue;
		to_stream(rs, s, e->data, e->len, e->ts);
		e->len = 0;
	}
}

static int
looks_sip(const uint8_t *p, size_t n)
{
	/*
	 * RTP, RTCP and SRTP (version 2) start at 0x80; a SIP message starts
	 * with a token character or CRLF: most datagrams end here.
	 */
	if (n <= 12 || p[0] >= 0x80)
		return 0;
	return (memcmp(p, "SIP/2.0 ", 8) == 0 ||
	    siprec_sipmsg_sniff(p, n > 256 ? 256 : n)) &&
	    memmem(p, n < 512 ? n : 512, "SIP/2.0", 7) != NULL;
}

/*
 * SRTP with a key from --keys and no signalling in the capture (SIP over
 * TLS, T-22): the flow becomes a recording of its own, labelled by its
 * destination, flagged as having no metadata.  Returns 0 when taken.
 */
static int
keyed_flow(struct siprec_rs *rs, const struct siprec_pkt *p)
{
	const struct siprec_crypto *c;
	struct rs_rec *r;
	char a[80], label[64];
	uint32_t ssrc;
	size_t b;

	if (p->data.len < 12 || (p->data.p[0] >> 6) != 2 ||
	    siprec_rtp_is_rtcp(p->data.p, p->data.len))
		return -1;
	ssrc = (uint32_t)p->data.p[8] << 24 | (uint32_t)p->data.p[9] << 16 |
	    (uint32_t)p->data.p[10] << 8 | p->data.p[11];
	if ((c = siprec_keyring_find(rs->keys, &p->dst, ssrc)) == NULL)
		return -1;
	if ((r = rec_alloc()) == NULL)
		return -1;
	r->rs = rs;
	siprec_addr_format(&p->dst, a, sizeof(a));
	snprintf(r->call_id, sizeof(r->call_id), "rtp-%s", a);
	r->src = p->src;
	r->srs = p->dst;
	b = fnv(r->call_id, strlen(r->call_id)) % NBUCKET;
	r->hnext = rs->recs[b];
	rs->recs[b] = r;
	r->next = rs->all;
	if (rs->all != NULL)
		rs->all->pprev = &r->next;
	rs->all = r;
	r->pprev = &rs->all;
	r->t_last = p->ts_ns;
	if (activate(r, p->ts_ns) != 0) {
		finish(rs, r, p->ts_ns, "error");
		return 0;
	}
	event(r, p->ts_ns, "keyed", "RTP to %s with a key from the key file; "
	    "no signalling, no metadata", a);
	sanitise(a, label, sizeof(label), "rtp");
	if (add_stream(r, 0, label) == 0) {
		struct rs_stream *s = &r->st[0];

		flow_add(rs, s, &p->dst, 0);
		stream_key(r, s, c);
		to_stream(rs, s, p->data.p, p->data.len, p->ts_ns);
	}
	return 0;
}

/* --- public ----------------------------------------------------------------- */

enum siprec_err
siprec_rs_new(const struct siprec_rs_opts *o, struct siprec_rs **out,
    struct siprec_diag *diag)
{
	struct siprec_rs *rs;
	enum siprec_err e;

	*out = NULL;
	siprec__gcry_init();
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return SIPREC_ENOMEM;
	rs->o = *o;
	if (rs->o.idle_ns == 0)
		rs->o.idle_ns = 300ull * 1000000000ull;
	if ((e = siprec_meta_ctx_new(NULL, &rs->meta, diag)) != SIPREC_OK) {
		free(rs);
		return e;
	}
	if (o->keys != NULL &&
	    (e = siprec_keyring_load(o->keys, &rs->keys, diag)) != SIPREC_OK) {
		siprec_meta_ctx_free(rs->meta);
		free(rs);
		return e;
	}
	*out = rs;
	return SIPREC_OK;
}

/*
 * The time of a recording's last packet: its last SIP message's, or a
 * stream's last datagram's.  Kept per stream, so that a datagram does
 * not write to the recording's state too.
 */
static uint64_t
rec_last(const struct rs_rec *r)
{
	uint64_t t = r->t_last;
	unsigned int i;

	for (i = 0; i < r->nst; i++)
		if (r->st[i].t_last > t)
			t = r->st[i].t_last;
	return t;
}

static void
idle_check(struct siprec_rs *rs, uint64_t now)
{
	struct rs_rec *r, *next;
	uint64_t last;

	rs->last_idle_check = now;
	for (r = rs->all; r != NULL; r = next) {
		next = r->next;
		if ((last = rec_last(r)) + rs->o.idle_ns < now)
			finish(rs, r, last, "idle");
	}
}

/* One packet, now. */
static void
handle(struct siprec_rs *rs, const struct siprec_pkt *p)
{
	struct rs_stream *s;

	fin_reap(rs, 0);
	rs->cur = p;
	if (p->kind == SIPREC_PKT_SIP_TCP ||
	    looks_sip(p->data.p, p->data.len))
		on_sip(rs, p);
	else if ((s = flow_find(rs, &p->dst, &p->src)) != NULL) {
		to_stream(rs, s, p->data.p, p->data.len, p->ts_ns);
		if (!s->latched && !siprec_rtp_is_rtcp(p->data.p, p->data.len))
			latch(rs, s, &p->src);
	}
	else if (rs->keys != NULL && keyed_flow(rs, p) == 0)
		;
	else {
		rs->stats.rtp_unmatched++;
		ring_put(rs, p);
	}
	/* Idle sessions end; checked once a second of capture time. */
	if (p->ts_ns > rs->last_idle_check + 1000000000ull)
		idle_check(rs, p->ts_ns);
	rs->cur = NULL;
}

/*
 * Look-ahead (o.ahead).  Among thousands of streams, a datagram's
 * handling is a chain of cache misses waited for one after the other:
 * the stream its destination names, then that stream's media state,
 * then where its samples go.  So siprec_rs_packet() queues
 * UDP datagrams and handles each one 3 * AHEAD_STEP datagrams later, in
 * order; on the way, every AHEAD_STEP datagrams, one link of its chain
 * is prefetched, each read from what the step before brought in.  These
 * are only prefetches: the queue holds nothing but datagrams, so the
 * tables read are those of every datagram before the queue, current and
 * valid; and when its turn comes a datagram is looked up as always, so
 * what the ones before it changed (a re-INVITE, a BYE) is seen.  SIP
 * over TCP and datagrams larger than AHEAD_MTU empty the queue and are
 * handled at once; every other call empties it first.
 */
static void
ahead_fetch(struct siprec_rs *rs, const struct ahead *a, int step)
{
	struct rs_stream *s = rs->flows[a->bucket];

	if (s == NULL)
		return;
	switch (step) {
	case 0:
		__builtin_prefetch(s);
		__builtin_prefetch((const char *)s + 64);
		break;
	case 1:
		if (s->s != NULL)
			siprec__stream_prefetch(s->s, NULL);
		break;
	default:
		if (s->s != NULL)
			siprec__stream_prefetch(s->s, &a->p.data);
		break;
	}
}

static struct ahead *
ahead_at(struct siprec_rs *rs, size_t i)
{
	return &rs->q[(rs->qhead + i) % AHEAD];
}

/* Handle the oldest datagram queued. */
static void
ahead_pop(struct siprec_rs *rs)
{
	handle(rs, &rs->q[rs->qhead].p);
	rs->qhead = (rs->qhead + 1) % AHEAD;
	rs->qn--;
}

/* Handle every datagram queued, in order. */
static void
ahead_drain(struct siprec_rs *rs)
{
	while (rs->qn > 0)
		ahead_pop(rs);
}

/* Queue a datagram; 0 when it is not to be queued. */
static int
ahead_put(struct siprec_rs *rs, const struct siprec_pkt *p)
{
	struct ahead *a;

	if (p->kind != SIPREC_PKT_UDP || p->data.len > AHEAD_MTU)
		return 0;
	if (rs->q == NULL && (rs->q = malloc(AHEAD * sizeof(*rs->q))) == NULL)
		return 0;
	a = ahead_at(rs, rs->qn++);
	a->p = *p;
	if (p->data.len > 0)
		memcpy(a->buf, p->data.p, p->data.len);
	a->p.data.p = a->buf;
	a->bucket = key_bucket(&p->dst, 0);
	ahead_fetch(rs, a, 0);
	if (rs->qn > AHEAD_STEP)
		ahead_fetch(rs, ahead_at(rs, rs->qn - 1 - AHEAD_STEP), 1);
	if (rs->qn > 2 * AHEAD_STEP)
		ahead_fetch(rs, ahead_at(rs, rs->qn - 1 - 2 * AHEAD_STEP), 2);
	if (rs->qn > 3 * AHEAD_STEP)
		ahead_pop(rs);
	return 1;
}

enum siprec_err
siprec_rs_packet(struct siprec_rs *rs, const struct siprec_pkt *p,
    struct siprec_diag *diag)
{
	(void)diag;
	if (rs->o.ahead && ahead_put(rs, p))
		return SIPREC_OK;
	ahead_drain(rs);
	handle(rs, p);
	return SIPREC_OK;
}

void
siprec_rs_tick(struct siprec_rs *rs, uint64_t now_ns)
{
	ahead_drain(rs);
	fin_reap(rs, 0);
	if (now_ns > rs->last_idle_check)
		idle_check(rs, now_ns);
}

/* Put the inputs into a session.json written before they were hashed. */
static void
add_inputs(const char *dir, const char *const *inputs,
    const char *const *hex, size_t n)
{
	char path[PATH_MAX + 32], *buf = NULL, *at, *nb = NULL;
	size_t len = 0, nlen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/session.json", dir);
	if ((f = fopen(path, "rb")) == NULL)
		return;
	if ((buf = malloc(1 << 20)) != NULL)
		len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	if (buf == NULL)
		return;
	buf[len] = '\0';
	if ((at = strstr(buf, "\"inputs\": [")) == NULL ||
	    (f = open_memstream(&nb, &nlen)) == NULL) {
		free(buf);
		return;
	}
	fwrite(buf, 1, (size_t)(at - buf), f);
	json_inputs(f, inputs, hex, n);
	fclose(f);
	(void)write_file(path, nb, nlen);
	free(nb);
	free(buf);
}

static void
inputs_free(struct siprec_rs *rs)
{
	size_t i;

	for (i = 0; i < rs->nin; i++) {
		free(rs->in_name[i]);
		free(rs->in_hex[i]);
	}
	free(rs->in_name);
	free(rs->in_hex);
	rs->in_name = rs->in_hex = NULL;
	rs->nin = 0;
}

/* Are these the inputs and digests given early? */
static int
same_inputs(const struct siprec_rs *rs, const char *const *inputs,
    const char *const *hex, size_t n)
{
	size_t i;

	if (n != rs->nin || inputs == NULL || hex == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (inputs[i] == NULL || hex[i] == NULL ||
		    strcmp(inputs[i], rs->in_name[i]) != 0 ||
		    strcmp(hex[i], rs->in_hex[i]) != 0)
			return 0;
	return 1;
}

enum siprec_err
siprec_rs_inputs(struct siprec_rs *rs, const char *const *inputs,
    const char *const *hex, size_t n)
{
	size_t i;

	if (rs == NULL || inputs == NULL || hex == NULL || n == 0)
		return SIPREC_EINVAL;
	for (i = 0; i < n; i++)
		if (inputs[i] == NULL || hex[i] == NULL)
			return SIPREC_EINVAL;
	ahead_drain(rs);
	fin_reap(rs, 1);	/* no job reads them any more */
	inputs_free(rs);
	if ((rs->in_name = calloc(n, sizeof(*rs->in_name))) == NULL ||
	    (rs->in_hex = calloc(n, sizeof(*rs->in_hex))) == NULL) {
		free(rs->in_name);
		rs->in_name = NULL;
		return SIPREC_ENOMEM;
	}
	rs->nin = n;
	for (i = 0; i < n; i++)
		if ((rs->in_name[i] = strdup(inputs[i])) == NULL ||
		    (rs->in_hex[i] = strdup(hex[i])) == NULL) {
			inputs_free(rs);
			return SIPREC_ENOMEM;
		}
	return SIPREC_OK;
}

enum siprec_err
siprec_rs_finish(struct siprec_rs *rs, uint64_t end_ns, const char *reason,
    const char *const *inputs, const char *const *hex, size_t ninputs,
    struct siprec_diag *diag)
{
	size_t i;
	int bad = 0, same;

	ahead_drain(rs);
	while (rs->all != NULL)
		finish(rs, rs->all, end_ns, reason);
	fin_reap(rs, 1);
	/*
	 * Recordings written with the inputs given early are complete,
	 * unless an input's digest changed since (a file that grew).
	 */
	same = rs->nin > 0 && same_inputs(rs, inputs, hex, ninputs);
	for (i = 0; i < rs->nwritten; i++) {
		if (same && rs->written_with[i])
			continue;
		if (ninputs > 0)
			add_inputs(rs->written[i], inputs, hex, ninputs);
		if (write_manifest(rs->written[i], inputs, hex, ninputs,
		    NULL, 0) != 0)
			bad = 1;
	}
	if (bad) {
		siprec_diag_set(diag, 0, 0, "a MANIFEST.sha256 could not be "
		    "written");
		return SIPREC_EIO;
	}
	return SIPREC_OK;
}

const struct siprec_rs_stats *
siprec_rs_stats(const struct siprec_rs *rs)
{
	return &rs->stats;
}

void
siprec_rs_free(struct siprec_rs *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	fin_stop(rs);
	while (rs->all != NULL) {
		struct rs_rec *r = rs->all;

		rec_unlink(rs, r);
		rec_free(r);
	}
	for (i = 0; i < rs->nwritten; i++)
		free(rs->written[i]);
	free(rs->written);
	free(rs->written_with);
	inputs_free(rs);
	free(rs->q);
	free(rs->ring);
	siprec_keyring_free(rs->keys);
	siprec_meta_ctx_free(rs->meta);
	explicit_bzero(rs->pkt, sizeof(rs->pkt));
	free(rs);
}
