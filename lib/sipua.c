/* SPDX-License-Identifier: BSD-2-Clause */
/* Live SIP: UDP and TCP transport and RFC 3261 transactions through libosip2. */

/*
 * Design note.
 *
 * libosip2 gives the four transaction state machines (ICT, IST, NICT,
 * NIST, RFC 3261 §17) but finds transactions and fires timers by walking
 * lists of every transaction (osip_find_transaction, osip_timers_*_execute),
 * which costs O(n) per message at thousands of calls per second.  So each
 * osip transaction is taken out of osip's lists as soon as it is made
 * (while the list holds it alone, so that is O(1)) and driven directly:
 *
 * - a hash by branch and method (§17.1.3, §17.2.3) finds it, and
 *   osip_transaction_execute() runs the event on it;
 * - after every event, the timer starts libosip2 wrote into the context
 *   (timer_a_start ...) become deadlines on the loop's clock, one heap
 *   timer per transaction, and a due deadline is executed as libosip2's
 *   own TIMEOUT_x event.  Deadlines are taken relative to libosip2's
 *   clock at the moment it set them, so an injected loop clock drives
 *   Timers A..K without sleeping.
 *
 * Two things are the transaction user's in RFC 3261 and done here:
 * retransmitting a 2xx to an INVITE over UDP until its ACK arrives
 * (§13.3.1.4; the IST ends on 2xx, RFC 6026 "Accepted" absorbs
 * retransmitted INVITEs meanwhile), and a NICT's Timer K (it only absorbs
 * retransmitted responses, which a finished transaction ignores just the
 * same): the NICT ends at its final response, which saves its memory.
 *
 * Application callbacks never run inside osip_transaction_execute(): the
 * osip callbacks only note what happened and it is delivered after.
 */

#define _GNU_SOURCE	/* accept4 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include <osip2/osip.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <siprec/sipua.h>
#include "sip_int.h"
#include "sipnet_int.h"

#define T1_NS		500000000ULL	/* §17.1.1.1, as libosip2's */
#define T2_NS		4000000000ULL
#define SEC_NS		1000000000ULL
#define MAX_LISTEN	16
#define UDP_BURST	64		/* datagrams per wake-up */
#define TCP_OUT_MAX	(4u << 20)	/* queued bytes per connection */
#define KEY_MAX		512

enum xkind { X_ICT, X_IST, X_NICT, X_NIST };

enum note { NOTE_NONE, NOTE_RESP, NOTE_TIMEOUT, NOTE_TERROR };

enum xlist { XL_NONE, XL_CONN, XL_FAIL, XL_DEAD };

/* What is left of a transaction once libosip2's part is freed. */
enum lite {
	LITE_NONE,
	LITE_ACCEPTED,		/* IST, 2xx sent over UDP: until ACK */
	LITE_NIST,		/* NIST Completed: until Timer J */
	LITE_ICT,		/* ICT Completed: re-ACK until Timer D */
	LITE_IST,		/* IST Completed, non-2xx: G until ACK or H */
	LITE_IST_ACKED		/* IST Confirmed: until Timer I */
};

struct xact;

struct hnode {
	struct hnode	*next;
	struct xact	*x;
	uint64_t	 h;
	char		*key;		/* NULL when not in the table */
};

struct siprec_sipua_st {
	struct xact	*x;
};

struct siprec_sipua_ct {
	struct xact	*x;
};

struct conn;

struct xact {
	struct siprec_sipua	*ua;
	enum xkind		 kind;
	osip_transaction_t	*otr;		/* NULL once osip's part ended */
	struct hnode		 hn[2];		/* by branch; 2xx ACK key */
	enum siprec_transport	 tp;
	struct siprec_addr	 peer, local;
	int			 lfd;		/* UDP socket to send on */
	struct siprec_timer	*timer;
	uint64_t		 born;		/* on the loop clock */
	uint64_t		 dl[3];		/* deadlines on the loop clock */
	int			 armed[3];
	struct timeval		 seen[3];	/* osip's starts, as last seen */
	/* notifications noted inside osip, delivered after */
	enum note		 note;
	osip_message_t		*note_msg;
	int			 killed;
	int			 terror;
	/* client */
	void			(*cb)(void *, struct siprec_sipua_ct *,
				    const struct siprec_sipua_response *);
	void			*arg;
	struct siprec_sipua_ct	 ct;
	int			 got_1xx;
	int			 cancel_wanted;
	int			 ended;		/* the final went to the app */
	int			 internal;	/* our CANCEL: no callback */
	struct conn		*conn;
	enum xlist		 where;
	struct xact		*lnext, *lprev;
	/* server */
	struct siprec_sipua_st	 st;
	void			*data;
	int			 app_owns;	/* st is the app's */
	int			 final_sent;
	int			 dead;		/* osip ended while app owns */
	int			 abandoned;
	uint64_t		 abandon_at;
	int			 keep_req;	/* a CANCEL, for the app */
	/* 2xx to an INVITE over UDP: retransmitted until ACK (§13.3.1.4) */
	enum lite		 lite;
	uint8_t			*acc;		/* bytes to send again */
	size_t			 acclen;
	uint64_t		 acc_ivl, acc_end;
};

struct listener {
	struct siprec_sipua	*ua;
	enum siprec_transport	 tp;
	int			 fd;
	struct siprec_addr	 addr;
	struct siprec_watch	*w;
	int			 stamps;	/* kernel send times queued */
};

struct conn {
	struct siprec_sipua	*ua;
	int			 fd;
	struct siprec_watch	*w;
	struct siprec_addr	 peer, local;
	int			 connecting;
	int			 busy, closing;
	uint8_t			*in;
	size_t			 inlen, incap;
	uint8_t			*out;
	size_t			 outlen, outcap;
	uint64_t		 last;
	struct siprec_timer	*idle;
	struct conn		*hnext;
	struct conn		*next, *prev;	/* all connections */
	struct xact		*xacts;		/* client transactions on it */
};

/* The message being processed, for the callbacks it leads to. */
struct cur {
	struct siprec_slice	 raw;
	enum siprec_transport	 tp;
	struct siprec_addr	 src, dst;
	uint64_t		 ts;
};

struct siprec_sipua {
	struct siprec_sipua_opts opts;
	struct siprec_loop	*loop;
	osip_t			*osip;
	struct listener		 ls[MAX_LISTEN];
	size_t			 nls;
	/* transactions */
	struct hnode		**tab;
	size_t			 tabsz, tabn;
	/* connections */
	struct conn		**ctab;
	size_t			 ctabsz;
	struct conn		*conns;
	/* failed client transactions, delivered from a timer */
	struct xact		*failq;
	struct xact		*deadq;		/* shells the app still holds */
	struct siprec_timer	*kick;
	uint8_t			*rxbuf;
	size_t			 rxcap;
	const struct cur	*cur;
	int			 retrans;	/* a timer is sending */
	struct batch		*batch;		/* opts.batch_udp */
	int			 terror;	/* a send failed in osip */
	struct siprec_sipua_stats stats;
};

/* UDP datagrams held until the loop's round ends (opts.batch_udp). */
#define BATCH_MAX	16
#define BATCH_BYTES	(256 * 1024)

struct batch {
	struct siprec_timer	*t;
	int			 fd;
	unsigned int		 n;
	size_t			 used;
	struct mmsghdr		 mh[BATCH_MAX];
	struct iovec		 iov[BATCH_MAX];
	struct sockaddr_storage	 ss[BATCH_MAX];
	uint8_t			 buf[BATCH_BYTES];
};


/* libosip2 takes parameter names as char *. */
static char pname_tag[] = "tag";
static char pname_branch[] = "branch";

static void	xact_end(struct xact *);
static void	xact_free(struct xact *);
static void	conn_close(struct conn *, const char *reason);
static enum siprec_err transmit(struct siprec_sipua *, enum siprec_transport,
		    int lfd, const struct siprec_addr *dst, const uint8_t *,
		    size_t, struct xact *, int may_connect,
		    struct siprec_diag *);

/* --- small helpers ----------------------------------------------------- */

const char *
siprec_transport_name(enum siprec_transport tp)
{
	return tp == SIPREC_TRANSPORT_TCP ? "TCP" : "UDP";
}

static _Thread_local uint64_t rng[2];

static uint64_t
rng_next(void)
{
	uint64_t s1, s0;

	if (rng[0] == 0 && rng[1] == 0) {
		if (getrandom(rng, sizeof(rng), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(rng)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			rng[0] = (uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15ULL;
			rng[1] = (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
		}
		rng[0] |= 1;
	}
	/* xorshift128+: tags and branches need uniqueness, not secrecy. */
	s1 = rng[0];
	s0 = rng[1];
	rng[0] = s0;
	s1 ^= s1 << 23;
	rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return rng[1] + s0;
}

void
siprec__rng_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = rng_next();
		p[i] = (uint8_t)r;
		r >>= 8;
	}
}

void
siprec_sipua_token(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t r = 0;
	size_t i;

	if (buf == NULL || len == 0)
		return;
	for (i = 0; i + 1 < len; i++) {
		if (i % 16 == 0)
			r = rng_next();
		buf[i] = hex[r & 15];
		r >>= 4;
	}
	buf[i] = '\0';
}

static uint64_t
hash_bytes(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/* The tag parameter of a From or To, or NULL. */
static const char *
tag_of(osip_from_t *h)
{
	osip_generic_param_t *t = NULL;

	if (h == NULL || osip_generic_param_get_byname(&h->gen_params,
	    pname_tag, &t) != 0 || t == NULL)
		return NULL;
	return t->gvalue;
}

static int
ieq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* --- transaction table ------------------------------------------------- */

static int
tab_grow(struct siprec_sipua *ua)
{
	size_t nsz = ua->tabsz ? ua->tabsz * 2 : 1024, i;
	struct hnode **nt, *n, *next;

	if ((nt = calloc(nsz, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < ua->tabsz; i++)
		for (n = ua->tab[i]; n != NULL; n = next) {
			next = n->next;
			n->next = nt[n->h & (nsz - 1)];
			nt[n->h & (nsz - 1)] = n;
		}
	free(ua->tab);
	ua->tab = nt;
	ua->tabsz = nsz;
	return 0;
}

static int
tab_add(struct siprec_sipua *ua, struct hnode *n, const char *key)
{
	size_t b;

	if (ua->tabn >= ua->tabsz && tab_grow(ua) != 0 && ua->tabsz == 0)
		return -1;
	if ((n->key = strdup(key)) == NULL)
		return -1;
	n->h = hash_bytes(key);
	b = n->h & (ua->tabsz - 1);
	n->next = ua->tab[b];
	ua->tab[b] = n;
	ua->tabn++;
	return 0;
}

static void
tab_del(struct siprec_sipua *ua, struct hnode *n)
{
	struct hnode **pp;

	if (n->key == NULL)
		return;
	for (pp = &ua->tab[n->h & (ua->tabsz - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			ua->tabn--;
			break;
		}
	free(n->key);
	n->key = NULL;
}

static struct xact *
tab_find(struct siprec_sipua *ua, const char *key)
{
	uint64_t h;
	struct hnode *n;

	if (ua->tabsz == 0)
		return NULL;
	h = hash_bytes(key);
	for (n = ua->tab[h & (ua->tabsz - 1)]; n != NULL; n = n->next)
		if (n->h == h && strcmp(n->key, key) == 0)
			return n->x;
	return NULL;
}

/*
 * Transaction keys.  Clients: our own branch and the method (§17.1.3).
 * Servers: branch, sent-by and method (§17.2.3), ACK as INVITE; a request
 * without the RFC 3261 magic cookie is matched the RFC 2543 way, by
 * Call-ID, CSeq number, From tag and Via.
 */
static int
via_branch(osip_message_t *m, const char **branch, osip_via_t **viap)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *b = NULL;

	*branch = NULL;
	*viap = via;
	if (via == NULL)
		return -1;
	if (osip_generic_param_get_byname(&via->via_params, pname_branch,
	    &b) == 0 && b != NULL && b->gvalue != NULL)
		*branch = b->gvalue;
	return 0;
}

static int
client_key(osip_message_t *m, const char *method, char *key, size_t sz)
{
	const char *branch;
	osip_via_t *via;

	if (via_branch(m, &branch, &via) != 0 || branch == NULL ||
	    method == NULL)
		return -1;
	return snprintf(key, sz, "C|%s|%s", branch, method) < (int)sz ? 0 : -1;
}

static int
server_key(osip_message_t *m, const char *method, char *key, size_t sz)
{
	const char *branch, *ftag;
	osip_via_t *via;
	int n;

	if (via_branch(m, &branch, &via) != 0 || method == NULL)
		return -1;
	if (branch != NULL && strncmp(branch, "z9hG4bK", 7) == 0 &&
	    branch[7] != '\0')
		n = snprintf(key, sz, "S|%s|%s:%s|%s", branch,
		    via->host ? via->host : "", via->port ? via->port : "",
		    method);
	else {
		if ((ftag = tag_of(m->from)) == NULL)
			ftag = "";
		n = snprintf(key, sz, "S2|%s|%s|%s|%s:%s|%s|%s",
		    m->call_id->number, m->cseq->number, ftag,
		    via->host ? via->host : "", via->port ? via->port : "",
		    branch ? branch : "", method);
	}
	return n > 0 && n < (int)sz ? 0 : -1;
}

/* The dialog-ish key a 2xx's ACK is matched by (§17.1.1.3: new branch). */
static int
ack_key(osip_message_t *m, char *key, size_t sz)
{
	const char *ftag;
	int n;

	if ((ftag = tag_of(m->from)) == NULL)
		ftag = "";
	n = snprintf(key, sz, "A|%s|%s|%s", m->call_id->number,
	    m->cseq->number, ftag);
	return n > 0 && n < (int)sz ? 0 : -1;
}

/* --- application notifications ----------------------------------------- */

static void
wire(struct siprec_sipua *ua, int sent, enum siprec_transport tp,
    const struct siprec_addr *src, const struct siprec_addr *dst,
    const uint8_t *p, size_t n, uint64_t ts)
{
	struct siprec_sipua_wire w;

	if (ua->opts.wire == NULL)
		return;
	memset(&w, 0, sizeof(w));
	w.sent = sent;
	w.retransmission = sent && ua->retrans;
	w.transport = tp;
	w.src = *src;
	w.dst = *dst;
	w.data.p = p;
	w.data.len = n;
	w.ts_ns = ts ? ts : siprec_loop_wall(ua->loop);
	ua->opts.wire(ua->opts.arg, &w);
}

static void
bad(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *src, const struct siprec_addr *dst,
    const uint8_t *p, size_t n, int answered, int closed,
    const char *fmt, ...)
{
	struct siprec_sipua_bad b;
	char reason[SIPREC_DIAG_DETAIL];
	va_list ap;

	ua->stats.rx_bad++;
	if (ua->opts.bad == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	memset(&b, 0, sizeof(b));
	b.transport = tp;
	b.src = *src;
	b.dst = *dst;
	b.data.p = p;
	b.data.len = n;
	b.reason = reason;
	b.answered = answered;
	b.closed = closed;
	ua->opts.bad(ua->opts.arg, &b);
}

/* The response or end of a client transaction, to the application. */
static void
deliver(struct xact *x)
{
	struct siprec_sipua *ua = x->ua;
	struct siprec_sipua_response r;
	enum note note = x->note;
	osip_message_t *msg = x->note_msg;

	x->note = NOTE_NONE;
	x->note_msg = NULL;
	if (x->ended || note == NOTE_NONE)
		return;
	memset(&r, 0, sizeof(r));
	r.transport = x->tp;
	r.src = x->peer;
	r.dst = x->local;
	if (note == NOTE_RESP && msg != NULL) {
		r.err = SIPREC_OK;
		r.status = msg->status_code;
		r.msg = msg;
		if (ua->cur != NULL) {
			r.raw = ua->cur->raw;
			r.src = ua->cur->src;
			r.dst = ua->cur->dst;
			r.ts_ns = ua->cur->ts;
		}
	} else if (note == NOTE_TIMEOUT) {
		r.err = SIPREC_ETIMEDOUT;
		r.status = 408;
		ua->stats.timeouts++;
	} else {
		r.err = SIPREC_ENET;
		r.status = 503;
	}
	if (r.ts_ns == 0)
		r.ts_ns = siprec_loop_wall(ua->loop);
	r.final = r.status >= 200;
	if (r.status >= 100 && r.status < 200)
		x->got_1xx = 1;
	if (r.final)
		x->ended = 1;
	if (x->cb != NULL && !x->internal)
		x->cb(x->arg, &x->ct, &r);
}

/* --- timers: libosip2's starts as loop deadlines ----------------------- */

static struct timeval *
slot_tv(struct xact *x, int i, type_t *type, int *ok)
{
	osip_transaction_t *t = x->otr;
	state_t s = t->state;

	*ok = 0;
	switch (x->kind) {
	case X_ICT:
		if (t->ict_context == NULL)
			return NULL;
		if (i == 0) {
			*type = TIMEOUT_A;
			*ok = s == ICT_CALLING;
			return &t->ict_context->timer_a_start;
		} else if (i == 1) {
			*type = TIMEOUT_B;
			*ok = s == ICT_CALLING;
			return &t->ict_context->timer_b_start;
		}
		*type = TIMEOUT_D;
		*ok = s == ICT_COMPLETED;
		return &t->ict_context->timer_d_start;
	case X_IST:
		if (t->ist_context == NULL)
			return NULL;
		if (i == 0) {
			*type = TIMEOUT_G;
			*ok = s == IST_COMPLETED;
			return &t->ist_context->timer_g_start;
		} else if (i == 1) {
			*type = TIMEOUT_H;
			*ok = s == IST_COMPLETED;
			return &t->ist_context->timer_h_start;
		}
		*type = TIMEOUT_I;
		*ok = s == IST_CONFIRMED;
		return &t->ist_context->timer_i_start;
	case X_NICT:
		if (t->nict_context == NULL)
			return NULL;
		if (i == 0) {
			*type = TIMEOUT_E;
			*ok = s == NICT_TRYING || s == NICT_PROCEEDING;
			return &t->nict_context->timer_e_start;
		} else if (i == 1) {
			*type = TIMEOUT_F;
			*ok = s == NICT_TRYING || s == NICT_PROCEEDING;
			return &t->nict_context->timer_f_start;
		}
		*type = TIMEOUT_K;
		*ok = s == NICT_COMPLETED;
		return &t->nict_context->timer_k_start;
	case X_NIST:
		if (t->nist_context == NULL || i != 0)
			return NULL;
		*type = TIMEOUT_J;
		*ok = s == NIST_COMPLETED;
		return &t->nist_context->timer_j_start;
	}
	return NULL;
}

static void
sync_timers(struct xact *x)
{
	struct timeval onow;
	uint64_t now, next = UINT64_MAX;
	type_t type;
	int i, ok;

	if (x->otr == NULL)
		return;
	osip_gettimeofday(&onow, NULL);
	now = siprec_loop_now(x->ua->loop);
	for (i = 0; i < 3; i++) {
		struct timeval *tv = slot_tv(x, i, &type, &ok);

		if (tv == NULL || tv->tv_sec == -1 || !ok) {
			x->armed[i] = 0;
			if (tv != NULL)
				x->seen[i] = *tv;
			continue;
		}
		if (tv->tv_sec != x->seen[i].tv_sec ||
		    tv->tv_usec != x->seen[i].tv_usec) {
			int64_t rem;

			/* A start libosip2 just set: its distance from
			   libosip2's now is the timer's length. */
			rem = ((int64_t)tv->tv_sec - (int64_t)onow.tv_sec) *
			    1000000000LL + ((int64_t)tv->tv_usec -
			    (int64_t)onow.tv_usec) * 1000LL;
			x->dl[i] = now + (rem > 0 ? (uint64_t)rem : 0);
			x->armed[i] = 1;
			x->seen[i] = *tv;
		}
		if (x->armed[i] && x->dl[i] < next)
			next = x->dl[i];
	}
	if (x->abandoned && x->abandon_at < next)
		next = x->abandon_at;
	if (next == UINT64_MAX)
		siprec_timer_stop(x->timer);
	else
		siprec_timer_at(x->timer, next);
}

/*
 * Run one event on x's osip transaction, then deliver what it noted and
 * end the transaction if libosip2 did.  Returns 0 when x is gone.
 */
static int
exec(struct xact *x, osip_event_t *evt, int may_deliver)
{
	struct timeval onow;
	uint64_t age = siprec_loop_now(x->ua->loop) - x->born;

	/*
	 * libosip2 5.3 sizes Timer E from the transaction's age on its own
	 * clock (created_time): age it on the loop's clock instead.
	 */
	osip_gettimeofday(&onow, NULL);
	if ((uint64_t)onow.tv_sec > age / 1000000000u) {
		int64_t us = (int64_t)onow.tv_usec - (int64_t)(age % 1000000000u
		    / 1000u);

		x->otr->created_time.tv_sec = onow.tv_sec -
		    (time_t)(age / 1000000000u) - (us < 0);
		x->otr->created_time.tv_usec = (suseconds_t)(us < 0 ?
		    us + 1000000 : us);
	}
	osip_transaction_execute(x->otr, evt);
	if (may_deliver) {
		if (x->note != NOTE_NONE)
			deliver(x);
		if (x->killed && x->otr != NULL && !x->ended &&
		    (x->kind == X_ICT || x->kind == X_NICT)) {
			x->note = NOTE_TERROR;
			deliver(x);
		}
		/* Timer K only absorbs responses: end at the final. */
		if (x->kind == X_NICT && x->ended && !x->killed)
			x->killed = 1;
	}
	if (x->killed) {
		xact_end(x);
		return 0;
	}
	sync_timers(x);
	return 1;
}

static osip_event_t *
event_new(type_t type, int id, osip_message_t *msg)
{
	osip_event_t *e = osip_malloc(sizeof(*e));

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->transactionid = id;
	e->sip = msg;
	return e;
}

static type_t
incoming_type(osip_message_t *m)
{
	if (MSG_IS_REQUEST(m)) {
		if (MSG_IS_INVITE(m))
			return RCV_REQINVITE;
		if (MSG_IS_ACK(m))
			return RCV_REQACK;
		return RCV_REQUEST;
	}
	if (MSG_IS_STATUS_1XX(m))
		return RCV_STATUS_1XX;
	if (MSG_IS_STATUS_2XX(m))
		return RCV_STATUS_2XX;
	return RCV_STATUS_3456XX;
}

static void acc_fire(struct xact *);

static void
on_xtimer(void *arg, struct siprec_timer *t)
{
	struct xact *x = arg;
	struct siprec_sipua *ua = x->ua;
	uint64_t now = siprec_loop_now(ua->loop);
	type_t type;
	int i, ok;

	(void)t;
	if (x->otr == NULL) {
		acc_fire(x);
		return;
	}
	if (x->abandoned && now >= x->abandon_at) {
		xact_free(x);
		return;
	}
	for (i = 0; i < 3; i++) {
		struct timeval *tv;
		osip_event_t *e;
		int alive;

		if (!x->armed[i] || x->dl[i] > now)
			continue;
		x->armed[i] = 0;
		tv = slot_tv(x, i, &type, &ok);
		if (tv == NULL || !ok)
			continue;
		if ((e = event_new(type, x->otr->transactionid, NULL)) == NULL)
			continue;
		/* A (G, E) resends; B, D, F, H, I, J, K end. */
		ua->retrans = 1;
		alive = exec(x, e, 1);
		ua->retrans = 0;
		if (!alive)
			return;
	}
	sync_timers(x);
}

/* --- transactions ------------------------------------------------------ */

static struct xact *
xact_new(struct siprec_sipua *ua, enum xkind kind, osip_message_t *req)
{
	static const osip_fsm_type_t fsm[] = { ICT, IST, NICT, NIST };
	struct xact *x;
	int i;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if (siprec_timer_new(ua->loop, on_xtimer, x, &x->timer) != SIPREC_OK) {
		free(x);
		return NULL;
	}
	if (osip_transaction_init(&x->otr, fsm[kind], ua->osip, req) != 0) {
		siprec_timer_free(x->timer);
		free(x);
		return NULL;
	}
	/* Out of osip's lists while it is alone there: O(1). */
	osip_remove_transaction(ua->osip, x->otr);
	osip_transaction_set_reserved1(x->otr, x);
	x->ua = ua;
	x->kind = kind;
	x->born = siprec_loop_now(ua->loop);
	x->hn[0].x = x->hn[1].x = x;
	x->st.x = x;
	x->ct.x = x;
	x->lfd = -1;
	for (i = 0; i < 3; i++)
		x->seen[i].tv_sec = -2;
	ua->stats.transactions++;
	return x;
}

static void
xlist_unlink(struct xact *x)
{
	struct xact **head;

	if (x->where == XL_NONE)
		return;
	head = x->where == XL_CONN ? &x->conn->xacts : x->where == XL_FAIL ?
	    &x->ua->failq : &x->ua->deadq;
	if (x->lprev != NULL)
		x->lprev->lnext = x->lnext;
	else
		*head = x->lnext;
	if (x->lnext != NULL)
		x->lnext->lprev = x->lprev;
	x->lnext = x->lprev = NULL;
	x->where = XL_NONE;
	x->conn = NULL;
}

static void
xlist_push(struct xact *x, enum xlist where, struct xact **head)
{
	x->where = where;
	x->lprev = NULL;
	x->lnext = *head;
	if (*head != NULL)
		(*head)->lprev = x;
	*head = x;
}

static void
xact_free(struct xact *x)
{
	struct siprec_sipua *ua = x->ua;

	tab_del(ua, &x->hn[0]);
	tab_del(ua, &x->hn[1]);
	xlist_unlink(x);
	siprec_timer_free(x->timer);
	if (x->otr != NULL)
		osip_transaction_free2(x->otr);
	osip_free(x->acc);
	free(x);
	ua->stats.transactions--;
}

static void acc_start(struct xact *);

/* libosip2 ended x (terminated state), or we did. */
static void
xact_end(struct xact *x)
{
	if (x->kind == X_IST && x->acc != NULL && x->otr != NULL &&
	    x->otr->last_response != NULL &&
	    MSG_IS_STATUS_2XX(x->otr->last_response)) {
		acc_start(x);
		return;
	}
	if (x->app_owns) {
		/* The application still holds st: keep the shell until it
		   answers or abandons it. */
		tab_del(x->ua, &x->hn[0]);
		tab_del(x->ua, &x->hn[1]);
		siprec_timer_stop(x->timer);
		if (x->otr != NULL)
			osip_transaction_free2(x->otr);
		x->otr = NULL;
		x->dead = 1;
		xlist_unlink(x);
		xlist_push(x, XL_DEAD, &x->ua->deadq);
		return;
	}
	xact_free(x);
}

/* --- the osip callbacks: note, never call the application -------------- */

static void
cb_message(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct xact *x = osip_transaction_get_reserved1(tr);

	(void)type;
	if (x == NULL)
		return;
	x->note = NOTE_RESP;
	x->note_msg = msg;
}

static void
cb_timeout(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct xact *x = osip_transaction_get_reserved1(tr);

	(void)type;
	(void)msg;
	if (x != NULL)
		x->note = NOTE_TIMEOUT;
}

static void
cb_kill(int type, osip_transaction_t *tr)
{
	struct xact *x = osip_transaction_get_reserved1(tr);

	(void)type;
	if (x != NULL)
		x->killed = 1;
}

static void
cb_terror(int type, osip_transaction_t *tr, int err)
{
	struct xact *x = osip_transaction_get_reserved1(tr);

	(void)type;
	(void)err;
	if (x == NULL)
		return;
	x->ua->terror = 1;
	x->terror = 1;
	if (x->kind == X_ICT || x->kind == X_NICT)
		x->note = NOTE_TERROR;
}

/* libosip2 sends: to our own idea of the destination, not its DNS one. */
static int
cb_send(osip_transaction_t *tr, osip_message_t *msg, char *host, int port,
    int sock)
{
	struct xact *x = osip_transaction_get_reserved1(tr);
	char *buf = NULL;
	size_t len = 0;
	enum siprec_err e;

	(void)host;
	(void)port;
	(void)sock;
	if (x == NULL || osip_message_to_str(msg, &buf, &len) != 0)
		return -1;
	e = transmit(x->ua, x->tp, x->lfd, &x->peer, (uint8_t *)buf, len, x,
	    x->kind == X_ICT || x->kind == X_NICT, NULL);
	/*
	 * Keep what a transaction over UDP may have to send again: a final
	 * response (a 2xx to an INVITE, §13.3.1.4) or an ICT's ACK.
	 */
	if (e == SIPREC_OK && x->tp == SIPREC_TRANSPORT_UDP && x->acc == NULL &&
	    ((MSG_IS_RESPONSE(msg) && msg->status_code >= 200 &&
	    (x->kind == X_IST || x->kind == X_NIST)) ||
	    (x->kind == X_ICT && MSG_IS_ACK(msg)))) {
		x->acc = (uint8_t *)buf;
		x->acclen = len;
		buf = NULL;
	}
	osip_free(buf);
	return e == SIPREC_OK ? 0 : -1;
}

/* --- accepted: a 2xx sent over UDP waits for its ACK ------------------- */

/*
 * Once a transaction over UDP is only retransmitting or absorbing, it
 * becomes bytes and a timer (§17): a NIST Completed answers retransmitted
 * requests until Timer J, an ICT Completed ACKs retransmitted finals until
 * Timer D, an IST Completed resends its final (Timer G) until the ACK or
 * Timer H, then absorbs ACKs until Timer I.  libosip2's transaction
 * weighs 15 KB (an SRV record inside): at thousands of calls per second,
 * for 32 s, that is too much to keep for so little.
 */
static void
lite_start(struct xact *x, enum lite kind)
{
	struct siprec_sipua *ua = x->ua;
	uint64_t now = siprec_loop_now(ua->loop);

	siprec_timer_stop(x->timer);
	osip_transaction_free2(x->otr);
	x->otr = NULL;
	x->lite = kind;
	x->acc_end = now + 64 * T1_NS;		/* J, D (>= 32 s), H */
	if (kind == LITE_IST) {
		x->acc_ivl = T1_NS;
		siprec_timer_at(x->timer, now + x->acc_ivl);
	} else
		siprec_timer_at(x->timer, x->acc_end);
}

static void
acc_start(struct xact *x)
{
	struct siprec_sipua *ua = x->ua;
	osip_message_t *req = x->otr->orig_request;
	char key[KEY_MAX];

	if (req == NULL || req->call_id == NULL || req->cseq == NULL ||
	    ack_key(req, key, sizeof(key)) != 0 ||
	    tab_add(ua, &x->hn[1], key) != 0) {
		x->app_owns = 0;
		xact_free(x);
		return;
	}
	osip_transaction_free2(x->otr);
	x->otr = NULL;
	x->lite = LITE_ACCEPTED;
	x->app_owns = 0;
	x->acc_ivl = T1_NS;
	x->acc_end = siprec_loop_now(ua->loop) + 64 * T1_NS;
	siprec_timer_after(x->timer, x->acc_ivl);
}

static void
acc_fire(struct xact *x)
{
	struct siprec_sipua *ua = x->ua;
	uint64_t now = siprec_loop_now(ua->loop);

	if (now >= x->acc_end || (x->lite != LITE_ACCEPTED &&
	    x->lite != LITE_IST)) {
		/* Timer J, D, H or I; or no ACK for a 2xx in 64*T1
		   (§13.3.1.4): the dialog is the app's to end. */
		xact_free(x);
		return;
	}
	/* Timer G, or the 2xx again: T1, 2T1 ... T2. */
	ua->retrans = 1;
	(void)transmit(ua, x->tp, x->lfd, &x->peer, x->acc, x->acclen, x, 0,
	    NULL);
	ua->retrans = 0;
	x->acc_ivl = x->acc_ivl * 2 > T2_NS ? T2_NS : x->acc_ivl * 2;
	siprec_timer_at(x->timer, now + x->acc_ivl < x->acc_end ?
	    now + x->acc_ivl : x->acc_end);
}

/* --- sending ----------------------------------------------------------- */

static struct listener *
listener_for(struct siprec_sipua *ua, enum siprec_transport tp, int family)
{
	size_t i;

	for (i = 0; i < ua->nls; i++)
		if (ua->ls[i].tp == tp && ua->ls[i].addr.family == family)
			return &ua->ls[i];
	return NULL;
}

static struct listener *
listener_by_fd(struct siprec_sipua *ua, int fd)
{
	size_t i;

	for (i = 0; i < ua->nls; i++)
		if (ua->ls[i].fd == fd)
			return &ua->ls[i];
	return NULL;
}

static size_t
addr_hash(const struct siprec_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a->ip[i]) * 0x100000001b3ULL;
	h = (h ^ a->port) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct conn *
conn_find(struct siprec_sipua *ua, const struct siprec_addr *peer)
{
	struct conn *c;

	for (c = ua->ctab[addr_hash(peer) & (ua->ctabsz - 1)]; c != NULL;
	    c = c->hnext)
		if (!c->closing && siprec_addr_eq(&c->peer, peer))
			return c;
	return NULL;
}

static void on_conn(void *, int, unsigned int);
static void on_idle(void *, struct siprec_timer *);

static struct conn *
conn_new(struct siprec_sipua *ua, int fd, const struct siprec_addr *peer,
    int connecting)
{
	struct conn *c;
	size_t b;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ua = ua;
	c->fd = fd;
	c->peer = *peer;
	c->connecting = connecting;
	c->last = siprec_loop_now(ua->loop);
	if (siprec_net_local(fd, &c->local) != SIPREC_OK)
		c->local.family = peer->family;
	if (siprec_timer_new(ua->loop, on_idle, c, &c->idle) != SIPREC_OK ||
	    siprec_watch_new(ua->loop, fd, SIPREC_LOOP_READ |
	    (connecting ? SIPREC_LOOP_WRITE : 0), on_conn, c, &c->w,
	    NULL) != SIPREC_OK) {
		siprec_timer_free(c->idle);
		free(c);
		return NULL;
	}
	siprec_timer_at(c->idle, c->last + ua->opts.tcp_idle_ns);
	b = addr_hash(peer) & (ua->ctabsz - 1);
	c->hnext = ua->ctab[b];
	ua->ctab[b] = c;
	c->next = ua->conns;
	if (ua->conns != NULL)
		ua->conns->prev = c;
	ua->conns = c;
	ua->stats.conns++;
	return c;
}

static void
kick_failq(struct siprec_sipua *ua)
{
	if (!siprec_timer_pending(ua->kick))
		siprec_timer_at(ua->kick, 0);
}

static void
conn_free(struct conn *c)
{
	struct siprec_sipua *ua = c->ua;
	struct conn **pp;

	for (pp = &ua->ctab[addr_hash(&c->peer) & (ua->ctabsz - 1)];
	    *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ua->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	siprec_watch_free(c->w);
	close(c->fd);
	siprec_timer_free(c->idle);
	free(c->in);
	free(c->out);
	free(c);
	ua->stats.conns--;
}

/* Close now, or once the read in progress is over. */
static void
conn_close(struct conn *c, const char *reason)
{
	struct siprec_sipua *ua = c->ua;
	struct xact *x;

	(void)reason;
	if (!c->closing) {
		c->closing = 1;
		siprec_watch_free(c->w);
		c->w = NULL;
		/* Its client transactions fail, from the loop (§8.1.3.1). */
		while ((x = c->xacts) != NULL) {
			c->xacts = x->lnext;
			if (c->xacts != NULL)
				c->xacts->lprev = NULL;
			x->conn = NULL;
			x->where = XL_NONE;
			if (!x->ended && x->otr != NULL) {
				xlist_push(x, XL_FAIL, &ua->failq);
				kick_failq(ua);
			}
		}
	}
	if (c->busy == 0) {
		c->w = NULL;
		conn_free(c);
	}
}

static void
on_kick(void *arg, struct siprec_timer *t)
{
	struct siprec_sipua *ua = arg;
	struct xact *x;

	(void)t;
	while ((x = ua->failq) != NULL) {
		xlist_unlink(x);
		if (x->ended || x->otr == NULL)
			continue;
		x->note = NOTE_TERROR;
		deliver(x);
		xact_end(x);
	}
}

static enum siprec_err
conn_flush(struct conn *c)
{
	size_t off = 0;

	while (off < c->outlen) {
		ssize_t n = send(c->fd, c->out + off, c->outlen - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return SIPREC_ENET;
		}
		off += (size_t)n;
	}
	if (off > 0) {
		memmove(c->out, c->out + off, c->outlen - off);
		c->outlen -= off;
		c->last = siprec_loop_now(c->ua->loop);
	}
	if (c->w != NULL)
		(void)siprec_watch_set(c->w, SIPREC_LOOP_READ |
		    (c->outlen > 0 ? SIPREC_LOOP_WRITE : 0));
	return SIPREC_OK;
}

static enum siprec_err
conn_write(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->outlen + n > TCP_OUT_MAX)
		return SIPREC_EBUSY;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *nb;

		while (cap < c->outlen + n)
			cap *= 2;
		if ((nb = realloc(c->out, cap)) == NULL)
			return SIPREC_ENOMEM;
		c->out = nb;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	if (c->connecting)
		return SIPREC_OK;
	return conn_flush(c);
}

static struct conn *
conn_get(struct siprec_sipua *ua, const struct siprec_addr *dst,
    struct siprec_diag *diag)
{
	struct conn *c = conn_find(ua, dst);
	int fd;

	if (c != NULL)
		return c;
	if (ua->stats.conns >= ua->opts.max_conns) {
		siprec_diag_set(diag, 0, 0, "too many TCP connections (%zu)",
		    ua->opts.max_conns);
		return NULL;
	}
	if (siprec_net_tcp_connect(dst, &fd, diag) != SIPREC_OK)
		return NULL;
	if ((c = conn_new(ua, fd, dst, 1)) == NULL) {
		close(fd);
		siprec_diag_set(diag, 0, 0, "out of memory");
	}
	return c;
}

/*
 * Put bytes on the wire.  x, when given, is the client transaction that
 * waits on a TCP connection (it fails with it).
 */
static void
batch_flush(struct siprec_sipua *ua)
{
	struct batch *b = ua->batch;
	unsigned int i = 0;
	int k;

	while (i < b->n) {
		k = sendmmsg(b->fd, b->mh + i, b->n - i, MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			/* As one sendto would: lost, and the timers resend. */
			ua->stats.send_errors++;
			i++;
			continue;
		}
		i += (unsigned int)k;
	}
	b->n = 0;
	b->used = 0;
}

static void
on_batch(void *arg, struct siprec_timer *t)
{
	(void)t;
	batch_flush(arg);
}

/* Hold a datagram for fd until the round ends; 0, or -1 to send it now. */
static int
batch_add(struct siprec_sipua *ua, int fd, const struct sockaddr_storage *ss,
    socklen_t sl, const uint8_t *p, size_t n)
{
	struct batch *b = ua->batch;

	if (n > BATCH_BYTES)
		return -1;
	if (b->n > 0 && (b->fd != fd || b->n == BATCH_MAX ||
	    b->used + n > BATCH_BYTES))
		batch_flush(ua);
	if (b->n == 0)
		siprec_timer_after(b->t, 0);
	b->fd = fd;
	memcpy(b->buf + b->used, p, n);
	b->ss[b->n] = *ss;
	b->iov[b->n].iov_base = b->buf + b->used;
	b->iov[b->n].iov_len = n;
	memset(&b->mh[b->n], 0, sizeof(b->mh[b->n]));
	b->mh[b->n].msg_hdr.msg_name = &b->ss[b->n];
	b->mh[b->n].msg_hdr.msg_namelen = sl;
	b->mh[b->n].msg_hdr.msg_iov = &b->iov[b->n];
	b->mh[b->n].msg_hdr.msg_iovlen = 1;
	b->n++;
	b->used += n;
	return 0;
}

static enum siprec_err
transmit(struct siprec_sipua *ua, enum siprec_transport tp, int lfd,
    const struct siprec_addr *dst, const uint8_t *p, size_t n,
    struct xact *x, int may_connect, struct siprec_diag *diag)
{
	struct siprec_addr src;
	enum siprec_err e;
	uint64_t ts = 0;

	if (tp == SIPREC_TRANSPORT_UDP) {
		struct sockaddr_storage ss;
		socklen_t sl;
		struct listener *l;

		if (lfd == -1) {
			l = listener_for(ua, SIPREC_TRANSPORT_UDP, dst->family);
			if (l == NULL) {
				siprec_diag_set(diag, 0, 0,
				    "no UDP listener for IPv%d", dst->family);
				ua->stats.send_errors++;
				return SIPREC_ENET;
			}
		} else if ((l = listener_by_fd(ua, lfd)) == NULL) {
			ua->stats.send_errors++;
			return SIPREC_ENET;
		}
		sl = siprec_net_sockaddr(dst, &ss);
		for (;;) {
			if (ua->batch != NULL && !l->stamps &&
			    batch_add(ua, l->fd, &ss, sl, p, n) == 0)
				break;
			if (sendto(l->fd, p, n, MSG_DONTWAIT,
			    (struct sockaddr *)&ss, sl) == (ssize_t)n) {
				/* The kernel's send time, as a capture on
				   this host stamps it (loopback: at once). */
				if (l->stamps)
					ts = siprec__net_tx_time(l->fd);
				break;
			}
			if (errno == EINTR)
				continue;
			ua->stats.send_errors++;
			/*
			 * A full socket buffer loses the datagram as the
			 * network could: the transaction's timers send it
			 * again, so it is no reason to fail the transaction.
			 */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return SIPREC_OK;
			siprec_diag_set(diag, 0, 0, "sendto: %s",
			    strerror(errno));
			return SIPREC_ENET;
		}
		src = l->addr;
	} else {
		/*
		 * Responses go back on the connection the request came on;
		 * only requests open one (§18.2.2: we do not chase a
		 * client's sent-by).
		 */
		struct conn *c = may_connect ? conn_get(ua, dst, diag) :
		    conn_find(ua, dst);

		if (c == NULL) {
			if (!may_connect)
				siprec_diag_set(diag, 0, 0,
				    "TCP connection gone");
			ua->stats.send_errors++;
			return SIPREC_ENET;
		}
		if ((e = conn_write(c, p, n)) != SIPREC_OK) {
			siprec_diag_set(diag, 0, 0, "TCP send: %s",
			    siprec_strerror(e));
			ua->stats.send_errors++;
			conn_close(c, "send failed");
			return SIPREC_ENET;
		}
		src = c->local;
		if (x != NULL && x->where == XL_NONE &&
		    (x->kind == X_ICT || x->kind == X_NICT) && !x->ended) {
			x->conn = c;
			xlist_push(x, XL_CONN, &c->xacts);
		}
	}
	ua->stats.tx++;
	if (ua->retrans)
		ua->stats.retransmits++;
	if (siprec__loop_wall_injected(ua->loop))
		ts = 0;		/* the loop's clock, as for receiving */
	wire(ua, 1, tp, &src, dst, p, n, ts);
	return SIPREC_OK;
}

/* --- building messages ------------------------------------------------- */

static int
has_header(osip_message_t *m, const char *name)
{
	osip_header_t *h = NULL;

	return osip_message_header_get_byname(m, name, 0, &h) >= 0 &&
	    h != NULL;
}

/* User-Agent or Server; osip_message_to_str() writes Content-Length. */
static int
finish_msg(struct siprec_sipua *ua, osip_message_t *m)
{
	if (ua != NULL && ua->opts.user_agent != NULL) {
		const char *h = MSG_IS_REQUEST(m) ? "User-Agent" : "Server";

		if (!has_header(m, h) &&
		    osip_message_set_header(m, h, ua->opts.user_agent) != 0)
			return -1;
	}
	return 0;
}

static int
add_via(struct siprec_sipua *ua, osip_message_t *m, enum siprec_transport tp,
    const struct siprec_addr *sentby)
{
	char addr[64], branch[32], *host, *port;
	osip_via_t *v = NULL;

	(void)ua;
	/*
	 * SIP/2.0/<tp> host:port;branch=z9hG4bK...;rport, set field by
	 * field: parsing it back was a tenth of sending a request.
	 */
	siprec_addr_format(sentby, addr, sizeof(addr));
	host = addr;
	if (addr[0] == '[') {
		host = addr + 1;
		if ((port = strchr(host, ']')) == NULL)
			return -1;
		*port++ = '\0';
	} else
		port = strrchr(addr, ':');
	if (port == NULL || *port != ':')
		return -1;
	*port++ = '\0';
	memcpy(branch, "z9hG4bK", 7);
	siprec_sipua_token(branch + 7, 24);
	if (osip_via_init(&v) != 0)
		return -1;
	osip_via_set_version(v, osip_strdup("2.0"));
	osip_via_set_protocol(v, osip_strdup(siprec_transport_name(tp)));
	osip_via_set_host(v, osip_strdup(host));
	osip_via_set_port(v, osip_strdup(port));
	if (v->version == NULL || v->protocol == NULL || v->host == NULL ||
	    v->port == NULL ||
	    osip_via_set_branch(v, osip_strdup(branch)) != 0 ||
	    osip_via_param_add(v, osip_strdup("rport"), NULL) != 0 ||
	    osip_list_add(&m->vias, v, 0) < 0) {
		osip_via_free(v);
		return -1;
	}
	osip_message_force_update(m);
	return 0;
}

/* Where Via says we are: a listener of the transport, else the socket. */
static int
sent_by(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, struct siprec_addr *out,
    struct siprec_diag *diag)
{
	struct listener *l = listener_for(ua, tp, dst->family);
	struct conn *c;

	if (l != NULL) {
		*out = l->addr;
		return 0;
	}
	if (tp == SIPREC_TRANSPORT_UDP) {
		siprec_diag_set(diag, 0, 0, "no UDP listener for IPv%d",
		    dst->family);
		return -1;
	}
	if ((l = listener_for(ua, SIPREC_TRANSPORT_UDP, dst->family)) != NULL) {
		*out = l->addr;
		return 0;
	}
	if ((c = conn_get(ua, dst, diag)) == NULL)
		return -1;
	*out = c->local;
	return 0;
}

enum siprec_err
siprec_sipua_response_new(osip_message_t *req, int status, const char *reason,
    const char *to_tag, osip_message_t **out)
{
	osip_message_t *r = NULL;
	const char *rs;
	char tagbuf[20];

	*out = NULL;
	if (req == NULL || !MSG_IS_REQUEST(req) || status < 100 ||
	    status > 699 || req->from == NULL || req->to == NULL ||
	    req->call_id == NULL || req->cseq == NULL)
		return SIPREC_EINVAL;
	if (osip_message_init(&r) != 0)
		return SIPREC_ENOMEM;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, status);
	rs = reason != NULL ? reason : osip_message_get_reason(status);
	osip_message_set_reason_phrase(r, osip_strdup(rs != NULL ? rs : "Unknown"));
	if (osip_list_clone(&req->vias, &r->vias,
	    (int (*)(void *, void **))osip_via_clone) != 0 ||
	    osip_from_clone(req->from, &r->from) != 0 ||
	    osip_to_clone(req->to, &r->to) != 0 ||
	    osip_call_id_clone(req->call_id, &r->call_id) != 0 ||
	    osip_cseq_clone(req->cseq, &r->cseq) != 0)
		goto nomem;
	/* §12.1.1: a dialog-creating response copies Record-Route. */
	if (status > 100 && status < 300 &&
	    osip_list_size(&req->record_routes) > 0 &&
	    osip_list_clone(&req->record_routes, &r->record_routes,
	    (int (*)(void *, void **))osip_from_clone) != 0)
		goto nomem;
	if (status > 100 && tag_of(r->to) == NULL) {
		if (to_tag == NULL) {
			siprec_sipua_token(tagbuf, sizeof(tagbuf));
			to_tag = tagbuf;
		}
		if (osip_to_set_tag(r->to, osip_strdup(to_tag)) != 0)
			goto nomem;
	}
	*out = r;
	return SIPREC_OK;
nomem:
	osip_message_free(r);
	return SIPREC_ENOMEM;
}

enum siprec_err
siprec_sipua_request_new(const char *method, const char *ruri,
    const char *from, const char *to, const char *call_id, uint32_t cseq,
    osip_message_t **out, struct siprec_diag *diag)
{
	osip_message_t *m = NULL;
	osip_uri_t *u = NULL;
	char buf[64], cs[64];

	*out = NULL;
	if (method == NULL || ruri == NULL || from == NULL || to == NULL ||
	    strlen(method) > 32) {
		siprec_diag_set(diag, 0, 0, "method, URI, From and To needed");
		return SIPREC_EINVAL;
	}
	if (osip_message_init(&m) != 0)
		return SIPREC_ENOMEM;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&u) != 0)
		goto nomem;
	if (osip_uri_parse(u, ruri) != 0) {
		osip_uri_free(u);
		siprec_diag_set(diag, 0, 0, "bad Request-URI '%s'", ruri);
		goto inval;
	}
	osip_message_set_uri(m, u);
	if (osip_message_set_from(m, from) != 0 || m->from == NULL) {
		siprec_diag_set(diag, 0, 0, "bad From '%s'", from);
		goto inval;
	}
	if (tag_of(m->from) == NULL) {
		siprec_sipua_token(buf, 17);
		if (osip_from_set_tag(m->from, osip_strdup(buf)) != 0)
			goto nomem;
	}
	if (osip_message_set_to(m, to) != 0 || m->to == NULL) {
		siprec_diag_set(diag, 0, 0, "bad To '%s'", to);
		goto inval;
	}
	if (call_id == NULL) {
		siprec_sipua_token(buf, 33);
		call_id = buf;
	}
	snprintf(cs, sizeof(cs), "%lu %s", (unsigned long)cseq, method);
	if (osip_message_set_call_id(m, call_id) != 0 ||
	    osip_message_set_cseq(m, cs) != 0 ||
	    osip_message_set_max_forwards(m, "70") != 0) {
		siprec_diag_set(diag, 0, 0, "bad Call-ID or CSeq");
		goto inval;
	}
	*out = m;
	return SIPREC_OK;
nomem:
	osip_message_free(m);
	return SIPREC_ENOMEM;
inval:
	osip_message_free(m);
	return SIPREC_EINVAL;
}

enum siprec_err
siprec_sipua_ack_new(osip_message_t *invite, osip_message_t *resp,
    osip_message_t **out)
{
	osip_message_t *a = NULL;
	osip_contact_t *ct = NULL;
	osip_uri_t *u = NULL;
	char cs[64];
	int i, n;

	*out = NULL;
	if (invite == NULL || resp == NULL || !MSG_IS_REQUEST(invite) ||
	    invite->req_uri == NULL || invite->from == NULL ||
	    invite->call_id == NULL || invite->cseq == NULL ||
	    invite->cseq->number == NULL || resp->to == NULL)
		return SIPREC_EINVAL;
	if (osip_message_init(&a) != 0)
		return SIPREC_ENOMEM;
	osip_message_set_method(a, osip_strdup("ACK"));
	osip_message_set_version(a, osip_strdup("SIP/2.0"));
	osip_message_get_contact(resp, 0, &ct);
	if (osip_uri_clone(ct != NULL && ct->url != NULL ? ct->url :
	    invite->req_uri, &u) != 0)
		goto nomem;
	osip_message_set_uri(a, u);
	snprintf(cs, sizeof(cs), "%s ACK", invite->cseq->number);
	if (osip_from_clone(invite->from, &a->from) != 0 ||
	    osip_to_clone(resp->to, &a->to) != 0 ||
	    osip_call_id_clone(invite->call_id, &a->call_id) != 0 ||
	    osip_message_set_cseq(a, cs) != 0 ||
	    osip_message_set_max_forwards(a, "70") != 0)
		goto nomem;
	/* §12.1.2: the route set is the Record-Route reversed. */
	n = osip_list_size(&resp->record_routes);
	for (i = n - 1; i >= 0; i--) {
		osip_record_route_t *rr = osip_list_get(&resp->record_routes,
		    i);
		osip_route_t *r = NULL;

		if (osip_from_clone(rr, &r) != 0)
			goto nomem;
		osip_list_add(&a->routes, r, -1);
	}
	*out = a;
	return SIPREC_OK;
nomem:
	osip_message_free(a);
	return SIPREC_ENOMEM;
}

/* --- server side ------------------------------------------------------- */

enum siprec_err
siprec_sipua_respond(struct siprec_sipua_st *st, osip_message_t *resp,
    struct siprec_diag *diag)
{
	struct siprec_sipua *ua;
	struct xact *x;
	osip_event_t *e;
	int final;

	if (st == NULL || resp == NULL || !MSG_IS_RESPONSE(resp)) {
		osip_message_free(resp);
		siprec_diag_set(diag, 0, 0, "not a response");
		return SIPREC_EINVAL;
	}
	x = st->x;
	if (!x->app_owns) {
		osip_message_free(resp);
		siprec_diag_set(diag, 0, 0, "transaction already answered");
		return SIPREC_EINVAL;
	}
	final = resp->status_code >= 200;
	if (x->dead) {
		osip_message_free(resp);
		if (final) {
			x->app_owns = 0;
			xact_free(x);
		}
		siprec_diag_set(diag, 0, 0, "transaction failed");
		return SIPREC_ENET;
	}
	if (finish_msg(x->ua, resp) != 0 ||
	    (e = osip_new_outgoing_sipmessage(resp)) == NULL) {
		osip_message_free(resp);
		return SIPREC_ENOMEM;
	}
	if (final) {
		x->app_owns = 0;
		x->final_sent = 1;
	}
	ua = x->ua;
	ua->terror = 0;
	e->transactionid = x->otr->transactionid;
	if (exec(x, e, 1) && final && x->otr != NULL && !x->keep_req) {
		if (x->kind == X_NIST && x->acc != NULL)
			lite_start(x, LITE_NIST);
		else if (x->kind == X_IST && x->acc != NULL &&
		    x->otr->state == IST_COMPLETED)
			lite_start(x, LITE_IST);
		else if (x->otr->orig_request != NULL) {
			/* Completed: retransmitted requests only need the
			   response; the parsed request can go. */
			osip_message_free(x->otr->orig_request);
			x->otr->orig_request = NULL;
		}
	}
	/* exec() may have ended x: the failure was noted on ua. */
	if (ua->terror) {
		siprec_diag_set(diag, 0, 0, "response could not be sent");
		return SIPREC_ENET;
	}
	return SIPREC_OK;
}

enum siprec_err
siprec_sipua_reply(struct siprec_sipua_st *st, int status, const char *to_tag,
    struct siprec_diag *diag)
{
	osip_message_t *r = NULL;
	enum siprec_err e;

	if (st == NULL || !st->x->app_owns) {
		siprec_diag_set(diag, 0, 0, "transaction already answered");
		return SIPREC_EINVAL;
	}
	if (st->x->otr == NULL || st->x->otr->orig_request == NULL) {
		/* Its transaction failed under it: end st all the same. */
		if (status >= 200) {
			st->x->app_owns = 0;
			xact_free(st->x);
		}
		siprec_diag_set(diag, 0, 0, "transaction failed");
		return SIPREC_ENET;
	}
	e = siprec_sipua_response_new(st->x->otr->orig_request, status, NULL,
	    to_tag, &r);
	if (e != SIPREC_OK)
		return e;
	return siprec_sipua_respond(st, r, diag);
}

osip_message_t *
siprec_sipua_st_request(const struct siprec_sipua_st *st)
{
	return st->x->otr != NULL ? st->x->otr->orig_request : NULL;
}

void
siprec_sipua_st_peer(const struct siprec_sipua_st *st,
    enum siprec_transport *tp, struct siprec_addr *src,
    struct siprec_addr *dst)
{
	if (tp != NULL)
		*tp = st->x->tp;
	if (src != NULL)
		*src = st->x->peer;
	if (dst != NULL)
		*dst = st->x->local;
}

void
siprec_sipua_st_set_data(struct siprec_sipua_st *st, void *data)
{
	st->x->data = data;
}

void *
siprec_sipua_st_data(const struct siprec_sipua_st *st)
{
	return st->x->data;
}

void
siprec_sipua_st_abandon(struct siprec_sipua_st *st)
{
	struct xact *x;

	if (st == NULL || !st->x->app_owns)
		return;
	x = st->x;
	x->app_owns = 0;
	x->abandoned = 1;
	if (x->dead) {
		xact_free(x);
		return;
	}
	/* Absorb retransmissions for 64*T1, then go (Timer H's length). */
	x->abandon_at = siprec_loop_now(x->ua->loop) + 64 * T1_NS;
	sync_timers(x);
}

/* --- receiving --------------------------------------------------------- */

/*
 * Send a response without a transaction: to requests refused before one
 * exists (400, 505, 481 to a stray CANCEL).
 */
static void
reply_stateless(struct siprec_sipua *ua, const struct cur *cur, int lfd,
    osip_message_t *req, int status, const char *warning)
{
	osip_message_t *r = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (siprec_sipua_response_new(req, status, NULL, NULL, &r) != SIPREC_OK)
		return;
	if (warning != NULL) {
		char w[200];

		snprintf(w, sizeof(w), "399 siprec \"%s\"", warning);
		osip_message_set_header(r, "Warning", w);
	}
	if (finish_msg(ua, r) == 0 && osip_message_to_str(r, &buf, &len) == 0)
		(void)transmit(ua, cur->tp, lfd, &cur->src, (uint8_t *)buf,
		    len, NULL, 0, NULL);
	osip_free(buf);
	osip_message_free(r);
}

/*
 * A request libosip2 cannot parse may still carry the five headers a
 * response needs (§8.2.6.2): answer 400 with them copied as they are.
 */
static int
reply_raw_400(struct siprec_sipua *ua, const struct cur *cur, int lfd,
    const uint8_t *p, size_t n)
{
	static const char *const want[][2] = {
		{ "via", "v" }, { "from", "f" }, { "to", "t" },
		{ "call-id", "i" }, { "cseq", NULL }
	};
	char out[4096];
	size_t o, k, nv = 0, seen[5] = { 0 };
	const uint8_t *line, *end = p + n, *eol;

	/* A request line: METHOD SP ... SIP/2.0, not ACK. */
	if (n < 12 || memcmp(p, "SIP/", 4) == 0 || memcmp(p, "ACK ", 4) == 0)
		return 0;
	eol = memchr(p, '\n', n);
	if (eol == NULL || eol - p < 12 || memchr(p, ' ', (size_t)(eol - p)) ==
	    NULL)
		return 0;
	o = (size_t)snprintf(out, sizeof(out), "SIP/2.0 400 Bad Request\r\n");
	for (line = eol + 1; line < end; line = eol + 1) {
		size_t ll, nl;
		const uint8_t *colon;

		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			eol = end;
		ll = (size_t)(eol - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if ((colon = memchr(line, ':', ll)) == NULL)
			continue;
		nl = (size_t)(colon - line);
		while (nl > 0 && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
			nl--;
		for (k = 0; k < 5; k++) {
			const char *a = want[k][0], *b = want[k][1];

			if ((strlen(a) == nl &&
			    strncasecmp((const char *)line, a, nl) == 0) ||
			    (b != NULL && strlen(b) == nl &&
			    strncasecmp((const char *)line, b, nl) == 0))
				break;
		}
		if (k == 5 || (k > 0 && seen[k]))
			continue;
		/* Copied as they are; a bare CR would end the line early. */
		if (memchr(line, '\r', ll) != NULL)
			return 0;
		if (o + ll + 2 >= sizeof(out) - 32)
			return 0;
		memcpy(out + o, line, ll);
		o += ll;
		out[o++] = '\r';
		out[o++] = '\n';
		seen[k]++;
		if (k == 0)
			nv++;
	}
	for (k = 1; k < 5; k++)
		if (!seen[k])
			return 0;
	if (nv == 0)
		return 0;
	o += (size_t)snprintf(out + o, sizeof(out) - o,
	    "Content-Length: 0\r\n\r\n");
	return transmit(ua, cur->tp, lfd, &cur->src, (const uint8_t *)out, o,
	    NULL, 0, NULL) == SIPREC_OK;
}

/* Length of the header part, up to and with the blank line; 0 if none. */
static size_t
header_end(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The checks libosip2 leaves to us; NULL when the message is usable. */
static const char *
check_msg(osip_message_t *m, const struct cur *cur, int *status)
{
	osip_via_t *via;
	char *end;
	unsigned long long v;
	size_t he;

	*status = 400;
	if (m->call_id == NULL || m->call_id->number == NULL)
		return "no Call-ID";
	if (m->from == NULL)
		return "no From";
	if (m->to == NULL)
		return "no To";
	if (m->cseq == NULL || m->cseq->number == NULL ||
	    m->cseq->method == NULL)
		return "no CSeq";
	if ((via = osip_list_get(&m->vias, 0)) == NULL || via->host == NULL)
		return "no Via";
	errno = 0;
	v = strtoull(m->cseq->number, &end, 10);
	/* §8.1.1.5: a 32-bit unsigned integer. */
	if (*end != '\0' || end == m->cseq->number || errno != 0 ||
	    v > 0xffffffffULL)
		return "bad CSeq number";
	if (MSG_IS_REQUEST(m)) {
		if (m->sip_method == NULL || m->req_uri == NULL)
			return "bad request line";
		if (m->sip_version == NULL ||
		    strcmp(m->sip_version, "SIP/2.0") != 0) {
			*status = 505;
			return "unsupported SIP version";
		}
		if (strcmp(m->sip_method, m->cseq->method) != 0)
			return "CSeq method differs from the request's";
	} else if (m->status_code < 100 || m->status_code > 699)
		return "bad status code";
	if (m->content_length != NULL && m->content_length->value != NULL) {
		const char *cl = m->content_length->value;

		errno = 0;
		v = strtoull(cl, &end, 10);
		if (*cl < '0' || *cl > '9' || *end != '\0' || errno != 0)
			return "bad Content-Length";
		he = header_end(cur->raw.p, cur->raw.len);
		/* §18.3: on UDP a body shorter than announced is an error. */
		if (cur->tp == SIPREC_TRANSPORT_UDP &&
		    (he == 0 || v > cur->raw.len - he))
			return "Content-Length larger than the datagram";
	}
	return NULL;
}

static void request_new_xact(struct siprec_sipua *, const struct cur *, int,
		    osip_message_t *, const char *key);

static void
handle_cancel(struct siprec_sipua *ua, const struct cur *cur, int lfd,
    osip_message_t *m, const char *key)
{
	struct xact *inv, *x;
	char ikey[KEY_MAX];
	osip_event_t *e;
	struct siprec_sipua_request r;

	inv = server_key(m, "INVITE", ikey, sizeof(ikey)) == 0 ?
	    tab_find(ua, ikey) : NULL;
	if ((x = xact_new(ua, X_NIST, m)) == NULL ||
	    tab_add(ua, &x->hn[0], key) != 0) {
		if (x != NULL)
			xact_free(x);
		osip_message_free(m);
		return;
	}
	x->tp = cur->tp;
	x->peer = cur->src;
	x->local = cur->dst;
	x->lfd = lfd;
	if ((e = event_new(RCV_REQUEST, x->otr->transactionid, m)) == NULL) {
		osip_message_free(m);
		xact_free(x);
		return;
	}
	if (!exec(x, e, 0))
		return;
	x->app_owns = 1;
	x->keep_req = 1;
	if (inv == NULL || inv->kind != X_IST) {
		(void)siprec_sipua_reply(&x->st, 481, NULL, NULL);
		return;
	}
	(void)siprec_sipua_reply(&x->st, 200, NULL, NULL);
	if (!inv->app_owns || inv->dead || ua->opts.request == NULL)
		return;
	/* §9.2: the INVITE gets its 487 from the application. */
	memset(&r, 0, sizeof(r));
	r.cancelled = &inv->st;
	r.msg = m;
	r.raw = cur->raw;
	r.transport = cur->tp;
	r.src = cur->src;
	r.dst = cur->dst;
	r.ts_ns = cur->ts;
	/* m is held by the NIST in Completed (UDP); over TCP it ended with
	   its 200: hand the application nothing it cannot trust. */
	if (x->otr == NULL || x->otr->orig_request != m) {
		r.msg = NULL;
		x = NULL;
	}
	ua->opts.request(ua->opts.arg, &r);
	if (x != NULL && (x = tab_find(ua, key)) != NULL && x->otr != NULL) {
		x->keep_req = 0;
		if (x->acc != NULL)
			lite_start(x, LITE_NIST);
	}
}

static void
handle_request(struct siprec_sipua *ua, const struct cur *cur, int lfd,
    osip_message_t *m)
{
	char key[KEY_MAX], akey[KEY_MAX];
	struct xact *x;
	int is_ack = MSG_IS_ACK(m);

	if (server_key(m, is_ack ? "INVITE" : m->sip_method, key,
	    sizeof(key)) != 0) {
		bad(ua, cur->tp, &cur->src, &cur->dst, cur->raw.p,
		    cur->raw.len, 0, 0, "transaction key too long");
		osip_message_free(m);
		return;
	}
	x = tab_find(ua, key);
	if (is_ack) {
		struct siprec_sipua_request r;

		if (x != NULL && (x->lite == LITE_IST ||
		    x->lite == LITE_IST_ACKED)) {
			/* §17.2.1: Confirmed, absorb ACKs for Timer I. */
			if (x->lite == LITE_IST) {
				x->lite = LITE_IST_ACKED;
				siprec_timer_after(x->timer, 5 * SEC_NS);
			}
			osip_message_free(m);
			return;
		}
		if (x != NULL && x->otr != NULL && x->kind == X_IST &&
		    !x->abandoned) {
			/* ACK for a non-2xx: the IST absorbs it (§17.2.1). */
			osip_event_t *e = event_new(RCV_REQACK,
			    x->otr->transactionid, m);

			if (e == NULL)
				osip_message_free(m);
			else
				(void)exec(x, e, 1);
			return;
		}
		if (ack_key(m, akey, sizeof(akey)) == 0 &&
		    (x = tab_find(ua, akey)) != NULL &&
		    x->lite == LITE_ACCEPTED)
			xact_free(x);	/* the 2xx is acknowledged */
		if (ua->opts.request != NULL) {
			memset(&r, 0, sizeof(r));
			r.msg = m;
			r.raw = cur->raw;
			r.transport = cur->tp;
			r.src = cur->src;
			r.dst = cur->dst;
			r.ts_ns = cur->ts;
			ua->opts.request(ua->opts.arg, &r);
		}
		osip_message_free(m);
		return;
	}
	if (x != NULL) {
		/* A retransmission: the transaction answers it. */
		ua->stats.rx_retrans++;
		if (x->otr != NULL) {
			osip_event_t *e = event_new(incoming_type(m),
			    x->otr->transactionid, m);

			if (e == NULL)
				osip_message_free(m);
			else {
				ua->retrans = 1;
				(void)exec(x, e, 1);
				ua->retrans = 0;
			}
		} else {
			/* RFC 6026 Accepted absorbs; a NIST or an IST
			   Completed resends its final (§17.2.1). */
			if ((x->lite == LITE_NIST || x->lite == LITE_IST) &&
			    x->acc != NULL) {
				ua->retrans = 1;
				(void)transmit(ua, x->tp, x->lfd, &x->peer,
				    x->acc, x->acclen, x, 0, NULL);
				ua->retrans = 0;
			}
			osip_message_free(m);
		}
		return;
	}
	if (MSG_IS_CANCEL(m)) {
		handle_cancel(ua, cur, lfd, m, key);
		return;
	}
	request_new_xact(ua, cur, lfd, m, key);
}

static void
request_new_xact(struct siprec_sipua *ua, const struct cur *cur, int lfd,
    osip_message_t *m, const char *key)
{
	struct siprec_sipua_request r;
	struct xact *x;
	osip_event_t *e;
	int invite = MSG_IS_INVITE(m);

	if ((x = xact_new(ua, invite ? X_IST : X_NIST, m)) == NULL ||
	    tab_add(ua, &x->hn[0], key) != 0) {
		if (x != NULL)
			xact_free(x);
		bad(ua, cur->tp, &cur->src, &cur->dst, cur->raw.p,
		    cur->raw.len, 0, 0, "out of memory for a transaction");
		osip_message_free(m);
		return;
	}
	x->tp = cur->tp;
	x->peer = cur->src;
	x->local = cur->dst;
	x->lfd = lfd;
	e = event_new(invite ? RCV_REQINVITE : RCV_REQUEST,
	    x->otr->transactionid, m);
	if (e == NULL) {
		osip_message_free(m);
		xact_free(x);
		return;
	}
	if (!exec(x, e, 0))
		return;
	x->app_owns = 1;
	if (invite && ua->opts.auto_trying)
		(void)siprec_sipua_reply(&x->st, 100, NULL, NULL);
	if (ua->opts.request == NULL) {
		(void)siprec_sipua_reply(&x->st, 501, NULL, NULL);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.st = &x->st;
	r.msg = m;
	r.raw = cur->raw;
	r.transport = cur->tp;
	r.src = cur->src;
	r.dst = cur->dst;
	r.ts_ns = cur->ts;
	ua->opts.request(ua->opts.arg, &r);
}

static void
handle_response(struct siprec_sipua *ua, const struct cur *cur,
    osip_message_t *m)
{
	char key[KEY_MAX];
	struct xact *x = NULL;

	if (client_key(m, m->cseq->method, key, sizeof(key)) == 0)
		x = tab_find(ua, key);
	if (x != NULL && x->otr != NULL && (x->kind == X_ICT ||
	    x->kind == X_NICT)) {
		osip_event_t *e = event_new(incoming_type(m),
		    x->otr->transactionid, m);

		if (e == NULL)
			osip_message_free(m);
		else if (exec(x, e, 1)) {
			if (x->cancel_wanted && x->got_1xx) {
				x->cancel_wanted = 0;
				(void)siprec_sipua_cancel(&x->ct, NULL);
			} else if (x->kind == X_ICT && x->acc != NULL &&
			    x->otr->state == ICT_COMPLETED)
				lite_start(x, LITE_ICT);
		}
		return;
	}
	if (x != NULL && x->lite == LITE_ICT) {
		/* A final again: the ACK again (§17.1.1.2). */
		if (m->status_code >= 300) {
			ua->stats.rx_retrans++;
			ua->retrans = 1;
			(void)transmit(ua, x->tp, x->lfd, &x->peer, x->acc,
			    x->acclen, x, 0, NULL);
			ua->retrans = 0;
		}
		osip_message_free(m);
		return;
	}
	/* A 2xx to an INVITE retransmitted after the ICT ended. */
	if (MSG_IS_STATUS_2XX(m) && ieq(m->cseq->method, "INVITE") &&
	    ua->opts.stray != NULL) {
		struct siprec_sipua_response r;

		memset(&r, 0, sizeof(r));
		r.err = SIPREC_OK;
		r.status = m->status_code;
		r.final = 1;
		r.msg = m;
		r.raw = cur->raw;
		r.transport = cur->tp;
		r.src = cur->src;
		r.dst = cur->dst;
		r.ts_ns = cur->ts;
		ua->opts.stray(ua->opts.arg, &r);
	} else
		ua->stats.rx_retrans++;
	osip_message_free(m);
}

static int
blank(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' &&
		    p[i] != '\t')
			return 0;
	return 1;
}

/*
 * Header name of the line [l, e), case-insensitively one of the long or
 * compact forms given.
 */
static int
hdr_is(const uint8_t *l, const uint8_t *e, const char *name, char compact)
{
	const uint8_t *c = memchr(l, ':', (size_t)(e - l));
	size_t n;

	if (c == NULL)
		return 0;
	while (c > l && (c[-1] == ' ' || c[-1] == '\t'))
		c--;
	n = (size_t)(c - l);
	return (n == strlen(name) && strncasecmp((const char *)l, name,
	    n) == 0) || (n == 1 && (*l | 0x20) == compact);
}

/*
 * Parse p again when libosip2 refused the whole message: some SRCs send
 * multipart bodies libosip2's own splitter rejects (a boundary it cannot
 * find, parts without headers), though their start line and headers are
 * sound.  Parse the headers alone, with Content-Type hidden and
 * Content-Length zeroed, then put both back and keep the body whole, as
 * it arrived: the application splits bodies itself (lib/sipmsg.c).
 * Returns the message, or NULL when the headers are bad too.
 */
static osip_message_t *
parse_headers_only(const uint8_t *p, size_t n)
{
	static const char hidden[] = "X-Sipua-Hidden-Type";
	const uint8_t *l, *e, *end = p + n, *body = end, *ct = NULL;
	const uint8_t *cl = NULL;
	size_t ctlen = 0, blen;
	osip_message_t *m = NULL;
	osip_list_iterator_t it;
	osip_header_t *h;
	char *copy, *o, *ctv = NULL, clen[24];

	if ((copy = malloc(n + sizeof(hidden) + 4)) == NULL)
		return NULL;
	for (l = p, o = copy; l < end; l = e + 1) {
		const uint8_t *c;

		if ((e = memchr(l, '\n', (size_t)(end - l))) == NULL)
			e = end;
		if (e == l || (e == l + 1 && *l == '\r')) {
			body = e < end ? e + 1 : end;
			break;
		}
		c = memchr(l, ':', (size_t)(e - l));
		if (ct == NULL && c != NULL && hdr_is(l, e, "content-type",
		    'c')) {
			ct = c + 1;
			ctlen = (size_t)(e - ct);
			memcpy(o, hidden, sizeof(hidden) - 1);
			o += sizeof(hidden) - 1;
			l = c;
		} else if (c != NULL && hdr_is(l, e, "content-length", 'l')) {
			cl = c + 1;
			memcpy(o, l, (size_t)(c + 1 - l));
			o += c + 1 - l;
			memcpy(o, " 0", 2);
			o += 2;
			l = e;
		}
		memcpy(o, l, (size_t)(e - l));
		o += e - l;
		*o++ = '\n';
		if (e == end)
			break;
	}
	memcpy(o, "\r\n", 2);
	o += 2;
	if (osip_message_init(&m) != 0 ||
	    osip_message_parse(m, copy, (size_t)(o - copy)) != 0)
		goto fail;
	/* Drop the hidden header, put Content-Type and the body back. */
	for (h = osip_list_get_first(&m->headers, &it); h != NULL;
	    h = osip_list_get_next(&it))
		if (h->hname != NULL && strcasecmp(h->hname, hidden) == 0) {
			osip_list_iterator_remove(&it);
			osip_header_free(h);
			break;
		}
	if (ct != NULL) {
		while (ctlen > 0 && (ct[ctlen - 1] == '\r' ||
		    ct[ctlen - 1] == ' ' || ct[ctlen - 1] == '\t'))
			ctlen--;
		while (ctlen > 0 && (*ct == ' ' || *ct == '\t')) {
			ct++;
			ctlen--;
		}
		if ((ctv = strndup((const char *)ct, ctlen)) == NULL ||
		    osip_message_set_content_type(m, ctv) != 0)
			goto fail;
		free(ctv);
		ctv = NULL;
	}
	blen = (size_t)(end - body);
	if (cl != NULL) {
		/* Only a body of exactly the stated length (RFC 3261 18.3). */
		size_t v = 0;
		int digits = 0;

		while (cl < end && (*cl == ' ' || *cl == '\t'))
			cl++;
		for (; cl < end && *cl >= '0' && *cl <= '9' && v < n; cl++) {
			v = v * 10 + (size_t)(*cl - '0');
			digits++;
		}
		if (digits == 0 || v != blen)
			goto fail;
	}
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	snprintf(clen, sizeof(clen), "%zu", blen);
	if (osip_message_set_content_length(m, clen) != 0 ||
	    (blen > 0 && osip_message_set_body(m, (const char *)body,
	    blen) != 0))
		goto fail;
	free(copy);
	return m;
fail:
	free(ctv);
	free(copy);
	osip_message_free(m);
	return NULL;
}

/* One whole message from UDP or framed from TCP. */
static void
process(struct siprec_sipua *ua, enum siprec_transport tp, int lfd,
    const struct siprec_addr *src, const struct siprec_addr *dst,
    uint64_t ts, const uint8_t *p, size_t n)
{
	struct cur cur;
	const struct cur *saved = ua->cur;
	osip_message_t *m = NULL;
	const char *why;
	int status, answered = 0;

	ua->stats.rx++;
	cur.raw.p = p;
	cur.raw.len = n;
	cur.tp = tp;
	cur.src = *src;
	cur.dst = *dst;
	cur.ts = ts ? ts : siprec_loop_wall(ua->loop);
	wire(ua, 0, tp, src, dst, p, n, cur.ts);
	if (blank(p, n))
		return;		/* keep-alive (RFC 5626 §3.5.1) */
	ua->cur = &cur;
	if (osip_message_init(&m) != 0)
		goto out;
	if (osip_message_parse(m, (const char *)p, n) != 0) {
		osip_message_free(m);
		m = parse_headers_only(p, n);
	}
	if (m == NULL) {
		answered = reply_raw_400(ua, &cur, lfd, p, n);
		bad(ua, tp, src, dst, p, n, answered, 0,
		    "unparseable SIP message");
		goto out;
	}
	if ((why = check_msg(m, &cur, &status)) != NULL) {
		if (MSG_IS_REQUEST(m) && !MSG_IS_ACK(m)) {
			if (m->from != NULL && m->to != NULL &&
			    m->call_id != NULL && m->cseq != NULL &&
			    osip_list_size(&m->vias) > 0) {
				reply_stateless(ua, &cur, lfd, m, status, why);
				answered = 1;
			} else
				answered = reply_raw_400(ua, &cur, lfd, p, n);
		}
		bad(ua, tp, src, dst, p, n, answered, 0, "%s", why);
		goto out;
	}
	if (MSG_IS_REQUEST(m))
		handle_request(ua, &cur, lfd, m);
	else
		handle_response(ua, &cur, m);
	m = NULL;
out:
	osip_message_free(m);
	ua->cur = saved;
}

static void
on_udp(void *arg, int fd, unsigned int events)
{
	struct listener *l = arg;
	struct siprec_sipua *ua = l->ua;
	int i;

	siprec__osip_traces_off();
	if ((events & SIPREC_LOOP_ERROR) && l->stamps)
		(void)siprec__net_tx_time(fd);	/* late send times */
	for (i = 0; i < UDP_BURST; i++) {
		struct siprec_addr src, dst = l->addr;
		uint64_t ts = 0;
		int trunc = 0;
		long n;

		n = siprec_net_recv(fd, ua->rxbuf, ua->rxcap, &src, &dst, &ts,
		    &trunc);
		if (n <= 0)
			break;
		if (siprec__loop_wall_injected(ua->loop))
			ts = siprec_loop_wall(ua->loop);
		if (trunc || (size_t)n > ua->opts.max_msg) {
			ua->stats.rx++;
			wire(ua, 0, SIPREC_TRANSPORT_UDP, &src, &dst,
			    ua->rxbuf, (size_t)n, ts);
			bad(ua, SIPREC_TRANSPORT_UDP, &src, &dst, ua->rxbuf,
			    (size_t)n, 0, 0, "datagram over %zu bytes",
			    ua->opts.max_msg);
			continue;
		}
		process(ua, SIPREC_TRANSPORT_UDP, fd, &src, &dst, ts,
		    ua->rxbuf, (size_t)n);
	}
}

/* --- TCP --------------------------------------------------------------- */

/*
 * Content-Length of a header block (§18.3, §20.14; compact form "l"):
 * -1 when absent, -2 when malformed or given twice with different values.
 */
static long long
frame_clen(const uint8_t *p, size_t n)
{
	long long val = -1;
	size_t i = 0;

	while (i < n) {
		const uint8_t *line = p + i, *eol;
		size_t ll, nl;

		eol = memchr(line, '\n', n - i);
		ll = eol != NULL ? (size_t)(eol - line) : n - i;
		i += ll + 1;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		for (nl = 0; nl < ll && line[nl] != ':' && line[nl] != ' ' &&
		    line[nl] != '\t'; nl++)
			;
		if (!((nl == 14 && strncasecmp((const char *)line,
		    "content-length", 14) == 0) ||
		    (nl == 1 && (line[0] == 'l' || line[0] == 'L'))))
			continue;
		while (nl < ll && (line[nl] == ' ' || line[nl] == '\t'))
			nl++;
		if (nl >= ll || line[nl] != ':')
			continue;
		nl++;
		while (nl < ll && (line[nl] == ' ' || line[nl] == '\t'))
			nl++;
		{
			long long v = 0;
			size_t d = 0;

			while (nl < ll && line[nl] >= '0' && line[nl] <= '9') {
				if (v > 100000000LL)
					return -2;
				v = v * 10 + (line[nl++] - '0');
				d++;
			}
			while (nl < ll && (line[nl] == ' ' ||
			    line[nl] == '\t'))
				nl++;
			if (d == 0 || nl != ll || (val >= 0 && val != v))
				return -2;
			val = v;
		}
	}
	return val;
}

static void
tcp_input(struct conn *c)
{
	struct siprec_sipua *ua = c->ua;
	size_t off = 0;

	while (!c->closing) {
		const uint8_t *p = c->in + off;
		size_t n = c->inlen - off, he, total;
		long long cl;

		/* CRLF keep-alives between messages (RFC 5626 §3.5.1). */
		while (n > 0 && (*p == '\r' || *p == '\n')) {
			p++;
			n--;
			off++;
		}
		if (n == 0)
			break;
		if ((he = header_end(p, n)) == 0) {
			if (n > ua->opts.max_msg) {
				bad(ua, SIPREC_TRANSPORT_TCP, &c->peer,
				    &c->local, p, n, 0, 1,
				    "no end of headers in %zu bytes",
				    ua->opts.max_msg);
				conn_close(c, "too big");
			}
			break;
		}
		cl = frame_clen(p, he);
		if (cl < 0 || he + (size_t)cl > ua->opts.max_msg) {
			struct cur cur;
			int answered;

			/* §18.3: Content-Length is mandatory on TCP; without a
			   usable one the stream cannot be framed again. */
			cur.tp = SIPREC_TRANSPORT_TCP;
			cur.src = c->peer;
			cur.dst = c->local;
			cur.raw.p = p;
			cur.raw.len = he;
			cur.ts = 0;
			answered = reply_raw_400(ua, &cur, -1, p, he);
			bad(ua, SIPREC_TRANSPORT_TCP, &c->peer, &c->local, p,
			    he, answered, 1, cl == -1 ? "no Content-Length "
			    "on TCP" : cl == -2 ? "bad Content-Length" :
			    "message over the size limit");
			conn_close(c, "unframeable");
			break;
		}
		total = he + (size_t)cl;
		if (n < total)
			break;
		process(ua, SIPREC_TRANSPORT_TCP, -1, &c->peer, &c->local, 0,
		    p, total);
		off += total;
	}
	if (off > 0 && !c->closing) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

static void
tcp_read(struct conn *c)
{
	struct siprec_sipua *ua = c->ua;
	int rounds;

	siprec__osip_traces_off();
	for (rounds = 0; rounds < 16 && !c->closing; rounds++) {
		ssize_t n;

		if (c->inlen == c->incap) {
			size_t cap = c->incap ? c->incap * 2 : 8192;
			uint8_t *nb;

			if (cap > ua->opts.max_msg + 8192)
				cap = ua->opts.max_msg + 8192;
			if (cap <= c->incap) {
				/* tcp_input() would have closed it. */
				bad(ua, SIPREC_TRANSPORT_TCP, &c->peer,
				    &c->local, c->in, c->inlen, 0, 1,
				    "message over %zu bytes",
				    ua->opts.max_msg);
				conn_close(c, "too big");
				return;
			}
			if ((nb = realloc(c->in, cap)) == NULL) {
				conn_close(c, "out of memory");
				return;
			}
			c->in = nb;
			c->incap = cap;
		}
		n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen,
		    MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c, "read error");
			return;
		}
		if (n == 0) {
			if (c->inlen > 0 && !blank(c->in, c->inlen))
				bad(ua, SIPREC_TRANSPORT_TCP, &c->peer,
				    &c->local, c->in, c->inlen, 0, 1,
				    "connection closed inside a message");
			conn_close(c, "closed by peer");
			return;
		}
		c->inlen += (size_t)n;
		c->last = siprec_loop_now(ua->loop);
		tcp_input(c);
	}
}

static void
on_conn(void *arg, int fd, unsigned int events)
{
	struct conn *c = arg;

	(void)fd;
	c->busy++;
	if (c->connecting && (events & (SIPREC_LOOP_WRITE |
	    SIPREC_LOOP_ERROR))) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 ||
		    err != 0) {
			conn_close(c, "connect failed");
			goto out;
		}
		c->connecting = 0;
		(void)siprec_net_local(c->fd, &c->local);
	}
	if (!c->closing && (events & SIPREC_LOOP_WRITE) && !c->connecting &&
	    conn_flush(c) != SIPREC_OK)
		conn_close(c, "write failed");
	if (!c->closing && (events & (SIPREC_LOOP_READ | SIPREC_LOOP_ERROR)))
		tcp_read(c);
out:
	c->busy--;
	if (c->closing && c->busy == 0)
		conn_free(c);
}

static void
on_idle(void *arg, struct siprec_timer *t)
{
	struct conn *c = arg;
	struct siprec_sipua *ua = c->ua;
	uint64_t now = siprec_loop_now(ua->loop);

	if (now - c->last < ua->opts.tcp_idle_ns && now >= c->last) {
		siprec_timer_at(t, c->last + ua->opts.tcp_idle_ns);
		return;
	}
	/* Idle or half-open (no FIN ever came): §18.3 leaves it to us. */
	if (c->inlen > 0 && !blank(c->in, c->inlen))
		bad(ua, SIPREC_TRANSPORT_TCP, &c->peer, &c->local, c->in,
		    c->inlen, 0, 1, "incomplete message, connection idle");
	conn_close(c, "idle");
}

static void
on_accept(void *arg, int fd, unsigned int events)
{
	struct listener *l = arg;
	struct siprec_sipua *ua = l->ua;
	int i;

	(void)events;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct siprec_addr peer;
		int cfd, on = 1;

		cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			break;
		siprec_net_addr(&ss, &peer);
		if (ua->stats.conns >= ua->opts.max_conns) {
			bad(ua, SIPREC_TRANSPORT_TCP, &peer, &l->addr, NULL, 0,
			    0, 1, "too many TCP connections (%zu)",
			    ua->opts.max_conns);
			close(cfd);
			continue;
		}
		(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
		if (conn_new(ua, cfd, &peer, 0) == NULL)
			close(cfd);
	}
}

/* --- the user agent ---------------------------------------------------- */

enum siprec_err
siprec_sipua_new(const struct siprec_sipua_opts *opts,
    struct siprec_sipua **out, struct siprec_diag *diag)
{
	struct siprec_sipua *ua;
	size_t n;
	int i;

	*out = NULL;
	if (opts == NULL || opts->loop == NULL) {
		siprec_diag_set(diag, 0, 0, "no event loop");
		return SIPREC_EINVAL;
	}
	siprec__osip_init();
	if ((ua = calloc(1, sizeof(*ua))) == NULL)
		return SIPREC_ENOMEM;
	ua->opts = *opts;
	ua->loop = opts->loop;
	if (ua->opts.max_msg == 0)
		ua->opts.max_msg = 65535;
	if (ua->opts.max_conns == 0)
		ua->opts.max_conns = 4096;
	if (ua->opts.tcp_idle_ns == 0)
		ua->opts.tcp_idle_ns = 64000000000ULL;
	for (n = 64; n < ua->opts.max_conns && n < (1u << 20); n *= 2)
		;
	ua->ctabsz = n;
	ua->rxcap = ua->opts.max_msg + 1;
	if ((ua->ctab = calloc(ua->ctabsz, sizeof(*ua->ctab))) == NULL ||
	    (ua->rxbuf = malloc(ua->rxcap)) == NULL ||
	    tab_grow(ua) != 0 ||
	    siprec_timer_new(ua->loop, on_kick, ua, &ua->kick) != SIPREC_OK)
		goto nomem;
	if (osip_init(&ua->osip) != 0)
		goto nomem;
	osip_set_application_context(ua->osip, ua);
	if (ua->opts.batch_udp && ua->opts.wire == NULL &&
	    ((ua->batch = malloc(sizeof(*ua->batch))) == NULL ||
	    (ua->batch->n = 0, ua->batch->used = 0,
	    siprec_timer_new(ua->loop, on_batch, ua, &ua->batch->t)) !=
	    SIPREC_OK))
		goto nomem;
	osip_set_cb_send_message(ua->osip, cb_send);
	for (i = OSIP_ICT_STATUS_1XX_RECEIVED;
	    i <= OSIP_ICT_STATUS_6XX_RECEIVED; i++)
		osip_set_message_callback(ua->osip, i, cb_message);
	for (i = OSIP_NICT_STATUS_1XX_RECEIVED;
	    i <= OSIP_NICT_STATUS_6XX_RECEIVED; i++)
		if (i != OSIP_NICT_STATUS_2XX_RECEIVED_AGAIN)
			osip_set_message_callback(ua->osip, i, cb_message);
	osip_set_message_callback(ua->osip, OSIP_ICT_STATUS_2XX_RECEIVED_AGAIN,
	    NULL);
	osip_set_message_callback(ua->osip, OSIP_ICT_STATUS_TIMEOUT, cb_timeout);
	osip_set_message_callback(ua->osip, OSIP_NICT_STATUS_TIMEOUT,
	    cb_timeout);
	for (i = 0; i < OSIP_KILL_CALLBACK_COUNT; i++)
		osip_set_kill_transaction_callback(ua->osip, i, cb_kill);
	for (i = 0; i < OSIP_TRANSPORT_ERROR_CALLBACK_COUNT; i++)
		osip_set_transport_error_callback(ua->osip, i, cb_terror);
	*out = ua;
	return SIPREC_OK;
nomem:
	siprec_sipua_free(ua);
	return SIPREC_ENOMEM;
}

void
siprec_sipua_free(struct siprec_sipua *ua)
{
	size_t i;

	if (ua == NULL)
		return;
	if (ua->batch != NULL) {
		batch_flush(ua);
		siprec_timer_free(ua->batch->t);
		free(ua->batch);
	}
	ua->opts.wire = NULL;
	ua->opts.bad = NULL;
	while (ua->failq != NULL)
		xlist_unlink(ua->failq);
	for (i = 0; i < ua->tabsz; i++) {
		while (ua->tab[i] != NULL) {
			struct xact *x = ua->tab[i]->x;

			x->app_owns = 0;
			xact_free(x);
		}
	}
	/* Transactions the application still held, out of the table. */
	while (ua->deadq != NULL) {
		ua->deadq->app_owns = 0;
		xact_free(ua->deadq);
	}
	while (ua->conns != NULL) {
		ua->conns->busy = 0;
		ua->conns->closing = 1;
		while (ua->conns->xacts != NULL)
			xlist_unlink(ua->conns->xacts);
		conn_free(ua->conns);
	}
	for (i = 0; i < ua->nls; i++) {
		siprec_watch_free(ua->ls[i].w);
		close(ua->ls[i].fd);
	}
	siprec_timer_free(ua->kick);
	if (ua->osip != NULL)
		osip_release(ua->osip);
	free(ua->tab);
	free(ua->ctab);
	free(ua->rxbuf);
	free(ua);
}

enum siprec_err
siprec_sipua_listen(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *addr, struct siprec_addr *bound,
    struct siprec_diag *diag)
{
	struct listener *l;
	enum siprec_err e;

	if (ua->nls == MAX_LISTEN) {
		siprec_diag_set(diag, 0, 0, "more than %d listeners",
		    MAX_LISTEN);
		return SIPREC_EINVAL;
	}
	l = &ua->ls[ua->nls];
	memset(l, 0, sizeof(*l));
	l->ua = ua;
	l->tp = tp;
	if (tp == SIPREC_TRANSPORT_UDP) {
		e = siprec_net_udp(addr, ua->opts.udp_bufsize, &l->fd,
		    &l->addr, diag);
		/*
		 * Kernel send times cost a read of the error queue per
		 * datagram sent: only for a wire hook, which reports them.
		 */
		if (e == SIPREC_OK && ua->opts.wire != NULL)
			l->stamps = siprec__net_tx_stamps(l->fd) == 0;
	}
	else
		e = siprec_net_tcp_listen(addr, 0, &l->fd, &l->addr, diag);
	if (e != SIPREC_OK)
		return e;
	e = siprec_watch_new(ua->loop, l->fd, SIPREC_LOOP_READ,
	    tp == SIPREC_TRANSPORT_UDP ? on_udp : on_accept, l, &l->w, diag);
	if (e != SIPREC_OK) {
		close(l->fd);
		return e;
	}
	ua->nls++;
	if (bound != NULL)
		*bound = l->addr;
	return SIPREC_OK;
}

const struct siprec_sipua_stats *
siprec_sipua_stats(const struct siprec_sipua *ua)
{
	return &ua->stats;
}

/* --- client side ------------------------------------------------------- */

static enum siprec_err
send_new(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, osip_message_t *req, struct xact **out,
    struct siprec_diag *diag)
{
	struct siprec_addr sb;
	struct xact *x;
	char key[KEY_MAX];
	osip_event_t *e;
	int invite;

	*out = NULL;
	siprec__osip_traces_off();
	if (req == NULL || !MSG_IS_REQUEST(req) || req->sip_method == NULL ||
	    MSG_IS_ACK(req) || req->call_id == NULL || req->cseq == NULL ||
	    req->from == NULL || req->to == NULL || req->req_uri == NULL) {
		siprec_diag_set(diag, 0, 0, "not a request to send");
		osip_message_free(req);
		return SIPREC_EINVAL;
	}
	if (sent_by(ua, tp, dst, &sb, diag) != 0) {
		osip_message_free(req);
		return SIPREC_ENET;
	}
	if (add_via(ua, req, tp, &sb) != 0 || finish_msg(ua, req) != 0) {
		osip_message_free(req);
		return SIPREC_ENOMEM;
	}
	invite = MSG_IS_INVITE(req);
	if ((x = xact_new(ua, invite ? X_ICT : X_NICT, req)) == NULL) {
		osip_message_free(req);
		return SIPREC_ENOMEM;
	}
	x->tp = tp;
	x->peer = *dst;
	x->local = sb;
	if (client_key(req, req->sip_method, key, sizeof(key)) != 0 ||
	    tab_add(ua, &x->hn[0], key) != 0 ||
	    (e = osip_new_outgoing_sipmessage(req)) == NULL) {
		xact_free(x);
		osip_message_free(req);
		return SIPREC_ENOMEM;
	}
	e->transactionid = x->otr->transactionid;
	/* osip_transaction_execute() takes req (orig_request) from here. */
	if (!exec(x, e, 0)) {
		siprec_diag_set(diag, 0, 0, "cannot send to the destination");
		return SIPREC_ENET;
	}
	if (x->terror) {
		x->ended = 1;
		xact_end(x);
		siprec_diag_set(diag, 0, 0, "cannot send to the destination");
		return SIPREC_ENET;
	}
	*out = x;
	return SIPREC_OK;
}

enum siprec_err
siprec_sipua_send(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, osip_message_t *req,
    void (*cb)(void *, struct siprec_sipua_ct *,
	const struct siprec_sipua_response *),
    void *arg, struct siprec_sipua_ct **ct, struct siprec_diag *diag)
{
	struct xact *x;
	enum siprec_err e;

	if (ct != NULL)
		*ct = NULL;
	if (req != NULL && MSG_IS_CANCEL(req)) {
		siprec_diag_set(diag, 0, 0, "CANCEL goes by siprec_sipua_cancel");
		osip_message_free(req);
		return SIPREC_EINVAL;
	}
	if ((e = send_new(ua, tp, dst, req, &x, diag)) != SIPREC_OK)
		return e;
	x->cb = cb;
	x->arg = arg;
	if (ct != NULL)
		*ct = &x->ct;
	return SIPREC_OK;
}

osip_message_t *
siprec_sipua_ct_request(const struct siprec_sipua_ct *ct)
{
	return ct->x->otr != NULL ? ct->x->otr->orig_request : NULL;
}

enum siprec_err
siprec_sipua_cancel(struct siprec_sipua_ct *ct, struct siprec_diag *diag)
{
	struct xact *x, *cx;
	osip_message_t *inv, *c = NULL;
	osip_via_t *via = NULL;
	char cs[64], key[KEY_MAX];
	osip_event_t *e;

	if (ct == NULL || ct->x->kind != X_ICT || ct->x->ended ||
	    ct->x->otr == NULL || ct->x->otr->orig_request == NULL) {
		siprec_diag_set(diag, 0, 0, "no INVITE in progress to cancel");
		return SIPREC_EINVAL;
	}
	x = ct->x;
	if (!x->got_1xx) {
		/* §9.1: not before a provisional response. */
		x->cancel_wanted = 1;
		return SIPREC_OK;
	}
	inv = x->otr->orig_request;
	/* §9.1: same Request-URI, Call-ID, From, To, CSeq number, top Via. */
	if (osip_message_init(&c) != 0)
		return SIPREC_ENOMEM;
	osip_message_set_method(c, osip_strdup("CANCEL"));
	osip_message_set_version(c, osip_strdup("SIP/2.0"));
	snprintf(cs, sizeof(cs), "%s CANCEL", inv->cseq->number);
	if (osip_uri_clone(inv->req_uri, &c->req_uri) != 0 ||
	    osip_from_clone(inv->from, &c->from) != 0 ||
	    osip_to_clone(inv->to, &c->to) != 0 ||
	    osip_call_id_clone(inv->call_id, &c->call_id) != 0 ||
	    osip_message_set_cseq(c, cs) != 0 ||
	    osip_message_set_max_forwards(c, "70") != 0 ||
	    osip_via_clone(osip_list_get(&inv->vias, 0), &via) != 0 ||
	    osip_list_add(&c->vias, via, 0) < 0 ||
	    osip_list_clone(&inv->routes, &c->routes,
	    (int (*)(void *, void **))osip_from_clone) != 0 ||
	    finish_msg(x->ua, c) != 0)
		goto nomem;
	if ((cx = xact_new(x->ua, X_NICT, c)) == NULL)
		goto nomem;
	cx->tp = x->tp;
	cx->peer = x->peer;
	cx->local = x->local;
	cx->internal = 1;
	if (client_key(c, "CANCEL", key, sizeof(key)) != 0 ||
	    tab_add(x->ua, &cx->hn[0], key) != 0 ||
	    (e = osip_new_outgoing_sipmessage(c)) == NULL) {
		xact_free(cx);
		goto nomem;
	}
	e->transactionid = cx->otr->transactionid;
	(void)exec(cx, e, 0);
	return SIPREC_OK;
nomem:
	osip_message_free(c);
	return SIPREC_ENOMEM;
}

enum siprec_err
siprec_sipua_send_ack_b(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, osip_message_t *ack, uint8_t **wire,
    size_t *wirelen, struct siprec_diag *diag)
{
	struct siprec_addr sb;
	char *buf = NULL;
	size_t len = 0;
	enum siprec_err e;

	if (wire != NULL)
		*wire = NULL;
	if (ack == NULL || !MSG_IS_ACK(ack)) {
		osip_message_free(ack);
		siprec_diag_set(diag, 0, 0, "not an ACK");
		return SIPREC_EINVAL;
	}
	if (sent_by(ua, tp, dst, &sb, diag) != 0) {
		osip_message_free(ack);
		return SIPREC_ENET;
	}
	if (add_via(ua, ack, tp, &sb) != 0 || finish_msg(ua, ack) != 0 ||
	    osip_message_to_str(ack, &buf, &len) != 0) {
		osip_message_free(ack);
		return SIPREC_ENOMEM;
	}
	osip_message_free(ack);
	e = transmit(ua, tp, -1, dst, (uint8_t *)buf, len, NULL, 1, diag);
	if (e == SIPREC_OK && wire != NULL) {
		/* libosip2 allocates with malloc unless told otherwise. */
		if ((*wire = malloc(len)) == NULL) {
			osip_free(buf);
			return SIPREC_ENOMEM;
		}
		memcpy(*wire, buf, len);
		*wirelen = len;
	}
	osip_free(buf);
	return e;
}

enum siprec_err
siprec_sipua_send_ack(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, osip_message_t *ack,
    struct siprec_diag *diag)
{
	return siprec_sipua_send_ack_b(ua, tp, dst, ack, NULL, NULL, diag);
}

enum siprec_err
siprec_sipua_send_raw(struct siprec_sipua *ua, enum siprec_transport tp,
    const struct siprec_addr *dst, const uint8_t *data, size_t len,
    struct siprec_diag *diag)
{
	return transmit(ua, tp, -1, dst, data, len, NULL, 1, diag);
}
