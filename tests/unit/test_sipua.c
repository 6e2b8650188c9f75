/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the live SIP core: a UAC and a UAS in one process, loopback. */

#include <arpa/inet.h>
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <siprec/net.h>
#include <siprec/sipua.h>

#include "check.h"

#define TORTURE	"../shared/corpus/torture"
#define SEC	1000000000ULL
#define MS	1000000ULL

/* --- an injected clock: timers move only when a test says so ----------- */

static uint64_t fake_now = 1 * SEC;

static uint64_t
fake_mono(void *arg)
{
	(void)arg;
	return fake_now;
}

static const struct siprec_clock fake = { fake_mono, NULL, NULL };

static struct siprec_loop *loop;

/* libosip2 takes parameter names as char *. */
static char tagname[] = "tag";

static void
get_tag(osip_from_t *h, osip_generic_param_t **out)
{
	*out = NULL;
	osip_generic_param_get_byname(&h->gen_params, tagname, out);
}

/* Let real I/O happen (timers stay put unless time is advanced). */
static void
pump(int rounds)
{
	while (rounds-- > 0)
		siprec_loop_once(loop, 1 * MS, NULL);
}

#define PUMP_UNTIL(cond) do {						\
	int pu_;							\
	for (pu_ = 0; pu_ < 3000 && !(cond); pu_++)			\
		siprec_loop_once(loop, 1 * MS, NULL);			\
} while (0)

/* Advance the injected clock in steps, running the loop at each. */
static void
advance(uint64_t total, uint64_t step)
{
	uint64_t end = fake_now + total;

	while (fake_now < end) {
		fake_now += step;
		if (fake_now > end)
			fake_now = end;
		siprec_loop_once(loop, 0, NULL);
		pump(2);
	}
}

/* --- the UAS: an application that answers ------------------------------ */

enum uas_mode { UAS_ANSWER, UAS_RING_HOLD, UAS_HOLD, UAS_SILENT, UAS_REJECT };

struct uas {
	struct siprec_sipua	*ua;
	struct siprec_addr	 udp, tcp;
	enum uas_mode		 mode;
	int			 invites, acks, byes, options, cancels;
	int			 updates, others, reinvites;
	int			 bad, bad_answered, bad_closed;
	int			 wire_rx, wire_tx, wire_retrans;
	struct siprec_sipua_st	*held;
	int			 cancel_matched;
	char			 last_bad[256];
};

static struct uas uas;

/*
 * Callbacks run per message and per call: they tally their failures here
 * (printing the first) and each test CHECKs once that there were none.
 */
static int cb_bad;
#define CB(expr) TALLY(cb_bad, expr)

static void
cb_done(void)
{
	CHECK(cb_bad == 0);
	cb_bad = 0;
}

static void
uas_request(void *arg, const struct siprec_sipua_request *r)
{
	struct uas *s = arg;
	osip_message_t *m = r->msg;
	osip_generic_param_t *tag = NULL;
	osip_message_t *resp = NULL;

	if (r->cancelled != NULL) {
		s->cancels++;
		s->cancel_matched = r->cancelled == s->held;
		CB(siprec_sipua_reply(r->cancelled, 487, "uastag", NULL) ==
		    SIPREC_OK);
		s->held = NULL;
		return;
	}
	if (r->st == NULL) {
		CB(MSG_IS_ACK(m));
		s->acks++;
		return;
	}
	CB(siprec_sipua_st_request(r->st) == m);
	if (MSG_IS_INVITE(m)) {
		get_tag(m->to, &tag);
		if (tag != NULL)
			s->reinvites++;
		else
			s->invites++;
		if (s->mode == UAS_SILENT) {
			s->held = r->st;
			return;
		}
		if (s->mode == UAS_REJECT) {
			CB(siprec_sipua_reply(r->st, 486, "uastag", NULL) ==
			    SIPREC_OK);
			return;
		}
		if (s->mode != UAS_HOLD)
			CB(siprec_sipua_reply(r->st, 180, "uastag", NULL) ==
			    SIPREC_OK);
		if (s->mode == UAS_RING_HOLD || s->mode == UAS_HOLD) {
			s->held = r->st;
			return;
		}
		CB(siprec_sipua_response_new(m, 200, NULL, "uastag",
		    &resp) == SIPREC_OK);
		osip_message_set_contact(resp, "<sip:uas@127.0.0.1>");
		osip_message_set_content_type(resp, "application/sdp");
		osip_message_set_body(resp, "v=0\r\n", 5);
		CB(siprec_sipua_respond(r->st, resp, NULL) == SIPREC_OK);
		return;
	}
	if (MSG_IS_BYE(m))
		s->byes++;
	else if (MSG_IS_OPTIONS(m))
		s->options++;
	else if (MSG_IS_UPDATE(m))
		s->updates++;
	else
		s->others++;
	CB(siprec_sipua_reply(r->st, 200, "uastag", NULL) == SIPREC_OK);
}

static void
uas_wire(void *arg, const struct siprec_sipua_wire *w)
{
	struct uas *s = arg;

	if (w->sent)
		s->wire_tx++;
	else
		s->wire_rx++;
	if (w->retransmission)
		s->wire_retrans++;
	CB(w->ts_ns != 0);
	CB(w->data.len > 0 || !w->sent);
	{
		/* Kernel times (receive, UDP send) are on the wall clock. */
		struct timespec now;
		uint64_t wall;

		clock_gettime(CLOCK_REALTIME, &now);
		wall = (uint64_t)now.tv_sec * SEC + (uint64_t)now.tv_nsec;
		CB(w->ts_ns <= wall && w->ts_ns + 5 * SEC > wall);
	}
}

static void
uas_bad(void *arg, const struct siprec_sipua_bad *b)
{
	struct uas *s = arg;

	s->bad++;
	s->bad_answered += b->answered;
	s->bad_closed += b->closed;
	snprintf(s->last_bad, sizeof(s->last_bad), "%s", b->reason);
}

/* --- the UAC ----------------------------------------------------------- */

struct call {
	enum siprec_transport	 tp;
	struct siprec_addr	 dst;
	char			 call_id[40];
	char			*from, *to;	/* with tags, once answered */
	char			*contact;
	uint32_t		 cseq;
	int			 got_1xx, final, acked;
	enum siprec_err		 err;
	int			 bye_final;
	int			 opt_final;
	struct siprec_sipua_ct	*ct;
	int			 cancel_at_1xx;
	int			 done;
};

struct uac {
	struct siprec_sipua	*ua;
	struct siprec_addr	 udp, tcp;
	int			 wire_tx, wire_retrans, wire_rx;
	int			 inv_retrans;
	int			 stray;
	int			 calls_done;
};

static struct uac uac;

static char *
hdr_str(osip_from_t *h)
{
	char *s = NULL;

	osip_from_to_str(h, &s);
	return s;
}

static void on_bye(void *, struct siprec_sipua_ct *,
		    const struct siprec_sipua_response *);

static void
send_bye(struct call *c)
{
	osip_message_t *bye = NULL;

	CB(siprec_sipua_request_new("BYE", c->contact, c->from, c->to,
	    c->call_id, ++c->cseq, &bye, NULL) == SIPREC_OK);
	CB(siprec_sipua_send(uac.ua, c->tp, &c->dst, bye, on_bye, c, NULL,
	    NULL) == SIPREC_OK);
}

static void
on_invite(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *r)
{
	struct call *c = arg;
	osip_message_t *ack = NULL;
	osip_contact_t *co = NULL;

	CB(ct == c->ct || c->ct == NULL);
	c->err = r->err;
	if (!r->final) {
		c->got_1xx++;
		CB(r->msg != NULL && r->status >= 100 && r->status < 200);
		if (c->cancel_at_1xx)
			CB(siprec_sipua_cancel(ct, NULL) == SIPREC_OK);
		return;
	}
	c->final = r->status;
	c->ct = NULL;
	if (r->err != SIPREC_OK || r->status >= 300) {
		c->done = 1;
		return;
	}
	/* 2xx: ACK it (§13.2.2.4), remember the dialog. */
	CB(siprec_sipua_ack_new(siprec_sipua_ct_request(ct), r->msg,
	    &ack) == SIPREC_OK);
	CB(siprec_sipua_send_ack(uac.ua, c->tp, &c->dst, ack, NULL) ==
	    SIPREC_OK);
	c->acked++;
	free(c->to);
	free(c->from);
	c->to = hdr_str(r->msg->to);
	c->from = hdr_str(r->msg->from);
	osip_message_get_contact(r->msg, 0, &co);
	free(c->contact);
	c->contact = NULL;
	if (co != NULL && co->url != NULL)
		osip_uri_to_str(co->url, &c->contact);
}

static void
on_bye(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *r)
{
	struct call *c = arg;

	(void)ct;
	if (!r->final)
		return;
	c->bye_final = r->status;
	c->done = 1;
	uac.calls_done++;
}

static void
on_options(void *arg, struct siprec_sipua_ct *ct,
    const struct siprec_sipua_response *r)
{
	struct call *c = arg;

	(void)ct;
	if (r->final) {
		c->opt_final = r->status;
		c->err = r->err;
	}
}

static void
uac_wire(void *arg, const struct siprec_sipua_wire *w)
{
	struct uac *s = arg;

	if (w->sent) {
		s->wire_tx++;
		if (w->retransmission) {
			s->wire_retrans++;
			if (w->data.len > 6 && memcmp(w->data.p, "INVITE", 6)
			    == 0)
				s->inv_retrans++;
		}
	} else
		s->wire_rx++;
}

static void
uac_stray(void *arg, const struct siprec_sipua_response *r)
{
	struct uac *s = arg;

	(void)r;
	s->stray++;
}

static int
start_invite(struct call *c, enum siprec_transport tp,
    const struct siprec_addr *dst, size_t bodylen)
{
	osip_message_t *inv = NULL;
	char *body;

	memset(c, 0, sizeof(*c));
	c->tp = tp;
	c->dst = *dst;
	siprec_sipua_token(c->call_id, 25);
	c->cseq = 1;
	c->from = strdup("\"SRC\" <sip:src@127.0.0.1>;tag=srctag");
	c->to = strdup("<sip:srs@127.0.0.1>");
	c->contact = strdup("sip:srs@127.0.0.1");
	if (siprec_sipua_request_new("INVITE", "sip:srs@127.0.0.1", c->from,
	    c->to, c->call_id, c->cseq, &inv, NULL) != SIPREC_OK)
		return -1;
	osip_message_set_contact(inv, "<sip:src@127.0.0.1>;+sip.src");
	if (bodylen > 0) {
		body = malloc(bodylen);
		memset(body, 'a', bodylen);
		osip_message_set_content_type(inv, "application/sdp");
		osip_message_set_body(inv, body, bodylen);
		free(body);
	}
	return siprec_sipua_send(uac.ua, tp, dst, inv, on_invite, c, &c->ct,
	    NULL) == SIPREC_OK ? 0 : -1;
}

static void
call_free(struct call *c)
{
	free(c->from);
	free(c->to);
	free(c->contact);
	c->from = c->to = c->contact = NULL;
}

/* --- set-up ------------------------------------------------------------ */

static void
setup(void)
{
	struct siprec_sipua_opts o;
	struct siprec_addr lo;

	CHECK(siprec_loop_new(&loop, NULL) == SIPREC_OK);
	siprec_loop_set_clock(loop, &fake);
	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);

	memset(&o, 0, sizeof(o));
	o.loop = loop;
	o.user_agent = "siprec-test-uas";
	o.udp_bufsize = 4 << 20;	/* as SIPp's -buff_size in issue 5 */
	o.request = uas_request;
	o.wire = uas_wire;
	o.bad = uas_bad;
	o.arg = &uas;
	CHECK(siprec_sipua_new(&o, &uas.ua, NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uas.ua, SIPREC_TRANSPORT_UDP, &lo, &uas.udp,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uas.ua, SIPREC_TRANSPORT_TCP, &lo, &uas.tcp,
	    NULL) == SIPREC_OK);
	CHECK(uas.udp.port != 0 && uas.tcp.port != 0);

	memset(&o, 0, sizeof(o));
	o.loop = loop;
	o.user_agent = "siprec-test-uac";
	o.udp_bufsize = 4 << 20;
	o.wire = uac_wire;
	o.stray = uac_stray;
	o.arg = &uac;
	CHECK(siprec_sipua_new(&o, &uac.ua, NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uac.ua, SIPREC_TRANSPORT_UDP, &lo, &uac.udp,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uac.ua, SIPREC_TRANSPORT_TCP, &lo, &uac.tcp,
	    NULL) == SIPREC_OK);
}

static void
reset_counts(void)
{
	struct siprec_sipua *a = uas.ua, *b = uac.ua;
	struct siprec_addr u1 = uas.udp, t1 = uas.tcp, u2 = uac.udp,
	    t2 = uac.tcp;

	memset(&uas, 0, sizeof(uas));
	memset(&uac, 0, sizeof(uac));
	uas.ua = a;
	uac.ua = b;
	uas.udp = u1;
	uas.tcp = t1;
	uac.udp = u2;
	uac.tcp = t2;
}

/* Let every transaction run out its timers (Timer J, D: 32 s). */
static void
drain(void)
{
	advance(40 * SEC, 500 * MS);
}

/* --- basic calls ------------------------------------------------------- */

static void
test_call(enum siprec_transport tp)
{
	struct call c;
	const struct siprec_addr *dst = tp == SIPREC_TRANSPORT_UDP ? &uas.udp :
	    &uas.tcp;
	const struct siprec_sipua_stats *st = siprec_sipua_stats(uas.ua);
	osip_message_t *re = NULL, *opt = NULL;
	struct call o;

	reset_counts();
	CHECK(start_invite(&c, tp, dst, 0) == 0);
	PUMP_UNTIL(c.final != 0 && uas.acks == 1);
	CHECK(c.got_1xx == 1);
	CHECK(c.final == 200 && c.err == SIPREC_OK);
	CHECK(uas.invites == 1 && uas.acks == 1);
	CHECK(c.to != NULL && strstr(c.to, "uastag") != NULL);
	CHECK(c.contact != NULL && strstr(c.contact, "uas@") != NULL);

	/* re-INVITE in the dialog. */
	c.final = 0;
	CHECK(siprec_sipua_request_new("INVITE", c.contact, c.from, c.to,
	    c.call_id, ++c.cseq, &re, NULL) == SIPREC_OK);
	CHECK(siprec_sipua_send(uac.ua, tp, dst, re, on_invite, &c, &c.ct,
	    NULL) == SIPREC_OK);
	PUMP_UNTIL(c.final != 0 && uas.acks == 2);
	CHECK(c.final == 200 && uas.reinvites == 1 && uas.acks == 2);

	/* OPTIONS and UPDATE outside and inside. */
	memset(&o, 0, sizeof(o));
	CHECK(siprec_sipua_request_new("OPTIONS", "sip:srs@127.0.0.1",
	    "<sip:src@127.0.0.1>", "<sip:srs@127.0.0.1>", NULL, 1, &opt,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_send(uac.ua, tp, dst, opt, on_options, &o, NULL,
	    NULL) == SIPREC_OK);
	PUMP_UNTIL(o.opt_final != 0);
	CHECK(o.opt_final == 200 && uas.options == 1);

	send_bye(&c);
	PUMP_UNTIL(c.bye_final != 0);
	CHECK(c.bye_final == 200 && uas.byes == 1);
	CHECK(uas.bad == 0);
	/* Every message once on the wire, both ways. */
	CHECK(uas.wire_rx == uac.wire_tx);
	CHECK(uac.wire_rx == uas.wire_tx);
	CHECK(uac.wire_retrans == 0 && uas.wire_retrans == 0);
	if (tp == SIPREC_TRANSPORT_TCP) {
		/* One connection, reused for every request and response. */
		CHECK(siprec_sipua_stats(uac.ua)->conns == 1);
		CHECK(st->conns == 1);
	}
	drain();
	CHECK(st->transactions == 0);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
	call_free(&c);
}

/* --- CANCEL ------------------------------------------------------------ */

static void
test_cancel(enum siprec_transport tp, int early)
{
	struct call c;
	const struct siprec_addr *dst = tp == SIPREC_TRANSPORT_UDP ? &uas.udp :
	    &uas.tcp;

	reset_counts();
	uas.mode = early ? UAS_SILENT : UAS_RING_HOLD;
	CHECK(start_invite(&c, tp, dst, 0) == 0);
	if (early) {
		/* §9.1: no CANCEL before a provisional response. */
		PUMP_UNTIL(uas.held != NULL);
		CHECK(siprec_sipua_cancel(c.ct, NULL) == SIPREC_OK);
		pump(20);
		CHECK(uas.cancels == 0);
		CHECK(siprec_sipua_reply(uas.held, 180, "uastag", NULL) ==
		    SIPREC_OK);
	} else
		c.cancel_at_1xx = 1;
	PUMP_UNTIL(c.final != 0);
	CHECK(uas.cancels == 1 && uas.cancel_matched);
	CHECK(c.final == 487);
	CHECK(uas.acks == 0);		/* the 487's ACK is the IST's */
	/* A CANCEL for nothing gets 481 and never reaches the app. */
	CHECK(siprec_sipua_cancel(NULL, NULL) == SIPREC_EINVAL);
	drain();
	CHECK(siprec_sipua_stats(uas.ua)->transactions == 0);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
	uas.mode = UAS_ANSWER;
	call_free(&c);
}

/* --- timers on the injected clock -------------------------------------- */

static void
test_timeouts(void)
{
	struct call c, o;
	struct siprec_addr hole, lo;
	osip_message_t *opt = NULL;
	int fd;

	reset_counts();
	/* A UDP socket that never answers. */
	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
	CHECK(siprec_net_udp(&lo, 0, &fd, &hole, NULL) == SIPREC_OK);

	CHECK(start_invite(&c, SIPREC_TRANSPORT_UDP, &hole, 0) == 0);
	memset(&o, 0, sizeof(o));
	CHECK(siprec_sipua_request_new("OPTIONS", "sip:x@127.0.0.1",
	    "<sip:src@127.0.0.1>", "<sip:x@127.0.0.1>", NULL, 1, &opt, NULL) ==
	    SIPREC_OK);
	CHECK(siprec_sipua_send(uac.ua, SIPREC_TRANSPORT_UDP, &hole, opt,
	    on_options, &o, NULL, NULL) == SIPREC_OK);
	pump(5);
	CHECK(uac.wire_tx == 2 && uac.wire_retrans == 0);
	advance(31 * SEC, 100 * MS);
	CHECK(c.final == 0 && o.opt_final == 0);
	/* Timer A: T1, 2T1, 4T1 ... until B (§17.1.1.2): 0.5, 1.5, 3.5,
	   7.5, 15.5, 31.5 s. */
	CHECK(uac.inv_retrans == 5);
	advance(2 * SEC, 100 * MS);
	CHECK(uac.inv_retrans == 6);
	CHECK(c.final == 408 && c.err == SIPREC_ETIMEDOUT);
	/* Timer E doubles up to T2 (§17.1.2.2): 0.5 1.5 3.5 7.5 11.5 ...
	   31.5 is 10 retransmissions before Timer F at 32 s. */
	CHECK(o.opt_final == 408 && o.err == SIPREC_ETIMEDOUT);
	CHECK(uac.wire_retrans - uac.inv_retrans == 10);
	if (uac.wire_retrans - uac.inv_retrans != 10)
		fprintf(stderr, "  OPTIONS retransmitted %d times\n",
		    uac.wire_retrans - uac.inv_retrans);
	CHECK(siprec_sipua_stats(uac.ua)->timeouts == 2);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
	call_free(&c);

	/* Over TCP nothing is retransmitted, and Timer B still ends it. */
	reset_counts();
	uas.mode = UAS_SILENT;
	CHECK(start_invite(&c, SIPREC_TRANSPORT_TCP, &uas.tcp, 0) == 0);
	PUMP_UNTIL(uas.held != NULL);
	advance(33 * SEC, 500 * MS);
	CHECK(uac.wire_retrans == 0);
	CHECK(c.final == 408);
	CHECK(siprec_sipua_reply(uas.held, 500, NULL, NULL) == SIPREC_OK);
	uas.mode = UAS_ANSWER;
	drain();
	CHECK(siprec_sipua_stats(uas.ua)->transactions == 0);
	call_free(&c);
	close(fd);
}

/* --- a lossy relay: drops chosen datagrams, forwards the rest ---------- */

struct relay {
	int			 fd;
	struct siprec_addr	 addr, uac, target;
	int			 n_from_uac, n_from_uas;
	int			 drop_uac, drop_uas;	/* 1-based index */
	struct siprec_watch	*w;
};

static void
on_relay(void *arg, int fd, unsigned int ev)
{
	struct relay *r = arg;
	uint8_t buf[65536];
	struct siprec_addr from;
	struct sockaddr_storage ss;
	long n;

	(void)ev;
	while ((n = siprec_net_recv(fd, buf, sizeof(buf), &from, NULL, NULL,
	    NULL)) > 0) {
		const struct siprec_addr *to;
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		if (siprec_addr_eq(&from, &r->target)) {
			if (++r->n_from_uas == r->drop_uas)
				continue;
			to = &r->uac;
		} else {
			r->uac = from;
			if (++r->n_from_uac == r->drop_uac)
				continue;
			to = &r->target;
		}
		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(to->port);
		memcpy(&s4->sin_addr, to->ip, 4);
		(void)sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
		    sizeof(*s4));
	}
}

static void
test_loss(int drop_uac, int drop_uas, enum uas_mode mode)
{
	struct relay r;
	struct siprec_addr lo;
	struct call c;

	reset_counts();
	memset(&r, 0, sizeof(r));
	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
	CHECK(siprec_net_udp(&lo, 0, &r.fd, &r.addr, NULL) == SIPREC_OK);
	r.target = uas.udp;
	r.drop_uac = drop_uac;
	r.drop_uas = drop_uas;
	uas.mode = mode;
	CHECK(siprec_watch_new(loop, r.fd, SIPREC_LOOP_READ, on_relay, &r,
	    &r.w, NULL) == SIPREC_OK);

	CHECK(start_invite(&c, SIPREC_TRANSPORT_UDP, &r.addr, 0) == 0);
	pump(20);
	if (drop_uac == 1)
		CHECK(uas.invites == 0);
	advance(3 * SEC, 100 * MS);
	if (mode == UAS_REJECT) {
		/* The ACK for the 486 was lost: Timer G resends the 486,
		   the ICT (Completed) ACKs it again (§17.1.1.2, §17.2.1). */
		CHECK(c.final == 486);
		CHECK(uas.invites == 1 && uas.acks == 0);
		CHECK(uas.wire_retrans >= 1 && uac.wire_retrans >= 1);
		CHECK(r.n_from_uac >= 3);
		drain();
		CHECK(siprec_sipua_stats(uas.ua)->transactions == 0);
		CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
		uas.mode = UAS_ANSWER;
		siprec_watch_free(r.w);
		close(r.fd);
		call_free(&c);
		return;
	}
	PUMP_UNTIL(c.final != 0 && uas.acks == 1);
	CHECK(c.final == 200);
	CHECK(uas.invites == 1);	/* retransmissions absorbed */
	CHECK(uas.acks == 1);
	if (drop_uac > 0)
		CHECK(uac.inv_retrans >= 1);
	if (drop_uas > 0)
		CHECK(uas.wire_retrans >= 1);	/* the 2xx again (§13.3.1.4) */
	send_bye(&c);
	PUMP_UNTIL(c.bye_final != 0);
	CHECK(c.bye_final == 200);
	drain();
	CHECK(siprec_sipua_stats(uas.ua)->transactions == 0);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
	siprec_watch_free(r.w);
	close(r.fd);
	call_free(&c);
}

/* IPv6 loopback, UDP and TCP, when the host has it. */
static void
test_ipv6(void)
{
	struct siprec_addr lo6, u6, t6, c6;
	struct call o;
	osip_message_t *opt = NULL;
	int fd, k;

	if (siprec_addr_parse("[::1]:0", 0, &lo6, NULL) != SIPREC_OK ||
	    siprec_net_udp(&lo6, 0, &fd, NULL, NULL) != SIPREC_OK) {
		printf("skip: no IPv6 loopback\n");
		return;
	}
	close(fd);
	reset_counts();
	CHECK(siprec_sipua_listen(uas.ua, SIPREC_TRANSPORT_UDP, &lo6, &u6,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uas.ua, SIPREC_TRANSPORT_TCP, &lo6, &t6,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_listen(uac.ua, SIPREC_TRANSPORT_UDP, &lo6, &c6,
	    NULL) == SIPREC_OK);
	CHECK(u6.family == 6 && u6.port != 0 && t6.port != 0);
	for (k = 0; k < 2; k++) {
		memset(&o, 0, sizeof(o));
		CHECK(siprec_sipua_request_new("OPTIONS", "sip:srs@[::1]",
		    "<sip:src@[::1]>", "<sip:srs@[::1]>", NULL, 1, &opt,
		    NULL) == SIPREC_OK);
		CHECK(siprec_sipua_send(uac.ua, k ? SIPREC_TRANSPORT_TCP :
		    SIPREC_TRANSPORT_UDP, k ? &t6 : &u6, opt, on_options, &o,
		    NULL, NULL) == SIPREC_OK);
		PUMP_UNTIL(o.opt_final != 0);
		CHECK(o.opt_final == 200);
	}
	CHECK(uas.options == 2);
	drain();
}

/* A connection refused fails the transaction from the loop (§8.1.3.1). */
static void
test_tcp_refused(void)
{
	struct siprec_addr lo, dead;
	struct call o;
	osip_message_t *opt = NULL;
	int fd;

	reset_counts();
	/* A port that was just free: nothing listens there. */
	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
	CHECK(siprec_net_tcp_listen(&lo, 1, &fd, &dead, NULL) == SIPREC_OK);
	close(fd);
	memset(&o, 0, sizeof(o));
	CHECK(siprec_sipua_request_new("OPTIONS", "sip:x@127.0.0.1",
	    "<sip:src@127.0.0.1>", "<sip:x@127.0.0.1>", NULL, 1, &opt, NULL) ==
	    SIPREC_OK);
	CHECK(siprec_sipua_send(uac.ua, SIPREC_TRANSPORT_TCP, &dead, opt,
	    on_options, &o, NULL, NULL) == SIPREC_OK);
	CHECK(o.opt_final == 0);	/* never from within the call */
	PUMP_UNTIL(o.opt_final != 0);
	CHECK(o.opt_final == 503 && o.err == SIPREC_ENET);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
	CHECK(siprec_sipua_stats(uac.ua)->conns == 0);
}

/* --- raw peers: TCP framing, garbage, torture -------------------------- */

static int
raw_tcp(void)
{
	int fd, i;

	CHECK(siprec_net_tcp_connect(&uas.tcp, &fd, NULL) == SIPREC_OK);
	for (i = 0; i < 50; i++) {
		struct siprec_addr p;

		if (siprec_net_peer(fd, &p) == SIPREC_OK)
			break;
		pump(1);
	}
	pump(5);
	return fd;
}

/* Read what the peer sent within a few rounds; returns bytes, -1 EOF. */
static long
raw_read(int fd, char *buf, size_t cap, int rounds)
{
	size_t got = 0;

	while (rounds-- > 0 && got + 1 < cap) {
		ssize_t n;

		pump(1);
		n = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			return got > 0 ? (long)got : -1;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return (long)got;
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static char *
options_msg(const char *branch, const char *body)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
	    "OPTIONS sip:srs@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:raw@127.0.0.1>;tag=r1\r\n"
	    "To: <sip:srs@127.0.0.1>\r\n"
	    "Call-ID: raw-%s\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n\r\n%s", branch, branch, strlen(body),
	    body);
	return buf;
}

static void
test_tcp_framing(void)
{
	char two[4096], rx[16384], *m;
	int fd;
	size_t i, n;
	long got;
	int bad0;

	reset_counts();
	/* Two messages in one write. */
	fd = raw_tcp();
	m = options_msg("aa1", "");
	n = strlen(m);
	memcpy(two, m, n);
	m = options_msg("aa2", "hello body");
	memcpy(two + n, m, strlen(m));
	n += strlen(m);
	CHECK(send(fd, two, n, 0) == (ssize_t)n);
	got = raw_read(fd, rx, sizeof(rx), 40);
	CHECK(got > 0 && count_str(rx, "SIP/2.0 200") == 2);
	CHECK(uas.options == 2);

	/* One message a byte at a time, with CRLF keep-alives before. */
	CHECK(send(fd, "\r\n\r\n", 4, 0) == 4);
	m = options_msg("aa3", "0123456789");
	n = strlen(m);
	for (i = 0; i < n; i++) {
		CB(send(fd, m + i, 1, 0) == 1);
		if (i % 7 == 0)
			pump(1);
	}
	got = raw_read(fd, rx, sizeof(rx), 40);
	CHECK(got > 0 && count_str(rx, "SIP/2.0 200") == 1);
	CHECK(uas.options == 3);
	CHECK(uas.bad == 0);

	/* A bad Content-Length: 400 if answerable, connection closed. */
	bad0 = uas.bad;
	m = options_msg("aa4", "");
	{
		char *cl = strstr(m, "Content-Length: 0");

		memcpy(cl, "Content-Length: x", 17);
	}
	CHECK(send(fd, m, strlen(m), 0) == (ssize_t)strlen(m));
	got = raw_read(fd, rx, sizeof(rx), 40);
	CHECK(got == -1 || (got > 0 && strstr(rx, "SIP/2.0 400") != NULL));
	if (got > 0)
		CHECK(raw_read(fd, rx, sizeof(rx), 40) == -1);
	CHECK(uas.bad == bad0 + 1 && uas.bad_closed >= 1);
	close(fd);

	/* Headers that never end, over the limit: closed. */
	fd = raw_tcp();
	bad0 = uas.bad;
	{
		char *junk = malloc(70000);

		memset(junk, 'A', 70000);
		memcpy(junk, "OPTIONS sip:x SIP/2.0\r\nX: ", 26);
		(void)send(fd, junk, 70000, MSG_NOSIGNAL);
		free(junk);
	}
	got = raw_read(fd, rx, sizeof(rx), 60);
	CHECK(got == -1);
	CHECK(uas.bad == bad0 + 1);
	close(fd);

	/* Two Content-Length values that disagree (RFC 4475 mcl01). */
	fd = raw_tcp();
	bad0 = uas.bad;
	m = options_msg("aa5", "");
	{
		char *cl = strstr(m, "Content-Length: 0");

		/* "l: 9" before "Content-Length: 0" */
		memmove(cl + 6, cl, strlen(cl) + 1);
		memcpy(cl, "l: 9\r\n", 6);
	}
	(void)send(fd, m, strlen(m), MSG_NOSIGNAL);
	got = raw_read(fd, rx, sizeof(rx), 40);
	CHECK(uas.bad == bad0 + 1);
	if (uas.bad != bad0 + 1)
		fprintf(stderr, "  mcl01: %d refusals, got %ld: %s\n",
		    uas.bad - bad0, got, got > 0 ? rx : "");
	close(fd);

	/* Half-open: a partial message, then silence until the idle timer. */
	fd = raw_tcp();
	bad0 = uas.bad;
	m = options_msg("aa6", "");
	CHECK(send(fd, m, 40, 0) == 40);
	pump(10);
	CHECK(siprec_sipua_stats(uas.ua)->conns >= 1);
	advance(70 * SEC, 1 * SEC);
	got = raw_read(fd, rx, sizeof(rx), 20);
	CHECK(got == -1);
	CHECK(uas.bad == bad0 + 1);
	CHECK(strstr(uas.last_bad, "idle") != NULL);
	close(fd);
	pump(10);
	advance(70 * SEC, 1 * SEC);
	CHECK(siprec_sipua_stats(uas.ua)->conns == 0);
	CHECK(siprec_sipua_stats(uac.ua)->conns == 0);
}

static int
raw_udp(struct siprec_addr *bound)
{
	struct siprec_addr lo;
	int fd;

	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
	CHECK(siprec_net_udp(&lo, 0, &fd, bound, NULL) == SIPREC_OK);
	return fd;
}

static void
udp_send(int fd, const struct siprec_addr *to, const void *p, size_t n)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(to->port);
	memcpy(&s4->sin_addr, to->ip, 4);
	(void)sendto(fd, p, n, 0, (struct sockaddr *)&ss, sizeof(*s4));
}

/* Datagrams answered to fd within a few rounds, their status codes. */
static int
udp_answers(int fd, int *codes, int max)
{
	uint8_t buf[65536];
	int n = 0, r;

	for (r = 0; r < 20; r++) {
		long len;

		pump(1);
		while ((len = siprec_net_recv(fd, buf, sizeof(buf) - 1, NULL,
		    NULL, NULL, NULL)) > 0) {
			buf[len] = '\0';
			if (n < max && len > 12 &&
			    memcmp(buf, "SIP/2.0 ", 8) == 0)
				codes[n++] = atoi((char *)buf + 8);
		}
	}
	return n;
}

static void
check_alive(void)
{
	struct call o;
	osip_message_t *opt = NULL;

	memset(&o, 0, sizeof(o));
	CHECK(siprec_sipua_request_new("OPTIONS", "sip:srs@127.0.0.1",
	    "<sip:src@127.0.0.1>", "<sip:srs@127.0.0.1>", NULL, 1, &opt,
	    NULL) == SIPREC_OK);
	CHECK(siprec_sipua_send(uac.ua, SIPREC_TRANSPORT_UDP, &uas.udp, opt,
	    on_options, &o, NULL, NULL) == SIPREC_OK);
	PUMP_UNTIL(o.opt_final != 0);
	CHECK(o.opt_final == 200);
}

/* The peer goes while the application holds an INVITE: answering fails,
   st still ends. */
static void
test_tcp_gone(void)
{
	char *m;
	int fd;
	uint64_t n0 = siprec_sipua_stats(uas.ua)->transactions;

	reset_counts();
	uas.mode = UAS_SILENT;
	fd = raw_tcp();
	m = options_msg("gone1", "");
	memcpy(m, "INVITE ", 7);	/* "OPTIONS" is one letter longer */
	memmove(m + 6, m + 7, strlen(m + 7) + 1);
	{
		char *cs = strstr(m, "1 OPTIONS");

		memcpy(cs, "1 INVITE\r", 9);
		memmove(cs + 8, cs + 9, strlen(cs + 9) + 1);
	}
	CHECK(send(fd, m, strlen(m), 0) == (ssize_t)strlen(m));
	PUMP_UNTIL(uas.held != NULL);
	CHECK(uas.invites == 1);
	close(fd);
	pump(20);
	CHECK(siprec_sipua_reply(uas.held, 180, "t", NULL) == SIPREC_ENET);
	CHECK(siprec_sipua_reply(uas.held, 486, "t", NULL) == SIPREC_ENET);
	uas.held = NULL;
	CHECK(siprec_sipua_stats(uas.ua)->transactions == n0);
	uas.mode = UAS_ANSWER;
}

static void
test_garbage(void)
{
	static const char *const junk[] = {
		"", "\r\n\r\n", "x", "\x00\x01\x02\x03", "SIP/2.0",
		"INVITE", "INVITE sip:a@b SIP/2.0\r\n",
		"SIP/2.0 200 OK\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n",
		/* Parseable enough: answered 400 (CSeq method mismatch). */
		"OPTIONS sip:srs@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKg1\r\n"
		"From: <sip:g@127.0.0.1>;tag=g\r\nTo: <sip:srs@127.0.0.1>\r\n"
		"Call-ID: g1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	};
	struct siprec_addr me;
	uint8_t buf[2000];
	int fd, codes[8], n;
	size_t i;
	uint64_t seed = 7;

	reset_counts();
	fd = raw_udp(&me);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		udp_send(fd, &uas.udp, junk[i], i == 3 ? 4 : strlen(junk[i]));
	for (i = 0; i < 200; i++) {
		size_t j, len;

		seed = seed * 6364136223846793005ULL + 1;
		len = (seed >> 40) % sizeof(buf);
		for (j = 0; j < len; j++) {
			seed = seed * 6364136223846793005ULL + 1;
			buf[j] = (uint8_t)(seed >> 56);
		}
		/* Half of them start like SIP. */
		if (i % 2 == 0 && len > 30)
			memcpy(buf, "INVITE sip:a@b SIP/2.0\r\nVia: ", 29);
		udp_send(fd, &uas.udp, buf, len);
		if (i % 20 == 0)
			pump(2);
	}
	/* Over the size limit: refused, never parsed. */
	{
		struct siprec_sipua_opts o;
		struct siprec_sipua *small;
		struct siprec_addr lo, sa;
		char *big = malloc(3000);
		static struct uas sm;

		memset(&o, 0, sizeof(o));
		o.loop = loop;
		o.max_msg = 1000;
		o.bad = uas_bad;
		o.arg = &sm;
		CHECK(siprec_sipua_new(&o, &small, NULL) == SIPREC_OK);
		siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
		CHECK(siprec_sipua_listen(small, SIPREC_TRANSPORT_UDP, &lo, &sa,
		    NULL) == SIPREC_OK);
		memset(big, 'x', 3000);
		memcpy(big, "OPTIONS sip:a@b SIP/2.0\r\n", 25);
		udp_send(fd, &sa, big, 3000);
		udp_send(fd, &sa, big, 1001);
		udp_send(fd, &sa, big, 1000);	/* at the limit: parsed */
		pump(20);
		CHECK(sm.bad == 3);
		CHECK(strstr(sm.last_bad, "unparseable") != NULL);
		CHECK(siprec_sipua_stats(small)->rx == 3);
		siprec_sipua_free(small);
		free(big);
	}
	n = udp_answers(fd, codes, 8);
	CHECK(n >= 1);
	CHECK(n >= 1 && codes[0] == 400);
	CHECK(uas.bad >= 100);
	CHECK(uas.invites == 0 && uas.options == 0);
	close(fd);
	check_alive();
}

/* RFC 4475 §3: what an endpoint must do with each torture message. */
struct torture_want {
	const char	*name;
	int		 status;	/* answer expected; 0 none; -1 the
					   application gets it */
};

static const struct torture_want torture_want[] = {
	{ "badvers", 505 },
	{ "mismatch01", 400 },
	{ "clerr", 400 },
	{ "scalar02", 400 },
	{ "ncl", 400 },
	{ "bigcode", 0 },	/* a response: dropped */
	{ "scalarlg", 0 },	/* a response: dropped */
	{ "bcast", 0 },		/* a response matching nothing */
	{ "wsinv", -1 },	/* valid: reaches the application */
	/* Valid, but libosip2 5.3 cannot parse it: 400, not 501. */
	{ "intmeth", 400 },
	{ "longreq", -1 },
	{ "dblreq", -1 },
	{ "mpart01", -1 },
	{ "zeromf", -1 },
};

static void
test_torture(void)
{
	DIR *d = opendir(TORTURE);
	struct dirent *e;
	struct siprec_addr me;
	int fd, files = 0, answered = 0, matched = 0;
	size_t k;

	if (d == NULL) {
		printf("skip: %s absent, RFC 4475 torture messages not sent\n",
		    TORTURE);
		return;
	}
	reset_counts();
	fd = raw_udp(&me);
	while ((e = readdir(d)) != NULL) {
		char path[512], *buf;
		FILE *f;
		size_t len;
		int codes[4], n, before, app0, app, retrans;
		uint64_t retrans0 = siprec_sipua_stats(uas.ua)->rx_retrans;
		const char *name = e->d_name;

		if (strstr(name, ".dat") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", TORTURE, name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		buf = malloc(70000);
		len = fread(buf, 1, 70000, f);
		fclose(f);
		files++;
		before = uas.bad;
		app0 = uas.invites + uas.options + uas.others + uas.byes +
		    uas.acks + uas.reinvites + uas.updates;
		udp_send(fd, &uas.udp, buf, len);
		n = udp_answers(fd, codes, 4);
		answered += n > 0;
		/* Each one either reached the application or was refused. */
		app = uas.invites + uas.options + uas.others + uas.byes +
		    uas.acks + uas.reinvites + uas.updates > app0;
		/* ... or was a retransmission (RFC 4475 reuses branches). */
		retrans = siprec_sipua_stats(uas.ua)->rx_retrans > retrans0;
		CHECK(uas.bad > before || app || retrans || n == 0);
		if (!(uas.bad > before || app || retrans || n == 0))
			fprintf(stderr, "  %s: %d answers (%d), not refused, "
			    "not for the app\n", name, n, codes[0]);
		for (k = 0; k < sizeof(torture_want) / sizeof(torture_want[0]);
		    k++) {
			char want[64];

			snprintf(want, sizeof(want), "rfc4475_%s.dat",
			    torture_want[k].name);
			if (strcmp(want, name) != 0)
				continue;
			matched++;
			if (torture_want[k].status == -1) {
				CHECK(app);
				if (!app)
					fprintf(stderr, "  %s: not for the app "
					    "(%d answers, %d): %s\n", name, n,
					    n ? codes[0] : 0, uas.last_bad);
			} else if (torture_want[k].status == 0) {
				CHECK(n == 0);
				if (n != 0)
					fprintf(stderr, "  %s: answered %d\n",
					    name, codes[0]);
			} else {
				CHECK(n >= 1 && codes[0] ==
				    torture_want[k].status);
				if (n < 1 || codes[0] != torture_want[k].status)
					fprintf(stderr, "  %s: got %d (%d "
					    "answers), want %d\n", name,
					    n ? codes[0] : 0, n,
					    torture_want[k].status);
			}
		}
		free(buf);
	}
	closedir(d);
	CHECK(files >= 40);
	CHECK(matched == (int)(sizeof(torture_want) / sizeof(torture_want[0])));
	printf("torture: %d messages, %d answered, %d refused\n", files,
	    answered, uas.bad);
	close(fd);
	check_alive();
	drain();
}

/* --- throughput: full calls in one process over loopback UDP ----------- */

#define BENCH_CALLS	4000
#define BENCH_WINDOW	200

static void
test_throughput(void)
{
	static struct call calls[BENCH_WINDOW];
	struct timespec t0, t1;
	int started = 0, done = 0, ok = 0, i;
	uint64_t base, el;
	uint64_t rt_uac = siprec_sipua_stats(uac.ua)->retransmits;
	uint64_t rt_uas = siprec_sipua_stats(uas.ua)->retransmits;
	double s;

	reset_counts();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < BENCH_WINDOW && started < BENCH_CALLS; i++, started++)
		CB(start_invite(&calls[i], SIPREC_TRANSPORT_UDP, &uas.udp,
		    0) == 0);
	base = fake_now;
	while (done < BENCH_CALLS) {
		/* The injected clock follows real time here, so a datagram
		   the kernel drops is retransmitted as it would be. */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (uint64_t)(t1.tv_sec - t0.tv_sec) * SEC +
		    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
		if (el > 120 * SEC)
			break;
		fake_now = base + el;
		siprec_loop_once(loop, 1 * MS, NULL);
		for (i = 0; i < BENCH_WINDOW; i++) {
			struct call *c = &calls[i];

			if (c->final == 200 && c->acked == 1 &&
			    c->bye_final == 0 && !c->done) {
				c->acked = 2;
				send_bye(c);
			}
			if (c->done != 1)
				continue;
			ok += c->bye_final == 200;
			done++;
			call_free(c);
			c->done = 0;
			memset(c, 0, sizeof(*c));
			if (started < BENCH_CALLS) {
				started++;
				CB(start_invite(c, SIPREC_TRANSPORT_UDP,
				    &uas.udp, 0) == 0);
			} else
				c->done = -1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(done == BENCH_CALLS);
	CHECK(ok == BENCH_CALLS);
	for (i = 0; i < BENCH_WINDOW && done < BENCH_CALLS; i++)
		if (calls[i].done == 0)
			fprintf(stderr, "  stuck: final %d acked %d bye %d\n",
			    calls[i].final, calls[i].acked,
			    calls[i].bye_final);
	printf("retransmissions: uac %" PRIu64 " uas %" PRIu64 "\n",
	    siprec_sipua_stats(uac.ua)->retransmits - rt_uac,
	    siprec_sipua_stats(uas.ua)->retransmits - rt_uas);
	CHECK(uas.invites == BENCH_CALLS && uas.byes == BENCH_CALLS);
	printf("throughput: %d calls (INVITE 180 200 ACK BYE 200, UDP, both "
	    "ends in one thread) in %.3f s: %.0f calls/s\n", done, s,
	    s > 0 ? done / s : 0.0);
	for (i = 0; i < BENCH_WINDOW; i++)
		call_free(&calls[i]);
	drain();
	CHECK(siprec_sipua_stats(uas.ua)->transactions == 0);
	CHECK(siprec_sipua_stats(uac.ua)->transactions == 0);
}

/* --- the rest of the API ----------------------------------------------- */

static void
test_api(void)
{
	osip_message_t *m = NULL, *r = NULL;
	struct siprec_diag d;
	struct siprec_sipua *ua;
	struct siprec_sipua_opts o;
	char tok[9];
	osip_generic_param_t *tag = NULL;

	CHECK(strcmp(siprec_transport_name(SIPREC_TRANSPORT_TCP), "TCP") == 0);
	siprec_sipua_token(tok, sizeof(tok));
	CHECK(strlen(tok) == 8 && strspn(tok, "0123456789abcdef") == 8);
	memset(&d, 0, sizeof(d));
	CHECK(siprec_sipua_request_new("OPTIONS", "not a uri", "<sip:a@b>",
	    "<sip:c@d>", NULL, 1, &m, &d) == SIPREC_EINVAL);
	CHECK(m == NULL && d.detail[0] != '\0');
	CHECK(siprec_sipua_request_new("OPTIONS", "sip:c@d", "<sip:a@b>",
	    "<sip:c@d>", "cid", 7, &m, NULL) == SIPREC_OK);
	get_tag(m->from, &tag);
	CHECK(tag != NULL);	/* a From tag is added */
	CHECK(strcmp(m->cseq->number, "7") == 0);
	CHECK(siprec_sipua_response_new(m, 200, NULL, "t1", &r) == SIPREC_OK);
	tag = NULL;
	get_tag(r->to, &tag);
	CHECK(tag != NULL && strcmp(tag->gvalue, "t1") == 0);
	CHECK(strcmp(r->call_id->number, "cid") == 0);
	osip_message_free(r);
	CHECK(siprec_sipua_response_new(m, 100, NULL, "t1", &r) == SIPREC_OK);
	tag = NULL;
	get_tag(r->to, &tag);
	CHECK(tag == NULL);	/* 100 Trying carries none */
	osip_message_free(r);
	CHECK(siprec_sipua_response_new(m, 99, NULL, NULL, &r) ==
	    SIPREC_EINVAL && r == NULL);
	/* Sending needs a listener of the family. */
	memset(&o, 0, sizeof(o));
	o.loop = loop;
	CHECK(siprec_sipua_new(&o, &ua, NULL) == SIPREC_OK);
	CHECK(siprec_sipua_send(ua, SIPREC_TRANSPORT_UDP, &uas.udp, m, NULL,
	    NULL, NULL, &d) == SIPREC_ENET);
	siprec_sipua_free(ua);
	siprec_sipua_free(NULL);
	memset(&o, 0, sizeof(o));
	CHECK(siprec_sipua_new(&o, &ua, &d) == SIPREC_EINVAL && ua == NULL);
}

/* --- UDP batching (opts.batch_udp) ------------------------------------- */

#define NBATCH	45	/* two batches of 16 and 13 more */

/*
 * Requests sent in one round are held, then leave together when the
 * round ends: none before, every one after, each once.
 */
static void
test_batch_udp(void)
{
	struct siprec_sipua_opts o;
	struct siprec_sipua *ua = NULL;
	struct siprec_addr lo, me, hole;
	static struct call calls[NBATCH];
	osip_message_t *opt;
	char buf[4096], want[64];
	int seen[NBATCH + 1], fd, i, n = 0, dup = 0, bad = 0, sent = 0, round;
	ssize_t k;

	siprec_addr_parse("127.0.0.1:0", 0, &lo, NULL);
	CHECK(siprec_net_udp(&lo, 1 << 20, &fd, &hole, NULL) == SIPREC_OK);
	memset(&o, 0, sizeof(o));
	o.loop = loop;
	o.user_agent = "siprec-test-batch";
	o.batch_udp = 1;
	CHECK(siprec_sipua_new(&o, &ua, NULL) == SIPREC_OK);
	CHECK(ua != NULL && siprec_sipua_listen(ua, SIPREC_TRANSPORT_UDP,
	    &lo, &me, NULL) == SIPREC_OK);
	if (ua == NULL) {
		close(fd);
		return;
	}
	memset(calls, 0, sizeof(calls));
	for (i = 0; i < NBATCH; i++) {
		opt = NULL;
		if (siprec_sipua_request_new("OPTIONS", "sip:x@127.0.0.1",
		    "<sip:src@127.0.0.1>", "<sip:x@127.0.0.1>", NULL,
		    (unsigned long)i + 1, &opt, NULL) == SIPREC_OK &&
		    siprec_sipua_send(ua, SIPREC_TRANSPORT_UDP, &hole, opt,
		    on_options, &calls[i], NULL, NULL) == SIPREC_OK)
			sent++;
	}
	CHECK(sent == NBATCH);
	/*
	 * A batch holds 16: two have left, full; the last 13 wait for the
	 * round's end.
	 */
	memset(seen, 0, sizeof(seen));
	for (round = 0; round < 2; round++) {
		if (round == 1) {
			CHECK(n == 32);
			siprec_loop_once(loop, 0, NULL);
		}
		while ((k = recv(fd, buf, sizeof(buf) - 1,
		    MSG_DONTWAIT)) > 0) {
			buf[k] = '\0';
			for (i = 1; i <= NBATCH; i++) {
				snprintf(want, sizeof(want),
				    "CSeq: %d OPTIONS\r\n", i);
				if (strstr(buf, want) != NULL)
					break;
			}
			if (strncmp(buf, "OPTIONS sip:x@127.0.0.1 SIP/2.0"
			    "\r\n", 33) != 0 || i > NBATCH)
				bad++;
			else if (seen[i]++ > 0)
				dup++;
			n++;
		}
	}
	CHECK(n == NBATCH && bad == 0 && dup == 0);
	CHECK(siprec_sipua_stats(ua)->send_errors == 0);
	siprec_sipua_free(ua);
	close(fd);
}

int
main(void)
{
	setup();
#ifdef SIPUA_BENCH_ONLY	/* for profiling: cc -DSIPUA_BENCH_ONLY ... */
	test_throughput();
	cb_done();
	return CHECK_DONE();
#endif
	test_api();
	cb_done();
	test_call(SIPREC_TRANSPORT_UDP);
	cb_done();
	test_call(SIPREC_TRANSPORT_TCP);
	cb_done();
	test_cancel(SIPREC_TRANSPORT_UDP, 0);
	cb_done();
	test_cancel(SIPREC_TRANSPORT_TCP, 0);
	cb_done();
	test_cancel(SIPREC_TRANSPORT_UDP, 1);
	cb_done();
	test_timeouts();
	cb_done();
	test_loss(1, 0, UAS_ANSWER);
	cb_done();
	test_loss(0, 2, UAS_ANSWER);
	cb_done();
	test_loss(2, 0, UAS_REJECT);
	cb_done();
	test_tcp_refused();
	cb_done();
	test_ipv6();
	cb_done();
	test_tcp_framing();
	cb_done();
	test_tcp_gone();
	cb_done();
	test_garbage();
	cb_done();
	test_torture();
	cb_done();
	test_batch_udp();
	cb_done();
	test_throughput();
	cb_done();
	siprec_sipua_free(uac.ua);
	siprec_sipua_free(uas.ua);
	siprec_loop_free(loop);
	return CHECK_DONE();
}
