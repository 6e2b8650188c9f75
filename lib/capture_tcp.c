/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP stream reassembly per direction and SIP message framing on top of it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture_int.h"

/*
 * Each direction of a connection is a flow.  Bytes in sequence order are
 * appended to the flow's buffer; segments ahead of the next expected
 * sequence number wait in a short sorted list until the hole closes, or
 * until the list is too long, too old or the input ends: then the hole is
 * declared lost (tcp_gaps) and the stream skips ahead.  Framing follows
 * RFC 3261 section 18.3: headers end at the empty line and Content-Length
 * gives the body.  After lost data, or on a stream picked up in its
 * middle, the framer skips to the end of the message when its length is
 * known, else hunts for the next status line or request line of a
 * standard method.  A stream that begins with anything else is not SIP
 * and is dropped without buffering.
 */

enum fstate {
	FS_SYNC,	/* the buffer starts at a message boundary */
	FS_HUNT,	/* looking for a start line at a line start */
	FS_SKIP,	/* discarding the rest of an oversized message */
	FS_IGNORE	/* not SIP: drop everything */
};

struct seg {
	struct seg	*next;
	uint32_t	 seq;
	size_t		 len;
	uint8_t		 data[];
};

struct flow {
	struct flow		*hnext;		/* hash chain */
	struct flow		*newer, *older;	/* LRU list */
	uint32_t		 hash;
	struct siprec_addr	 src, dst;

	int			 have_seq;
	uint32_t		 next_seq;	/* next byte expected */
	enum fstate		 state;
	int			 fresh;		/* at stream start */
	uint64_t		 skip;		/* FS_SKIP: bytes left */
	uint64_t		 hunted;	/* FS_HUNT: bytes looked at */

	uint8_t			*buf;		/* in-order bytes [off, len) */
	size_t			 cap, len, off;
	size_t			 msg_len;	/* at off, 0 = unknown */
	size_t			 given;		/* handed out, drop next */

	struct seg		*ooo;		/* sorted by sequence number */
	size_t			 ooo_n, ooo_bytes;
	uint64_t		 ooo_since;

	uint64_t		 last_ns;	/* the latest segment */
	const char		*file;
	uint64_t		 record;
};

#define NBUCKET	16384

struct siprec__tcp {
	struct flow	**tab;
	struct flow	 *newest, *oldest;
	size_t		  nflows;
	size_t		  bytes;	/* buffers and held segments */
	struct flow	 *pending;	/* may have messages to hand out */
	uint64_t	  now;		/* latest capture time seen */
};

/* --- SIP start lines ---------------------------------------------------- */

static int
is_token(uint8_t c)
{
	/* RFC 3261 section 25.1 token characters. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

/*
 * Whether p[0..n) begins with "SIP/2.0" ("SIP" in any case, RFC 3261
 * section 7.1); *short_input says that p ended first, still matching.
 */
static int
match_version(const uint8_t *p, size_t n, int *short_input)
{
	static const char v[] = "SIP/2.0";
	size_t i;

	*short_input = 0;
	for (i = 0; i < sizeof(v) - 1; i++) {
		if (i >= n) {
			*short_input = 1;
			return 1;
		}
		if ((p[i] | (i < 3 ? 0x20 : 0)) != (uint8_t)(v[i] |
		    (i < 3 ? 0x20 : 0)))
			return 0;
	}
	return 1;
}

/*
 * Whether p[0..n) is a SIP start line (RFC 3261 sections 7.1 and 7.2),
 * given without its LF; a trailing CR is allowed.  With whole == 0,
 * p[0..n) is only the beginning of a line.  Returns 1 for yes, -1 for no
 * and 0 when a prefix could still become one.
 */
static int
start_line(const uint8_t *p, size_t n, int whole)
{
	size_t i, j;
	int sh;

	/* Without the LF yet, a final CR may be the first half of CRLF. */
	if (n > 0 && p[n - 1] == '\r')
		n--;
	/* Status-Line: SIP-Version SP Status-Code SP Reason-Phrase */
	if (match_version(p, n, &sh)) {
		if (sh)
			return whole ? -1 : 0;
		for (i = 7; i < 11; i++) {
			if (i >= n)
				return whole ? -1 : 0;
			if (i == 7 ? p[i] != ' ' : (p[i] < '0' || p[i] > '9'))
				return -1;
		}
		if (n == 11 || p[11] == ' ')
			return 1;
		return -1;
	}
	/* Request-Line: Method SP Request-URI SP SIP-Version */
	for (i = 0; i < n && is_token(p[i]); i++)
		continue;
	if (i == n)
		return whole ? -1 : 0;
	if (i == 0 || p[i] != ' ')
		return -1;
	for (j = i + 1; j < n && p[j] > ' ' && p[j] != 0x7f; j++)
		continue;
	if (j == n)
		return whole ? -1 : 0;
	if (j == i + 1 || p[j] != ' ')
		return -1;
	j++;
	if (!match_version(p + j, n - j, &sh))
		return -1;
	if (sh)
		return whole ? -1 : 0;
	if (n - j == 7)
		return 1;
	return -1;
}

/*
 * Where the stream was picked up or resumed after lost data, a line may
 * have been cut anywhere, and its tail can look like a request line
 * ("E sip:bob@example.com SIP/2.0" from "MESSAGE ..."), as can a line of
 * a body.  There only a status line or a method of RFC 3261 and the
 * RFCs that extend it (3262, 3265, 3311, 3428, 3515, 3903, 6086) starts
 * a message.
 */
static int
known_start(const uint8_t *p, size_t n)
{
	static const char *const m[] = {
		"ACK", "BYE", "CANCEL", "INFO", "INVITE", "MESSAGE",
		"NOTIFY", "OPTIONS", "PRACK", "PUBLISH", "REFER", "REGISTER",
		"SUBSCRIBE", "UPDATE"
	};
	size_t i, k;

	if (n >= 4 && strncasecmp((const char *)p, "SIP/", 4) == 0)
		return 1;
	for (k = 0; k < n && p[k] != ' '; k++)
		continue;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strlen(m[i]) == k && memcmp(p, m[i], k) == 0)
			return 1;
	return 0;
}

/* --- the flow table ----------------------------------------------------- */

static uint32_t
flow_hash(const struct siprec_addr *s, const struct siprec_addr *d)
{
	uint32_t h = 2166136261u;
	size_t i, n = s->family == 6 ? 16 : 4;

	for (i = 0; i < n; i++)
		h = (h ^ s->ip[i]) * 16777619u;
	for (i = 0; i < n; i++)
		h = (h ^ d->ip[i]) * 16777619u;
	h = (h ^ s->port) * 16777619u;
	h = (h ^ d->port) * 16777619u;
	return h ^ s->family;
}

static int
addr_eq(const struct siprec_addr *a, const struct siprec_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

static void
lru_unlink(struct siprec__tcp *t, struct flow *f)
{
	if (f->newer != NULL)
		f->newer->older = f->older;
	else
		t->newest = f->older;
	if (f->older != NULL)
		f->older->newer = f->newer;
	else
		t->oldest = f->newer;
	f->newer = f->older = NULL;
}

static void
lru_push(struct siprec__tcp *t, struct flow *f)
{
	f->newer = NULL;
	f->older = t->newest;
	if (t->newest != NULL)
		t->newest->newer = f;
	t->newest = f;
	if (t->oldest == NULL)
		t->oldest = f;
}

static void
ooo_clear(struct siprec__tcp *t, struct flow *f)
{
	struct seg *s;

	while ((s = f->ooo) != NULL) {
		f->ooo = s->next;
		free(s);
	}
	t->bytes -= f->ooo_bytes;
	f->ooo_n = f->ooo_bytes = 0;
	f->ooo_since = 0;
}

static void
buf_release(struct siprec__tcp *t, struct flow *f)
{
	free(f->buf);
	t->bytes -= f->cap;
	f->buf = NULL;
	f->cap = f->len = f->off = 0;
	f->msg_len = f->given = 0;
}

static void
flow_free(struct siprec__tcp *t, struct flow *f)
{
	struct flow **pp;

	for (pp = &t->tab[f->hash % NBUCKET]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	lru_unlink(t, f);
	ooo_clear(t, f);
	buf_release(t, f);
	if (t->pending == f)
		t->pending = NULL;
	t->nflows--;
	free(f);
}

enum siprec_err
siprec__tcp_new(struct siprec__tcp **out)
{
	struct siprec__tcp *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SIPREC_ENOMEM;
	if ((t->tab = calloc(NBUCKET, sizeof(*t->tab))) == NULL) {
		free(t);
		return SIPREC_ENOMEM;
	}
	*out = t;
	return SIPREC_OK;
}

void
siprec__tcp_free(struct siprec__tcp *t)
{
	if (t == NULL)
		return;
	while (t->oldest != NULL)
		flow_free(t, t->oldest);
	free(t->tab);
	free(t);
}

static struct flow *
flow_find(struct siprec__tcp *t, const struct siprec_addr *s,
    const struct siprec_addr *d, uint32_t h)
{
	struct flow *f;

	for (f = t->tab[h % NBUCKET]; f != NULL; f = f->hnext)
		if (f->hash == h && addr_eq(&f->src, s) && addr_eq(&f->dst, d))
			return f;
	return NULL;
}

/* Drop idle flows and, over the limits, the least recently used ones. */
static void
flow_expire(struct siprec__tcp *t, const struct flow *keep)
{
	struct flow *f;

	while ((f = t->oldest) != NULL && f != keep && f != t->pending) {
		if (f->last_ns + SIPREC__TCP_IDLE >= t->now &&
		    t->nflows <= SIPREC__TCP_FLOWS_MAX &&
		    t->bytes <= SIPREC__TCP_BYTES_MAX)
			break;
		flow_free(t, f);
	}
}

/* --- stream bytes ------------------------------------------------------- */

/* Make room for n more bytes at the end of the buffer. */
static enum siprec_err
buf_room(struct siprec__tcp *t, struct flow *f, size_t n)
{
	size_t need, ncap;
	uint8_t *nb;

	if (f->off > 0 && f->given == 0) {
		memmove(f->buf, f->buf + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	need = f->len + n;
	if (need <= f->cap)
		return SIPREC_OK;
	ncap = f->cap > 0 ? f->cap : 4096;
	while (ncap < need)
		ncap *= 2;
	if ((nb = realloc(f->buf, ncap)) == NULL)
		return SIPREC_ENOMEM;
	t->bytes += ncap - f->cap;
	f->buf = nb;
	f->cap = ncap;
	return SIPREC_OK;
}

/* Drop what is buffered and hunt for the next start line. */
static void
lose(struct flow *f)
{
	f->off = f->len;
	f->msg_len = 0;
	f->state = FS_HUNT;
	f->hunted = 0;
}

/* Append in-order bytes that start at next_seq. */
static enum siprec_err
append(struct siprec__tcp *t, struct flow *f, const uint8_t *p, size_t n)
{
	size_t k;

	f->next_seq += (uint32_t)n;
	if (f->state == FS_IGNORE)
		return SIPREC_OK;
	if (f->state == FS_SKIP && f->len == f->off) {
		/* Nothing buffered: skip without copying. */
		k = f->skip < n ? (size_t)f->skip : n;
		f->skip -= k;
		p += k;
		n -= k;
		if (f->skip == 0)
			f->state = FS_SYNC;
	}
	if (n == 0)
		return SIPREC_OK;
	/*
	 * The framer drains the buffer below SIPREC__TCP_MSG_MAX before any
	 * new segment, so this only trips on a pile of held segments.
	 */
	if (f->len - f->off + n > SIPREC__TCP_MSG_MAX + SIPREC__TCP_OOO_BYTES +
	    65536)
		lose(f);
	if (buf_room(t, f, n) != SIPREC_OK) {
		lose(f);
		return SIPREC_ENOMEM;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return SIPREC_OK;
}

/* Move held segments that are now in order into the buffer. */
static enum siprec_err
ooo_drain(struct siprec__tcp *t, struct flow *f)
{
	enum siprec_err e = SIPREC_OK;
	struct seg *s;
	uint32_t back;

	while ((s = f->ooo) != NULL && (int32_t)(s->seq - f->next_seq) <= 0) {
		f->ooo = s->next;
		f->ooo_n--;
		f->ooo_bytes -= s->len;
		t->bytes -= s->len;
		back = f->next_seq - s->seq;
		if (back < s->len && e == SIPREC_OK)
			e = append(t, f, s->data + back, s->len - back);
		free(s);
	}
	f->ooo_since = f->ooo != NULL ? t->now : 0;
	return e;
}

/*
 * Declare the bytes before seq lost.  Inside a message whose length is
 * known the framer can skip exactly to the next one; anywhere else it
 * hunts for a start line.
 */
static void
gap_to(struct flow *f, uint32_t seq, struct siprec_capture_stats *st)
{
	uint32_t lost = seq - f->next_seq;
	uint32_t start, end;

	st->tcp_gaps++;
	switch (f->state) {
	case FS_SYNC:
		if (f->msg_len > 0) {
			start = f->next_seq - (uint32_t)(f->len - f->off);
			end = start + (uint32_t)f->msg_len;
			if ((int32_t)(end - seq) >= 0) {
				f->skip = end - seq;
				f->state = f->skip > 0 ? FS_SKIP : FS_SYNC;
				break;
			}
		}
		f->state = FS_HUNT;
		break;
	case FS_SKIP:
		if (f->skip >= lost) {
			f->skip -= lost;
			if (f->skip == 0)
				f->state = FS_SYNC;
		} else
			f->state = FS_HUNT;
		break;
	case FS_HUNT:
	case FS_IGNORE:
		break;
	}
	if (f->state == FS_HUNT)
		f->hunted = 0;
	f->off = f->len;
	f->msg_len = 0;
	f->fresh = 0;
	f->next_seq = seq;
}

static enum siprec_err
ooo_insert(struct siprec__tcp *t, struct flow *f, uint32_t seq,
    const uint8_t *p, size_t n)
{
	struct seg *s, **pp;

	for (pp = &f->ooo; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->seq == seq && (*pp)->len >= n)
			return SIPREC_OK;	/* a retransmission */
		if ((int32_t)((*pp)->seq - seq) > 0)
			break;
	}
	if ((s = malloc(sizeof(*s) + n)) == NULL)
		return SIPREC_ENOMEM;
	s->seq = seq;
	s->len = n;
	memcpy(s->data, p, n);
	s->next = *pp;
	*pp = s;
	if (f->ooo_n == 0)
		f->ooo_since = t->now;
	f->ooo_n++;
	f->ooo_bytes += n;
	t->bytes += n;
	return SIPREC_OK;
}

static void
flow_reset(struct siprec__tcp *t, struct flow *f)
{
	ooo_clear(t, f);
	f->off = f->len;
	f->msg_len = 0;
	f->skip = 0;
	f->hunted = 0;
}

enum siprec_err
siprec__tcp_segment(struct siprec__tcp *t, const struct siprec__tcp_seg *g,
    struct siprec_capture_stats *st)
{
	enum siprec_err e;
	const uint8_t *p = g->data;
	size_t n = g->len;
	uint32_t seq = g->seq, h;
	struct flow *f;
	int32_t d;

	if (g->ts_ns > t->now)
		t->now = g->ts_ns;
	h = flow_hash(g->src, g->dst);
	f = flow_find(t, g->src, g->dst, h);
	if (f == NULL) {
		if (n == 0 && !(g->flags & SIPREC__TCP_SYN))
			return SIPREC_OK;
		if ((f = calloc(1, sizeof(*f))) == NULL)
			return SIPREC_ENOMEM;
		f->hash = h;
		f->src = *g->src;
		f->dst = *g->dst;
		f->state = FS_HUNT;
		f->hnext = t->tab[h % NBUCKET];
		t->tab[h % NBUCKET] = f;
		t->nflows++;
	} else
		lru_unlink(t, f);
	lru_push(t, f);
	f->last_ns = g->ts_ns;
	f->file = g->file;
	f->record = g->record;
	flow_expire(t, f);

	if (g->flags & SIPREC__TCP_SYN) {
		if (!f->have_seq || f->next_seq != seq + 1) {
			/* A new connection on this 4-tuple. */
			flow_reset(t, f);
			f->have_seq = 1;
			f->next_seq = seq + 1;
			f->state = FS_SYNC;
			f->fresh = 1;
		}
		seq++;
	}
	if (n == 0)
		return SIPREC_OK;
	if (!f->have_seq) {
		/* Picked up in the middle: hunt from here. */
		f->have_seq = 1;
		f->next_seq = seq;
	}
	if (f->state == FS_IGNORE) {
		if ((int32_t)(seq + (uint32_t)n - f->next_seq) > 0)
			f->next_seq = seq + (uint32_t)n;
		return SIPREC_OK;
	}

	/* Too long a wait for a hole, or too much held: it is lost. */
	if (f->ooo != NULL && (f->ooo_n >= SIPREC__TCP_OOO_SEGS ||
	    f->ooo_bytes + n > SIPREC__TCP_OOO_BYTES ||
	    t->now - f->ooo_since > SIPREC__TCP_OOO_WAIT) &&
	    (int32_t)(seq - f->next_seq) > 0) {
		gap_to(f, f->ooo->seq, st);
		if ((e = ooo_drain(t, f)) != SIPREC_OK)
			return e;
	}
	d = (int32_t)(seq - f->next_seq);
	if (d > 0) {
		if (d <= SIPREC__TCP_OOO_WINDOW && n <= SIPREC__TCP_OOO_BYTES)
			return ooo_insert(t, f, seq, p, n);
		/* Far ahead: the stream jumped. */
		ooo_clear(t, f);
		gap_to(f, seq, st);
		d = 0;
	}
	if (d < 0) {
		if ((uint32_t)-(int64_t)d >= n)
			return SIPREC_OK;	/* all seen before */
		p += (uint32_t)-(int64_t)d;
		n -= (uint32_t)-(int64_t)d;
	}
	e = append(t, f, p, n);
	if (e == SIPREC_OK)
		e = ooo_drain(t, f);
	t->pending = f;
	return e;
}

/* --- SIP framing (RFC 3261 section 18.3) -------------------------------- */

/*
 * Offset just past the empty line that ends the headers in p[0..n), or 0
 * when it has not arrived.  Bare LF line ends are accepted too.
 */
static size_t
headers_end(const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *e = p + n;

	while ((q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
		q++;
		if (q < e && *q == '\n')
			return (size_t)(q - p) + 1;
		if (q + 1 < e && q[0] == '\r' && q[1] == '\n')
			return (size_t)(q - p) + 2;
	}
	return 0;
}

/*
 * Content-Length (or its compact form "l", RFC 3261 section 20.14) from
 * the headers p[0..n); 0 when absent or unusable.
 */
static size_t
content_length(const uint8_t *p, size_t n)
{
	const uint8_t *ls = p, *le, *e = p + n, *c;
	size_t nl, v;
	int digits;

	while (ls < e) {
		le = memchr(ls, '\n', (size_t)(e - ls));
		if (le == NULL)
			le = e;
		if (ls != p && *ls != ' ' && *ls != '\t' &&
		    (c = memchr(ls, ':', (size_t)(le - ls))) != NULL) {
			nl = (size_t)(c - ls);
			while (nl > 0 && (ls[nl - 1] == ' ' ||
			    ls[nl - 1] == '\t'))
				nl--;
			if ((nl == 14 && strncasecmp((const char *)ls,
			    "content-length", 14) == 0) ||
			    (nl == 1 && (*ls == 'l' || *ls == 'L'))) {
				for (c++; c < le && (*c == ' ' || *c == '\t');
				    c++)
					continue;
				v = 0;
				digits = 0;
				for (; c < le && *c >= '0' && *c <= '9'; c++) {
					v = v * 10 + (size_t)(*c - '0');
					digits = 1;
					if (v > (size_t)1 << 30)
						return 0;
				}
				return digits ? v : 0;
			}
		}
		ls = le + 1;
	}
	return 0;
}

/* How far to look for the LF that ends a start line. */
static size_t
line_span(size_t avail)
{
	return avail <= SIPREC__TCP_LINE_MAX ? avail :
	    SIPREC__TCP_LINE_MAX + 1;
}

/*
 * Look for a whole message at the start of the buffer, consuming
 * keep-alives and bytes that cannot belong to one.  Returns its length,
 * or 0 when more data is needed.
 */
static size_t
frame(struct flow *f, struct siprec_capture_stats *st)
{
	const uint8_t *p, *nl;
	size_t avail, hl, k;
	int r;

	for (;;) {
		avail = f->len - f->off;
		if (avail == 0 || f->buf == NULL)
			return 0;	/* never offset a NULL buffer */
		p = f->buf + f->off;
		switch (f->state) {
		case FS_IGNORE:
			f->off = f->len;
			return 0;
		case FS_SKIP:
			k = f->skip < avail ? (size_t)f->skip : avail;
			f->off += k;
			f->skip -= k;
			if (f->skip == 0)
				f->state = FS_SYNC;
			continue;
		case FS_HUNT:
			/* Start lines are never longer than this. */
			nl = memchr(p, '\n', line_span(avail));
			if (nl == NULL) {
				if (avail <= SIPREC__TCP_LINE_MAX)
					return 0;
				k = avail;
			} else if (start_line(p, (size_t)(nl - p),
			    1) > 0 && known_start(p, (size_t)(nl - p))) {
				f->state = FS_SYNC;
				continue;
			} else
				k = (size_t)(nl - p) + 1;
			f->off += k;
			f->hunted += k;
			if (f->hunted > SIPREC__TCP_HUNT_MAX) {
				f->state = FS_IGNORE;
				st->skipped_other++;
			}
			continue;
		case FS_SYNC:
			break;
		}
		if (f->msg_len > 0)
			return avail >= f->msg_len ? f->msg_len : 0;
		/* Keep-alives between messages: CRLF or CRLFCRLF (RFC 5626). */
		if (*p == '\r' || *p == '\n') {
			f->off++;
			continue;
		}
		nl = memchr(p, '\n', line_span(avail));
		if (nl != NULL)
			r = start_line(p, (size_t)(nl - p), 1);
		else if (avail <= SIPREC__TCP_LINE_MAX) {
			if ((r = start_line(p, avail, 0)) == 0)
				return 0;
		} else
			r = -1;
		if (r <= 0) {
			if (f->fresh) {
				/* Not SIP from its first byte. */
				f->state = FS_IGNORE;
				st->skipped_other++;
			} else {
				f->state = FS_HUNT;
				f->hunted = 0;
			}
			continue;
		}
		if ((hl = headers_end(p, avail < SIPREC__TCP_MSG_MAX ? avail :
		    SIPREC__TCP_MSG_MAX)) == 0) {
			if (avail < SIPREC__TCP_MSG_MAX)
				return 0;
			/* Headers larger than any message kept. */
			f->state = FS_HUNT;
			f->hunted = 0;
			f->off += nl != NULL ? (size_t)(nl - p) + 1 : avail;
			st->skipped_other++;
			continue;
		}
		f->msg_len = hl + content_length(p, hl);
		if (f->msg_len > SIPREC__TCP_MSG_MAX) {
			f->state = FS_SKIP;
			f->skip = f->msg_len;
			f->msg_len = 0;
			st->skipped_other++;
			continue;
		}
		return avail >= f->msg_len ? f->msg_len : 0;
	}
}

int
siprec__tcp_next(struct siprec__tcp *t, struct siprec_pkt *out,
    struct siprec_capture_stats *st)
{
	struct flow *f = t->pending;
	size_t n;

	if (f == NULL)
		return 0;
	if (f->given > 0) {
		f->off += f->given;
		f->given = 0;
		f->msg_len = 0;
	}
	if ((n = frame(f, st)) > 0) {
		f->given = n;
		f->fresh = 0;
		f->hunted = 0;
		memset(out, 0, sizeof(*out));
		out->kind = SIPREC_PKT_SIP_TCP;
		out->ts_ns = f->last_ns;
		out->src = f->src;
		out->dst = f->dst;
		out->data.p = f->buf + f->off;
		out->data.len = n;
		out->file = f->file;
		out->record = f->record;
		return 1;
	}
	t->pending = NULL;
	if (f->off == f->len && f->cap > 16384)
		buf_release(t, f);
	else if (f->off > 0) {
		memmove(f->buf, f->buf + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	return 0;
}

int
siprec__tcp_flush(struct siprec__tcp *t, struct siprec_capture_stats *st)
{
	struct flow *f;

	if (t == NULL)
		return 0;
	/* Oldest first: its held data is likely the earliest. */
	for (f = t->oldest; f != NULL; f = f->newer)
		if (f->ooo != NULL)
			break;
	if (f == NULL)
		return 0;
	gap_to(f, f->ooo->seq, st);
	(void)ooo_drain(t, f);
	t->pending = f;
	return 1;
}
