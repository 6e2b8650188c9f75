/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-src: recording sessions over SIP, their timelines, and the results. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <siprec/json.h>

#include "src.h"

enum cstate { C_CALLING, C_UP, C_BYE, C_DONE };

struct call {
	struct run		*r;
	unsigned long		 idx;		/* the CS call's number */
	int			 party;		/* the one recorded, or -1 */
	char			 uuid[40];	/* the CS call's (Genesys) */
	enum cstate		 state;
	char			 callid[64];
	char			 from[300];	/* with our tag */
	char			 to[320];	/* with theirs once answered */
	char			 remote[300];	/* the SRS's Contact */
	char			 ruri[300];
	unsigned int		 target;	/* index of the SRS in use */
	unsigned int		 redirects;
	struct siprec_addr	 dst;
	enum siprec_transport	 tp;
	uint32_t		 cseq;
	uint8_t			*ack;		/* last ACK sent, as sent */
	size_t			 acklen;
	struct siprec_sipua_ct	*inv_ct;
	unsigned int		 pending;	/* transactions in flight */
	int			 busy;		/* re-INVITE/UPDATE in flight */
	struct siprec_srcmeta	*meta;
	unsigned int		 ns;
	struct src_stream	*st[SRC_MAX_STREAMS];
	int			 handed;	/* streams are the media's */
	struct siprec_crypto	 keys[SRC_MAX_STREAMS];
	struct siprec_offer_stream ost[SRC_MAX_STREAMS];
	char			 labels[SRC_MAX_STREAMS][32];
	uint64_t		 sess_id, sess_ver;
	uint64_t		 t_start, t_answer;
	struct siprec_timer	*t_ev, *t_bye, *t_refresh, *t_inv;
	unsigned int		 next_ev;
	int			 paused;
	int			 want_snapshot;
	/* verdicts */
	int			 status;
	int			 metadata_accepted;
	struct siprec_answer_verdict v;
	int			 answered;
	const char		*reason;
	struct call		*next, *prev;	/* live calls */
	struct call		*hnext;		/* Call-ID hash chain */
	uint32_t		 hash;
	int			 hashed;
};

struct target {
	char			 uri[300];
	struct siprec_addr	 addr;
	int			 tp;		/* 0 auto */
};

#define CALL_BUCKETS	65536		/* live calls by Call-ID */

struct run {
	struct src_opts		*o;
	struct siprec_loop	*loop;
	struct siprec_sipua	*ua;
	struct src_media	*media;
	struct src_media_totals	 tot;
	struct siprec_enc	*encs[4];
	const struct siprec_enc_info *infos[4];
	struct siprec_audio	*audio[SRC_MAX_STREAMS];
	/* Metadata templates: [0] a call in one session, [1 + k] party k's. */
	struct siprec_srcmeta_tpl *tpl[1 + SRC_MAX_PARTIES];
	struct target		 tg[SRC_MAX_TARGETS];
	unsigned int		 ntg;
	struct siprec_addr	 local;		/* SIP bound */
	struct siprec_addr	 local_tcp;
	int			 idle_fd;	/* the port of streams that send
						   nothing (-d 0), or -1 */
	uint16_t		 idle_port;
	char			 contact[200];
	struct siprec_timer	*t_start, *t_stats, *t_status;
	uint64_t		 t0, t0_wall;
	uint64_t		 t_last_answer;
	unsigned long		 started;	/* calls */
	unsigned long		 attempted, answered, failed, finished,
				 active;	/* recording sessions */
	uint32_t		*lat;		/* setup latency, us */
	size_t			 nlat, caplat;
	struct src_summary	 sum;		/* counted as calls go */
	struct call		*live;
	struct call		**byid;		/* CALL_BUCKETS chains */
	int			 stopping;
	int			 tty;
	FILE			*stats;
	FILE			*detail;	/* per-call verdicts, JSON */
	int			 sys_error;
};

static uint64_t
wall(struct run *r)
{
	struct timespec	ts;

	if (r->loop == NULL) {
		if (r->o->epoch_ns != 0)
			return r->o->epoch_ns;
		clock_gettime(CLOCK_REALTIME, &ts);
		return (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec;
	}
	if (r->o->epoch_ns != 0)
		return r->o->epoch_ns + (siprec_loop_now(r->loop) - r->t0);
	return siprec_loop_wall(r->loop);
}

static void
warnx_(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warnx_(struct run *r, const char *fmt, ...)
{
	va_list	ap;

	if (r->o->quiet)
		return;
	fprintf(stderr, "siprec-src: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- targets ---------------------------------------------------------- */

/*
 * A SIP URI of an SRS, its host an IP literal (no DNS here):
 * sip:[user@]host[:port][;transport=udp|tcp].
 */
static int
parse_target(const char *uri, struct target *t, struct siprec_diag *d)
{
	const char	*p = uri, *h, *e;
	char		 host[128];
	size_t		 n;

	memset(t, 0, sizeof(*t));
	snprintf(t->uri, sizeof(t->uri), "%s", uri);
	if (strncasecmp(p, "sip:", 4) == 0)
		p += 4;
	else {
		siprec_diag_set(d, 0, 0, "%s: not a sip: URI", uri);
		return -1;
	}
	if ((h = strchr(p, '@')) != NULL && (e = strchr(p, ';')) == NULL)
		p = h + 1;
	else if (h != NULL && h < strchr(p, ';'))
		p = h + 1;
	n = strcspn(p, ";?");
	if (n == 0 || n >= sizeof(host)) {
		siprec_diag_set(d, 0, 0, "%s: no host", uri);
		return -1;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	if (siprec_addr_parse(host, 5060, &t->addr, d) != SIPREC_OK)
		return -1;
	for (e = p + n; *e != '\0'; e++)
		if (strncasecmp(e, ";transport=", 11) == 0)
			break;
	if (*e != '\0') {
		e += 11;
		if (strncasecmp(e, "tcp", 3) == 0)
			t->tp = SIPREC_TRANSPORT_TCP;
		else if (strncasecmp(e, "udp", 3) == 0)
			t->tp = SIPREC_TRANSPORT_UDP;
	}
	return 0;
}

/* --- results ---------------------------------------------------------- */

static void
count_reason(struct run *r, const char *reason)
{
	struct src_summary	*s = &r->sum;
	unsigned int		 i;

	for (i = 0; i < s->nreasons; i++)
		if (strcmp(s->reasons[i].name, reason) == 0) {
			s->reasons[i].n++;
			return;
		}
	if (s->nreasons < SRC_MAX_REASONS) {
		s->reasons[s->nreasons].name = reason;
		s->reasons[s->nreasons++].n = 1;
	}
}

static void start_calls(struct run *, unsigned int);

#define START_BURST	16	/* calls started per turn of the loop */

static void
call_free(struct call *c)
{
	unsigned int	i;

	for (i = 0; i < c->ns; i++) {
		if (c->st[i] != NULL) {
			if (c->handed)
				atomic_store(&c->st[i]->stop, 1);
			else
				src_stream_free(c->st[i]);
			c->st[i] = NULL;
		}
		siprec_crypto_wipe(&c->keys[i]);
	}
	siprec_timer_free(c->t_ev);
	siprec_timer_free(c->t_bye);
	siprec_timer_free(c->t_refresh);
	siprec_timer_free(c->t_inv);
	c->t_ev = c->t_bye = c->t_refresh = c->t_inv = NULL;
	free(c->ack);
	c->ack = NULL;
	siprec_srcmeta_free(c->meta);
	c->meta = NULL;
}

/* FNV-1a of a Call-ID. */
static uint32_t
id_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void
unhash_call(struct run *r, struct call *c)
{
	struct call	**pp;

	if (!c->hashed)
		return;
	for (pp = &r->byid[c->hash % CALL_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	c->hashed = 0;
}

/* (Re)index c by its Call-ID, which a failover changes. */
static void
hash_call(struct run *r, struct call *c)
{
	unhash_call(r, c);
	c->hash = id_hash(c->callid);
	c->hnext = r->byid[c->hash % CALL_BUCKETS];
	r->byid[c->hash % CALL_BUCKETS] = c;
	c->hashed = 1;
}

static void
link_call(struct run *r, struct call *c)
{
	c->prev = NULL;
	c->next = r->live;
	if (r->live != NULL)
		r->live->prev = c;
	r->live = c;
	hash_call(r, c);
}

static void
unlink_call(struct run *r, struct call *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (r->live == c)
		r->live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	unhash_call(r, c);
}

/* The call is over: count it, release it once no transaction needs it. */
static void
call_done(struct call *c, int ok, const char *reason)
{
	struct run	*r = c->r;

	if (c->state != C_DONE) {
		c->state = C_DONE;
		c->reason = reason;
		r->finished++;
		r->active--;
		if (!ok) {
			r->failed++;
			count_reason(r, reason);
		}
		if (c->status > 0 && c->status < SRC_MAX_CODE)
			r->sum.codes[c->status]++;
		if (r->detail != NULL) {
			fprintf(r->detail, "{\"call\":%lu,", c->idx);
			if (c->party >= 0)
				fprintf(r->detail, "\"party\":%d,",
				    c->party + 1);
			fprintf(r->detail, "\"call_id\":");
			siprec_json_str(r->detail, c->callid);
			fprintf(r->detail, ",\"target\":");
			siprec_json_str(r->detail, r->tg[c->target].uri);
			fprintf(r->detail, ",\"status\":%d,\"ok\":%s,"
			    "\"reason\":", c->status, ok ? "true" : "false");
			siprec_json_str(r->detail, reason);
			if (c->answered)
				fprintf(r->detail, ",\"setup_ms\":%.3f,"
				    "\"labels_echoed\":%s,\"recvonly\":%s,"
				    "\"ports_nonzero\":%s,\"metadata_accepted\":"
				    "%s", (double)(c->t_answer - c->t_start) /
				    1e6, c->v.labels_echoed ? "true" : "false",
				    c->v.recvonly ? "true" : "false",
				    c->v.ports_nonzero ? "true" : "false",
				    c->metadata_accepted ? "true" : "false");
			fprintf(r->detail, "}\n");
		}
		unlink_call(r, c);
		call_free(c);
		start_calls(r, 0);	/* the tick starts calls: just maybe end */
	}
	if (c->pending == 0)
		free(c);
}

/* --- building requests -------------------------------------------------- */

static const char *
dialog_to(const struct call *c)
{
	return c->to;
}

static int
add_common(struct run *r, struct call *c, osip_message_t *m, int dialog_mod)
{
	char	buf[300];

	(void)c;
	if (dialog_mod) {
		/* RFC 7866 6.1.1: +sip.src in every dialog-creating or
		 * -modifying request; Require: siprec. */
		snprintf(buf, sizeof(buf), "%s;%s", r->contact,
		    r->o->persona->contact_tag);
		osip_message_set_contact(m, buf);
		osip_message_set_header(m, "Require", "siprec");
		/* P-80: UPDATE in Allow, so the SRS may ask for a snapshot. */
		osip_message_set_header(m, "Allow",
		    "INVITE, ACK, CANCEL, BYE, UPDATE, OPTIONS");
		if (r->o->session_expires != 0) {
			snprintf(buf, sizeof(buf), "%llu;refresher=uac",
			    (unsigned long long)r->o->session_expires);
			osip_message_set_header(m, "Session-Expires", buf);
			osip_message_set_header(m, "Supported", "timer");
		}
	}
	return 0;
}

/* Current SDP offer of the call; sets c->ost directions from pause. */
static char *
make_sdp(struct call *c, int c0, size_t *len)
{
	struct run			*r = c->r;
	struct siprec_offer_opts	 o;
	char				*sdp = NULL;
	unsigned int			 i;

	for (i = 0; i < c->ns; i++) {
		c->ost[i].dir = c->paused ? SIPREC_DIR_INACTIVE :
		    SIPREC_DIR_SENDONLY;
		c->ost[i].hold_c0 = c->paused && c0;
		if (c0 && c->paused)
			c->ost[i].dir = SIPREC_DIR_SENDONLY;
	}
	memset(&o, 0, sizeof(o));
	o.addr = r->o->media_ip;
	o.sess_id = c->sess_id;
	o.sess_ver = c->sess_ver;
	o.codecs = r->infos;
	o.ncodecs = r->o->ncodecs;
	o.telephone_event = r->o->persona->telephone_event;
	o.ptime = r->o->ptime;
	o.no_labels = r->o->fault == FAULT_NO_LABELS;
	o.streams = c->ost;
	o.nstreams = c->ns;
	if (siprec_offer_sdp(&o, &sdp, len) != SIPREC_OK)
		return NULL;
	return sdp;
}

/* Attach body (SDP and/or metadata) to m, in the persona's form. */
static int
set_body(struct call *c, osip_message_t *m, const char *sdp, size_t sdplen,
    const char *meta, size_t metalen)
{
	struct run		*r = c->r;
	struct siprec_body_opts	 b;
	char			*body = NULL, ct[160], bnd[40], full[64];
	static const char	 bad[] = "<?xml version=\"1.0\"?>\n<recording "
				    "xmlns=\"urn:ietf:params:xml:ns:recording:1\">"
				    "<datamode>complete</datamode>\n<session "
				    "session_id=\"x\">\n</recording>\n";
	size_t			 len;
	enum siprec_err		 e;

	memset(&b, 0, sizeof(b));
	b.persona = r->o->persona;
	b.sdp = sdp;
	b.sdplen = sdplen;
	if (meta != NULL && r->o->fault != FAULT_NO_METADATA) {
		b.meta = meta;
		b.metalen = metalen;
		if (r->o->fault == FAULT_BAD_XML) {
			b.meta = bad;
			b.metalen = sizeof(bad) - 1;
		}
	}
	b.meta_ctype = r->o->fault == FAULT_WRONG_CTYPE ? "text/plain" :
	    r->o->meta_ctype;
	siprec_sipua_token(bnd, 17);
	snprintf(full, sizeof(full), "%s%s", r->o->persona->boundary, bnd);
	b.boundary = full;
	if (b.sdp == NULL && b.meta == NULL)
		return 0;
	e = siprec_body_build(&b, &body, &len, ct, sizeof(ct));
	if (e != SIPREC_OK)
		return -1;
	/*
	 * A multipart body goes out as built: named by a plain header,
	 * libosip2 keeps it whole instead of splitting it into parts it
	 * would write again (RFC 2046 5.1.1 delimiters and all).
	 */
	if (strncmp(ct, "multipart/", 10) == 0)
		osip_message_set_header(m, "Content-Type", ct);
	else
		osip_message_set_content_type(m, ct);
	osip_message_set_body(m, body, len);
	explicit_bzero(body, len);
	free(body);
	return 0;
}

static enum siprec_transport
pick_transport(struct call *c, osip_message_t *m)
{
	struct run	*r = c->r;
	char		*s = NULL;
	size_t		 len = 0;
	int		 forced = r->o->transport ? r->o->transport :
			    r->tg[c->target].tp;

	if (forced)
		return (enum siprec_transport)forced;
	if (r->o->fault == FAULT_OVERSIZE_UDP)
		return SIPREC_TRANSPORT_UDP;
	/* RFC 3261 18.1.1: over 1300 bytes (200 under the MTU) goes TCP. */
	if (osip_message_to_str(m, &s, &len) == 0) {
		osip_free(s);
		if (len + 100 > 1300 && r->local_tcp.family != 0)
			return SIPREC_TRANSPORT_TCP;
	}
	return SIPREC_TRANSPORT_UDP;
}

static void inv_cb(void *, struct siprec_sipua_ct *,
    const struct siprec_sipua_response *);
static void nict_cb(void *, struct siprec_sipua_ct *,
    const struct siprec_sipua_response *);

static int
send_req(struct call *c, osip_message_t *m, int invite)
{
	struct run		*r = c->r;
	struct siprec_diag	 d;
	struct siprec_sipua_ct	*ct = NULL;

	memset(&d, 0, sizeof(d));
	if (r->o->dry_run) {
		/* The request as it would go, less the Via the UA adds. */
		char	*s = NULL;
		size_t	 len = 0;

		if (osip_message_to_str(m, &s, &len) == 0) {
			fwrite(s, 1, len, stdout);
			osip_free(s);
		}
		osip_message_free(m);
		return 0;
	}
	if (siprec_sipua_send(r->ua, c->tp, &c->dst, m, invite ? inv_cb :
	    nict_cb, c, &ct, &d) != SIPREC_OK) {
		warnx_(r, "call %lu: %s", c->idx, d.detail);
		return -1;
	}
	c->pending++;
	if (invite)
		c->inv_ct = ct;
	return 0;
}

/* The initial INVITE (or again after a redirect or failover). */
static int
send_invite(struct call *c)
{
	struct run	*r = c->r;
	osip_message_t	*m = NULL;
	char		*sdp, *meta = NULL, to[310];
	size_t		 sdplen, metalen = 0;
	struct siprec_diag d;
	int		 rc;

	/* To names the SRS; the Request-URI may carry more (Genesys). */
	snprintf(to, sizeof(to), "<%s>", r->tg[c->target].uri);
	snprintf(c->to, sizeof(c->to), "%s", to);
	if (siprec_sipua_request_new("INVITE", c->ruri, c->from, to, c->callid,
	    ++c->cseq, &m, &d) != SIPREC_OK) {
		warnx_(r, "%s: %s", c->ruri, d.detail);
		return -1;
	}
	add_common(r, c, m, 1);
	osip_message_set_accept(m, "application/sdp, application/rs-metadata+xml, "
	    "application/rs-metadata");
	if (r->o->persona->x_headers) {
		osip_message_set_header(m, "X-ControlONE-Info-CallId",
		    c->callid);
		osip_message_set_header(m, "X-ControlONE-Info-Direction",
		    "inbound");
	}
	if ((sdp = make_sdp(c, 0, &sdplen)) == NULL ||
	    siprec_srcmeta_snapshot(c->meta, wall(r), 1, &meta, &metalen) !=
	    SIPREC_OK || set_body(c, m, sdp, sdplen, meta, metalen) != 0) {
		free(sdp);
		free(meta);
		osip_message_free(m);
		return -1;
	}
	explicit_bzero(sdp, sdplen);
	free(sdp);
	free(meta);
	c->tp = pick_transport(c, m);
	rc = send_req(c, m, 1);
	if (rc == 0 && r->o->timeout_ms != 0 && c->t_inv != NULL)
		siprec_timer_after(c->t_inv, r->o->timeout_ms * 1000000u);
	return rc;
}

/* --- call setup --------------------------------------------------------- */

static int
open_stream(struct call *c, unsigned int k)
{
	struct run			*r = c->r;
	struct src_stream		*s;
	struct siprec_addr		 a, bound;
	struct siprec_rtp_tx_opts	 to;
	struct siprec_diag		 d;
	const struct siprec_enc_info	*in;
	char				 cname[96];
	/* The call's stream number: a session per party sends the party's. */
	unsigned int			 n = c->party >= 0 ?
					    (unsigned int)c->party : k;

	if (r->idle_fd >= 0) {
		/*
		 * A call of no duration sends no packet: its streams need
		 * a port to offer, not a socket, a coder and a sender each.
		 */
		c->ost[k].port = r->idle_port;
		c->ost[k].label = siprec_srcmeta_label(c->meta, k);
		c->ost[k].crypto = r->o->srtp != NULL ? &c->keys[k] : NULL;
		return 0;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->fd = -1;
	s->tot = &r->tot;
	if (r->o->dry_run)
		s->port = (uint16_t)(40000 + 2 * k);
	else if (siprec_addr_parse(r->o->media_ip, 0, &a, &d) != SIPREC_OK ||
	    siprec_net_udp(&a, 0, &s->fd, &bound, &d) != SIPREC_OK) {
		/*
		 * The first call: the address cannot be used at all, a
		 * system error.  Later: out of descriptors or ports under
		 * load, a failed call among others.
		 */
		if (c->idx == 0) {
			warnx_(r, "media socket: %s", d.detail);
			r->sys_error = 1;
		}
		src_stream_free(s);
		return -1;
	} else
		s->port = bound.port;
	if (siprec_enc_new(r->o->codecs[0], r->o->ptime, &s->enc, &d) !=
	    SIPREC_OK ||
	    siprec_audio_clone(r->audio[n] != NULL ? r->audio[n] :
	    r->audio[0], (size_t)c->idx * 1601u, &s->audio) !=
	    SIPREC_OK) {
		src_stream_free(s);
		return -1;
	}
	in = siprec_enc_info(s->enc);
	memset(&to, 0, sizeof(to));
	to.pt = in->pt;
	to.clock = in->clock;
	to.ts_step = in->ts_step;
	to.crypto = r->o->srtp != NULL ? &c->keys[k] : NULL;
	snprintf(cname, sizeof(cname), "src-%lu-%u@%s", c->idx, n,
	    r->o->media_ip);
	to.cname = cname;
	if (siprec_rtp_tx_new(&to, &s->tx, &d) != SIPREC_OK) {
		warnx_(r, "RTP: %s", d.detail);
		src_stream_free(s);
		return -1;
	}
	c->st[k] = s;
	c->ost[k].port = s->port;
	c->ost[k].label = siprec_srcmeta_label(c->meta, k);
	c->ost[k].crypto = to.crypto;
	return 0;
}

static void ev_timer(void *, struct siprec_timer *);
static void bye_timer(void *, struct siprec_timer *);
static void refresh_timer(void *, struct siprec_timer *);
static void inv_timer(void *, struct siprec_timer *);

/* What the recording sessions of one CS call share. */
struct cs {
	unsigned long	 idx;
	char		 uuid[40];	/* Genesys CallUUID */
	char		 sid[80];	/* RFC 7989 Session-ID */
};

/* A Genesys DN: the user part of an AoR ("sip:7013@pbx" gives 7013). */
static void
dn_of(const char *aor, char *out, size_t cap)
{
	const char	*p = strchr(aor, ':');

	p = p != NULL ? p + 1 : aor;
	snprintf(out, cap, "%.*s", (int)strcspn(p, "@;>"), p);
}

/*
 * The Request-URI: the SRS's, and for Genesys the call and the recorded
 * party in parameters (SPEC 5): dn the DN recording was asked for (the
 * first party's), recordDN the one recorded, otherDN the far end.
 */
static void
set_ruri(struct call *c, const char *uri)
{
	const struct src_opts	*o = c->r->o;
	unsigned int		 rec, oth;
	char			 dn[3][128];
	size_t			 len;

	snprintf(c->ruri, sizeof(c->ruri), "%s", uri);
	if (!o->persona->ruri_params)
		return;
	rec = c->party >= 0 ? (unsigned int)c->party : 0;
	oth = rec == 0 ? 1 : 0;
	dn_of(o->parties[0].aor, dn[0], sizeof(dn[0]));
	dn_of(o->parties[rec].aor, dn[1], sizeof(dn[1]));
	dn[2][0] = '\0';
	if (oth < o->nparties)
		dn_of(o->parties[oth].aor, dn[2], sizeof(dn[2]));
	len = strlen(c->ruri);
	snprintf(c->ruri + len, sizeof(c->ruri) - len,
	    ";calluuid=%s;dn=%s;recordDN=%s;otherDN=%s", c->uuid, dn[0],
	    dn[1], dn[2]);
}

/*
 * Party index u of the options as the session's metadata numbers it: a
 * session per party lists its recorded party first (it sends stream 1),
 * the others in turn after it.
 */
static unsigned int
party_at(const struct call *c, unsigned int u)
{
	unsigned int	n = c->r->o->nparties;

	if (c->party < 0 || u >= n)
		return u;
	return (u + n - (unsigned int)c->party) % n;
}

/* One recording session of a call: party -1 records them all. */
static int
session_new(struct run *r, const struct cs *cs, int party, struct call **out)
{
	struct src_opts			*o = r->o;
	struct siprec_srcmeta_opts	 mo;
	struct siprec_srcmeta_party	 rot[SRC_MAX_PARTIES];
	struct call			*c;
	char				 tag[20], lab[16];
	const char			*labs[1] = { lab };
	unsigned int			 k;
	char				 rnd[9];

	if (out != NULL)
		*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->r = r;
	c->idx = cs->idx;
	c->party = party;
	snprintf(c->uuid, sizeof(c->uuid), "%s", cs->uuid);
	r->attempted++;
	c->t_start = r->loop != NULL ? siprec_loop_now(r->loop) : 0;
	r->active++;
	siprec_sipua_token(c->callid, 33);
	link_call(r, c);
	siprec_sipua_token(tag, 17);
	snprintf(c->from, sizeof(c->from), "<sip:src@%s>;tag=%s", o->media_ip,
	    tag);
	c->target = 0;
	set_ruri(c, r->tg[0].uri);
	c->dst = r->tg[0].addr;
	memset(&mo, 0, sizeof(mo));
	mo.persona = o->persona;
	mo.parties = o->parties;
	mo.nparties = o->nparties;
	mo.nstreams = o->nstreams;
	mo.mixed = o->mixed;
	mo.sip_session_id = cs->sid;
	mo.call_id = c->callid;
	mo.seed = o->seed ? o->seed + c->idx * 7919 : 0;
	if (party >= 0) {
		/* The recorded party first, sending the one stream. */
		for (k = 0; k < o->nparties; k++)
			rot[k] = o->parties[((unsigned int)party + k) %
			    o->nparties];
		mo.parties = rot;
		mo.nstreams = 1;
		mo.mixed = 0;
		/* Its label is its stream's number in the call. */
		snprintf(lab, sizeof(lab), "%u", o->persona->label_base +
		    (unsigned int)party * o->persona->label_step);
		mo.labels = labs;
		mo.seed = o->seed ? o->seed + (c->idx * 17 + 1 +
		    (unsigned int)party) * 7919 : 0;
	}
	/* The first documents patched into text made once (no matter if
	 * that fails: written out then). */
	if (r->tpl[party + 1] == NULL)
		(void)siprec_srcmeta_tpl_new(&mo, &r->tpl[party + 1], NULL);
	mo.tpl = r->tpl[party + 1];
	if (siprec_srcmeta_new(&mo, &c->meta, NULL) != SIPREC_OK)
		goto fail;
	c->ns = siprec_srcmeta_nstreams(c->meta);
	siprec_sipua_token(rnd, sizeof(rnd));
	c->sess_id = (uint64_t)strtoull(rnd, NULL, 16);
	c->sess_ver = 1;
	for (k = 0; k < c->ns; k++) {
		/* RFC 4568 6.1; P-76: a fresh key for every stream. */
		if (o->srtp != NULL && siprec_sdes_generate(o->srtp, 1,
		    &c->keys[k], NULL) != SIPREC_OK)
			goto fail;
		if (open_stream(c, k) != 0)
			goto fail;
	}
	if (r->o->dry_run) {
		*out = c;
		return send_invite(c);
	}
	if (siprec_timer_new(r->loop, ev_timer, c, &c->t_ev) != SIPREC_OK ||
	    siprec_timer_new(r->loop, bye_timer, c, &c->t_bye) != SIPREC_OK ||
	    siprec_timer_new(r->loop, refresh_timer, c, &c->t_refresh) !=
	    SIPREC_OK ||
	    siprec_timer_new(r->loop, inv_timer, c, &c->t_inv) != SIPREC_OK)
		goto fail;
	if (send_invite(c) != 0)
		goto fail;
	return 0;
fail:
	c->status = 0;
	call_done(c, 0, "local-error");
	return -1;
}

/*
 * One call of the CS: one recording session, or one per party (Genesys
 * records each party of a call in a session of its own, which share
 * the CallUUID).  A dry run shows the first.
 */
static int
call_new(struct run *r, struct call **out)
{
	struct src_opts	*o = r->o;
	struct cs	 cs;
	char		 l[33], rm[33];
	unsigned int	 k, n;
	int		 rc = 0;

	memset(&cs, 0, sizeof(cs));
	cs.idx = r->started++;
	if (o->persona->ruri_params) {
		siprec_sipua_token(cs.uuid, 33);
		for (k = 0; cs.uuid[k] != '\0'; k++)
			cs.uuid[k] = (char)toupper((unsigned char)cs.uuid[k]);
	}
	if (o->seed != 0) {
		/* Reproducible with --seed: the whole first document. */
		snprintf(l, sizeof(l), "%016llx%016llx",
		    (unsigned long long)o->seed, (unsigned long long)cs.idx);
		snprintf(rm, sizeof(rm), "%016llx%016llx",
		    (unsigned long long)cs.idx, (unsigned long long)o->seed);
	} else {
		siprec_sipua_token(l, 33);
		siprec_sipua_token(rm, 33);
	}
	snprintf(cs.sid, sizeof(cs.sid), "%s;remote=%s", l, rm);
	if (!o->persona->per_party)
		return session_new(r, &cs, -1, out);
	n = o->dry_run ? 1 : o->nparties;
	for (k = 0; k < n && !r->sys_error; k++)
		if (session_new(r, &cs, (int)k, k == 0 ? out : NULL) != 0)
			rc = -1;
	return rc;
}

/* Another SRS, or give up (SPEC 1.11). */
static void
failover(struct call *c, const char *reason)
{
	struct run	*r = c->r;

	if (c->state == C_CALLING && c->target + 1 < r->ntg &&
	    !r->stopping) {
		c->target++;
		r->sum.failovers++;
		set_ruri(c, r->tg[c->target].uri);
		c->dst = r->tg[c->target].addr;
		/* A new request to a new server: a new Call-ID. */
		siprec_sipua_token(c->callid, 33);
		hash_call(r, c);
		c->cseq = 0;
		siprec_timer_stop(c->t_inv);
		if (send_invite(c) == 0)
			return;
	}
	call_done(c, 0, reason);
}

static int
code_fails_over(const struct run *r, int code)
{
	unsigned int	i;

	if (code == 408 || code == 503 || (code >= 500 && code < 700 &&
	    r->o->nfailover == 0))
		return 1;
	for (i = 0; i < r->o->nfailover; i++)
		if (r->o->failover_codes[i] == (unsigned int)code)
			return 1;
	return 0;
}

/* The SDP of a message, whether alone or a part of a multipart body. */
static int
find_sdp(osip_message_t *m, const char **p, size_t *len)
{
	osip_body_t		*b;
	osip_content_type_t	*ct;
	int			 i, multi;

	ct = osip_message_get_content_type(m);
	multi = ct != NULL && ct->type != NULL &&
	    strcasecmp(ct->type, "multipart") == 0;
	for (i = 0; osip_message_get_body(m, i, &b) >= 0; i++) {
		if (b == NULL || b->body == NULL)
			continue;
		if (!multi && ct != NULL && ct->subtype != NULL &&
		    strcasecmp(ct->subtype, "sdp") == 0) {
			*p = b->body;
			*len = b->length;
			return 0;
		}
		if (multi && b->content_type != NULL &&
		    b->content_type->subtype != NULL &&
		    strcasecmp(b->content_type->subtype, "sdp") == 0) {
			*p = b->body;
			*len = b->length;
			return 0;
		}
	}
	return -1;
}

static void
start_media(struct call *c)
{
	struct run	*r = c->r;
	unsigned int	 k;

	for (k = 0; k < c->ns && k < c->v.nmedia; k++) {
		if (c->st[k] == NULL || c->v.media[k].port == 0) {
			src_stream_free(c->st[k]);
			c->st[k] = NULL;
			continue;
		}
		c->st[k]->dst = c->v.media[k];
		if (c->st[k]->dst.family == 0 || (c->st[k]->dst.family == 4 &&
		    memcmp(c->st[k]->dst.ip, "\0\0\0\0", 4) == 0))
			c->st[k]->dst = c->dst;	/* c=0.0.0.0: no media */
		c->st[k]->dst.port = c->v.media[k].port;
		if (r->o->rtcp) {
			c->st[k]->next_sr = siprec_loop_now(r->loop) +
			    1000000000u;
			c->st[k]->ntp_base = wall(r) - siprec_loop_now(r->loop);
		}
		src_media_add(r->media, c->st[k]);
	}
	for (; k < c->ns; k++) {
		src_stream_free(c->st[k]);
		c->st[k] = NULL;
	}
	c->handed = 1;
}

/*
 * The ACK of a 2xx in our dialog, written out (RFC 3261 13.2.2.4): the
 * fields are the dialog's, the request the remote target.  -1 when it
 * cannot be: a route set to follow, or no listener to name in Via.
 */
static int
ack_dialog(struct call *c, osip_message_t *resp)
{
	struct run		*r = c->r;
	const struct siprec_addr *sb = c->tp == SIPREC_TRANSPORT_TCP ?
				    &r->local_tcp : &r->local;
	struct siprec_diag	 d;
	char			 buf[2048], host[64], branch[24];
	int			 n;

	if (sb->family == 0 || resp->cseq == NULL ||
	    resp->cseq->number == NULL ||
	    osip_list_size(&resp->record_routes) > 0)
		return -1;
	siprec_addr_format(sb, host, sizeof(host));
	siprec_sipua_token(branch, sizeof(branch));
	n = snprintf(buf, sizeof(buf), "ACK %s SIP/2.0\r\n"
	    "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n"
	    "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s ACK\r\n"
	    "Max-Forwards: 70\r\nUser-Agent: siprec-src/" SIPREC_VERSION
	    "\r\nContent-Length: 0\r\n\r\n", c->remote,
	    siprec_transport_name(c->tp), host, branch, c->from, c->to,
	    c->callid, resp->cseq->number);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	free(c->ack);
	if ((c->ack = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(c->ack, buf, (size_t)n);
	c->acklen = (size_t)n;
	(void)siprec_sipua_send_raw(r->ua, c->tp, &c->dst, c->ack, c->acklen,
	    &d);
	return 0;
}

/*
 * ACK a 2xx to the INVITE of ct, which is valid during its callback;
 * dialog: it is the answer to our INVITE of the dialog in c.
 */
static void
ack(struct call *c, struct siprec_sipua_ct *ct, osip_message_t *resp,
    int dialog)
{
	struct run		*r = c->r;
	osip_message_t		*a = NULL, *inv;
	struct siprec_diag	 d;

	if (dialog && ack_dialog(c, resp) == 0)
		return;
	inv = siprec_sipua_ct_request(ct);
	if (inv == NULL || siprec_sipua_ack_new(inv, resp, &a) != SIPREC_OK)
		return;
	/* The bytes of the ACK are what a retransmitted 2xx needs. */
	free(c->ack);
	c->ack = NULL;
	(void)siprec_sipua_send_ack_b(r->ua, c->tp, &c->dst, a, &c->ack,
	    &c->acklen, &d);
}

/* ACK a retransmitted 2xx again (RFC 3261 13.2.2.4). */
static void
ack_again(struct call *c)
{
	struct siprec_diag	 d;

	/* The same ACK, Via branch and all (RFC 3261 13.2.2.4). */
	if (c->ack != NULL)
		(void)siprec_sipua_send_raw(c->r->ua, c->tp, &c->dst, c->ack,
		    c->acklen, &d);
}

static void send_bye(struct call *);

static void
answered(struct call *c, struct siprec_sipua_ct *xct,
    const struct siprec_sipua_response *res)
{
	struct run		*r = c->r;
	struct siprec_offer_opts o;
	osip_contact_t		*ct = NULL;
	char			*s = NULL;
	const char		*sdp = NULL;
	size_t			 len = 0;

	siprec_timer_stop(c->t_inv);
	c->t_answer = siprec_loop_now(r->loop);
	r->t_last_answer = c->t_answer;
	c->answered = 1;
	c->status = res->status;
	r->answered++;
	if (r->nlat == r->caplat) {
		uint32_t *n = realloc(r->lat, (r->caplat ? r->caplat * 2 :
		    1024) * sizeof(*n));
		if (n != NULL) {
			r->lat = n;
			r->caplat = r->caplat ? r->caplat * 2 : 1024;
		}
	}
	if (r->nlat < r->caplat)
		r->lat[r->nlat++] = (uint32_t)((c->t_answer - c->t_start) /
		    1000u);
	if (osip_to_to_str(res->msg->to, &s) == 0) {
		snprintf(c->to, sizeof(c->to), "%s", s);
		osip_free(s);
	}
	if (osip_message_get_contact(res->msg, 0, &ct) >= 0 && ct != NULL &&
	    ct->url != NULL && osip_uri_to_str(ct->url, &s) == 0) {
		snprintf(c->remote, sizeof(c->remote), "%s", s);
		osip_free(s);
	} else
		snprintf(c->remote, sizeof(c->remote), "%s", c->ruri);
	ack(c, xct, res->msg, 1);
	/* The verdicts of SPEC 1.10 on the answer. */
	memset(&o, 0, sizeof(o));
	o.streams = c->ost;
	o.nstreams = c->ns;
	if (find_sdp(res->msg, &sdp, &len) == 0)
		(void)siprec_answer_check(&o, (const uint8_t *)sdp, len, &c->v);
	else
		snprintf(c->v.detail, sizeof(c->v.detail), "no SDP answer");
	c->metadata_accepted = r->o->fault == FAULT_NONE;
	r->sum.labels[!c->v.labels_echoed]++;
	r->sum.recvonly[!c->v.recvonly]++;
	r->sum.ports[!c->v.ports_nonzero]++;
	r->sum.metadata[0] += c->metadata_accepted;
	c->state = C_UP;
	if (r->stopping) {
		/* Interrupted while it was being set up: end it now. */
		start_media(c);
		send_bye(c);
		return;
	}
	if (!c->v.parsed) {
		warnx_(r, "call %lu: %s", c->idx, c->v.detail);
		c->state = C_UP;
	}
	start_media(c);
	/* Avaya sends the real party in an UPDATE once the call is up. */
	if (siprec_srcmeta_placeholder(c->meta))
		c->want_snapshot = 2;
	if (r->o->nevents > 0 || c->want_snapshot)
		siprec_timer_after(c->t_ev, c->want_snapshot ? 0 :
		    r->o->events[0].at_ms * 1000000u);
	siprec_timer_after(c->t_bye, r->o->duration_ms * 1000000u);
	if (r->o->session_expires != 0)
		siprec_timer_after(c->t_refresh, r->o->session_expires *
		    500000000u);
}

static void
inv_cb(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *res)
{
	struct call	*c = arg;
	struct run	*r = c->r;
	osip_contact_t	*co = NULL;
	char		*s = NULL;
	struct target	 t;
	struct siprec_diag d;
	int		 stale = ct != c->inv_ct;

	if (res->final) {
		c->pending--;
		if (!stale)
			c->inv_ct = NULL;
	}
	if (c->state == C_DONE) {
		if (res->err == SIPREC_OK && res->status >= 200 &&
		    res->status < 300)
			ack(c, ct, res->msg, 0);
		if (res->final && c->pending == 0)
			free(c);
		return;
	}
	if (stale) {
		if (res->err == SIPREC_OK && res->status >= 200 &&
		    res->status < 300 && res->msg != NULL)
			ack(c, ct, res->msg, 0);
		return;
	}
	if (res->err != SIPREC_OK) {
		c->status = res->status;
		if (c->state == C_CALLING)
			failover(c, res->err == SIPREC_ETIMEDOUT ? "timeout" :
			    "transport");
		else
			c->busy = 0;
		return;
	}
	if (res->status < 200)
		return;
	if (c->state != C_CALLING) {
		/* A re-INVITE's answer. */
		c->busy = 0;
		if (res->status < 300)
			ack(c, ct, res->msg, 1);
		else if (res->status == 491) {
			/*
			 * Glare (RFC 3261 14.1): we own the Call-ID, so try
			 * again after 2.1 to 4 s, with a complete snapshot
			 * since the partial one was not applied.
			 */
			char	tk[3];

			siprec_sipua_token(tk, sizeof(tk));
			c->want_snapshot = 1;
			siprec_timer_after(c->t_ev, 2100000000ull +
			    (uint64_t)(strtoul(tk, NULL, 16) % 190) *
			    10000000u);
		}
		if (res->status >= 300)
			warnx_(r, "call %lu: re-INVITE answered %d", c->idx,
			    res->status);
		return;
	}
	c->status = res->status;
	if (res->status < 300) {
		answered(c, ct, res);
		return;
	}
	if (res->status < 400 && c->redirects < 5 && res->msg != NULL &&
	    osip_message_get_contact(res->msg, 0, &co) >= 0 && co != NULL &&
	    co->url != NULL && osip_uri_to_str(co->url, &s) == 0) {
		/* 3xx: follow the first Contact (RFC 3261 8.1.3.4). */
		if (parse_target(s, &t, &d) == 0) {
			c->redirects++;
			r->sum.redirects++;
			snprintf(c->ruri, sizeof(c->ruri), "%s", s);
			c->dst = t.addr;
			osip_free(s);
			if (send_invite(c) == 0)
				return;
		} else
			osip_free(s);
		call_done(c, 0, "redirect");
		return;
	}
	if (code_fails_over(r, res->status)) {
		failover(c, res->status >= 500 ? "server-error" : "rejected");
		return;
	}
	if (res->status == 415 || res->status == 400)
		r->sum.metadata[1]++;
	call_done(c, 0, res->status == 420 ? "not-an-srs" : "rejected");
}

static void
nict_cb(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *res)
{
	struct call	*c = arg;

	(void)ct;
	if (!res->final)
		return;
	c->pending--;
	if (c->state == C_BYE) {
		call_done(c, 1, "ok");
		return;
	}
	if (c->state == C_DONE) {
		if (c->pending == 0)
			free(c);
		return;
	}
	c->busy = 0;
	if (res->err != SIPREC_OK || res->status >= 300)
		warnx_(c->r, "call %lu: request answered %d", c->idx,
		    res->status);
}

/* --- in-dialog requests ------------------------------------------------- */

static osip_message_t *
in_dialog(struct call *c, const char *method)
{
	osip_message_t		*m = NULL;
	struct siprec_diag	 d;

	if (siprec_sipua_request_new(method, c->remote, c->from, dialog_to(c),
	    c->callid, ++c->cseq, &m, &d) != SIPREC_OK) {
		warnx_(c->r, "call %lu: %s", c->idx, d.detail);
		return NULL;
	}
	return m;
}

/* A re-INVITE with the current SDP and, if given, metadata. */
static int
reinvite(struct call *c, const char *meta, size_t metalen, int c0)
{
	osip_message_t	*m;
	char		*sdp;
	size_t		 sdplen;

	if ((m = in_dialog(c, "INVITE")) == NULL)
		return -1;
	add_common(c->r, c, m, 1);
	c->sess_ver++;
	if ((sdp = make_sdp(c, c0, &sdplen)) == NULL ||
	    set_body(c, m, sdp, sdplen, meta, metalen) != 0) {
		free(sdp);
		osip_message_free(m);
		return -1;
	}
	explicit_bzero(sdp, sdplen);
	free(sdp);
	c->busy = 1;
	c->r->sum.reinvites++;
	return send_req(c, m, 1);
}

static int
update(struct call *c, const char *meta, size_t metalen)
{
	osip_message_t	*m;

	if ((m = in_dialog(c, "UPDATE")) == NULL)
		return -1;
	add_common(c->r, c, m, 1);
	if (meta != NULL && set_body(c, m, NULL, 0, meta, metalen) != 0) {
		osip_message_free(m);
		return -1;
	}
	c->busy = 1;
	c->r->sum.updates++;
	return send_req(c, m, 0);
}

/* Send what changed: by UPDATE (metadata only) or re-INVITE (with SDP). */
static void
send_meta(struct call *c, int complete)
{
	struct run	*r = c->r;
	char		*doc = NULL;
	size_t		 len = 0;
	enum siprec_err	 e;
	int		 by_update = r->o->use_update || c->want_snapshot == 2;

	if (complete)
		e = siprec_srcmeta_snapshot(c->meta, wall(r), !by_update, &doc,
		    &len);
	else
		e = siprec_srcmeta_update(c->meta, wall(r), !by_update, &doc,
		    &len);
	if (e == SIPREC_ENOTFOUND)
		return;
	if (e != SIPREC_OK)
		return;
	if (by_update)
		(void)update(c, doc, len);
	else
		(void)reinvite(c, doc, len, 0);
	free(doc);
}

static void
apply_event(struct call *c, const struct src_event *e)
{
	struct run			*r = c->r;
	struct siprec_srcmeta_party	 p;
	unsigned int			 k;
	char				 name[64], aor[128];
	uint64_t			 now = wall(r);

	snprintf(name, sizeof(name), "%s", e->name[0] ? e->name : "Carol");
	if (e->aor[0])
		snprintf(aor, sizeof(aor), "%s", e->aor);
	else
		snprintf(aor, sizeof(aor), "sip:party%u-%lu@example.com",
		    c->next_ev, c->idx);
	p.name = name;
	p.aor = aor;
	switch (e->kind) {
	case EV_PAUSE:
	case EV_PAUSE_C0:
		/* RFC 7866 7.1.1.1: pause the RS streams by a new offer. */
		c->paused = 1;
		for (k = 0; k < c->ns; k++)
			if (c->st[k] != NULL)
				atomic_store(&c->st[k]->paused, 1);
		(void)reinvite(c, NULL, 0, e->kind == EV_PAUSE_C0);
		return;
	case EV_RESUME:
		c->paused = 0;
		(void)reinvite(c, NULL, 0, 0);
		for (k = 0; k < c->ns; k++)
			if (c->st[k] != NULL)
				atomic_store(&c->st[k]->paused, 0);
		return;
	case EV_JOIN:
		(void)siprec_srcmeta_join(c->meta, &p, now, NULL);
		break;
	case EV_LEAVE:
		(void)siprec_srcmeta_leave(c->meta, party_at(c, e->party ?
		    e->party - 1 : 1), now);
		break;
	case EV_TRANSFER:
		(void)siprec_srcmeta_transfer(c->meta, party_at(c, e->party ?
		    e->party - 1 : 1), &p, now, NULL);
		break;
	case EV_HOLD:
	case EV_UNHOLD:
		(void)siprec_srcmeta_hold(c->meta, party_at(c, e->party ?
		    e->party - 1 : 0), e->kind == EV_HOLD);
		break;
	case EV_SNAPSHOT:
		send_meta(c, 1);
		return;
	case EV_REFRESH:
		if (r->o->use_update)
			(void)update(c, NULL, 0);
		else
			(void)reinvite(c, NULL, 0, 0);
		return;
	}
	send_meta(c, 0);
}

static void
ev_timer(void *arg, struct siprec_timer *t)
{
	struct call		*c = arg;
	struct run		*r = c->r;
	const struct src_event	*e;
	uint64_t		 el;

	(void)t;
	if (c->state != C_UP)
		return;
	if (c->busy) {
		/* One offer at a time (RFC 3261 14.1, RFC 3311 5.1). */
		siprec_timer_after(c->t_ev, 50000000u);
		return;
	}
	if (c->want_snapshot) {
		c->want_snapshot = c->want_snapshot == 2 ? 2 : 1;
		if (c->want_snapshot == 2)
			send_meta(c, 0);	/* Avaya: the real party */
		else
			send_meta(c, 1);
		c->want_snapshot = 0;
		r->sum.snapshots++;
	} else if (c->next_ev < r->o->nevents) {
		e = &r->o->events[c->next_ev++];
		apply_event(c, e);
	}
	if (c->next_ev < r->o->nevents) {
		el = (siprec_loop_now(r->loop) - c->t_answer) / 1000000u;
		e = &r->o->events[c->next_ev];
		siprec_timer_after(c->t_ev, e->at_ms > el ?
		    (e->at_ms - el) * 1000000u : 0);
	}
}

static void
refresh_timer(void *arg, struct siprec_timer *t)
{
	struct call	*c = arg;

	(void)t;
	if (c->state != C_UP)
		return;
	/* RFC 4028 10: refresh before half the interval has passed. */
	if (!c->busy) {
		if (c->r->o->use_update)
			(void)update(c, NULL, 0);
		else
			(void)reinvite(c, NULL, 0, 0);
	}
	siprec_timer_after(c->t_refresh, c->r->o->session_expires *
	    500000000u);
}

static void
send_bye(struct call *c)
{
	struct run	*r = c->r;
	osip_message_t	*m;
	char		*doc = NULL;
	size_t		 len = 0;
	unsigned int	 k;

	for (k = 0; k < c->ns; k++)
		if (c->st[k] != NULL) {
			atomic_store(&c->st[k]->stop, 1);
			c->st[k] = NULL;
		}
	if ((m = in_dialog(c, "BYE")) == NULL) {
		call_done(c, 0, "local-error");
		return;
	}
	/* RFC 8068 3.2.4: the final metadata rides on the BYE. */
	if (siprec_srcmeta_stop(c->meta, wall(r), &doc, &len) == SIPREC_OK &&
	    r->o->fault == FAULT_NONE)
		(void)set_body(c, m, NULL, 0, doc, len);
	free(doc);
	c->state = C_BYE;
	if (send_req(c, m, 0) != 0)
		call_done(c, 0, "transport");
}

static void
bye_timer(void *arg, struct siprec_timer *t)
{
	struct call	*c = arg;

	(void)t;
	if (c->state != C_UP)
		return;
	if (c->busy) {
		siprec_timer_after(c->t_bye, 50000000u);
		return;
	}
	send_bye(c);
}

static void
inv_timer(void *arg, struct siprec_timer *t)
{
	struct call	*c = arg;

	(void)t;
	if (c->state != C_CALLING)
		return;
	if (c->inv_ct != NULL)
		(void)siprec_sipua_cancel(c->inv_ct, NULL);
	c->inv_ct = NULL;	/* what comes later is stale */
	c->status = 408;
	failover(c, "timeout");
}

static struct call *
find_call(struct run *r, osip_message_t *m)
{
	struct call	*c;
	const char	*id;

	uint32_t	 h;

	if (m->call_id == NULL || (id = m->call_id->number) == NULL)
		return NULL;
	h = id_hash(id);
	for (c = r->byid[h % CALL_BUCKETS]; c != NULL; c = c->hnext)
		if (c->hash == h && strcmp(c->callid, id) == 0)
			return c;
	return NULL;
}

/* Does p[0..len) contain w? (The body as received.) */
static int
has_word(const uint8_t *p, size_t len, const char *w)
{
	size_t	n = strlen(w), i;

	for (i = 0; p != NULL && i + n <= len; i++)
		if (p[i] == (uint8_t)w[0] && memcmp(p + i, w, n) == 0)
			return 1;
	return 0;
}

/* Requests from the SRS: BYE, UPDATE (snapshot requests), re-INVITE. */
static void
on_request(void *arg, const struct siprec_sipua_request *q)
{
	struct run		*r = arg;
	struct call		*c;
	osip_message_t		*resp = NULL;
	const char		*meth;
	char			*sdp;
	size_t			 len;
	struct siprec_diag	 d;
	unsigned int		 k;

	if (q->st == NULL)
		return;		/* ACK or CANCEL */
	meth = q->msg->sip_method;
	c = find_call(r, q->msg);
	if (strcmp(meth, "OPTIONS") == 0) {
		(void)siprec_sipua_reply(q->st, 200, NULL, &d);
		return;
	}
	if (c == NULL || c->state == C_CALLING) {
		osip_uri_param_t *tag = NULL;
		char		  tagname[] = "tag";

		/* SRS-initiated sessions are not made here (P-28): 403 to a
		 * new INVITE, 481 to what belongs to no dialog of ours. */
		(void)siprec_sipua_reply(q->st, strcmp(meth, "INVITE") == 0 &&
		    (q->msg->to == NULL || osip_uri_param_get_byname(
		    &q->msg->to->gen_params, tagname, &tag) != 0) ? 403 : 481, NULL, &d);
		return;
	}
	if (strcmp(meth, "BYE") == 0) {
		(void)siprec_sipua_reply(q->st, 200, NULL, &d);
		r->sum.srs_byes++;
		for (k = 0; k < c->ns; k++)
			if (c->st[k] != NULL) {
				atomic_store(&c->st[k]->stop, 1);
				c->st[k] = NULL;
			}
		call_done(c, 1, "srs-bye");
		return;
	}
	if (strcmp(meth, "UPDATE") == 0) {
		/* RFC 3311 5.2: one UPDATE at a time. */
		if (c->busy) {
			if (siprec_sipua_response_new(q->msg, 500, NULL, NULL,
			    &resp) == SIPREC_OK) {
				osip_message_set_header(resp, "Retry-After",
				    "1");
				(void)siprec_sipua_respond(q->st, resp, &d);
			}
			return;
		}
		(void)siprec_sipua_reply(q->st, 200, NULL, &d);
		if (has_word(q->raw.p, q->raw.len, "<requestsnapshot")) {
			/* RFC 7866 9.2, P-42: a full snapshot, at once, in a
			 * transaction of its own. */
			c->want_snapshot = 1;
			siprec_timer_after(c->t_ev, 0);
		}
		return;
	}
	if (strcmp(meth, "INVITE") == 0) {
		/* A re-INVITE from the SRS: our streams as they are. */
		if (siprec_sipua_response_new(q->msg, 200, NULL, NULL, &resp) !=
		    SIPREC_OK)
			return;
		add_common(r, c, resp, 1);
		if ((sdp = make_sdp(c, 0, &len)) != NULL) {
			osip_message_set_content_type(resp, "application/sdp");
			osip_message_set_body(resp, sdp, len);
			explicit_bzero(sdp, len);
			free(sdp);
		}
		(void)siprec_sipua_respond(q->st, resp, &d);
		return;
	}
	(void)siprec_sipua_reply(q->st, 501, NULL, &d);
}

static void
on_stray(void *arg, const struct siprec_sipua_response *res)
{
	struct run	*r = arg;
	struct call	*c;

	/* A 2xx retransmitted after its transaction: ACK it again. */
	if (res->msg != NULL && (c = find_call(r, res->msg)) != NULL)
		ack_again(c);
}

/* --- pacing calls, stats, end ------------------------------------------- */

static void
maybe_end(struct run *r)
{
	if ((r->started >= r->o->max_calls || r->stopping) && r->active == 0)
		siprec_loop_stop(r->loop);
}

static void
start_calls(struct run *r, unsigned int max)
{
	uint64_t	el, due;
	unsigned int	n = 0;

	if (r->stopping || r->started >= r->o->max_calls) {
		maybe_end(r);
		return;
	}
	el = siprec_loop_now(r->loop) - r->t0;
	due = (uint64_t)(r->o->rate * (double)el / 1e9) + 1;
	/*
	 * A loop that fell behind catches up a burst at a time, so the
	 * answers waiting in the socket are read in between: thousands of
	 * INVITEs in one go would leave them to overflow its buffer and
	 * the UAS to retransmit them.
	 */
	while (r->started < due && r->started < r->o->max_calls &&
	    r->active < r->o->limit && !r->sys_error && n++ < max)
		if (call_new(r, NULL) != 0 && r->sys_error)
			break;
	if (r->sys_error) {
		r->stopping = 1;
		maybe_end(r);
	}
}

static void
start_tick(void *arg, struct siprec_timer *t)
{
	struct run	*r = arg;
	uint64_t	 next, now;

	start_calls(r, START_BURST);
	if (r->stopping || r->started >= r->o->max_calls)
		return;
	/*
	 * Again when the next call is due: at once when behind (after the
	 * sockets are read, the loop's next round), and every 250 us while
	 * -l holds calls back, as calls that end start no new ones.
	 */
	now = siprec_loop_now(r->loop);
	next = r->t0 + (uint64_t)((double)r->started * 1e9 / r->o->rate);
	if (r->active >= r->o->limit)
		siprec_timer_after(t, 250000u);
	else
		siprec_timer_after(t, next > now ? next - now : 0);
}

static void
stats_line(struct run *r, FILE *f, int json)
{
	struct src_stats	st;

	st.t = (double)(siprec_loop_now(r->loop) - r->t0) / 1e9;
	st.attempted = r->attempted;
	st.active = r->active;
	st.answered = r->answered;
	st.failed = r->failed;
	st.finished = r->finished;
	st.rtp_packets = atomic_load(&r->tot.packets);
	st.rtp_errors = atomic_load(&r->tot.errors);
	src_stats_print(&st, f, json);
	fflush(f);
}

static void
stats_tick(void *arg, struct siprec_timer *t)
{
	struct run	*r = arg;

	stats_line(r, r->stats, r->o->stats_json);
	siprec_timer_after(t, r->o->stats_interval_ms * 1000000u);
}

static void
status_tick(void *arg, struct siprec_timer *t)
{
	struct run	*r = arg;

	fprintf(stderr, "\r%.1fs calls %lu/%lu active %lu answered %lu "
	    "failed %lu rtp %llu   ", (double)(siprec_loop_now(r->loop) -
	    r->t0) / 1e9, r->started, r->o->max_calls, r->active, r->answered,
	    r->failed, (unsigned long long)atomic_load(&r->tot.packets));
	fflush(stderr);
	siprec_timer_after(t, 1000000000u);
}

static void
on_signal(void *arg, int signo)
{
	struct run	*r = arg;
	struct call	*c, *n;

	(void)signo;
	if (r->stopping) {
		/* Second signal: go now. */
		siprec_loop_stop(r->loop);
		return;
	}
	r->stopping = 1;
	for (c = r->live; c != NULL; c = n) {
		n = c->next;
		if (c->state == C_UP && !c->busy)
			send_bye(c);
	}
	maybe_end(r);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double q)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

/* The summary's remaining figures, from the run as it ends. */
static void
summary(struct run *r, FILE *f)
{
	struct src_summary		*s = &r->sum;
	struct siprec_pacer_stats	 ps;
	static const double		 q[4] = { .5, .9, .99, 1 };
	int				 i;

	if (r->nlat > 0)
		qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u32);
	src_media_pacer_stats(r->media, &ps);
	s->attempted = r->attempted;
	s->answered = r->answered;
	s->failed = r->failed;
	s->seconds = (double)(siprec_loop_now(r->loop) - r->t0) / 1e9;
	/* Answers a second until the last one: stragglers that time out
	 * (Timer B, 32 s) do not hide the rate the SRS kept up with. */
	s->answers_per_s = r->t_last_answer > r->t0 ? (double)r->answered /
	    ((double)(r->t_last_answer - r->t0) / 1e9) : 0;
	for (i = 0; i < 4; i++)
		s->setup_ms[i] = pct(r->lat, r->nlat, q[i]);
	s->rtp_packets = atomic_load(&r->tot.packets);
	s->rtp_bytes = atomic_load(&r->tot.bytes);
	s->rtp_errors = atomic_load(&r->tot.errors);
	s->rtcp = atomic_load(&r->tot.rtcp);
	s->send_errors = ps.send_errors;
	s->late_5ms = ps.late;
	s->dev_us[0] = src_media_deviation(r->media, .5) / 1000;
	s->dev_us[1] = src_media_deviation(r->media, .99) / 1000;
	src_summary_print(s, f, r->o->json);
}

/* Audio for the streams: the bundled speech, a tone, or files. */
static int
load_audio(struct run *r)
{
	struct src_opts	*o = r->o;
	unsigned int	 rate = siprec_enc_info(r->encs[0])->rate, k, n;
	struct siprec_diag d;
	int16_t		*pcm;
	size_t		 i;
	enum siprec_err	 e;

	memset(&d, 0, sizeof(d));
	switch (o->audio) {
	case AUDIO_TONE:
		if (siprec_audio_tone(o->tone_hz, 8000, rate, &r->audio[0]) !=
		    SIPREC_OK) {
			fprintf(stderr, "siprec-src: tone %.1f Hz: not "
			    "possible at %u Hz\n", o->tone_hz, rate);
			return SIPREC_EXIT_USAGE;
		}
		/* Each stream its own pitch, to tell them apart. */
		for (k = 1; k < o->nstreams; k++)
			if (siprec_audio_tone(o->tone_hz * (1 + 0.25 * k), 8000,
			    rate, &r->audio[k]) != SIPREC_OK)
				r->audio[k] = NULL;
		return 0;
	case AUDIO_SPEECH:
		if ((pcm = malloc(src_speech_len * sizeof(*pcm))) == NULL)
			return SIPREC_EXIT_SYSTEM;
		for (i = 0; i < src_speech_len; i++) {
			uint8_t	u = (uint8_t)~src_speech_ulaw[i];
			int	t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >>
			    4);

			pcm[i] = (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
		}
		e = siprec_audio_pcm(pcm, src_speech_len, 8000, rate, 1,
		    &r->audio[0]);
		free(pcm);
		return e == SIPREC_OK ? 0 : SIPREC_EXIT_SYSTEM;
	case AUDIO_FILE:
		if (siprec_audio_file_channels(o->audio_files[0], &n, &d) !=
		    SIPREC_OK) {
			fprintf(stderr, "siprec-src: %s: %s\n",
			    o->audio_files[0], d.detail);
			return SIPREC_EXIT_INPUT;
		}
		for (k = 0; k < o->nstreams && k < SRC_MAX_STREAMS; k++)
			if (siprec_audio_file(o->audio_files[0], k % n, rate, 1,
			    &r->audio[k], &d) != SIPREC_OK) {
				fprintf(stderr, "siprec-src: %s: %s\n",
				    o->audio_files[0], d.detail);
				return SIPREC_EXIT_INPUT;
			}
		return 0;
	case AUDIO_FILES:
		for (k = 0; k < o->naudio_files; k++)
			if (siprec_audio_file(o->audio_files[k], 0, rate, 1,
			    &r->audio[k], &d) != SIPREC_OK) {
				fprintf(stderr, "siprec-src: %s: %s\n",
				    o->audio_files[k], d.detail);
				return SIPREC_EXIT_INPUT;
			}
		return 0;
	}
	return 0;
}

static int
setup(struct run *r)
{
	struct src_opts		*o = r->o;
	struct siprec_sipua_opts uo;
	struct siprec_diag	 d;
	struct siprec_addr	 tcp;
	unsigned int		 i;
	char			 host[80];
	int			 rc;

	memset(&d, 0, sizeof(d));
	if ((r->byid = calloc(CALL_BUCKETS, sizeof(*r->byid))) == NULL)
		return SIPREC_EXIT_SYSTEM;
	for (i = 0; i < o->ntargets; i++)
		if (parse_target(o->targets[i], &r->tg[i], &d) != 0) {
			fprintf(stderr, "siprec-src: %s\n", d.detail);
			return SIPREC_EXIT_USAGE;
		}
	r->ntg = o->ntargets;
	for (i = 0; i < o->ncodecs; i++) {
		if (siprec_enc_new(o->codecs[i], o->ptime, &r->encs[i], &d) !=
		    SIPREC_OK) {
			fprintf(stderr, "siprec-src: %s\n", d.detail);
			return SIPREC_EXIT_USAGE;
		}
		r->infos[i] = siprec_enc_info(r->encs[i]);
	}
	if ((rc = load_audio(r)) != 0)
		return rc;
	if (o->dry_run)
		return 0;
	if (siprec_loop_new(&r->loop, &d) != SIPREC_OK) {
		fprintf(stderr, "siprec-src: %s\n", d.detail);
		return SIPREC_EXIT_SYSTEM;
	}
	memset(&uo, 0, sizeof(uo));
	uo.loop = r->loop;
	uo.user_agent = "siprec-src/" SIPREC_VERSION;
	uo.udp_bufsize = 4u << 20;
	uo.batch_udp = 1;
	uo.request = on_request;
	uo.stray = on_stray;
	uo.arg = r;
	if (siprec_sipua_new(&uo, &r->ua, &d) != SIPREC_OK ||
	    siprec_sipua_listen(r->ua, SIPREC_TRANSPORT_UDP, &o->bind,
	    &r->local, &d) != SIPREC_OK) {
		fprintf(stderr, "siprec-src: SIP: %s\n", d.detail);
		return SIPREC_EXIT_SYSTEM;
	}
	/* TCP on the same port when it is free, for RFC 3261 18.1.1. */
	tcp = r->local;
	if (siprec_sipua_listen(r->ua, SIPREC_TRANSPORT_TCP, &tcp,
	    &r->local_tcp, &d) != SIPREC_OK) {
		tcp.port = 0;
		if (siprec_sipua_listen(r->ua, SIPREC_TRANSPORT_TCP, &tcp,
		    &r->local_tcp, &d) != SIPREC_OK)
			memset(&r->local_tcp, 0, sizeof(r->local_tcp));
	}
	siprec_addr_format(&r->local, host, sizeof(host));
	snprintf(r->contact, sizeof(r->contact), "<sip:src@%s>", host);
	if (o->duration_ms == 0) {
		struct siprec_addr	a, bound;

		if (siprec_addr_parse(o->media_ip, 0, &a, &d) != SIPREC_OK ||
		    siprec_net_udp(&a, 0, &r->idle_fd, &bound, &d) !=
		    SIPREC_OK) {
			fprintf(stderr, "siprec-src: media socket: %s\n",
			    d.detail);
			return SIPREC_EXIT_SYSTEM;
		}
		r->idle_port = bound.port;
	}
	(void)siprec_loop_signal(r->loop, SIGINT, on_signal, r, NULL);
	(void)siprec_loop_signal(r->loop, SIGTERM, on_signal, r, NULL);
	if (src_media_start(&r->media, o->media_threads, &r->tot,
	    o->realtime) != 0) {
		fprintf(stderr, "siprec-src: cannot start the media threads\n");
		return SIPREC_EXIT_SYSTEM;
	}
	return 0;
}

static void
teardown(struct run *r)
{
	unsigned int	i;
	struct call	*c;

	while ((c = r->live) != NULL) {
		r->live = c->next;
		call_free(c);
		/* Transactions die with the UA; the calls go with them. */
		free(c);
	}
	src_media_free(r->media);
	siprec_sipua_free(r->ua);
	siprec_timer_free(r->t_start);
	siprec_timer_free(r->t_stats);
	siprec_timer_free(r->t_status);
	siprec_loop_free(r->loop);
	if (r->idle_fd >= 0)
		close(r->idle_fd);
	for (i = 0; i < 4; i++)
		siprec_enc_free(r->encs[i]);
	for (i = 0; i < SRC_MAX_STREAMS; i++)
		siprec_audio_free(r->audio[i]);
	for (i = 0; i <= SRC_MAX_PARTIES; i++)
		siprec_srcmeta_tpl_free(r->tpl[i]);
	free(r->lat);
	free(r->byid);
}

int
src_dry_run(struct src_opts *o)
{
	struct run	 r;
	struct call	*c = NULL;
	int		 rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.idle_fd = -1;
	o->dry_run = 1;
	if ((rc = setup(&r)) != 0) {
		teardown(&r);
		return rc;
	}
	snprintf(r.contact, sizeof(r.contact), "<sip:src@%s>", o->media_ip);
	rc = call_new(&r, &c);
	if (c != NULL) {
		unlink_call(&r, c);
		call_free(c);
		free(c);
	}
	teardown(&r);
	return rc == 0 ? SIPREC_EXIT_OK : SIPREC_EXIT_SYSTEM;
}

int
src_run(struct src_opts *o)
{
	struct run		 r;
	struct siprec_diag	 d;
	struct call		*c;
	unsigned int		 k;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.idle_fd = -1;
	if ((rc = setup(&r)) != 0) {
		teardown(&r);
		return rc;
	}
	r.t0 = siprec_loop_now(r.loop);
	r.tty = isatty(STDERR_FILENO) && !o->quiet;
	if (o->realtime) {
		/*
		 * Below the media threads, above everything ordinary: the
		 * signalling must not starve while they use the cores.
		 */
		struct sched_param sp;

		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = 5;
		(void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	if (o->stats_path != NULL) {
		r.stats = strcmp(o->stats_path, "-") == 0 ? stdout :
		    fopen(o->stats_path, "w");
		if (r.stats == NULL) {
			fprintf(stderr, "siprec-src: %s: %s\n", o->stats_path,
			    strerror(errno));
			teardown(&r);
			return SIPREC_EXIT_SYSTEM;
		}
		if (!o->stats_json)
			fprintf(r.stats, "time,attempted,active,answered,"
			    "failed,finished,rtp_packets,rtp_errors\n");
		(void)siprec_timer_new(r.loop, stats_tick, &r, &r.t_stats);
		siprec_timer_after(r.t_stats, o->stats_interval_ms * 1000000u);
	}
	if (o->calls_detail)
		r.detail = stdout;
	if (r.tty) {
		(void)siprec_timer_new(r.loop, status_tick, &r, &r.t_status);
		siprec_timer_after(r.t_status, 1000000000u);
	}
	(void)siprec_timer_new(r.loop, start_tick, &r, &r.t_start);
	siprec_timer_after(r.t_start, 0);
	memset(&d, 0, sizeof(d));
	if (siprec_loop_run(r.loop, &d) != SIPREC_OK) {
		fprintf(stderr, "siprec-src: %s\n", d.detail);
		r.sys_error = 1;
	}
	if (r.tty)
		fputc('\n', stderr);
	if (src_media_rt_failed(r.media))
		warnx_(&r, "--realtime: SCHED_FIFO refused (needs root or "
		    "CAP_SYS_NICE); ran at normal priority");
	/* Calls cut short by a signal: their streams end too. */
	for (c = r.live; c != NULL; c = c->next)
		for (k = 0; k < c->ns; k++)
			if (c->st[k] != NULL && c->handed)
				atomic_store(&c->st[k]->stop, 1);
	src_media_stop(r.media);
	if (r.stats != NULL) {
		stats_line(&r, r.stats, o->stats_json);
		if (r.stats != stdout)
			fclose(r.stats);
	}
	summary(&r, stdout);
	rc = r.sys_error ? SIPREC_EXIT_SYSTEM : r.failed > o->max_failures ?
	    SIPREC_EXIT_FINDINGS : SIPREC_EXIT_OK;
	teardown(&r);
	return rc;
}
