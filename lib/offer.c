/* SPDX-License-Identifier: BSD-2-Clause */
/* The SRC's SDP offer, its multipart bodies, and verdicts on the SRS's answer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/offer.h>
#include <siprec/rtpsend.h>

struct sb {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void sbf(struct sb *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
sbput(struct sb *b, const char *s, size_t n)
{
	size_t	ncap;
	char	*np;

	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 1024;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if (ncap > SIPREC_OFFER_MAX + 1) {
			b->err = SIPREC_ETOOBIG;
			return;
		}
		if ((np = malloc(ncap)) == NULL) {
			b->err = SIPREC_ENOMEM;
			return;
		}
		/* Copy and wipe rather than realloc: the SDP holds keys. */
		if (b->p != NULL) {
			memcpy(np, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbf(struct sb *b, const char *fmt, ...)
{
	char	tmp[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = SIPREC_ETOOBIG;
		return;
	}
	sbput(b, tmp, (size_t)n);
	explicit_bzero(tmp, sizeof(tmp));
}

static void
sbdrop(struct sb *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
}

static const char *
dirname_of(enum siprec_dir d)
{
	switch (d) {
	case SIPREC_DIR_SENDRECV: return "sendrecv";
	case SIPREC_DIR_RECVONLY: return "recvonly";
	case SIPREC_DIR_INACTIVE: return "inactive";
	default: return "sendonly";
	}
}

enum siprec_err
siprec_offer_sdp(const struct siprec_offer_opts *o, char **out, size_t *len)
{
	struct sb	 b;
	const char	*ipv;
	char		 crypto[160];
	unsigned int	 i, k;
	const struct siprec_enc_info *c;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (len != NULL)
		*len = 0;
	if (o == NULL || o->addr == NULL || o->nstreams == 0 ||
	    o->streams == NULL || o->ncodecs == 0 || o->codecs == NULL)
		return SIPREC_EINVAL;
	memset(&b, 0, sizeof(b));
	ipv = strchr(o->addr, ':') != NULL ? "IP6" : "IP4";
	/* RFC 4566 5: v, o, s, c, t in this order; c= per medium below. */
	sbf(&b, "v=0\r\no=siprec-src %llu %llu IN %s %s\r\ns=siprec-src\r\n"
	    "t=0 0\r\n", (unsigned long long)o->sess_id,
	    (unsigned long long)o->sess_ver, ipv, o->addr);
	for (i = 0; i < o->nstreams; i++) {
		const struct siprec_offer_stream *s = &o->streams[i];

		sbf(&b, "m=audio %u RTP/%s", s->port, s->crypto != NULL ?
		    "SAVP" : "AVP");
		for (k = 0; k < o->ncodecs; k++)
			sbf(&b, " %u", o->codecs[k]->pt);
		if (o->telephone_event)
			sbf(&b, " 101");
		sbf(&b, "\r\nc=IN %s %s\r\n", s->hold_c0 ? "IP4" : ipv,
		    s->hold_c0 ? "0.0.0.0" : o->addr);
		for (k = 0; k < o->ncodecs; k++) {
			c = o->codecs[k];
			if (c->channels > 1)
				sbf(&b, "a=rtpmap:%u %s/%u/%u\r\n", c->pt,
				    c->name, c->clock, c->channels);
			else
				sbf(&b, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name,
				    c->clock);
			if (c->fmtp != NULL)
				sbf(&b, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
		}
		if (o->telephone_event)
			sbf(&b, "a=rtpmap:101 telephone-event/8000\r\n"
			    "a=fmtp:101 0-15\r\n");
		if (o->ptime != 0)
			sbf(&b, "a=ptime:%u\r\n", o->ptime);
		if (s->crypto != NULL) {
			if (siprec_sdes_format(s->crypto, crypto,
			    sizeof(crypto)) != SIPREC_OK) {
				sbdrop(&b);
				return SIPREC_EINVAL;
			}
			sbf(&b, "a=crypto:%s\r\n", crypto);
			explicit_bzero(crypto, sizeof(crypto));
		}
		sbf(&b, "a=%s\r\n", dirname_of(s->dir));
		if (!o->no_labels && s->label != NULL)
			sbf(&b, "a=label:%s\r\n", s->label);
	}
	if (b.err) {
		sbdrop(&b);
		return (enum siprec_err)b.err;
	}
	*out = b.p;
	if (len != NULL)
		*len = b.len;
	return SIPREC_OK;
}

static void
part(struct sb *b, const struct siprec_body_opts *o,
    const struct siprec_persona *p, int meta)
{
	sbf(b, "--%s\r\n", o->boundary);
	if (meta) {
		sbf(b, "Content-Type: %s\r\n", o->meta_ctype != NULL ?
		    o->meta_ctype : p->ctype);
		if (!o->no_disposition && p->meta_disposition)
			sbf(b, "Content-Disposition: recording-session\r\n");
		if (p->part_length)
			sbf(b, "Content-Length: %zu\r\n", o->metalen);
		sbf(b, "\r\n");
		sbput(b, o->meta, o->metalen);
	} else {
		sbf(b, "Content-Type: application/sdp\r\n");
		if (p->sdp_handling)
			sbf(b, "Content-Disposition: session;"
			    "handling=required\r\n");
		if (p->part_length)
			sbf(b, "Content-Length: %zu\r\n", o->sdplen);
		sbf(b, "\r\n");
		sbput(b, o->sdp, o->sdplen);
	}
	sbf(b, "\r\n");
}

enum siprec_err
siprec_body_build(const struct siprec_body_opts *o, char **body, size_t *len,
    char *ctype, size_t ctypecap)
{
	const struct siprec_persona	*p;
	struct sb			 b;
	int				 n;

	if (body == NULL)
		return SIPREC_EINVAL;
	*body = NULL;
	if (len != NULL)
		*len = 0;
	if (o == NULL || ctype == NULL || (o->sdp == NULL && o->meta == NULL) ||
	    (o->sdp != NULL && o->meta != NULL && o->boundary == NULL))
		return SIPREC_EINVAL;
	p = o->persona != NULL ? o->persona : siprec_persona_get(SIPREC_P_RFC);
	memset(&b, 0, sizeof(b));
	if (o->sdp == NULL || o->meta == NULL) {
		/* One part: no multipart needed (RFC 7866 9.1). */
		n = snprintf(ctype, ctypecap, "%s", o->sdp != NULL ?
		    "application/sdp" : o->meta_ctype != NULL ? o->meta_ctype :
		    p->ctype);
		if (o->sdp != NULL)
			sbput(&b, o->sdp, o->sdplen);
		else
			sbput(&b, o->meta, o->metalen);
	} else {
		n = snprintf(ctype, ctypecap, "multipart/mixed;boundary=%s",
		    o->boundary);
		/* Parts are found by type, not place (SPEC P-20). */
		part(&b, o, p, p->meta_first);
		part(&b, o, p, !p->meta_first);
		if (p->gtd_part)
			sbf(&b, "--%s\r\nContent-Type: application/gtd\r\n"
			    "Content-Disposition: signal;handling=optional\r\n"
			    "\r\nIAM,\r\nPRN,isdn*,,NT100,\r\n\r\n",
			    o->boundary);
		sbf(&b, "--%s--\r\n", o->boundary);
	}
	if (n < 0 || (size_t)n >= ctypecap)
		b.err = SIPREC_ETOOBIG;
	if (b.err) {
		sbdrop(&b);
		return (enum siprec_err)b.err;
	}
	*body = b.p;
	if (len != NULL)
		*len = b.len;
	return SIPREC_OK;
}

enum siprec_err
siprec_answer_check(const struct siprec_offer_opts *o, const uint8_t *sdp,
    size_t len, struct siprec_answer_verdict *v)
{
	/*
	 * The thread's: siprec_sdp_parse() clears it, and 21 KB from
	 * malloc per answer made the allocator consolidate each time.
	 */
	static _Thread_local struct siprec_sdp	 scratch;
	struct siprec_sdp			*a = &scratch;
	unsigned int				 i;
	int					 live;

	memset(v, 0, sizeof(*v));
	if (sdp == NULL || siprec_sdp_parse(sdp, len, a, NULL) != SIPREC_OK) {
		snprintf(v->detail, sizeof(v->detail), "answer is not SDP");
		return SIPREC_EPARSE;
	}
	v->parsed = 1;
	/* RFC 3264 6: the answer has as many m-lines, in the same order. */
	v->mlines_match = a->nm == o->nstreams;
	if (!v->mlines_match)
		snprintf(v->detail, sizeof(v->detail), "%u m-lines answered, "
		    "%u offered", a->nm, o->nstreams);
	v->labels_echoed = v->recvonly = v->ports_nonzero = 1;
	v->nmedia = a->nm;
	for (i = 0; i < a->nm && i < o->nstreams; i++) {
		const struct siprec_sdp_m	*m = &a->m[i];
		const struct siprec_offer_stream *s = &o->streams[i];

		v->media[i] = m->addr;
		live = s->port != 0 && s->dir != SIPREC_DIR_INACTIVE;
		if (m->addr.port == 0) {
			v->rejected++;
			if (s->port != 0) {
				v->ports_nonzero = 0;
				if (v->detail[0] == '\0')
					snprintf(v->detail, sizeof(v->detail),
					    "stream %s rejected (port 0)",
					    s->label ? s->label : "?");
			}
			continue;
		}
		if (m->dir == SIPREC_DIR_INACTIVE)
			v->inactive++;
		/* P-33: sendonly -> recvonly (or inactive, not ready). */
		if (live && m->dir != SIPREC_DIR_RECVONLY &&
		    m->dir != SIPREC_DIR_INACTIVE) {
			v->recvonly = 0;
			if (v->detail[0] == '\0')
				snprintf(v->detail, sizeof(v->detail),
				    "stream %s answered %s", s->label ?
				    s->label : "?", dirname_of(m->dir));
		}
		if (!live && m->dir != SIPREC_DIR_INACTIVE &&
		    s->dir == SIPREC_DIR_INACTIVE) {
			v->recvonly = 0;
			if (v->detail[0] == '\0')
				snprintf(v->detail, sizeof(v->detail),
				    "inactive stream %s answered %s",
				    s->label ? s->label : "?",
				    dirname_of(m->dir));
		}
		if (s->label != NULL && strcmp(m->label, s->label) != 0) {
			v->labels_echoed = 0;
			if (v->detail[0] == '\0')
				snprintf(v->detail, sizeof(v->detail),
				    "label %s not echoed", s->label);
		}
	}
	if (a->nm < o->nstreams)
		v->labels_echoed = v->ports_nonzero = 0;
	return SIPREC_OK;
}
