/* SPDX-License-Identifier: BSD-2-Clause */
/* What a recording server answers (SPEC 1.10), as pure functions. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gcrypt.h>

#include <siprec/base64.h>
#include <siprec/srs.h>
#include <siprec/srtp.h>

#include "gcry_int.h"
#include "sip_int.h"

/*
 * Design note.  Everything here decides from bytes and parsed facts and
 * returns what to answer; the program owns sockets, dialogs and ports.
 * Header lines are re-read from the raw message where siprec_sipmsg does
 * not keep what a server needs: every option tag of Require, and the
 * handling parameter of each body part's Content-Disposition.
 */

/* --- raw header scanning ----------------------------------------------- */

static int
is_name(const uint8_t *p, size_t n, const char *full, char compact)
{
	size_t fl = strlen(full);

	return (n == fl && strncasecmp((const char *)p, full, fl) == 0) ||
	    (compact != 0 && n == 1 && tolower(p[0]) == compact);
}

/*
 * Call fn for the value of every header named name in the header block
 * p[0..end) (up to the first empty line).  Folded lines are not joined:
 * the tags and parameters looked for here fit on one line in practice.
 */
static void
each_header(const uint8_t *p, const uint8_t *end, const char *name,
    char compact, void (*fn)(void *, const char *, size_t), void *arg)
{
	const uint8_t *next, *e, *colon, *v;
	size_t nl;

	for (; p < end; p = next) {
		e = siprec__eol(p, end, &next);
		if (e == p)
			break;
		if (*p == ' ' || *p == '\t' ||
		    (colon = memchr(p, ':', (size_t)(e - p))) == NULL)
			continue;
		nl = (size_t)(colon - p);
		while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
			nl--;
		if (!is_name(p, nl, name, compact))
			continue;
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		fn(arg, (const char *)v, (size_t)(e - v));
	}
}

struct tags {
	int	 siprec;
	char	 unsupported[200];
};

/* Option tags of one Require value: siprec and timer are ours. */
static void
require_tags(void *arg, const char *v, size_t n)
{
	struct tags *t = arg;
	size_t i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		e = i;
		if (e == s)
			continue;
		if (e - s == 6 && strncasecmp(v + s, "siprec", 6) == 0)
			t->siprec = 1;
		else if (!(e - s == 5 && strncasecmp(v + s, "timer", 5) == 0)) {
			size_t used = strlen(t->unsupported);

			snprintf(t->unsupported + used,
			    sizeof(t->unsupported) - used, "%s%.*s",
			    used ? ", " : "", (int)(e - s), v + s);
		}
	}
}

/* The headers of a part: back from its body to the delimiter line. */
static const uint8_t *
part_headers(const uint8_t *buf, const uint8_t *body)
{
	const uint8_t *p = body;

	/* Step over the empty line that ends the part's headers. */
	if (p > buf && p[-1] == '\n')
		p--;
	if (p > buf && p[-1] == '\r')
		p--;
	while (p > buf) {
		const uint8_t *ls = p;

		while (ls > buf && ls[-1] != '\n')
			ls--;
		if (p - ls >= 2 && ls[0] == '-' && ls[1] == '-')
			return p < body ? p + (*p == '\r' ? 2 : 1) : body;
		if (ls == buf)
			return NULL;
		p = ls - 1;
		if (p > buf && p[-1] == '\r')
			p--;
	}
	return NULL;
}

struct handling {
	int	 optional;
};

static void
disp_handling(void *arg, const char *v, size_t n)
{
	struct handling *h = arg;
	size_t i;

	/* ";handling=optional" (RFC 3261 20.11), any case and spacing. */
	for (i = 0; i + 8 <= n; i++)
		if (strncasecmp(v + i, "handling", 8) == 0) {
			size_t j = i + 8;

			while (j < n && (v[j] == ' ' || v[j] == '\t'))
				j++;
			if (j < n && v[j] == '=') {
				j++;
				while (j < n && (v[j] == ' ' || v[j] == '\t'))
					j++;
				if (n - j >= 8 &&
				    strncasecmp(v + j, "optional", 8) == 0)
					h->optional = 1;
			}
		}
}

static int
known_type(const struct siprec_part *pt)
{
	return pt->sdp || pt->metadata ||
	    strncmp(pt->type, "multipart/", 10) == 0;
}

static void
verdict(struct siprec_srs_verdict *v, int code, const char *reason,
    const char *hname, const char *value)
{
	v->code = code;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	if (hname != NULL)
		snprintf(v->header, sizeof(v->header), "%s: %s", hname, value);
}

static const char *
message_end_of_headers(const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len, *next, *e;

	for (; p < end; p = next) {
		e = siprec__eol(p, end, &next);
		if (e == p)
			return (const char *)next;
	}
	return (const char *)end;
}

/* 420 for option tags we do not support; 0 otherwise. */
static int
check_require(const uint8_t *buf, size_t len, struct tags *t,
    struct siprec_srs_verdict *v)
{
	const uint8_t *hend = (const uint8_t *)message_end_of_headers(buf, len);

	memset(t, 0, sizeof(*t));
	each_header(buf, hend, "require", 0, require_tags, t);
	if (t->unsupported[0] != '\0') {
		verdict(v, 420, "Bad Extension", "Unsupported",
		    t->unsupported);
		return 420;
	}
	return 0;
}

/* 415 for a required body part of a type we cannot handle. */
static int
check_parts(const uint8_t *buf, size_t len, const struct siprec_sipmsg *m,
    struct siprec_srs_verdict *v)
{
	const uint8_t *hend = (const uint8_t *)message_end_of_headers(buf, len);
	size_t i;

	for (i = 0; i < m->nparts; i++) {
		const struct siprec_part *pt = &m->parts[i];
		const uint8_t *h;
		struct handling hd = { 0 };

		if (known_type(pt))
			continue;
		/* A part's own headers, else the message's (a single body). */
		h = pt->body.p > buf && pt->body.p <= buf + len ?
		    part_headers(buf, pt->body.p) : NULL;
		if (h != NULL && h >= hend)
			each_header(h, pt->body.p, "content-disposition", 0,
			    disp_handling, &hd);
		else
			each_header(buf, hend, "content-disposition", 0,
			    disp_handling, &hd);
		if (!hd.optional) {
			verdict(v, 415, "Unsupported Media Type", "Accept",
			    SIPREC_SRS_ACCEPT);
			return 415;
		}
	}
	return 0;
}

void
siprec_srs_judge_invite(const uint8_t *buf, size_t len,
    const struct siprec_sipmsg *m, const struct siprec_srs_policy *pol,
    struct siprec_srs_verdict *v)
{
	struct siprec_srs_media md;
	struct siprec_sdp sdp;
	struct tags t;
	char missing[96], why[64];
	int src, signs = 0, meta = 0, pick, ok = 0;
	size_t i;
	unsigned int k;

	memset(v, 0, sizeof(*v));
	if (check_require(buf, len, &t, v) != 0 ||
	    check_parts(buf, len, m, v) != 0)
		return;
	for (i = 0; i < m->nparts; i++)
		meta |= m->parts[i].metadata;
	src = m->contact == SIPREC_CONTACT_SRC;
	missing[0] = '\0';
	if (!t.siprec)
		snprintf(missing, sizeof(missing), "Require: siprec");
	if (!src)
		snprintf(missing + strlen(missing), sizeof(missing) -
		    strlen(missing), "%sContact +sip.src", t.siprec ? "" :
		    " and ");
	signs = t.siprec || src || m->supported_siprec || meta ||
	    m->contact == SIPREC_CONTACT_LEGACY_SRC ||
	    m->contact == SIPREC_CONTACT_MISTYPED;
	if (t.siprec && src)
		v->siprec = 1;
	else if (signs && !pol->strict) {
		v->siprec = 1;
		snprintf(v->note, sizeof(v->note), "accepted as a recording "
		    "session without %s (RFC 7866 6.2, lenient)%s%s", missing,
		    m->contact == SIPREC_CONTACT_LEGACY_SRC ? "; Contact has "
		    ";src" : m->contact == SIPREC_CONTACT_MISTYPED ?
		    "; Contact has +sip-src" : "", m->supported_siprec &&
		    !t.siprec ? "; siprec is in Supported" : "");
	} else if (signs) {
		verdict(v, 403, "Forbidden", NULL, NULL);
		snprintf(v->header, sizeof(v->header), "Warning: 399 "
		    "siprec-srs \"not a recording session: no %s (RFC 7866 "
		    "6.2)\"", missing);
		return;
	} else if (!pol->accept_plain) {
		verdict(v, 488, "Not Acceptable Here", "Warning",
		    "399 siprec-srs \"not a recording session: no Require: "
		    "siprec, no +sip.src, no metadata (RFC 7866 6.2)\"");
		return;
	}
	if (!m->has_sdp) {
		verdict(v, 488, "Not Acceptable Here", "Warning",
		    "399 siprec-srs \"no SDP offer: the SRC offers the "
		    "streams to record (RFC 7866 7.2)\"");
		return;
	}
	for (i = 0; i < m->nparts; i++) {
		if (!m->parts[i].sdp)
			continue;
		if (siprec_sdp_parse(m->parts[i].body.p, m->parts[i].body.len,
		    &sdp, NULL) != SIPREC_OK) {
			verdict(v, 400, "Bad Request", "Warning",
			    "399 siprec-srs \"the SDP offer cannot be parsed\"");
			return;
		}
		for (k = 0; k < sdp.nm; k++)
			if (siprec_srs_media_accept(&sdp.m[k], &md, &pick, why,
			    sizeof(why)) == 0)
				ok = 1;
		break;
	}
	if (!ok)
		verdict(v, 488, "Not Acceptable Here", "Warning",
		    "305 siprec-srs \"no offered stream is audio the "
		    "server can record\"");
}

void
siprec_srs_judge_indialog(const uint8_t *buf, size_t len,
    const struct siprec_sipmsg *m, const struct siprec_srs_dialog_state *st,
    unsigned int retry_after, struct siprec_srs_verdict *v)
{
	struct tags t;
	char ra[32];
	int update = strcasecmp(m->method, "UPDATE") == 0;

	memset(v, 0, sizeof(*v));
	if (check_require(buf, len, &t, v) != 0 ||
	    check_parts(buf, len, m, v) != 0)
		return;
	if (retry_after > 10)
		retry_after = 10;
	snprintf(ra, sizeof(ra), "%u", retry_after);
	if (m->has_sdp && st->own_offer_pending) {
		verdict(v, 491, "Request Pending", NULL, NULL);
		return;
	}
	if ((m->has_sdp && st->offer_unanswered) ||
	    (update && st->update_pending)) {
		verdict(v, 500, "Server Internal Error", "Retry-After", ra);
		return;
	}
	v->siprec = 1;
}

/* --- media --------------------------------------------------------------- */

static int
decodable(const char *enc)
{
	static const char *const ok[] = {
		"PCMU", "PCMA", "G722", "G729", "opus", "L16"
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(enc, ok[i]) == 0)
			return 1;
	return 0;
}

int
siprec_srs_media_accept(const struct siprec_sdp_m *o,
    struct siprec_srs_media *out, int *crypto_pick, char *why, size_t whylen)
{
	static const char *const protos[] = {
		"RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF"
	};
	struct siprec_crypto c;
	unsigned int i, audio = 0;
	int proto = -1, k;

	memset(out, 0, sizeof(*out));
	*crypto_pick = -1;
	snprintf(out->type, sizeof(out->type), "%s", o->type);
	snprintf(out->proto, sizeof(out->proto), "%s", o->proto);
	snprintf(out->label, sizeof(out->label), "%s", o->label);
	out->rtcp_mux = o->rtcp_mux;
	out->dir = SIPREC_DIR_INACTIVE;
	for (k = 0; k < 4; k++)
		if (strcasecmp(o->proto, protos[k]) == 0)
			proto = k;
	for (i = 0; i < o->npt; i++)
		if (decodable(o->pts[i].enc))
			audio++;
	if (strcasecmp(o->type, "audio") != 0)
		snprintf(why, whylen, "%s is not recorded", o->type);
	else if (o->addr.port == 0)
		snprintf(why, whylen, "port 0 in the offer");
	else if (proto < 0)
		snprintf(why, whylen, "transport %s", o->proto);
	else if (audio == 0)
		snprintf(why, whylen, "no codec the server decodes");
	else {
		for (i = 0; i < o->npt; i++)
			if (decodable(o->pts[i].enc) ||
			    strcasecmp(o->pts[i].enc, "telephone-event") == 0 ||
			    strcasecmp(o->pts[i].enc, "CN") == 0)
				out->pts[out->npt++] = o->pts[i];
		if (proto < 2)
			return 0;
		for (i = 0; i < o->ncrypto; i++) {
			enum siprec_err e = siprec_crypto_parse(o->crypto[i], &c,
			    NULL);

			siprec_crypto_wipe(&c);
			if (e == SIPREC_OK) {
				*crypto_pick = (int)i;
				return 0;
			}
		}
		snprintf(why, whylen, "no a=crypto the server can use");
		out->npt = 0;
	}
	if (o->npt > 0)
		out->pts[out->npt++] = o->pts[0];
	out->port = 0;
	return -1;
}

enum siprec_err
siprec_srs_crypto_answer(const char *offered, char *out, size_t outlen)
{
	struct siprec_crypto c;
	uint8_t key[SIPREC_SRTP_KEY_MAX];
	char enc[SIPREC_BASE64_LEN(SIPREC_SRTP_KEY_MAX)];
	enum siprec_err e;
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if ((e = siprec_crypto_parse(offered, &c, NULL)) != SIPREC_OK)
		return e;
	siprec__gcry_init();
	gcry_randomize(key, c.keylen, GCRY_STRONG_RANDOM);
	siprec_base64_encode(enc, key, c.keylen);
	n = snprintf(out, outlen, "%u %s inline:%s", c.tag, c.suite, enc);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(enc, sizeof(enc));
	siprec_crypto_wipe(&c);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			explicit_bzero(out, outlen);
		return SIPREC_ETOOBIG;
	}
	return SIPREC_OK;
}

enum siprec_dir
siprec_srs_answer_dir(enum siprec_dir offered)
{
	return offered == SIPREC_DIR_SENDONLY ||
	    offered == SIPREC_DIR_SENDRECV ? SIPREC_DIR_RECVONLY :
	    SIPREC_DIR_INACTIVE;
}

static const char *
dir_name(enum siprec_dir d)
{
	return d == SIPREC_DIR_SENDONLY ? "sendonly" : d == SIPREC_DIR_RECVONLY ?
	    "recvonly" : d == SIPREC_DIR_INACTIVE ? "inactive" : "sendrecv";
}

struct wbuf {
	char	*p;
	size_t	 cap, len;
	int	 over;
};

static void
put(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len)
		w->over = 1;
	else
		w->len += (size_t)n;
}

size_t
siprec_srs_sdp_write(const struct siprec_addr *addr, uint64_t sess_id,
    uint64_t version, const struct siprec_srs_media *md, size_t n, char *buf,
    size_t cap)
{
	struct wbuf w = { buf, cap, 0, 0 };
	char ip[80], a[80];
	const char *fam = addr->family == 6 ? "IP6" : "IP4";
	size_t i;
	unsigned int k;

	if (cap == 0)
		return 0;
	siprec_addr_format(addr, a, sizeof(a));
	/* "192.0.2.1:5060" or "[2001:db8::1]:5060": the host part. */
	if (a[0] == '[') {
		snprintf(ip, sizeof(ip), "%s", a + 1);
		if (strchr(ip, ']') != NULL)
			*strchr(ip, ']') = '\0';
	} else {
		snprintf(ip, sizeof(ip), "%s", a);
		if (strrchr(ip, ':') != NULL)
			*strrchr(ip, ':') = '\0';
	}
	put(&w, "v=0\r\no=siprec-srs %llu %llu IN %s %s\r\ns=siprec-srs\r\n"
	    "c=IN %s %s\r\nt=0 0\r\n", (unsigned long long)sess_id,
	    (unsigned long long)version, fam, ip, fam, ip);
	for (i = 0; i < n; i++) {
		const struct siprec_srs_media *m = &md[i];

		put(&w, "m=%s %u %s", m->type, m->port, m->proto);
		if (m->npt == 0)
			put(&w, " 0");
		for (k = 0; k < m->npt && (m->port != 0 || k == 0); k++)
			put(&w, " %u", m->pts[k].pt);
		put(&w, "\r\n");
		if (m->port == 0)
			continue;
		for (k = 0; k < m->npt; k++) {
			if (m->pts[k].enc[0] == '\0')
				continue;
			put(&w, "a=rtpmap:%u %s/%u", m->pts[k].pt,
			    m->pts[k].enc, m->pts[k].clock ? m->pts[k].clock :
			    8000);
			if (m->pts[k].channels > 1)
				put(&w, "/%u", m->pts[k].channels);
			put(&w, "\r\n");
		}
		if (m->label[0] != '\0')
			put(&w, "a=label:%s\r\n", m->label);
		put(&w, "a=%s\r\n", dir_name(m->dir));
		if (m->rtcp_mux)
			put(&w, "a=rtcp-mux\r\n");
		else if (m->rtcp_port != 0)
			put(&w, "a=rtcp:%u\r\n", m->rtcp_port);
		if (m->crypto[0] != '\0')
			put(&w, "a=crypto:%s\r\n", m->crypto);
	}
	if (w.over) {
		explicit_bzero(buf, cap);
		buf[0] = '\0';
		return 0;
	}
	return w.len;
}

size_t
siprec_srs_snapshot_request(const char *reason, char *buf, size_t cap)
{
	struct wbuf w = { buf, cap, 0, 0 };
	const char *r;

	if (cap == 0)
		return 0;
	put(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<requestsnapshot xmlns=\"urn:ietf:params:xml:ns:recording:1\">\r\n"
	    "  <requestreason xml:lang=\"en\">");
	for (r = reason; r != NULL && *r != '\0'; r++)
		switch (*r) {
		case '<':
			put(&w, "&lt;");
			break;
		case '>':
			put(&w, "&gt;");
			break;
		case '&':
			put(&w, "&amp;");
			break;
		default:
			put(&w, "%c", *r);
		}
	put(&w, "</requestreason>\r\n</requestsnapshot>\r\n");
	if (w.over) {
		buf[0] = '\0';
		return 0;
	}
	return w.len;
}
