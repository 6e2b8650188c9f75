/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7865 metadata as a recording client sends it, in the shapes of real SRCs (personas). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <siprec/base64.h>
#include <siprec/srcmeta.h>

#include "sipnet_int.h"

/*
 * The shapes follow SPEC 5 and the real messages of the corpus: each
 * persona writes what that SRC writes, deviations from RFC 7865 included,
 * so that a recorder can be tested against them.  Only "rfc" (and the
 * three personas that differ in SIP and SDP only) are valid RFC 7865.
 */
static const struct siprec_persona personas[SIPREC_P__N] = {
	{ SIPREC_P_RFC, "rfc", "RFC 7865/7866 (default)",
	    "application/rs-metadata+xml", "siprec-src-", 0, 0, 0, 1, 0, 1, 1,
	    "+sip.src", "PCMU", 0, 0, 0, 0, 0, 0, 0 },
	{ SIPREC_P_ORACLE, "oracle", "Oracle/Acme Packet SBC (pre-RFC "
	    "namespace, id= attributes, extensiondata)",
	    "application/rs-metadata+xml", "unique-boundary-", 0, 0, 0, 1, 0,
	    16777227, 1, "+sip.src", "PCMU", 0, 0, 0, 0, 0, 1, 0 },
	{ SIPREC_P_RIBBON, "ribbon", "Ribbon/Sonus SBC (tns: prefix, callData)",
	    "application/rs-metadata+xml", "sonus-content-delim", 0, 0, 1, 1,
	    0, 1, 1, "+sip.src", "PCMU", 0, 0, 0, 0, 0, 0, 0 },
	{ SIPREC_P_BROADWORKS, "broadworks", "Cisco BroadWorks "
	    "(recording_metadata, metadata part first)",
	    "application/rs-metadata+xml", "BroadWorks-", 1, 1, 0, 1, 0, 1, 1,
	    "+sip.src", "PCMU", 0, 0, 0, 0, 0, 1, 0 },
	{ SIPREC_P_AUDIOCODES, "audiocodes", "AudioCodes SBC legacy format "
	    "(;src Contact, application/rs-metadata)",
	    "application/rs-metadata", "boundary_ac", 0, 0, 0, 1, 0, 1, 1,
	    "src", "PCMA", 0, 0, 0, 0, 0, 1, 0 },
	{ SIPREC_P_CISCO, "cisco", "Cisco CUBE (interleaved order, gtd part, "
	    "telephone-event)",
	    "application/rs-metadata+xml", "uniqueBoundary", 0, 0, 1, 1, 0, 1,
	    1, "+sip.src", "PCMU", 1, 1, 0, 0, 0, 0, 0 },
	{ SIPREC_P_AVAYA, "avaya", "Avaya SBCE (dataMode, hex IDs, placeholder "
	    "party then UPDATE)",
	    "application/rs-metadata+xml", "MIME_boundary_", 0, 0, 0, 1, 0, 10,
	    10, "+sip.src", "PCMU", 0, 0, 0, 0, 1, 1, 0 },
	{ SIPREC_P_METASWITCH, "metaswitch", "Metaswitch (one mixed stream)",
	    "application/rs-metadata+xml", "metaswitch-", 0, 0, 0, 1, 1, 1, 1,
	    "+sip.src", "PCMU", 0, 0, 0, 0, 0, 0, 0 },
	{ SIPREC_P_CONTROLONE, "controlone", "ControlONE (mixed stream, "
	    "G.729+PCMU offer, X-ControlONE-Info headers)",
	    "application/rs-metadata+xml", "controlone-", 0, 0, 0, 1, 1, 1, 1,
	    "+sip.src", "G729 PCMU", 0, 0, 0, 1, 0, 0, 0 },
	{ SIPREC_P_GENESYS, "genesys", "Genesys media server (Request-URI "
	    "parameters, both parties in one session, o= bump on transfer)",
	    "application/rs-metadata", "genesys-", 0, 0, 0, 1, 0, 1, 1,
	    "+sip.src", "PCMU", 0, 0, 1, 0, 0, 0, 0 },
	{ SIPREC_P_GENESYS_PARTY, "genesys-party", "Genesys media server, "
	    "one session per party (its recordDN, its stream only)",
	    "application/rs-metadata", "genesys-", 0, 0, 0, 1, 0, 1, 1,
	    "+sip.src", "PCMU", 0, 0, 1, 0, 0, 0, 1 },
};

const struct siprec_persona *
siprec_persona_find(const char *name)
{
	int	i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < SIPREC_P__N; i++)
		if (strcasecmp(name, personas[i].name) == 0)
			return &personas[i];
	return NULL;
}

const struct siprec_persona *
siprec_persona_get(enum siprec_persona_id id)
{
	if ((int)id < 0 || id >= SIPREC_P__N)
		return NULL;
	return &personas[id];
}

/* --- state --------------------------------------------------------------- */

struct party {
	char		 name[128];
	char		 aor[256];
	char		 id[64];
	int		 present;	/* in the session now */
	int		 announced;	/* sent in a document */
	int		 changed;	/* association changed since */
	int		 sr_changed;	/* send/recv changed since */
	int		 hold;
	uint64_t	 t_assoc, t_disassoc;
};

struct mstream {
	char		 id[64];
	char		 label[32];
	int		 sender;	/* party index; -1 mixed */
};

struct siprec_srcmeta {
	const struct siprec_persona *p;
	struct party	 party[SIPREC_SRCMETA_MAX_PARTIES];
	unsigned int	 np;
	struct mstream	 st[SIPREC_SRCMETA_MAX_STREAMS];
	unsigned int	 ns;
	int		 mixed;
	char		 session_id[64], group_id[64];
	char		 sipsid[160], callid[160];
	uint64_t	 t_start;
	int		 sent_complete;
	int		 placeholder;	/* Avaya: dummy party stands */
	uint64_t	 rng;		/* 0: the library's generator */
	const struct siprec_srcmeta_tpl *tpl;
	int		 pristine;	/* nothing changed since new */
};

/*
 * A template is a document written with marks where a session's values
 * go: MARK, then a slot byte (below, plus 'A': a letter or one of
 * [\]^_`, nothing XML escapes).  The
 * writers need not know: identifiers and session IDs are the marks
 * themselves, which esc() leaves alone; fmt_time() writes a time's
 * mark, its style in the slot, while the state is marking.
 */
#define MARK		'\001'
enum slot {
	SL_SESSION = 0,
	SL_GROUP,
	SL_SIPSID,
	SL_CALLID,
	SL_T0,				/* + enum tstyle: the start */
	SL_NOW = SL_T0 + 4,		/* + enum tstyle: the document's */
	SL_PARTY = SL_NOW + 4,		/* + party index */
	SL_STREAM = SL_PARTY + SIPREC_SRCMETA_MAX_PARTIES,	/* + k */
	SL__N = SL_STREAM + SIPREC_SRCMETA_MAX_STREAMS
};
#define T0_MARKING	1		/* t_start and now while marking */
#define NOW_MARKING	2

/* This thread is writing a template (siprec_srcmeta_tpl_new()). */
static _Thread_local int	marking;

struct siprec_srcmeta_tpl {
	char		*snap;		/* complete, with labels */
	size_t		 snaplen;
	char		*stop;		/* the stop document after it */
	size_t		 stoplen;
	int		 sipsid, callid;	/* given, or "" */
};

/*
 * Identifiers must be unique, not secret (RFC 7865 6.10): the library's
 * fast generator, or splitmix64 for seeded, reproducible ones.
 */
static void
rnd(struct siprec_srcmeta *m, uint8_t *p, size_t n)
{
	uint64_t	z = 0;
	size_t		i;

	if (m->rng == 0) {
		siprec__rng_bytes(p, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (i % 8 == 0) {
			z = (m->rng += 0x9e3779b97f4a7c15ULL);
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
		}
		p[i] = (uint8_t)(z >> (8 * (i % 8)));
	}
}

static void
uuid_text(char *o, const uint8_t u[16])
{
	snprintf(o, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/*
 * One identifier in the persona's form.  kind: 's' session, 'g' group,
 * 'p' participant, 't' stream (Avaya makes the session ID longer).
 */
static void
make_id(struct siprec_srcmeta *m, int kind, char *out)
{
	uint8_t	u[16];
	char	t[40];
	size_t	i;

	rnd(m, u, sizeof(u));
	switch (m->p->id) {
	case SIPREC_P_ORACLE:
		/* Version nibble 4, variant bits 0xx (SPEC 2.3, measured). */
		u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
		u[8] &= 0x7f;
		siprec_base64_encode(out, u, 16);
		return;
	case SIPREC_P_RIBBON:
		/* base64 of the first 16 characters of UUID text. */
		uuid_text(t, u);
		siprec_base64_encode(out, (const uint8_t *)t, 16);
		return;
	case SIPREC_P_CISCO:
		/* Version 1, RFC 4122 variant, a unicast node (a MAC). */
		u[6] = (uint8_t)((u[6] & 0x0f) | 0x10);
		u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
		u[10] &= 0xfe;
		siprec_base64_encode(out, u, 16);
		return;
	case SIPREC_P_AUDIOCODES:
		uuid_text(out, u);
		return;
	case SIPREC_P_BROADWORKS:
		u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
		u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
		memcpy(out, "urn:uuid:", 9);
		uuid_text(out + 9, u);
		return;
	case SIPREC_P_AVAYA:
		/* A UCID in hex for the session, 20 hex digits otherwise. */
		for (i = 0; i < (kind == 's' ? 11u : 10u); i++)
			snprintf(out + 2 * i, 3, kind == 's' ? "%02X" : "%02x",
			    u[i]);
		return;
	default:
		/* RFC 7865 6.10: base64 of a version 4 UUID. */
		u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
		u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
		siprec_base64_encode(out, u, 16);
		return;
	}
}

static void
copy(char *dst, size_t cap, const char *s)
{
	size_t	n = s != NULL ? strnlen(s, cap - 1) : 0;

	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

enum siprec_err
siprec_srcmeta_new(const struct siprec_srcmeta_opts *o,
    struct siprec_srcmeta **out, struct siprec_diag *diag)
{
	struct siprec_srcmeta	*m;
	unsigned int		 i;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (o == NULL || o->nparties == 0 ||
	    o->nparties > SIPREC_SRCMETA_MAX_PARTIES || o->parties == NULL ||
	    o->nstreams == 0 || o->nstreams > SIPREC_SRCMETA_MAX_STREAMS) {
		siprec_diag_set(diag, 0, 0, "1 to %d parties and 1 to %d "
		    "streams", SIPREC_SRCMETA_MAX_PARTIES,
		    SIPREC_SRCMETA_MAX_STREAMS);
		return SIPREC_EINVAL;
	}
	for (i = 0; i < o->nparties; i++)
		if (o->parties[i].aor == NULL || o->parties[i].aor[0] == '\0') {
			siprec_diag_set(diag, 0, 0, "party %u has no AoR", i + 1);
			return SIPREC_EINVAL;
		}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return SIPREC_ENOMEM;
	m->p = o->persona != NULL ? o->persona : &personas[SIPREC_P_RFC];
	m->rng = o->seed;
	m->mixed = o->mixed || m->p->mixed;
	m->np = o->nparties;
	for (i = 0; i < m->np; i++) {
		copy(m->party[i].name, sizeof(m->party[i].name),
		    o->parties[i].name);
		copy(m->party[i].aor, sizeof(m->party[i].aor),
		    o->parties[i].aor);
		make_id(m, 'p', m->party[i].id);
		m->party[i].present = 1;
	}
	m->ns = m->mixed ? 1 : o->nstreams;
	for (i = 0; i < m->ns; i++) {
		make_id(m, 't', m->st[i].id);
		m->st[i].sender = m->mixed ? -1 : (int)(i % m->np);
		if (o->labels != NULL && o->labels[i] != NULL)
			copy(m->st[i].label, sizeof(m->st[i].label),
			    o->labels[i]);
		else
			snprintf(m->st[i].label, sizeof(m->st[i].label), "%u",
			    m->p->label_base + i * m->p->label_step);
	}
	make_id(m, 's', m->session_id);
	make_id(m, 'g', m->group_id);
	copy(m->sipsid, sizeof(m->sipsid), o->sip_session_id);
	copy(m->callid, sizeof(m->callid), o->call_id);
	m->placeholder = m->p->placeholder && m->np >= 2;
	m->pristine = 1;
	m->tpl = o->tpl;
	if (m->tpl != NULL && (m->tpl->sipsid != (m->sipsid[0] != '\0') ||
	    m->tpl->callid != (m->callid[0] != '\0')))
		m->tpl = NULL;
	*out = m;
	return SIPREC_OK;
}

void
siprec_srcmeta_free(struct siprec_srcmeta *m)
{
	free(m);
}

unsigned int
siprec_srcmeta_nstreams(const struct siprec_srcmeta *m)
{
	return m->ns;
}

const char *
siprec_srcmeta_label(const struct siprec_srcmeta *m, unsigned int k)
{
	return k < m->ns ? m->st[k].label : NULL;
}

int
siprec_srcmeta_placeholder(const struct siprec_srcmeta *m)
{
	return m->placeholder;
}

/* --- changes ------------------------------------------------------------- */

enum siprec_err
siprec_srcmeta_join(struct siprec_srcmeta *m,
    const struct siprec_srcmeta_party *pa, uint64_t now, unsigned int *index)
{
	struct party	*p;

	if (m == NULL || pa == NULL || pa->aor == NULL)
		return SIPREC_EINVAL;
	if (m->np == SIPREC_SRCMETA_MAX_PARTIES)
		return SIPREC_EBUSY;
	m->pristine = 0;
	p = &m->party[m->np];
	memset(p, 0, sizeof(*p));
	copy(p->name, sizeof(p->name), pa->name);
	copy(p->aor, sizeof(p->aor), pa->aor);
	make_id(m, 'p', p->id);
	p->present = 1;
	p->changed = p->sr_changed = 1;
	p->t_assoc = now;
	if (index != NULL)
		*index = m->np;
	m->np++;
	return SIPREC_OK;
}

/* Party i leaves at now; the streams it sent pass to heir (-2: nobody). */
static void
depart(struct siprec_srcmeta *m, unsigned int i, uint64_t now, int heir)
{
	unsigned int	k;

	m->pristine = 0;
	for (k = 0; k < m->ns; k++)
		if (m->st[k].sender == (int)i)
			m->st[k].sender = heir;
	m->party[i].present = 0;
	m->party[i].changed = m->party[i].sr_changed = 1;
	m->party[i].t_disassoc = now;
}

enum siprec_err
siprec_srcmeta_leave(struct siprec_srcmeta *m, unsigned int i, uint64_t now)
{
	unsigned int	k;

	if (m == NULL || i >= m->np || !m->party[i].present)
		return SIPREC_EINVAL;
	/* Streams it sent are sent by nobody now (a CS leg gone). */
	depart(m, i, now, -2);
	for (k = 0; k < m->np; k++)
		if (m->party[k].present)
			m->party[k].sr_changed = 1;
	return SIPREC_OK;
}

enum siprec_err
siprec_srcmeta_transfer(struct siprec_srcmeta *m, unsigned int i,
    const struct siprec_srcmeta_party *pa, uint64_t now, unsigned int *ni)
{
	enum siprec_err	e;
	unsigned int	n;

	if (m == NULL || i >= m->np || !m->party[i].present)
		return SIPREC_EINVAL;
	if ((e = siprec_srcmeta_join(m, pa, now, &n)) != SIPREC_OK)
		return e;
	/* RFC 8068 3.2.3: the new party takes over what i sent. */
	depart(m, i, now, (int)n);
	if (ni != NULL)
		*ni = n;
	return SIPREC_OK;
}

enum siprec_err
siprec_srcmeta_hold(struct siprec_srcmeta *m, unsigned int i, int on)
{
	unsigned int	k;

	if (m == NULL || i >= m->np || !m->party[i].present)
		return SIPREC_EINVAL;
	if (m->party[i].hold == !!on)
		return SIPREC_OK;
	m->party[i].hold = !!on;
	m->pristine = 0;
	/*
	 * RFC 8068 3.2.2: the held party stops sending, and the others stop
	 * receiving it; every send/recv set concerned is sent again.
	 */
	for (k = 0; k < m->np; k++)
		if (m->party[k].present)
			m->party[k].sr_changed = 1;
	return SIPREC_OK;
}

/* Does party i send stream k now? */
static int
sends(const struct siprec_srcmeta *m, unsigned int i, unsigned int k)
{
	const struct party *p = &m->party[i];

	if (!p->present || p->hold)
		return 0;
	return m->st[k].sender == -1 || m->st[k].sender == (int)i;
}

static int
receives(const struct siprec_srcmeta *m, unsigned int i, unsigned int k)
{
	const struct party	*p = &m->party[i];
	int			 s = m->st[k].sender;

	if (!p->present || p->hold)
		return 0;
	if (s == -1)
		return 1;
	if (s < 0 || s == (int)i)
		return 0;
	return !m->party[s].hold;
}

/* --- output -------------------------------------------------------------- */

struct sb {
	char	*p;
	size_t	 len, cap;
	int	 err;		/* enum siprec_err */
};

/* Append n bytes, growing by doubling up to the document cap. */
static void
sb_put(struct sb *b, const char *s, size_t n)
{
	size_t	ncap;
	char	*np;

	if (b->err)
		return;
	while (b->len + n >= b->cap) {
		ncap = b->cap * 2;
		if (ncap > SIPREC_SRCMETA_MAX_DOC + 1) {
			b->err = SIPREC_ETOOBIG;
			return;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = SIPREC_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbf(struct sb *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Append a format of text and %s only (a document is a few hundred of
 * them per call: vsnprintf was most of its cost); anything else in fmt
 * is a programming error, SIPREC_EINVAL.
 */
static void
sbf(struct sb *b, const char *fmt, ...)
{
	va_list		 ap;
	const char	*f = fmt, *q, *s;

	va_start(ap, fmt);
	while (!b->err && *f != '\0') {
		if ((q = strchr(f, '%')) == NULL) {
			sb_put(b, f, strlen(f));
			break;
		}
		sb_put(b, f, (size_t)(q - f));
		if (q[1] == 's') {
			if ((s = va_arg(ap, const char *)) == NULL)
				s = "(null)";
			sb_put(b, s, strlen(s));
		} else if (q[1] == '%')
			sb_put(b, "%", 1);
		else
			b->err = SIPREC_EINVAL;
		f = q + 2;
	}
	va_end(ap);
}

/* XML character data and attribute values (XML 1.0 2.4, 3.3.3). */
static const char *
esc(char *buf, size_t cap, const char *s)
{
	size_t		 o = 0;
	const char	*r;

	for (; *s != '\0' && o + 7 < cap; s++) {
		switch (*s) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&apos;"; break;
		default: buf[o++] = *s; continue;
		}
		memcpy(buf + o, r, strlen(r));
		o += strlen(r);
	}
	buf[o] = '\0';
	return buf;
}

enum tstyle { T_Z, T_MS, T_LOCAL, T_OFFSET };

static const char *
fmt_time(char *o, uint64_t ns, enum tstyle st)
{
	/* Documents come by the thousand a second: the same second's. */
	static _Thread_local time_t	last = -1;
	static _Thread_local char	base[32];
	time_t				s = (time_t)(ns / 1000000000u);
	struct tm			tm;
	size_t				n;
	unsigned int			ms;

	if (marking && (ns == T0_MARKING || ns == NOW_MARKING)) {
		o[0] = MARK;
		o[1] = (char)('A' + (ns == T0_MARKING ? SL_T0 : SL_NOW) + st);
		o[2] = '\0';
		return o;
	}
	if (s != last) {
		gmtime_r(&s, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		last = s;
	}
	/* o has 40 bytes; base is 19 characters up to year 9999. */
	n = strlen(base);
	memcpy(o, base, n);
	switch (st) {
	case T_MS:
		ms = (unsigned int)(ns / 1000000u % 1000u);
		o[n++] = '.';
		o[n++] = (char)('0' + ms / 100);
		o[n++] = (char)('0' + ms / 10 % 10);
		o[n++] = (char)('0' + ms % 10);
		o[n++] = 'Z';
		break;
	case T_LOCAL:
		break;
	case T_OFFSET:
		memcpy(o + n, "+00:00", 6);
		n += 6;
		break;
	default:
		o[n++] = 'Z';
		break;
	}
	o[n] = '\0';
	return o;
}

/* The aor as the persona writes it (Ribbon and AudioCodes: no scheme). */
static const char *
aor_of(const struct siprec_srcmeta *m, const struct party *p)
{
	if ((m->p->id == SIPREC_P_RIBBON || m->p->id == SIPREC_P_AUDIOCODES) &&
	    strncasecmp(p->aor, "sip:", 4) == 0)
		return p->aor + 4;
	return p->aor;
}

/* The party as shown: Avaya's placeholder stands for the second one. */
static const char *
shown_aor(const struct siprec_srcmeta *m, unsigned int i)
{
	if (m->placeholder && i == 1)
		return "sip:ASBCE@asbce.com";
	return aor_of(m, &m->party[i]);
}

enum kind { K_COMPLETE, K_PARTIAL, K_STOP };

/*
 * RFC 7865 shape, also Ribbon's (tns: prefix, old namespace, callData,
 * associate-time in stream) and Cisco's (interleaved order, no names,
 * milliseconds).  Partial documents name only what changed.
 */
static void
w_rfc(struct siprec_srcmeta *m, struct sb *b, enum kind kind, int labels,
    uint64_t now)
{
	const int	 ribbon = m->p->id == SIPREC_P_RIBBON;
	const int	 cisco = m->p->id == SIPREC_P_CISCO;
	const char	*x = ribbon ? "tns:" : "";
	const char	*nl = cisco ? "\r\n" : "\n";
	const char	*in = cisco ? "" : "  ";
	enum tstyle	 ts = cisco ? T_MS : T_Z;
	char		 t0[40], tn[40], e1[600], e2[300];
	unsigned int	 i, k;
	int		 complete = kind == K_COMPLETE;

	fmt_time(t0, m->t_start, ts);
	fmt_time(tn, now, ts);
	if (ribbon)
		sbf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<tns:recording xmlns:tns='urn:ietf:params:xml:ns:"
		    "recording'>\n");
	else
		sbf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>%s"
		    "<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">"
		    "%s", nl, nl);
	sbf(b, "%s<%sdatamode>%s</%sdatamode>%s", in, x,
	    complete ? "complete" : "partial", x, nl);
	if (complete && ribbon) {
		sbf(b, "  <tns:group group_id=\"%s\">\n"
		    "    <tns:associate-time>%s</tns:associate-time>\n"
		    "    <callData xmlns='urn:ietf:params:xml:ns:callData'>\n"
		    "      <callid>%s</callid>\n"
		    "    </callData>\n"
		    "  </tns:group>\n", m->group_id, t0,
		    esc(e1, sizeof(e1), m->callid));
	}
	if (complete || kind == K_STOP) {
		sbf(b, "%s<%ssession session_id=\"%s\">%s", in, x,
		    m->session_id, nl);
		if (complete && m->sipsid[0] != '\0')
			sbf(b, "%s%s<%ssipSessionID>%s</%ssipSessionID>%s", in,
			    in, x, esc(e1, sizeof(e1), m->sipsid), x, nl);
		if (complete && ribbon)
			sbf(b, "    <tns:group-ref>%s</tns:group-ref>\n",
			    m->group_id);
		if (complete)
			sbf(b, "%s%s<%sstart-time>%s</%sstart-time>%s", in, in,
			    x, t0, x, nl);
		else
			sbf(b, "%s%s<%sstop-time>%s</%sstop-time>%s", in, in,
			    x, tn, x, nl);
		sbf(b, "%s</%ssession>%s", in, x, nl);
	}
	/* Participants: all in a snapshot, the new ones in a partial. */
	for (i = 0; i < m->np; i++) {
		const struct party *p = &m->party[i];

		if (complete ? !p->present : p->announced)
			continue;
		if (!complete && kind == K_STOP)
			continue;
		sbf(b, "%s<%sparticipant participant_id=\"%s\">%s", in, x,
		    p->id, nl);
		sbf(b, "%s%s<%snameID aor=\"%s\">%s", in, in, x,
		    esc(e1, sizeof(e1), shown_aor(m, i)), nl);
		if (p->name[0] != '\0' && !(cisco && i == 0))
			sbf(b, "%s%s%s<%sname xml:lang=\"en\">%s</%sname>%s",
			    in, in, in, x, esc(e2, sizeof(e2), p->name), x, nl);
		sbf(b, "%s%s</%snameID>%s%s</%sparticipant>%s", in, in, x, nl,
		    in, x, nl);
		if (cisco && complete) {
			/* CUBE interleaves psa and stream (SPEC 5). */
			sbf(b, "<participantsessionassoc participant_id=\"%s\" "
			    "session_id=\"%s\">\r\n<associate-time>%s"
			    "</associate-time>\r\n</participantsessionassoc>"
			    "\r\n", p->id, m->session_id, t0);
			for (k = 0; k < m->ns; k++)
				if (m->st[k].sender == (int)i ||
				    (m->st[k].sender == -1 && i == 0)) {
					sbf(b, "<stream stream_id=\"%s\" "
					    "session_id=\"%s\">\r\n", m->st[k].id,
					    m->session_id);
					if (labels)
						sbf(b, "<label>%s</label>\r\n",
						    m->st[k].label);
					sbf(b, "</stream>\r\n");
				}
		}
	}
	if (complete && !cisco)
		for (k = 0; k < m->ns; k++) {
			sbf(b, "%s<%sstream stream_id=\"%s\" session_id=\"%s\">%s",
			    in, x, m->st[k].id, m->session_id, nl);
			if (labels)
				sbf(b, "%s%s<%slabel>%s</%slabel>%s", in, in, x,
				    m->st[k].label, x, nl);
			if (ribbon)
				sbf(b, "    <tns:associate-time>%s"
				    "</tns:associate-time>\n", t0);
			sbf(b, "%s</%sstream>%s", in, x, nl);
		}
	if ((complete && !cisco) || kind == K_STOP)
		sbf(b, "%s<%ssessionrecordingassoc session_id=\"%s\">%s"
		    "%s%s<%s%sassociate-time>%s</%s%sassociate-time>%s"
		    "%s</%ssessionrecordingassoc>%s", in, x, m->session_id, nl,
		    in, in, x, complete ? "" : "dis", complete ? t0 : tn, x,
		    complete ? "" : "dis", nl, in, x, nl);
	for (i = 0; i < m->np && !(complete && cisco); i++) {
		const struct party *p = &m->party[i];
		int	left = !p->present && p->t_disassoc != 0;

		if (complete && !p->present)
			continue;
		if (kind == K_PARTIAL && !p->changed)
			continue;
		if (kind == K_STOP && !p->present)
			continue;
		sbf(b, "%s<%sparticipantsessionassoc participant_id=\"%s\" "
		    "session_id=\"%s\">%s", in, x, p->id, m->session_id, nl);
		if (kind != K_STOP && !left)
			sbf(b, "%s%s<%sassociate-time>%s</%sassociate-time>%s",
			    in, in, x, fmt_time(e2, p->t_assoc ? p->t_assoc :
			    m->t_start, ts), x, nl);
		if (kind == K_STOP || left)
			sbf(b, "%s%s<%sdisassociate-time>%s"
			    "</%sdisassociate-time>%s", in, in, x,
			    fmt_time(e2, kind == K_STOP ? now : p->t_disassoc,
			    ts), x, nl);
		sbf(b, "%s</%sparticipantsessionassoc>%s", in, x, nl);
	}
	/* send before recv (XSD); every set in full (RFC 7865 6.8.1). */
	for (i = 0; i < m->np && kind != K_STOP; i++) {
		const struct party *p = &m->party[i];

		if (complete ? !p->present : !p->sr_changed)
			continue;
		sbf(b, "%s<%sparticipantstreamassoc participant_id=\"%s\">%s",
		    in, x, p->id, nl);
		for (k = 0; k < m->ns; k++)
			if (sends(m, i, k))
				sbf(b, "%s%s<%ssend>%s</%ssend>%s", in, in, x,
				    m->st[k].id, x, nl);
		for (k = 0; k < m->ns; k++)
			if (receives(m, i, k))
				sbf(b, "%s%s<%srecv>%s</%srecv>%s", in, in, x,
				    m->st[k].id, x, nl);
		sbf(b, "%s</%sparticipantstreamassoc>%s", in, x, nl);
	}
	sbf(b, "</%srecording>%s", x, nl);
}

/*
 * Pre-RFC shapes (SPEC 5): Oracle/Acme (namespace without :1, id= and
 * session=, send/recv inside participant, associate-time placed in
 * session, participant and stream, stream/mode, extensiondata wrapper,
 * times without offset) and AudioCodes legacy (the same skeleton with
 * its own namespace and UUID text IDs, aor without scheme).
 */
static void
w_prerfc(struct siprec_srcmeta *m, struct sb *b, enum kind kind, int labels,
    uint64_t now)
{
	const int	 ac = m->p->id == SIPREC_P_AUDIOCODES;
	char		 t0[40], tn[40], e1[600], e2[300];
	unsigned int	 i, k;

	fmt_time(t0, m->t_start, T_LOCAL);
	fmt_time(tn, now, T_LOCAL);
	if (ac)
		sbf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<recording "
		    "xmlns=\"urn:ietf:params:xml:ns:recording\" "
		    "xmlns:ac=\"http://AudioCodes\">\n");
	else
		sbf(b, "<?xml version='1.0' encoding='UTF-8'?>\n<recording "
		    "xmlns='urn:ietf:params:xml:ns:recording'>\n");
	sbf(b, "\t<datamode>complete</datamode>\n");
	if (ac)
		sbf(b, "\t<group id=\"%s\">\n\t\t<associate-time>%s"
		    "</associate-time>\n\t</group>\n", m->group_id, t0);
	sbf(b, "\t<session id=\"%s\">\n", m->session_id);
	if (ac)
		sbf(b, "\t\t<group-ref>%s</group-ref>\n", m->group_id);
	sbf(b, "\t\t<associate-time>%s</associate-time>\n", t0);
	if (kind == K_STOP)
		sbf(b, "\t\t<disassociate-time>%s</disassociate-time>\n", tn);
	sbf(b, "\t</session>\n");
	for (i = 0; i < m->np; i++) {
		const struct party *p = &m->party[i];

		if (!p->present && p->t_disassoc == 0)
			continue;
		sbf(b, "\t<participant id=\"%s\" session=\"%s\">\n"
		    "\t\t<nameID aor=\"%s\">", p->id, m->session_id,
		    esc(e1, sizeof(e1), aor_of(m, p)));
		if (!ac && p->name[0] != '\0')
			sbf(b, "\n\t\t\t<name>%s</name>\n\t\t",
			    esc(e2, sizeof(e2), p->name));
		sbf(b, "</nameID>\n");
		if (ac)
			sbf(b, "\t\t<associate-time>%s</associate-time>\n",
			    fmt_time(e2, p->t_assoc ? p->t_assoc : m->t_start,
			    T_LOCAL));
		for (k = 0; k < m->ns; k++)
			if (sends(m, i, k))
				sbf(b, "\t\t<send>%s</send>\n", m->st[k].id);
		for (k = 0; ac && k < m->ns; k++)
			if (receives(m, i, k))
				sbf(b, "\t\t<recv>%s</recv>\n", m->st[k].id);
		if (!ac)
			sbf(b, "\t\t<associate-time>%s</associate-time>\n",
			    fmt_time(e2, p->t_assoc ? p->t_assoc : m->t_start,
			    T_LOCAL));
		if (!p->present || kind == K_STOP)
			sbf(b, "\t\t<disassociate-time>%s</disassociate-time>\n",
			    fmt_time(e2, p->present ? now : p->t_disassoc,
			    T_LOCAL));
		if (!ac)
			sbf(b, "\t\t<extensiondata xmlns:apkt=\"http://"
			    "acmepacket.com/siprec/extensiondata\">\n"
			    "\t\t\t<apkt:callingParty>%s</apkt:callingParty>\n"
			    "\t\t</extensiondata>\n", i == 0 ? "true" : "false");
		sbf(b, "\t</participant>\n");
	}
	for (k = 0; k < m->ns; k++) {
		sbf(b, "\t<stream id=\"%s\" session=\"%s\">\n", m->st[k].id,
		    m->session_id);
		if (labels)
			sbf(b, "\t\t<label>%s</label>\n", m->st[k].label);
		if (!ac)
			sbf(b, "\t\t<mode>%s</mode>\n\t\t<associate-time>%s"
			    "</associate-time>\n", m->mixed ? "mixed" :
			    "separate", t0);
		sbf(b, "\t</stream>\n");
	}
	sbf(b, "</recording>\n");
}

/*
 * Avaya SBCE (SPEC 5): RFC namespace, dataMode, hex IDs, the
 * sessionrecordingassoc before the participants, participant, psa and
 * send-only participantstreamassoc interleaved, times without offset.
 */
static void
w_avaya(struct siprec_srcmeta *m, struct sb *b, enum kind kind, int labels,
    uint64_t now)
{
	char		t0[40], e1[600];
	unsigned int	i, k;

	fmt_time(t0, m->t_start, T_LOCAL);
	sbf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<recording "
	    "xmlns=\"urn:ietf:params:xml:ns:recording:1\">\r\n"
	    "<dataMode>complete</dataMode>\r\n"
	    "<session session_id=\"%s\"></session>\r\n"
	    "<sessionrecordingassoc session_id=\"%s\">\r\n"
	    "<associate-time>%s</associate-time>\r\n", m->session_id,
	    m->session_id, t0);
	if (kind == K_STOP)
		sbf(b, "<disassociate-time>%s</disassociate-time>\r\n",
		    fmt_time(e1, now, T_LOCAL));
	sbf(b, "</sessionrecordingassoc>\r\n");
	for (i = 0; i < m->np; i++) {
		if (!m->party[i].present)
			continue;
		sbf(b, "<participant participant_id=\"%s\">\r\n"
		    "<nameID aor=\"%s\"></nameID>\r\n</participant>\r\n"
		    "<participantsessionassoc participant_id=\"%s\" "
		    "session_id=\"%s\">\r\n<associate-time>%s"
		    "</associate-time>\r\n</participantsessionassoc>\r\n"
		    "<participantstreamassoc participant_id=\"%s\">\r\n",
		    m->party[i].id, esc(e1, sizeof(e1), shown_aor(m, i)),
		    m->party[i].id, m->session_id, t0, m->party[i].id);
		for (k = 0; k < m->ns; k++)
			if (sends(m, i, k))
				sbf(b, "<send>%s</send>\r\n", m->st[k].id);
		sbf(b, "</participantstreamassoc>\r\n");
	}
	for (k = 0; k < m->ns; k++) {
		sbf(b, "<stream stream_id=\"%s\" session_id=\"%s\">\r\n",
		    m->st[k].id, m->session_id);
		if (labels)
			sbf(b, "<label>%s</label>\r\n", m->st[k].label);
		sbf(b, "</stream>\r\n");
	}
	sbf(b, "</recording>\r\n");
}

/* BroadWorks: the draft-era recording_metadata container (SPEC 5). */
static void
w_broadworks(struct siprec_srcmeta *m, struct sb *b, enum kind kind,
    int labels, uint64_t now)
{
	char		t0[40], e1[600];
	unsigned int	i, k;

	fmt_time(t0, m->t_start, T_OFFSET);
	sbf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<recording_metadata xmlns=\"urn:ietf:params:xml:ns:siprec\">\n"
	    "    <dataMode>complete</dataMode>\n"
	    "    <group id=\"%s\">\n"
	    "        <initiator>%s</initiator>\n"
	    "    </group>\n"
	    "    <session id=\"%s\" group=\"%s\">\n"
	    "        <start-time>%s</start-time>\n", m->group_id,
	    esc(e1, sizeof(e1), m->party[0].aor), m->session_id, m->group_id,
	    t0);
	if (kind == K_STOP)
		sbf(b, "        <end-time>%s</end-time>\n",
		    fmt_time(e1, now, T_OFFSET));
	sbf(b, "    </session>\n");
	for (i = 0; i < m->np; i++) {
		if (!m->party[i].present)
			continue;
		sbf(b, "    <participant id=\"%s\" session=\"%s\">\n"
		    "        <aor>%s</aor>\n", m->party[i].id, m->session_id,
		    esc(e1, sizeof(e1), m->party[i].aor));
		for (k = 0; k < m->ns; k++)
			if (sends(m, i, k))
				sbf(b, "        <send>\n            <id>%s</id>\n"
				    "        </send>\n", m->st[k].id);
		sbf(b, "    </participant>\n");
	}
	for (k = 0; k < m->ns; k++) {
		sbf(b, "    <stream id=\"%s\" session=\"%s\">\n", m->st[k].id,
		    m->session_id);
		if (labels)
			sbf(b, "        <label>%s</label>\n", m->st[k].label);
		sbf(b, "        <mode>%s</mode>\n    </stream>\n",
		    m->mixed ? "mixed" : "separate");
	}
	sbf(b, "</recording_metadata>\n");
}

/* Write template t with m's values in its marks. */
static void
patch(struct siprec_srcmeta *m, struct sb *b, const char *t, size_t len,
    uint64_t now)
{
	const char	*e = t + len, *q, *v;
	char		 buf[600];
	int		 sl;

	while (t < e) {
		if ((q = memchr(t, MARK, (size_t)(e - t))) == NULL)
			q = e;
		sb_put(b, t, (size_t)(q - t));
		if (q + 1 >= e)
			break;
		sl = q[1] - 'A';
		t = q + 2;
		if (sl >= SL_STREAM)
			v = m->st[sl - SL_STREAM].id;
		else if (sl >= SL_PARTY)
			v = m->party[sl - SL_PARTY].id;
		else if (sl >= SL_NOW)
			v = fmt_time(buf, now, (enum tstyle)(sl - SL_NOW));
		else if (sl >= SL_T0)
			v = fmt_time(buf, m->t_start,
			    (enum tstyle)(sl - SL_T0));
		else if (sl == SL_CALLID)
			v = esc(buf, sizeof(buf), m->callid);
		else if (sl == SL_SIPSID)
			v = esc(buf, sizeof(buf), m->sipsid);
		else if (sl == SL_GROUP)
			v = m->group_id;
		else
			v = m->session_id;
		sb_put(b, v, strlen(v));
	}
}

static enum siprec_err	doc(struct siprec_srcmeta *, enum kind, int,
			    uint64_t, char **, size_t *);

/* A value's mark in a template state (its buffers hold 3 bytes and more). */
static void
mark(char *dst, int slot)
{
	dst[0] = MARK;
	dst[1] = (char)('A' + slot);
	dst[2] = '\0';
}

enum siprec_err
siprec_srcmeta_tpl_new(const struct siprec_srcmeta_opts *o,
    struct siprec_srcmeta_tpl **out, struct siprec_diag *diag)
{
	struct siprec_srcmeta_opts	 mo;
	struct siprec_srcmeta_tpl	*t;
	struct siprec_srcmeta		*m = NULL;
	enum siprec_err			 e;
	unsigned int			 i;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (o == NULL)
		return SIPREC_EINVAL;
	mo = *o;
	mo.tpl = NULL;
	mo.seed = 1;		/* no entropy for identifiers replaced */
	if ((e = siprec_srcmeta_new(&mo, &m, diag)) != SIPREC_OK)
		return e;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		siprec_srcmeta_free(m);
		return SIPREC_ENOMEM;
	}
	/* Every value a session has of its own, a mark. */
	mark(m->session_id, SL_SESSION);
	mark(m->group_id, SL_GROUP);
	for (i = 0; i < m->np; i++)
		mark(m->party[i].id, SL_PARTY + i);
	for (i = 0; i < m->ns; i++)
		mark(m->st[i].id, SL_STREAM + i);
	if ((t->sipsid = m->sipsid[0] != '\0'))
		mark(m->sipsid, SL_SIPSID);
	if ((t->callid = m->callid[0] != '\0'))
		mark(m->callid, SL_CALLID);
	m->t_start = T0_MARKING;
	marking = 1;
	e = siprec_srcmeta_snapshot(m, NOW_MARKING, 1, &t->snap, &t->snaplen);
	if (e == SIPREC_OK)
		e = siprec_srcmeta_stop(m, NOW_MARKING, &t->stop, &t->stoplen);
	marking = 0;
	siprec_srcmeta_free(m);
	if (e != SIPREC_OK) {
		siprec_srcmeta_tpl_free(t);
		return e;
	}
	*out = t;
	return SIPREC_OK;
}

void
siprec_srcmeta_tpl_free(struct siprec_srcmeta_tpl *t)
{
	if (t == NULL)
		return;
	free(t->snap);
	free(t->stop);
	free(t);
}

static enum siprec_err
doc(struct siprec_srcmeta *m, enum kind kind, int labels, uint64_t now,
    char **out, size_t *len)
{
	struct sb	b;
	unsigned int	i;

	*out = NULL;
	if (len != NULL)
		*len = 0;
	memset(&b, 0, sizeof(b));
	b.cap = 4096;
	if ((b.p = malloc(b.cap)) == NULL)
		return SIPREC_ENOMEM;
	b.p[0] = '\0';
	if (m->t_start == 0)
		m->t_start = now;
	/* Unchanged since made: the template's text, patched. */
	if (m->tpl != NULL && m->pristine && kind == K_COMPLETE && labels)
		patch(m, &b, m->tpl->snap, m->tpl->snaplen, now);
	else if (m->tpl != NULL && m->pristine && kind == K_STOP)
		patch(m, &b, m->tpl->stop, m->tpl->stoplen, now);
	else switch (m->p->id) {
	case SIPREC_P_ORACLE:
	case SIPREC_P_AUDIOCODES:
		w_prerfc(m, &b, kind, labels, now);
		break;
	case SIPREC_P_AVAYA:
		w_avaya(m, &b, kind, labels, now);
		break;
	case SIPREC_P_BROADWORKS:
		w_broadworks(m, &b, kind, labels, now);
		break;
	default:
		w_rfc(m, &b, kind, labels, now);
		break;
	}
	if (b.err) {
		free(b.p);
		return (enum siprec_err)b.err;
	}
	for (i = 0; i < m->np; i++) {
		m->party[i].announced = 1;
		m->party[i].changed = m->party[i].sr_changed = 0;
	}
	if (kind == K_COMPLETE)
		m->sent_complete = 1;
	*out = b.p;
	if (len != NULL)
		*len = b.len;
	return SIPREC_OK;
}

enum siprec_err
siprec_srcmeta_snapshot(struct siprec_srcmeta *m, uint64_t now,
    int with_labels, char **out, size_t *len)
{
	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (m == NULL)
		return SIPREC_EINVAL;
	return doc(m, K_COMPLETE, with_labels, now, out, len);
}

enum siprec_err
siprec_srcmeta_update(struct siprec_srcmeta *m, uint64_t now,
    int with_labels, char **out, size_t *len)
{
	unsigned int	i;
	int		any = 0;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (m == NULL)
		return SIPREC_EINVAL;
	if (m->placeholder) {
		/* Avaya: the real second party replaces the placeholder. */
		m->placeholder = 0;
		m->pristine = 0;
		return doc(m, K_COMPLETE, with_labels, now, out, len);
	}
	for (i = 0; i < m->np; i++)
		any |= m->party[i].changed | m->party[i].sr_changed;
	if (!any)
		return SIPREC_ENOTFOUND;
	/* RFC 7866 9.1: a partial update only after a full snapshot. */
	if (m->p->complete_updates || !m->sent_complete)
		return doc(m, K_COMPLETE, with_labels, now, out, len);
	return doc(m, K_PARTIAL, with_labels, now, out, len);
}

enum siprec_err
siprec_srcmeta_stop(struct siprec_srcmeta *m, uint64_t now, char **out,
    size_t *len)
{
	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (m == NULL)
		return SIPREC_EINVAL;
	return doc(m, m->sent_complete ? K_STOP : K_COMPLETE, 0, now, out,
	    len);
}
