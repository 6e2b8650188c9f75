/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-srs: dialogs, answers and the wire feed of the tracker (SPEC 1.10). */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>

#include <siprec/sdp.h>
#include <siprec/sipmsg.h>

#include "srsd.h"

#define SRSD_ALLOW		"INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO"
#define SRSD_RETRY_AFTER	"5"

/* --- the call table ------------------------------------------------------ */

static size_t
bucket(const char *call_id)
{
	uint64_t h = 1469598103934665603ull;

	while (*call_id != '\0')
		h = (h ^ (unsigned char)*call_id++) * 1099511628211ull;
	return (size_t)(h % SRSD_NBUCKET);
}

struct srsd_call *
srsd_call_find(struct srsd *d, const char *call_id)
{
	struct srsd_call *c;

	for (c = d->calls[bucket(call_id)]; c != NULL; c = c->next)
		if (strcmp(c->call_id, call_id) == 0)
			return c;
	return NULL;
}

void
srsd_call_free(struct srsd_call *c)
{
	struct srsd_call **pp;
	unsigned int i;

	if (c == NULL)
		return;
	for (pp = &c->d->calls[bucket(c->call_id)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			c->d->ncalls--;
			break;
		}
	for (i = 0; i < c->nm; i++) {
		srsd_rtp_close(c->rtp[i]);
		explicit_bzero(c->md[i].crypto, sizeof(c->md[i].crypto));
	}
	siprec_timer_free(c->delay);
	siprec_timer_free(c->snap);
	if (c->pending_resp != NULL)
		osip_message_free(c->pending_resp);
	free(c->remote);
	free(c->local);
	free(c->ruri);
	free(c);
}

/* --- the wire: every message in and out goes to the tracker ------------- */

void
srsd_on_wire(void *arg, const struct siprec_sipua_wire *w)
{
	struct srsd *d = arg;
	struct siprec_diag diag;
	struct siprec_pkt p;

	memset(&p, 0, sizeof(p));
	p.kind = w->transport == SIPREC_TRANSPORT_TCP ? SIPREC_PKT_SIP_TCP :
	    SIPREC_PKT_UDP;
	p.ts_ns = w->ts_ns;
	p.src = w->src;
	p.dst = w->dst;
	p.data = w->data;
	p.file = "sip";
	if (siprec_rs_packet(d->rs, &p, &diag) != SIPREC_OK) {
		srsd_log(d, "sip: %s", diag.detail);
		d->syserr = 1;
	}
}

void
srsd_on_bad(void *arg, const struct siprec_sipua_bad *b)
{
	struct srsd *d = arg;
	char a[80];

	siprec_addr_format(&b->src, a, sizeof(a));
	srsd_log(d, "%s %s: malformed SIP (%zu bytes): %s%s%s",
	    siprec_transport_name(b->transport), a, b->data.len, b->reason,
	    b->answered ? "; answered 400" : "",
	    b->closed ? "; connection closed" : "");
	srsd_ev_begin(d, "malformed", siprec_loop_wall(d->loop));
	srsd_ev_str(d, "transport", siprec_transport_name(b->transport));
	srsd_ev_str(d, "src", a);
	srsd_ev_str(d, "reason", b->reason);
	srsd_ev_num(d, "answered", (unsigned long long)b->answered);
	srsd_ev_end(d);
}

/* --- responses ----------------------------------------------------------- */

/* Add "Name: value" given as one line (a verdict's header). */
static void
add_line(osip_message_t *m, const char *line)
{
	char name[64];
	const char *colon = strchr(line, ':');

	if (colon == NULL || (size_t)(colon - line) >= sizeof(name))
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
	for (colon++; *colon == ' '; colon++)
		;
	osip_message_set_header(m, name, colon);
}

static void
caps(osip_message_t *m)
{
	osip_message_set_header(m, "Allow", SRSD_ALLOW);
	osip_message_set_header(m, "Accept", SIPREC_SRS_ACCEPT);
	osip_message_set_header(m, "Supported", "timer");
}

/* A final response without body; header is one extra line or NULL. */
static void
reply(struct srsd *d, struct siprec_sipua_st *st, int code,
    const char *reason, const char *to_tag, const char *header)
{
	osip_message_t *resp = NULL;
	struct siprec_diag diag;

	if (siprec_sipua_response_new(siprec_sipua_st_request(st), code,
	    reason, to_tag, &resp) != SIPREC_OK) {
		siprec_sipua_st_abandon(st);
		return;
	}
	if (header != NULL && header[0] != '\0')
		add_line(resp, header);
	if (code == 405 || code == 200)
		caps(resp);
	if (siprec_sipua_respond(st, resp, &diag) != SIPREC_OK)
		srsd_log(d, "cannot send %d: %s", code, diag.detail);
}

static void
refused(struct srsd *d, const char *call_id, int code, const char *why)
{
	d->refused++;
	srsd_ev_begin(d, "refused", siprec_loop_wall(d->loop));
	srsd_ev_str(d, "call_id", call_id);
	srsd_ev_num(d, "code", (unsigned long long)code);
	srsd_ev_str(d, "reason", why);
	srsd_ev_end(d);
}

/* A 2xx with our Contact (+sip.srs, P-06) and, if given, an SDP body. */
static osip_message_t *
ok_response(struct srsd_call *c, osip_message_t *req, const char *sdp,
    size_t n)
{
	osip_message_t *resp = NULL;
	osip_header_t *se = NULL;

	if (siprec_sipua_response_new(req, 200, NULL, c->to_tag, &resp) !=
	    SIPREC_OK)
		return NULL;
	osip_message_set_contact(resp, c->contact);
	caps(resp);
	/* RFC 4028: a refresh asked for is done by the SRC. */
	if (osip_message_header_get_byname(req, "session-expires", 0, &se) >= 0 &&
	    se != NULL && se->hvalue != NULL) {
		char v[64];

		snprintf(v, sizeof(v), "%lu;refresher=uac",
		    strtoul(se->hvalue, NULL, 10));
		osip_message_set_header(resp, "Session-Expires", v);
		osip_message_set_header(resp, "Require", "timer");
	}
	if (sdp != NULL) {
		osip_message_set_body(resp, sdp, n);
		osip_message_set_content_type(resp, "application/sdp");
	}
	return resp;
}

/* --- SDP ------------------------------------------------------------------- */

static size_t
write_sdp(struct srsd_call *c, char *buf, size_t cap)
{
	c->version++;
	return siprec_srs_sdp_write(&c->me, c->sess_id, c->version, c->md,
	    c->nm, buf, cap);
}

/*
 * Answer an offer: every offered m-line in order (P-25), recordable ones
 * recvonly (P-26) on a port from the range, kept for an m-line already
 * recorded (RFC 3264 8.3.1), port 0 for the others.  Returns how many
 * m-lines are recorded.
 */
static unsigned int
answer(struct srsd_call *c, const struct siprec_sdp *off)
{
	struct srsd *d = c->d;
	unsigned int i, n = 0;
	char why[64];
	int pick;

	for (i = 0; i < off->nm && i < SRSD_MAX_M; i++) {
		struct siprec_srs_media md;
		int ok = siprec_srs_media_accept(&off->m[i], &md, &pick, why,
		    sizeof(why)) == 0;

		if (ok && c->rtp[i] == NULL)
			c->rtp[i] = srsd_rtp_open(d, &c->me, off->m[i].rtcp_mux);
		if (ok && c->rtp[i] == NULL) {
			srsd_log(d, "%s: m-line %u: no free RTP port in %u-%u",
			    c->call_id, i + 1, d->o.port_lo, d->o.port_hi);
			ok = 0;
		}
		if (!ok) {
			srsd_rtp_close(c->rtp[i]);
			c->rtp[i] = NULL;
			md.port = 0;
			md.crypto[0] = '\0';
		} else {
			md.port = c->rtp[i]->port;
			md.rtcp_port = c->rtp[i]->rtcp_port;
			/* Receiver reports: the first codec's clock; none
			   for SRTP (they would need SRTCP). */
			c->rtp[i]->rr.rate = md.npt > 0 && md.pts[0].clock ?
			    md.pts[0].clock : 8000;
			c->rtp[i]->rr.srtp = pick >= 0 ||
			    strstr(md.proto, "SAVP") != NULL;
			md.dir = d->o.sendrecv ? SIPREC_DIR_SENDRECV :
			    siprec_srs_answer_dir(off->m[i].dir);
			if (pick >= 0) {
				/* Same key for the same offered key. */
				if (c->md[i].crypto[0] != '\0' && i < c->nm)
					snprintf(md.crypto, sizeof(md.crypto),
					    "%s", c->md[i].crypto);
				else if (siprec_srs_crypto_answer(
				    off->m[i].crypto[pick], md.crypto,
				    sizeof(md.crypto)) != SIPREC_OK)
					md.crypto[0] = '\0';
			}
			if (d->o.wrong_labels && md.label[0] != '\0') {
				char l[64];

				snprintf(l, sizeof(l), "x%.60s", md.label);
				snprintf(md.label, sizeof(md.label), "%s", l);
			}
			n++;
		}
		explicit_bzero(c->md[i].crypto, sizeof(c->md[i].crypto));
		c->md[i] = md;
		explicit_bzero(md.crypto, sizeof(md.crypto));
	}
	for (; i < c->nm; i++) {	/* fewer m-lines than before: gone */
		srsd_rtp_close(c->rtp[i]);
		c->rtp[i] = NULL;
	}
	c->nm = off->nm < SRSD_MAX_M ? off->nm : SRSD_MAX_M;
	return n;
}

/* The SDP offer of a message's SDP part, if any. */
static int
offer_of(const struct siprec_sipmsg *m, struct siprec_sdp *sdp)
{
	size_t i;

	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].sdp)
			return siprec_sdp_parse(m->parts[i].body.p,
			    m->parts[i].body.len, sdp, NULL) == SIPREC_OK ? 1 :
			    -1;
	return 0;
}

/* --- requests from the server (UPDATE, BYE) ------------------------------- */

static void
on_our_response(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *r)
{
	struct srsd *d = arg;
	osip_message_t *m = r->msg;
	struct srsd_call *c;

	(void)ct;
	if (!r->final)
		return;
	if (m == NULL || m->call_id == NULL || m->call_id->number == NULL)
		return;
	{
		char cid[256];

		snprintf(cid, sizeof(cid), "%s%s%s", m->call_id->number,
		    m->call_id->host ? "@" : "", m->call_id->host ?
		    m->call_id->host : "");
		if ((c = srsd_call_find(d, cid)) != NULL &&
		    m->cseq != NULL && m->cseq->method != NULL &&
		    strcasecmp(m->cseq->method, "UPDATE") == 0)
			c->our_update = 0;
	}
	if (r->status >= 300)
		srsd_log(d, "our request got %d", r->status);
}

static void
send_in_dialog(struct srsd_call *c, const char *method, const char *ctype,
    const char *body, size_t n)
{
	struct srsd *d = c->d;
	osip_message_t *req = NULL;
	struct siprec_diag diag;

	if (c->ruri == NULL || siprec_sipua_request_new(method, c->ruri,
	    c->local, c->remote, c->call_id, ++c->cseq, &req, &diag) !=
	    SIPREC_OK) {
		srsd_log(d, "%s: cannot build %s", c->call_id, method);
		return;
	}
	osip_message_set_contact(req, c->contact);
	if (body != NULL) {
		osip_message_set_body(req, body, n);
		osip_message_set_content_type(req, ctype);
		osip_message_set_header(req, "Content-Disposition",
		    "recording-session");
	}
	if (siprec_sipua_send(d->ua, c->transport, &c->peer, req,
	    on_our_response, d, NULL, &diag) != SIPREC_OK)
		srsd_log(d, "%s: cannot send %s: %s", c->call_id, method,
		    diag.detail);
}

void
srsd_call_bye(struct srsd_call *c, const char *why)
{
	if (c->bye_sent || c->state != C_CONFIRMED)
		return;
	c->bye_sent = 1;
	srsd_log(c->d, "%s: BYE: %s", c->call_id, why);
	send_in_dialog(c, "BYE", NULL, NULL, 0);
}

/* End every dialog: BYE for the confirmed ones, 480 for those waiting. */
void
srsd_calls_end(struct srsd *d, const char *why)
{
	size_t b;

	for (b = 0; b < SRSD_NBUCKET; b++)
		while (d->calls[b] != NULL) {
			struct srsd_call *c = d->calls[b];

			if (c->pending != NULL) {
				reply(d, c->pending, 480, NULL, c->to_tag,
				    NULL);
				c->pending = NULL;
			} else
				srsd_call_bye(c, why);
			srsd_call_free(c);
		}
}

/* P-44: a snapshot request in an UPDATE, no SDP, and again later. */
static void
snapshot_due(void *arg, struct siprec_timer *t)
{
	struct srsd_call *c = arg;
	char body[512];
	size_t n;

	if (c->state == C_CONFIRMED && !c->our_update && !c->bye_sent) {
		n = siprec_srs_snapshot_request("periodic snapshot "
		    "(--snapshot-every)", body, sizeof(body));
		c->our_update = 1;
		send_in_dialog(c, "UPDATE", c->meta_type, body, n);
	}
	siprec_timer_after(t, c->d->o.snapshot_ns);
}

/* --- new INVITE ------------------------------------------------------------- */

static int
share(uint64_t n, unsigned int pct)
{
	/* The n-th (1-based) is in a pct share: exact, deterministic. */
	return pct > 0 && (n * pct) / 100 != ((n - 1) * pct) / 100;
}

static int
disk_low(struct srsd *d)
{
	struct statvfs sv;

	if (d->o.min_free == 0 || statvfs(d->o.outdir, &sv) != 0)
		return 0;
	return (uint64_t)sv.f_bavail * sv.f_frsize < d->o.min_free;
}

static int
strict_metadata_bad(struct srsd *d, const struct siprec_sipmsg *m,
    char *why, size_t whylen)
{
	struct siprec_meta_summary sum;
	struct siprec_meta_input in;
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		if (!m->parts[i].metadata)
			continue;
		memset(&in, 0, sizeof(in));
		in.xml = m->parts[i].body;
		in.line0 = 1;
		in.charset = m->parts[i].charset[0] ? m->parts[i].charset : NULL;
		in.in_sip = 1;
		if (siprec_meta_check(d->meta, &in, NULL, NULL, &sum, NULL) !=
		    SIPREC_OK)
			continue;
		if (!sum.well_formed) {
			snprintf(why, whylen, "metadata is not well-formed XML");
			return 1;
		}
		if (sum.schema_valid == 0 || sum.dialect != NULL) {
			snprintf(why, whylen, "metadata is not valid RFC 7865%s%s",
			    sum.dialect ? ": " : "", sum.dialect ?
			    sum.dialect : "");
			return 1;
		}
	}
	return 0;
}

static char *
dupstr_to(osip_to_t *t)
{
	char *s = NULL, *r;

	if (t == NULL || osip_to_to_str(t, &s) != 0 || s == NULL)
		return NULL;
	r = strdup(s);
	osip_free(s);
	return r;
}

static void
send_pending(struct srsd_call *c)
{
	struct siprec_diag diag;
	osip_message_t *resp = c->pending_resp;

	c->pending_resp = NULL;
	if (c->pending == NULL || resp == NULL) {
		if (resp != NULL)
			osip_message_free(resp);
		return;
	}
	if (siprec_sipua_respond(c->pending, resp, &diag) != SIPREC_OK)
		srsd_log(c->d, "%s: cannot send 200: %s", c->call_id,
		    diag.detail);
	c->pending = NULL;
	c->state = C_CONFIRMED;
	if (c->d->o.snapshot_ns > 0 && c->siprec &&
	    siprec_timer_new(c->d->loop, snapshot_due, c, &c->snap) ==
	    SIPREC_OK)
		siprec_timer_after(c->snap, c->d->o.snapshot_ns);
}

static void
delay_due(void *arg, struct siprec_timer *t)
{
	(void)t;
	send_pending(arg);
}

static void
new_invite(struct srsd *d, const struct siprec_sipua_request *rq,
    const struct siprec_sipmsg *m)
{
	struct siprec_srs_verdict v;
	struct siprec_sdp off;
	struct srsd_call *c;
	osip_message_t *req = rq->msg;
	osip_contact_t *ct = NULL;
	char sdp[4096], why[160], a[80], *s = NULL;
	size_t n, i;

	d->invites++;
	if (srsd_call_find(d, m->call_id) != NULL) {
		/* A second INVITE of a Call-ID being recorded (fork, loop). */
		reply(d, rq->st, 482, "Loop Detected", NULL, NULL);
		return;
	}
	if (d->o.redirect != NULL) {
		osip_message_t *resp = NULL;
		char contact[512];

		if (siprec_sipua_response_new(req, 302, NULL, NULL, &resp) ==
		    SIPREC_OK) {
			snprintf(contact, sizeof(contact), "<%s>", d->o.redirect);
			osip_message_set_contact(resp, contact);
			(void)siprec_sipua_respond(rq->st, resp, NULL);
		}
		refused(d, m->call_id, 302, "redirected (--redirect)");
		return;
	}
	if (share(d->invites, d->o.drop_pct)) {
		d->dropped_share++;
		siprec_sipua_st_abandon(rq->st);
		refused(d, m->call_id, 0, "dropped (--drop)");
		return;
	}
	if (share(d->invites, d->o.reject_pct)) {
		d->rejected_share++;
		reply(d, rq->st, (int)d->o.reject_code, NULL, NULL, NULL);
		refused(d, m->call_id, (int)d->o.reject_code,
		    "rejected (--reject)");
		return;
	}
	if (d->stopping || (d->o.max_sessions > 0 &&
	    d->ncalls >= d->o.max_sessions)) {
		reply(d, rq->st, 503, NULL, NULL, "Retry-After: " SRSD_RETRY_AFTER);
		refused(d, m->call_id, 503, d->stopping ? "shutting down" :
		    "over --max-sessions");
		return;
	}
	if (disk_low(d)) {
		reply(d, rq->st, 503, NULL, NULL, "Retry-After: " SRSD_RETRY_AFTER);
		refused(d, m->call_id, 503, "free disk below --min-free");
		return;
	}
	siprec_srs_judge_invite(rq->raw.p, rq->raw.len, m, &d->o.policy, &v);
	if (v.code == 0 && d->o.policy.strict &&
	    strict_metadata_bad(d, m, why, sizeof(why))) {
		v.code = 400;
		snprintf(v.reason, sizeof(v.reason), "Bad Request");
		snprintf(v.header, sizeof(v.header), "Warning: 399 siprec-srs "
		    "\"%s\"", why);
	}
	if (v.code != 0) {
		reply(d, rq->st, v.code, v.reason, NULL, v.header);
		refused(d, m->call_id, v.code, v.header[0] ? v.header :
		    v.reason);
		return;
	}
	if (offer_of(m, &off) != 1) {
		reply(d, rq->st, 400, NULL, NULL,
		    "Warning: 399 siprec-srs \"SDP cannot be parsed\"");
		refused(d, m->call_id, 400, "SDP cannot be parsed");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reply(d, rq->st, 500, NULL, NULL, "Retry-After: " SRSD_RETRY_AFTER);
		return;
	}
	c->d = d;
	snprintf(c->call_id, sizeof(c->call_id), "%s", m->call_id);
	snprintf(c->from_tag, sizeof(c->from_tag), "%s", m->from_tag_s);
	siprec_sipua_token(c->to_tag, 17);
	c->transport = rq->transport;
	c->peer = rq->src;
	c->me = rq->dst;
	c->siprec = v.siprec;
	c->remote = dupstr_to((osip_to_t *)req->from);
	if (req->to != NULL) {
		char *t = dupstr_to(req->to);

		if (t != NULL && asprintf(&c->local, "%s;tag=%s", t,
		    c->to_tag) < 0)
			c->local = NULL;
		free(t);
	}
	if (osip_message_get_contact(req, 0, &ct) >= 0 && ct != NULL &&
	    ct->url != NULL && osip_uri_to_str(ct->url, &s) == 0) {
		c->ruri = strdup(s);
		osip_free(s);
	}
	siprec_addr_format(&c->me, a, sizeof(a));
	snprintf(c->contact, sizeof(c->contact), "<sip:srs@%s%s>;+sip.srs", a,
	    c->transport == SIPREC_TRANSPORT_TCP ? ";transport=tcp" : "");
	snprintf(c->meta_type, sizeof(c->meta_type), "application/rs-metadata");
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].metadata)
			snprintf(c->meta_type, sizeof(c->meta_type), "%s",
			    m->parts[i].type);
	c->sess_id = siprec_loop_wall(d->loop) / 1000000000ull * 1000 +
	    d->invites % 1000;
	c->next = d->calls[bucket(c->call_id)];
	d->calls[bucket(c->call_id)] = c;
	d->ncalls++;
	if (v.note[0] != '\0')
		srsd_log(d, "%s: %s", c->call_id, v.note);
	if (answer(c, &off) == 0) {
		reply(d, rq->st, 503, NULL, NULL, "Retry-After: " SRSD_RETRY_AFTER);
		refused(d, m->call_id, 503, "no RTP port free");
		srsd_call_free(c);
		return;
	}
	n = write_sdp(c, sdp, sizeof(sdp));
	c->pending = rq->st;
	siprec_sipua_st_set_data(rq->st, c);
	c->pending_resp = ok_response(c, req, sdp, n);
	explicit_bzero(sdp, sizeof(sdp));
	if (c->pending_resp == NULL) {
		reply(d, rq->st, 500, NULL, NULL, NULL);
		c->pending = NULL;
		srsd_call_free(c);
		return;
	}
	if (d->o.delay_ns > 0 &&
	    siprec_timer_new(d->loop, delay_due, c, &c->delay) == SIPREC_OK) {
		siprec_timer_after(c->delay, d->o.delay_ns);
		return;
	}
	send_pending(c);
}

/* --- in-dialog requests --------------------------------------------------- */

static void
in_dialog(struct srsd *d, const struct siprec_sipua_request *rq,
    const struct siprec_sipmsg *m, struct srsd_call *c)
{
	struct siprec_srs_dialog_state st;
	struct siprec_srs_verdict v;
	struct siprec_sdp off;
	osip_message_t *resp;
	struct siprec_diag diag;
	char sdp[4096];
	size_t n = 0;
	int has, invite = strcasecmp(m->method, "INVITE") == 0;

	if (strcasecmp(m->method, "BYE") == 0) {
		reply(d, rq->st, 200, NULL, NULL, NULL);
		srsd_call_free(c);
		return;
	}
	if (strcasecmp(m->method, "INFO") == 0) {
		/* Legacy INFO (P-64: video refresh, vendor triggers). */
		reply(d, rq->st, 200, NULL, NULL, NULL);
		return;
	}
	if (!invite && strcasecmp(m->method, "UPDATE") != 0) {
		reply(d, rq->st, 405, NULL, NULL, NULL);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.own_offer_pending = c->own_offer_pending;
	st.offer_unanswered = c->pending != NULL;
	st.update_pending = c->update_pending;
	siprec_srs_judge_indialog(rq->raw.p, rq->raw.len, m, &st, 2, &v);
	if (v.code != 0) {
		reply(d, rq->st, v.code, v.reason, NULL, v.header);
		return;
	}
	has = offer_of(m, &off);
	if (has < 0) {
		reply(d, rq->st, 400, NULL, NULL,
		    "Warning: 399 siprec-srs \"SDP cannot be parsed\"");
		return;
	}
	if (has) {
		struct siprec_srs_media keep[SRSD_MAX_M];
		unsigned int nkeep = c->nm;

		memcpy(keep, c->md, sizeof(keep));
		if (answer(c, &off) == 0 && off.nm > 0) {
			/* Nothing acceptable: 488, the old state stays. */
			memcpy(c->md, keep, sizeof(keep));
			c->nm = nkeep;
			explicit_bzero(keep, sizeof(keep));
			reply(d, rq->st, 488, NULL, NULL, "Warning: 305 "
			    "siprec-srs \"no offered stream can be recorded\"");
			return;
		}
		explicit_bzero(keep, sizeof(keep));
		n = write_sdp(c, sdp, sizeof(sdp));
	} else if (invite) {
		/* Offerless re-INVITE (CF-11): offer the streams we have. */
		unsigned int i;

		for (i = 0; i < c->nm; i++)
			if (c->md[i].port != 0 && c->md[i].dir ==
			    SIPREC_DIR_INACTIVE)
				c->md[i].dir = d->o.sendrecv ?
				    SIPREC_DIR_SENDRECV : SIPREC_DIR_RECVONLY;
		n = write_sdp(c, sdp, sizeof(sdp));
		c->own_offer_pending = 1;
	}
	resp = ok_response(c, rq->msg, n > 0 ? sdp : NULL, n);
	explicit_bzero(sdp, sizeof(sdp));
	if (resp == NULL) {
		reply(d, rq->st, 500, NULL, NULL, "Retry-After: " SRSD_RETRY_AFTER);
		return;
	}
	if (siprec_sipua_respond(rq->st, resp, &diag) != SIPREC_OK)
		srsd_log(d, "%s: cannot answer %s: %s", c->call_id, m->method,
		    diag.detail);
}

void
srsd_on_request(void *arg, const struct siprec_sipua_request *rq)
{
	struct srsd *d = arg;
	struct siprec_sipmsg *m = NULL;
	struct siprec_diag diag;
	struct srsd_call *c;
	char a[80];

	if (rq->cancelled != NULL) {
		c = siprec_sipua_st_data(rq->cancelled);
		reply(d, rq->cancelled, 487, NULL, c ? c->to_tag : NULL, NULL);
		if (c != NULL) {
			c->pending = NULL;
			srsd_call_free(c);
		}
		return;
	}
	memset(&diag, 0, sizeof(diag));
	if (siprec_sipmsg_parse(rq->raw.p, rq->raw.len, NULL, &m, &diag) !=
	    SIPREC_OK || m->bare || m->call_id[0] == '\0') {
		siprec_addr_format(&rq->src, a, sizeof(a));
		srsd_log(d, "%s %s: malformed SIP: %s",
		    siprec_transport_name(rq->transport), a, m == NULL ?
		    diag.detail : "no Call-ID");
		if (rq->st != NULL)
			reply(d, rq->st, 400, NULL, NULL,
			    "Warning: 399 siprec-srs \"malformed message\"");
		siprec_sipmsg_free(m);
		return;
	}
	c = srsd_call_find(d, m->call_id);
	if (rq->st == NULL) {		/* ACK for a 2xx */
		if (c != NULL)
			c->own_offer_pending = 0;
		siprec_sipmsg_free(m);
		return;
	}
	if (strcasecmp(m->method, "OPTIONS") == 0 && !m->to_tag)
		reply(d, rq->st, 200, NULL, NULL, NULL);
	else if (strcasecmp(m->method, "INVITE") == 0 && !m->to_tag)
		new_invite(d, rq, m);
	else if (!m->to_tag)
		reply(d, rq->st, 405, NULL, NULL, NULL);
	else if (c == NULL || strcmp(c->to_tag, m->to_tag_s) != 0)
		reply(d, rq->st, 481, NULL, NULL, NULL);
	else
		in_dialog(d, rq, m, c);
	siprec_sipmsg_free(m);
}
