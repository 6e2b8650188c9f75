/* SPDX-License-Identifier: BSD-2-Clause */
/* SIP messages carrying SIPREC bodies: header facts, multipart, SDP labels. */
#define _GNU_SOURCE	/* memmem */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>

#include <siprec/sipmsg.h>

#include "sip_int.h"

/*
 * The start line and headers go through libosip2.  Bodies are split here,
 * on slices of the input: libosip2 splits only one level of multipart,
 * copies parts, loses their offsets (needed for file:line:col), and drops
 * the last byte of part headers that end in a bare LF, as text fixtures
 * and some captures do.
 */

#define MAX_DEPTH	4

static pthread_once_t osip_once = PTHREAD_ONCE_INIT;

static void
quiet_trace(const char *file, int line, osip_trace_level_t level,
    const char *fmt, va_list ap)
{
	(void)file;
	(void)line;
	(void)level;
	(void)fmt;
	(void)ap;
}

const char *
siprec_sipmsg_libversion(void)
{
	return "libosip2";
}

/*
 * strspn and strcspn over p[0..n): message bytes are not NUL-terminated
 * (found by fuzz_sipmsg).
 */
static size_t
span(const void *vp, size_t n, const char *set, int in)
{
	const char *p = vp;
	size_t i;

	for (i = 0; i < n; i++)
		if ((strchr(set, p[i]) != NULL && p[i] != '\0') != in)
			break;
	return i;
}

struct lines {
	const uint8_t	*base;
	unsigned int	 line0;
};

static unsigned int
line_of(const struct lines *l, const uint8_t *p)
{
	const uint8_t *q;
	unsigned int n = l->line0;

	for (q = l->base; q < p; q++)
		if (*q == '\n')
			n++;
	return n;
}

/* End of the line starting at p (at its '\n' or end), and the next line. */
const uint8_t *
siprec__eol(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	const uint8_t *q = memchr(p, '\n', (size_t)(end - p));

	if (q == NULL) {
		*next = end;
		return end;
	}
	*next = q + 1;
	return q > p && q[-1] == '\r' ? q - 1 : q;
}

static int
is_request_line(const uint8_t *p, size_t n)
{
	const uint8_t *sp = memchr(p, ' ', n);
	size_t i;

	if (sp == NULL || sp == p)
		return 0;
	for (i = 0; p + i < sp; i++)
		if (!isalpha(p[i]) && p[i] != '-' && p[i] != '.' && p[i] != '!' &&
		    p[i] != '%' && p[i] != '*' && p[i] != '_' && p[i] != '+' &&
		    p[i] != '`' && p[i] != '\'' && p[i] != '~')
			return 0;
	return n >= 8 && memcmp(p + n - 8, " SIP/2.0", 8) == 0;
}

int
siprec_sipmsg_sniff(const uint8_t *buf, size_t len)
{
	const uint8_t *end = buf + len, *p = buf, *next, *e;

	while (p < end) {
		e = siprec__eol(p, end, &next);
		if ((size_t)(e - p) == span(p, (size_t)(e - p), " \t", 1)) {
			p = next;	/* skip blank lines */
			continue;
		}
		if (e - p > 2 && p[0] == '-' && p[1] == '-')
			return 1;
		if (e - p > 8 && memcmp(p, "SIP/2.0 ", 8) == 0)
			return 1;
		return is_request_line(p, (size_t)(e - p));
	}
	return 0;
}

static void
lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

/* Find parameter name= in a header value; copy its (unquoted) value. */
static int
param(const char *v, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0, j;

	while (i < n) {
		const char *semi = memchr(v + i, ';', n - i);

		if (semi == NULL)
			return 0;
		i = (size_t)(semi - v) + 1;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (n - i > nl && strncasecmp(v + i, name, nl) == 0) {
			j = i + nl;
			while (j < n && (v[j] == ' ' || v[j] == '\t'))
				j++;
			if (j >= n || v[j] != '=')
				continue;
			j++;
			while (j < n && (v[j] == ' ' || v[j] == '\t'))
				j++;
			if (j < n && v[j] == '"') {
				const char *q = memchr(v + j + 1, '"', n - j - 1);
				size_t l = q ? (size_t)(q - v - j - 1) : n - j - 1;

				snprintf(out, cap, "%.*s", (int)l, v + j + 1);
			} else {
				size_t l = span(v + j, n - j, "; \t\r\n", 0);

				snprintf(out, cap, "%.*s", (int)l, v + j);
			}
			return 1;
		}
	}
	return 0;
}

struct hdrs {
	const char	*ctype;		/* Content-Type value */
	size_t		 nctype;
	const char	*disp;
	size_t		 ndisp;
	long		 clen;		/* -1 absent */
};

/* Header name match, with the RFC 3261 7.3.3 compact form. */
static int
hname(const uint8_t *p, size_t n, const char *full, char compact)
{
	size_t fl = strlen(full);

	return (n == fl && strncasecmp((const char *)p, full, fl) == 0) ||
	    (compact && n == 1 && tolower(p[0]) == compact);
}

static void
scan_headers(const uint8_t *p, const uint8_t *end, struct hdrs *h,
    struct siprec_sipmsg *m, const struct lines *ln)
{
	const uint8_t *next, *e, *colon, *v;
	size_t nl;

	memset(h, 0, sizeof(*h));
	h->clen = -1;
	for (; p < end; p = next) {
		e = siprec__eol(p, end, &next);
		if (e == p)
			break;
		colon = memchr(p, ':', (size_t)(e - p));
		if (colon == NULL || *p == ' ' || *p == '\t')
			continue;
		nl = (size_t)(colon - p);
		while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
			nl--;
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		if (hname(p, nl, "content-type", 'c')) {
			h->ctype = (const char *)v;
			h->nctype = (size_t)(e - v);
		} else if (hname(p, nl, "content-disposition", 0)) {
			h->disp = (const char *)v;
			h->ndisp = (size_t)(e - v);
		} else if (hname(p, nl, "content-length", 'l')) {
			/* Bounded: the value is not NUL-terminated. */
			const uint8_t *d;

			h->clen = 0;
			for (d = v; d < e && isdigit(*d) &&
			    h->clen < 100000000; d++)
				h->clen = h->clen * 10 + (*d - '0');
			if (d == v)
				h->clen = -1;
		} else if (m != NULL && hname(p, nl, "require", 0)) {
			if (memmem(v, (size_t)(e - v), "siprec", 6) != NULL)
				m->require_siprec = 1;
			m->require_line = line_of(ln, p);
		} else if (m != NULL && hname(p, nl, "supported", 'k')) {
			if (memmem(v, (size_t)(e - v), "siprec", 6) != NULL)
				m->supported_siprec = 1;
		} else if (m != NULL && hname(p, nl, "contact", 'm')) {
			m->contact_line = line_of(ln, p);
		}
	}
}

static void
fill_part_type(struct siprec_part *pt, const struct hdrs *h)
{
	size_t n;

	if (h->ctype != NULL) {
		n = span(h->ctype, h->nctype, "; \t\r\n", 0);
		lower_copy(pt->type, sizeof(pt->type), h->ctype, n);
		param(h->ctype, h->nctype, "charset", pt->charset,
		    sizeof(pt->charset));
	} else
		snprintf(pt->type, sizeof(pt->type), "text/plain");
	if (h->disp != NULL) {
		n = span(h->disp, h->ndisp, "; \t\r\n", 0);
		lower_copy(pt->disposition, sizeof(pt->disposition), h->disp, n);
	}
	pt->metadata = strcmp(pt->type, "application/rs-metadata+xml") == 0 ||
	    strcmp(pt->type, "application/rs-metadata") == 0;
	pt->sdp = strcmp(pt->type, "application/sdp") == 0;
}

/* m= lines and their a=label (RFC 4574) from one SDP part. */
static void
scan_sdp(struct siprec_sipmsg *m, const struct siprec_part *pt)
{
	const uint8_t *p = pt->body.p, *end = p + pt->body.len, *next, *e;
	unsigned int line = pt->line;
	struct siprec_sdp_media *cur = NULL;

	m->has_sdp = 1;
	for (; p < end; p = next, line++) {
		e = siprec__eol(p, end, &next);
		if (e - p >= 2 && p[0] == 'm' && p[1] == '=') {
			if (m->nmedia == SIPREC_SIPMSG_MAX_MEDIA) {
				cur = NULL;
				continue;
			}
			cur = &m->media[m->nmedia++];
			cur->label = NULL;
			cur->line = line;
		} else if (cur != NULL && e - p > 8 &&
		    memcmp(p, "a=label:", 8) == 0) {
			char *l = m->labels[cur - m->media];
			size_t n = (size_t)(e - p - 8);

			while (n > 0 && (p[8 + n - 1] == ' ' || p[8 + n - 1] == '\t'))
				n--;
			snprintf(l, sizeof(m->labels[0]), "%.*s", (int)n, p + 8);
			cur->label = l;
		}
	}
}

static const uint8_t *
find_delim(const uint8_t *p, const uint8_t *end, const char *b, size_t bl,
    int at_start)
{
	const uint8_t *q;

	if (at_start && (size_t)(end - p) >= bl + 2 && p[0] == '-' &&
	    p[1] == '-' && memcmp(p + 2, b, bl) == 0)
		return p;
	for (q = p; q < end; q++) {
		q = memchr(q, '\n', (size_t)(end - q));
		if (q == NULL || (size_t)(end - q - 1) < bl + 2)
			return NULL;
		if (q[1] == '-' && q[2] == '-' && memcmp(q + 3, b, bl) == 0)
			return q + 1;
	}
	return NULL;
}

static void add_part(struct siprec_sipmsg *, const uint8_t *, const uint8_t *,
    const struct hdrs *, unsigned int, const struct lines *,
    const struct siprec_sink *, int);

/* RFC 2046 5.1.1 multipart, nested parts too (RFC 5621 4.2). */
static void
split_multipart(struct siprec_sipmsg *m, const uint8_t *p, const uint8_t *end,
    const char *boundary, const struct lines *ln,
    const struct siprec_sink *sink, int depth)
{
	size_t bl = strlen(boundary);
	const uint8_t *d, *nd, *next, *hp, *body, *bend;
	struct hdrs h;

	d = find_delim(p, end, boundary, bl, 1);
	if (d == NULL) {
		siprec_report(sink, SIPREC_CHK_SIP_MULTIPART, line_of(ln, p), 1,
		    "no delimiter line --%s in the body", boundary);
		return;
	}
	for (;;) {
		if ((size_t)(end - d) >= bl + 4 && d[bl + 2] == '-' &&
		    d[bl + 3] == '-')
			return;		/* close delimiter */
		(void)siprec__eol(d, end, &hp);
		/* Part headers up to the empty line. */
		for (body = hp; body < end; body = next) {
			const uint8_t *e = siprec__eol(body, end, &next);

			if (e == body) {
				body = next;
				break;
			}
		}
		scan_headers(hp, body, &h, NULL, ln);
		nd = find_delim(body, end, boundary, bl, 0);
		bend = nd != NULL ? nd - 1 : end;
		if (nd != NULL && bend > body && bend[-1] == '\r')
			bend--;
		if (bend < body)
			bend = body;
		add_part(m, body, bend, &h, line_of(ln, hp), ln, sink, depth);
		if (nd == NULL) {
			siprec_report(sink, SIPREC_CHK_SIP_MULTIPART,
			    line_of(ln, end), 1, "no close delimiter --%s--",
			    boundary);
			return;
		}
		d = nd;
	}
}

static void
add_part(struct siprec_sipmsg *m, const uint8_t *body, const uint8_t *end,
    const struct hdrs *h, unsigned int hline, const struct lines *ln,
    const struct siprec_sink *sink, int depth)
{
	struct siprec_part *pt;
	char boundary[80];

	if (h->ctype != NULL && h->nctype > 10 &&
	    strncasecmp(h->ctype, "multipart/", 10) == 0) {
		if (depth >= MAX_DEPTH) {
			siprec_report(sink, SIPREC_CHK_SIP_MULTIPART, hline, 1,
			    "multipart nested deeper than %d levels", MAX_DEPTH);
			return;
		}
		if (!param(h->ctype, h->nctype, "boundary", boundary,
		    sizeof(boundary)) || boundary[0] == '\0') {
			siprec_report(sink, SIPREC_CHK_SIP_MULTIPART, hline, 1,
			    "multipart Content-Type without a boundary");
			return;
		}
		split_multipart(m, body, end, boundary, ln, sink, depth + 1);
		return;
	}
	if (m->nparts == SIPREC_SIPMSG_MAX_PARTS) {
		siprec_report(sink, SIPREC_CHK_SIP_MULTIPART, hline, 1,
		    "more than %d body parts; the rest are skipped",
		    SIPREC_SIPMSG_MAX_PARTS);
		return;
	}
	pt = &m->parts[m->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->body.p = body;
	pt->body.len = (size_t)(end - body);
	pt->line = line_of(ln, body);
	pt->hline = hline;
	fill_part_type(pt, h);
	if (pt->sdp)
		scan_sdp(m, pt);
}

void
siprec__osip_traces_off(void)
{
	int i;

	for (i = TRACE_LEVEL0; i < END_TRACE_LEVEL; i++)
		osip_trace_disable_level((osip_trace_level_t)i);
}

static void
osip_setup(void)
{
	osip_trace_initialize_func(END_TRACE_LEVEL, quiet_trace);
	siprec__osip_traces_off();
	parser_init();
}

void
siprec__osip_init(void)
{
	pthread_once(&osip_once, osip_setup);
}

/* Headers through libosip2: the message must parse as SIP. */
static enum siprec_err
osip_facts(struct siprec_sipmsg *m, const uint8_t *p, size_t n,
    struct siprec_diag *diag)
{
	osip_message_t *msg = NULL;
	osip_generic_param_t *tag = NULL;
	osip_contact_t *ct = NULL;
	char *copy, *o;
	size_t i;
	int r, k;

	siprec__osip_init();
	/* CRLF line ends and no body: libosip2 judges the headers only. */
	if ((copy = malloc(2 * n + 4)) == NULL)
		return SIPREC_ENOMEM;
	for (i = 0, o = copy; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			*o++ = '\r';
		*o++ = (char)p[i];
	}
	memcpy(o, "\r\n", 3);
	o += 2;
	/* Neutralise Content-Length so libosip2 does not look for a body. */
	for (char *l = copy; l < o; ) {
		char *e = memchr(l, '\n', (size_t)(o - l));
		char *c = memchr(l, ':', e ? (size_t)(e - l) : (size_t)(o - l));

		if (c != NULL && (((size_t)(c - l) == 14 &&
		    strncasecmp(l, "content-length", 14) == 0) ||
		    ((size_t)(c - l) == 1 && (*l == 'l' || *l == 'L')))) {
			for (c++; *c != '\r' && *c != '\n'; c++)
				*c = isdigit((unsigned char)*c) ? '0' : *c;
		}
		if (e == NULL)
			break;
		l = e + 1;
	}
	if (osip_message_init(&msg) != 0) {
		free(copy);
		return SIPREC_ENOMEM;
	}
	r = osip_message_parse(msg, copy, (size_t)(o - copy));
	free(copy);
	if (r != 0) {
		osip_message_free(msg);
		siprec_diag_set(diag, 1, 1, "libosip2 rejects the start line "
		    "or headers (error %d)", r);
		return SIPREC_EPARSE;
	}
	m->request = MSG_IS_REQUEST(msg);
	if (m->request && msg->sip_method != NULL)
		snprintf(m->method, sizeof(m->method), "%s", msg->sip_method);
	else if (msg->cseq != NULL && msg->cseq->method != NULL)
		snprintf(m->method, sizeof(m->method), "%s", msg->cseq->method);
	m->status = msg->status_code;
	if (msg->to != NULL)
		for (k = 0; !osip_list_eol(&msg->to->gen_params, k); k++) {
			tag = osip_list_get(&msg->to->gen_params, k);
			if (tag->gname != NULL && strcasecmp(tag->gname, "tag") == 0) {
				m->to_tag = 1;
				snprintf(m->to_tag_s, sizeof(m->to_tag_s), "%s",
				    tag->gvalue ? tag->gvalue : "");
			}
		}
	if (msg->from != NULL)
		for (k = 0; !osip_list_eol(&msg->from->gen_params, k); k++) {
			tag = osip_list_get(&msg->from->gen_params, k);
			if (tag->gname != NULL && strcasecmp(tag->gname, "tag") == 0)
				snprintf(m->from_tag_s, sizeof(m->from_tag_s),
				    "%s", tag->gvalue ? tag->gvalue : "");
		}
	if (msg->call_id != NULL && msg->call_id->number != NULL)
		snprintf(m->call_id, sizeof(m->call_id), "%s%s%s",
		    msg->call_id->number, msg->call_id->host ? "@" : "",
		    msg->call_id->host ? msg->call_id->host : "");
	if (msg->cseq != NULL) {
		if (msg->cseq->number != NULL)
			m->cseq = strtoul(msg->cseq->number, NULL, 10);
		if (msg->cseq->method != NULL)
			snprintf(m->cseq_method, sizeof(m->cseq_method), "%s",
			    msg->cseq->method);
	}
	m->contact = SIPREC_CONTACT_NONE;
	if (osip_message_get_contact(msg, 0, &ct) >= 0 && ct != NULL) {
		m->contact = SIPREC_CONTACT_PLAIN;
		for (k = 0; !osip_list_eol(&ct->gen_params, k); k++) {
			osip_generic_param_t *gp = osip_list_get(&ct->gen_params,
			    k);
			const char *g = gp->gname;
			int neg = gp->gvalue != NULL &&
			    strcasecmp(gp->gvalue, "\"FALSE\"") == 0;

			/* RFC 3840 9: names are case-insensitive. */
			if (g == NULL || neg)
				continue;
			if (strcasecmp(g, "+sip.src") == 0)
				m->contact = SIPREC_CONTACT_SRC;
			else if (strcasecmp(g, "+sip.srs") == 0)
				m->contact = SIPREC_CONTACT_SRS;
			else if (strcasecmp(g, "src") == 0 &&
			    m->contact == SIPREC_CONTACT_PLAIN)
				m->contact = SIPREC_CONTACT_LEGACY_SRC;
			else if ((strcasecmp(g, "+sip-src") == 0 ||
			    strcasecmp(g, "+sip-srs") == 0) &&
			    m->contact == SIPREC_CONTACT_PLAIN)
				m->contact = SIPREC_CONTACT_MISTYPED;
		}
	}
	osip_message_free(msg);
	return SIPREC_OK;
}

enum siprec_err
siprec_sipmsg_parse(const uint8_t *buf, size_t len,
    const struct siprec_sink *sink, struct siprec_sipmsg **out,
    struct siprec_diag *diag)
{
	struct siprec_sipmsg *m;
	const uint8_t *end = buf + len, *p = buf, *next, *e, *body;
	struct lines ln = { buf, 1 };
	struct hdrs h;
	enum siprec_err err;
	char boundary[80];

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return SIPREC_ENOMEM;
	while (p < end) {		/* skip leading blank lines */
		e = siprec__eol(p, end, &next);
		if ((size_t)(e - p) != span(p, (size_t)(e - p), " \t", 1) ||
		    next == end)
			break;
		p = next;
	}
	e = siprec__eol(p, end, &next);
	if (e - p > 2 && p[0] == '-' && p[1] == '-') {
		/* A bare multipart body: the first line names the boundary. */
		size_t bl = (size_t)(e - p - 2);

		while (bl > 0 && (p[2 + bl - 1] == ' ' || p[2 + bl - 1] == '\t'))
			bl--;
		snprintf(boundary, sizeof(boundary), "%.*s", (int)bl, p + 2);
		m->bare = 1;
		split_multipart(m, p, end, boundary, &ln, sink, 1);
		*out = m;
		return SIPREC_OK;
	}
	/* A SIP message: headers end at the first empty line. */
	for (body = p; body < end; body = next) {
		e = siprec__eol(body, end, &next);
		if (e == body) {
			body = next;
			break;
		}
	}
	if ((err = osip_facts(m, p, (size_t)(body - p), diag)) != SIPREC_OK) {
		free(m);
		return err;
	}
	scan_headers(p, body, &h, m, &ln);
	if (h.clen >= 0 && (size_t)h.clen != (size_t)(end - body)) {
		size_t lf = 0;
		const uint8_t *q;

		for (q = body; q < end; q++)
			if (*q == '\n' && (q == body || q[-1] != '\r'))
				lf++;
		siprec_report(sink, SIPREC_CHK_SIP_CONTENT_LENGTH,
		    line_of(&ln, body), 1, "Content-Length %ld, body %zu "
		    "bytes%s", h.clen, (size_t)(end - body),
		    (size_t)h.clen == (size_t)(end - body) + lf ?
		    "; it matches once LF line ends are restored to CRLF" : "");
	}
	if (body < end)
		add_part(m, body, end, &h, line_of(&ln, p), &ln, sink, 0);
	*out = m;
	return SIPREC_OK;
}

void
siprec_sipmsg_free(struct siprec_sipmsg *m)
{
	free(m);
}

void
siprec_sipmsg_check(const struct siprec_sipmsg *m, size_t part, int snapshot,
    const struct siprec_sink *sink)
{
	const struct siprec_part *pt = &m->parts[part];
	int want;

	if (!pt->metadata)
		siprec_report(sink, SIPREC_CHK_L24_CONTENT_TYPE, pt->hline, 1,
		    "\"%s\"; RFC 7865 names application/rs-metadata+xml, RFC "
		    "7866 application/rs-metadata", pt->type);
	if (strcmp(pt->disposition, "recording-session") != 0)
		siprec_report(sink, SIPREC_CHK_L24_DISPOSITION, pt->hline, 1,
		    "%s%s", pt->disposition[0] ? "disposition is " :
		    "no Content-Disposition", pt->disposition);
	if (m->bare)
		return;
	if (snapshot && !(m->request && strcasecmp(m->method, "UPDATE") == 0 &&
	    !m->has_sdp))
		siprec_report(sink, SIPREC_CHK_L24_SNAPSHOT_REQ, pt->hline, 1,
		    "found in %s %s%s", m->request ? "a" : "a response to",
		    m->method, m->has_sdp ? " with SDP" : "");
	if (m->request && strcasecmp(m->method, "INVITE") == 0 && !m->to_tag &&
	    !snapshot && !m->require_siprec)
		siprec_report(sink, SIPREC_CHK_L24_REQUIRE, m->require_line ?
		    m->require_line : 1, 1, "%s",
		    m->supported_siprec ? "siprec is only in Supported (tolerated "
		    "on receipt, RFC 7866 11.1.1)" : "no Require: siprec");
	/* Dialog-creating requests and their 2xx carry the feature tag. */
	if (strcasecmp(m->method, "INVITE") != 0 || (!m->request &&
	    (m->status < 200 || m->status > 299)))
		return;
	want = snapshot ? SIPREC_CONTACT_SRS : SIPREC_CONTACT_SRC;
	if (m->contact != want && !(want == SIPREC_CONTACT_SRC &&
	    m->contact == SIPREC_CONTACT_SRS && !m->request))
		siprec_report(sink, SIPREC_CHK_L24_FEATURE_TAG,
		    m->contact_line ? m->contact_line : 1, 1, "%s",
		    m->contact == SIPREC_CONTACT_NONE ? "no Contact header" :
		    m->contact == SIPREC_CONTACT_LEGACY_SRC ? "Contact has the "
		    "legacy ;src parameter (AudioCodes), not +sip.src" :
		    m->contact == SIPREC_CONTACT_MISTYPED ? "Contact has "
		    "+sip-src/+sip-srs with a hyphen, not a dot" :
		    want == SIPREC_CONTACT_SRC ? "Contact lacks +sip.src" :
		    "Contact lacks +sip.srs");
}
