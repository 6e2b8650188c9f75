/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7865 metadata: safe parsing with positions, schema validation, driver. */
#define _GNU_SOURCE	/* memmem */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

#include "meta_int.h"

extern const char siprec__file_rs_metadata_xsd[];
extern const size_t siprec__file_rs_metadata_xsd_len;
extern const char siprec__file_xml_xsd[];
extern const size_t siprec__file_xml_xsd_len;

#define BUILTIN_XML_XSD	"siprec-builtin:xml.xsd"

struct siprec_meta_ctx {
	xmlParserCtxtPtr	 pctx;
	xmlSAXHandler		 sax;
	xmlSchemaPtr		 schema;
	xmlSchemaValidCtxtPtr	 vctx;
	size_t			 max_size;
	struct mscratch		 scratch;
};

const char *const siprec__mkind_name[MK__N] = {
	"group", "session", "participant", "stream", "sessionrecordingassoc",
	"participantsessionassoc", "participantstreamassoc"
};

/* --- string map ------------------------------------------------------- */

static size_t
hash(const char *k, size_t n)
{
	size_t h = 1469598103934665603ull;

	while (n-- > 0)
		h = (h ^ (unsigned char)*k++) * 1099511628211ull;
	return h;
}

void
siprec__strmap_clear(struct strmap *m)
{
	free(m->ents);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

void
siprec__strmap_reset(struct strmap *m)
{
	if (m->len != 0)
		memset(m->ents, 0, m->cap * sizeof(*m->ents));
	m->len = 0;
	m->alen = 1;
}

void *
siprec__strmap_get(const struct strmap *m, const char *k, size_t n)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash(k, n) & (m->cap - 1); m->ents[i].off != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->ents[i].klen == n &&
		    memcmp(m->arena + m->ents[i].off, k, n) == 0)
			return m->ents[i].val;
	return NULL;
}

static int
strmap_grow(struct strmap *m)
{
	struct strmap_ent *ne;
	size_t nc = m->cap ? m->cap * 2 : 16, i, j;

	if ((ne = calloc(nc, sizeof(*ne))) == NULL)
		return -1;
	for (i = 0; i < m->cap; i++) {
		if (m->ents[i].off == 0)
			continue;
		for (j = hash(m->arena + m->ents[i].off, m->ents[i].klen) &
		    (nc - 1); ne[j].off != 0; j = (j + 1) & (nc - 1))
			;
		ne[j] = m->ents[i];
	}
	free(m->ents);
	m->ents = ne;
	m->cap = nc;
	return 0;
}

int
siprec__strmap_put(struct strmap *m, const char *k, size_t n, void *val)
{
	size_t i;

	if ((m->len + 1) * 2 > m->cap && strmap_grow(m) == -1)
		return -1;
	for (i = hash(k, n) & (m->cap - 1); m->ents[i].off != 0;
	    i = (i + 1) & (m->cap - 1))
		if (m->ents[i].klen == n &&
		    memcmp(m->arena + m->ents[i].off, k, n) == 0) {
			m->ents[i].val = val;
			return 0;
		}
	if (m->alen == 0)
		m->alen = 1;
	if (m->alen + n + 1 > m->acap) {
		size_t nc = m->acap ? m->acap : 256;
		char *na;

		while (nc < m->alen + n + 1)
			nc *= 2;
		if ((na = realloc(m->arena, nc)) == NULL)
			return -1;
		m->arena = na;
		m->acap = nc;
	}
	memcpy(m->arena + m->alen, k, n);
	m->arena[m->alen + n] = '\0';
	m->ents[i].off = m->alen;
	m->ents[i].klen = n;
	m->ents[i].val = val;
	m->alen += n + 1;
	m->len++;
	return 0;
}

/* --- positions ---------------------------------------------------------- */

/*
 * Each element's _private holds (byte offset of its '<' + 1) << 1, and the
 * low bit marks "already diagnosed".  Offsets are into the parser's UTF-8
 * buffer, which is the input itself for UTF-8 documents.
 */
static void
sax_start_element(void *vctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = vctx;
	const xmlChar *lt;
	uintptr_t off;

	xmlSAX2StartElementNs(vctx, localname, prefix, URI, nb_namespaces,
	    namespaces, nb_attributes, nb_defaulted, attributes);
	if (ctxt->node == NULL || ctxt->input == NULL)
		return;
	for (lt = ctxt->input->cur; lt > ctxt->input->base && *lt != '<'; lt--)
		;
	off = (uintptr_t)ctxt->input->consumed + (uintptr_t)(lt - ctxt->input->base);
	ctxt->node->_private = (void *)((off + 1) << 1);
}

void
siprec__meta_mark(xmlNodePtr n)
{
	if (n != NULL && n->type == XML_ELEMENT_NODE)
		n->_private = (void *)((uintptr_t)n->_private | 1);
}

int
siprec__meta_marked(xmlNodePtr n)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    ((uintptr_t)n->_private & 1);
}

static void
line_index(struct mdoc *md)
{
	const uint8_t *p = md->in->xml.p;
	size_t i, n = md->in->xml.len, cap = 64;

	if ((md->lines = malloc(cap * sizeof(*md->lines))) == NULL)
		return;
	md->lines[md->nlines++] = 0;
	for (i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (md->nlines == cap) {
			uint32_t *nl = realloc(md->lines, 2 * cap * sizeof(*nl));
			if (nl == NULL)
				return;
			md->lines = nl;
			cap *= 2;
		}
		md->lines[md->nlines++] = (uint32_t)(i + 1);
	}
}

static void
offset_pos(struct mdoc *md, size_t off, unsigned int *line, unsigned int *col)
{
	size_t lo = 0, hi;

	if (md->lines == NULL)
		line_index(md);
	if (md->lines == NULL || md->nlines == 0) {
		*line = md->in->line0;
		*col = 0;
		return;
	}
	hi = md->nlines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (md->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = md->in->line0 + (unsigned int)lo;
	*col = (unsigned int)(off - md->lines[lo]) + 1;
}

void
siprec__meta_pos(struct mdoc *md, xmlNodePtr n, const char *attr,
    unsigned int *line, unsigned int *col)
{
	uintptr_t v;
	size_t off, end, alen;
	const uint8_t *p = md->in->xml.p;

	*line = md->in->line0;
	*col = 0;
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->parent;
	if (n == NULL)
		return;
	v = (uintptr_t)n->_private >> 1;
	if (v == 0 || v - 1 >= md->in->xml.len) {
		*line = md->in->line0 + (unsigned int)xmlGetLineNo(n) - 1;
		return;
	}
	off = v - 1;
	if (attr != NULL) {
		/* Find ' attr=' inside the start tag. */
		alen = strlen(attr);
		for (end = off + 1; end < md->in->xml.len && p[end] != '>'; end++) {
			if (end + alen < md->in->xml.len &&
			    (p[end - 1] == ' ' || p[end - 1] == '\t' ||
			    p[end - 1] == '\n' || p[end - 1] == '\r') &&
			    memcmp(p + end, attr, alen) == 0 &&
			    (p[end + alen] == '=' || p[end + alen] == ' ')) {
				off = end;
				break;
			}
		}
	}
	offset_pos(md, off, line, col);
}

void
siprec__meta_report(struct mdoc *md, enum siprec_check c, xmlNodePtr n,
    const char *attr, const char *fmt, ...)
{
	unsigned int line = md->in->line0, col = 0;
	char buf[512];
	va_list ap;

	if (n != NULL)
		siprec__meta_pos(md, n, attr, &line, &col);
	buf[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
	}
	siprec_report(md->sink, c, line, col, "%s", buf);
}

/* --- small helpers ------------------------------------------------------ */

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct sv
trim(const char *p, size_t n)
{
	struct sv v;

	while (n > 0 && is_ws((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_ws((unsigned char)p[n - 1]))
		n--;
	v.p = p;
	v.n = n;
	return v;
}

struct sv
siprec__meta_text(struct mdoc *md, xmlNodePtr n)
{
	struct sv none = { "", 0 };
	xmlChar *s;

	if (n->children == NULL)
		return none;
	if (n->children->next == NULL && n->children->type == XML_TEXT_NODE &&
	    n->children->content != NULL)
		return trim((const char *)n->children->content,
		    strlen((const char *)n->children->content));
	if ((s = xmlNodeGetContent(n)) == NULL)
		return none;
	if (md->nowned == md->capowned) {
		size_t nc = md->capowned ? md->capowned * 2 : 8;
		xmlChar **no = realloc(md->owned, nc * sizeof(*no));
		if (no == NULL) {
			xmlFree(s);
			md->oom = 1;
			return none;
		}
		md->owned = no;
		md->capowned = nc;
	}
	md->owned[md->nowned++] = s;
	return trim((const char *)s, strlen((const char *)s));
}

struct sv
siprec__meta_attr(xmlNodePtr n, const char *name, xmlAttrPtr *where)
{
	struct sv none = { NULL, 0 };
	xmlAttrPtr a;

	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
			continue;
		if (where != NULL)
			*where = a;
		if (a->children != NULL && a->children->next == NULL &&
		    a->children->content != NULL)
			return trim((const char *)a->children->content,
			    strlen((const char *)a->children->content));
		none.p = "";
		return none;
	}
	return none;
}

int
siprec__sv_eq(struct sv a, struct sv b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

int
siprec__sv_eqs(struct sv a, const char *s)
{
	return a.p != NULL && a.n == strlen(s) && memcmp(a.p, s, a.n) == 0;
}

int
siprec__meta_in_doc_ns(const struct mdoc *md, xmlNodePtr n)
{
	const xmlChar *ns = n->ns ? n->ns->href : NULL;

	if (ns == NULL || md->ns == NULL)
		return ns == md->ns;
	return xmlStrEqual(ns, md->ns);
}

/* --- context ---------------------------------------------------------------- */

static xmlExternalEntityLoader default_loader;
static pthread_once_t loader_once = PTHREAD_ONCE_INIT;

/*
 * Serve the bundled xml.xsd to the schema compiler, and refuse the network
 * for everything (documents are parsed with XML_PARSE_NONET as well).
 */
static xmlParserInputPtr
entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	if (url != NULL && strcmp(url, BUILTIN_XML_XSD) == 0)
		return xmlNewStringInputStream(ctxt,
		    (const xmlChar *)siprec__file_xml_xsd);
	if (url != NULL && (strncasecmp(url, "http:", 5) == 0 ||
	    strncasecmp(url, "https:", 6) == 0 || strncasecmp(url, "ftp:", 4) == 0))
		return NULL;
	return default_loader(url, id, ctxt);
}

static void
install_loader(void)
{
	xmlInitParser();
	default_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(entity_loader);
}

static void
schema_parse_error(void *arg, xmlErrorPtr e)
{
	struct siprec_diag *d = arg;

	if (d != NULL && d->detail[0] == '\0' && e != NULL && e->message != NULL) {
		siprec_diag_set(d, (unsigned int)e->line, 0, "%s", e->message);
		d->detail[strcspn(d->detail, "\n")] = '\0';
	}
}

enum siprec_err
siprec_meta_ctx_new(const struct siprec_meta_opts *o,
    struct siprec_meta_ctx **out, struct siprec_diag *diag)
{
	struct siprec_meta_ctx *c;
	xmlSchemaParserCtxtPtr sp;
	char *copy = NULL;

	*out = NULL;
	if (diag != NULL)
		diag->detail[0] = '\0';
	pthread_once(&loader_once, install_loader);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SIPREC_ENOMEM;
	c->max_size = o != NULL && o->max_size ? o->max_size :
	    SIPREC_META_MAX_DEFAULT;
	if (o != NULL && o->schema_path != NULL) {
		sp = xmlSchemaNewParserCtxt(o->schema_path);
	} else {
		/* Point the import at the bundled copy, never at a file. */
		const char *imp = "schemaLocation=\"xml.xsd\"";
		const char *at = strstr(siprec__file_rs_metadata_xsd, imp);
		size_t n = siprec__file_rs_metadata_xsd_len;

		if (at == NULL || (copy = malloc(n + 64)) == NULL) {
			free(c);
			siprec_diag_set(diag, 0, 0, "built-in schema damaged");
			return at == NULL ? SIPREC_ESCHEMA : SIPREC_ENOMEM;
		}
		snprintf(copy, n + 64, "%.*sschemaLocation=\"%s\"%s",
		    (int)(at - siprec__file_rs_metadata_xsd),
		    siprec__file_rs_metadata_xsd, BUILTIN_XML_XSD,
		    at + strlen(imp));
		sp = xmlSchemaNewMemParserCtxt(copy, (int)strlen(copy));
	}
	if (sp == NULL) {
		free(copy);
		free(c);
		return SIPREC_ENOMEM;
	}
	xmlSchemaSetParserStructuredErrors(sp, schema_parse_error, diag);
	c->schema = xmlSchemaParse(sp);
	xmlSchemaFreeParserCtxt(sp);
	free(copy);
	if (c->schema == NULL) {
		if (diag != NULL && diag->detail[0] == '\0')
			siprec_diag_set(diag, 0, 0, "schema does not compile");
		free(c);
		return SIPREC_ESCHEMA;
	}
	c->vctx = xmlSchemaNewValidCtxt(c->schema);
	c->pctx = xmlNewParserCtxt();
	if (c->vctx == NULL || c->pctx == NULL) {
		siprec_meta_ctx_free(c);
		return SIPREC_ENOMEM;
	}
	c->sax = *c->pctx->sax;
	c->sax.startElementNs = sax_start_element;
	c->sax.serror = NULL;
	*c->pctx->sax = c->sax;
	*out = c;
	return SIPREC_OK;
}

void
siprec_meta_ctx_free(struct siprec_meta_ctx *c)
{
	if (c == NULL)
		return;
	if (c->vctx != NULL)
		xmlSchemaFreeValidCtxt(c->vctx);
	if (c->schema != NULL)
		xmlSchemaFree(c->schema);
	if (c->pctx != NULL)
		xmlFreeParserCtxt(c->pctx);
	siprec__strmap_clear(&c->scratch.defs);
	siprec__strmap_clear(&c->scratch.sends);
	siprec__strmap_clear(&c->scratch.labels);
	siprec__strmap_clear(&c->scratch.seen);
	free(c->scratch.els);
	free(c->scratch.refs);
	free(c);
}

const char *
siprec_meta_libversion(void)
{
	return "libxml2 " LIBXML_DOTTED_VERSION;
}

/* --- prolog ------------------------------------------------------------------ */

/*
 * Look at the prolog: the XML declaration (version, encoding) and whether
 * a DOCTYPE is present.  Returns the offset of the DOCTYPE or -1.
 */
static long
prolog(const uint8_t *p, size_t n, struct sv *encoding, int *has_decl)
{
	size_t i = 0;
	const uint8_t *e;

	encoding->p = NULL;
	encoding->n = 0;
	*has_decl = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	if (n - i >= 5 && memcmp(p + i, "<?xml", 5) == 0 && (n - i == 5 ||
	    is_ws(p[i + 5]))) {
		*has_decl = 1;
		e = memmem(p + i, n - i, "?>", 2);
		if (e != NULL) {
			const uint8_t *q = memmem(p + i, (size_t)(e - p - i),
			    "encoding", 8);
			if (q != NULL) {
				q += 8;
				while (q < e && (is_ws(*q) || *q == '='))
					q++;
				if (q < e && (*q == '"' || *q == '\'')) {
					const uint8_t *r = memchr(q + 1, *q,
					    (size_t)(e - q - 1));
					if (r != NULL) {
						encoding->p = (const char *)q + 1;
						encoding->n = (size_t)(r - q - 1);
					}
				}
			}
			i = (size_t)(e - p) + 2;
		}
	}
	for (;;) {
		while (i < n && is_ws(p[i]))
			i++;
		if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			e = memmem(p + i + 4, n - i - 4, "-->", 3);
			if (e == NULL)
				return -1;
			i = (size_t)(e - p) + 3;
		} else if (n - i >= 2 && memcmp(p + i, "<?", 2) == 0) {
			e = memmem(p + i + 2, n - i - 2, "?>", 2);
			if (e == NULL)
				return -1;
			i = (size_t)(e - p) + 2;
		} else if (n - i >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0)
			return (long)i;
		else
			return -1;
	}
}

/* --- schema errors ------------------------------------------------------------- */

static int
name_in(const xmlChar *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (xmlStrEqual(name, (const xmlChar *)*list))
			return 1;
	return 0;
}

static const char *const id_attrs[] = { "group_id", "session_id",
	"participant_id", "stream_id", NULL };
static const char *const id_elems[] = { "send", "recv", "group-ref", NULL };
static const char *const time_elems[] = { "associate-time",
	"disassociate-time", "start-time", "stop-time", NULL };

/* Copy msg into buf without the RFC namespace braces and the newline. */
static void
clean_message(const char *msg, char *buf, size_t len)
{
	static const char ns[] = "{" SIPREC_META_NS "}";
	size_t o = 0;

	while (*msg != '\0' && *msg != '\n' && o + 1 < len) {
		if (strncmp(msg, ns, sizeof(ns) - 1) == 0) {
			msg += sizeof(ns) - 1;
			continue;
		}
		buf[o++] = *msg++;
	}
	while (o > 0 && (buf[o - 1] == ' ' || buf[o - 1] == '.'))
		o--;
	buf[o] = '\0';
}

static void
schema_error(void *arg, xmlErrorPtr e)
{
	struct mdoc *md = arg;
	xmlNodePtr n = e->node;
	const char *attr = NULL;
	char msg[400];
	enum siprec_check c = SIPREC_CHK_L04_SCHEMA;

	if (e->level == XML_ERR_WARNING)
		return;
	md->schema_valid = 0;
	if (n != NULL && n->type == XML_ATTRIBUTE_NODE) {
		attr = (const char *)n->name;
		n = n->parent;
	}
	if (n != NULL && n->type != XML_ELEMENT_NODE)
		n = NULL;
	clean_message(e->message ? e->message : "schema error", msg, sizeof(msg));
	switch (e->code) {
	case XML_SCHEMAV_ELEMENT_CONTENT:
		if (siprec__meta_marked(n))
			return;
		if (strstr(msg, "Missing child") != NULL)
			c = SIPREC_CHK_L04_MISSING;
		break;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_4:
		c = SIPREC_CHK_L04_MISSING;
		break;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
		c = SIPREC_CHK_L04_ATTRIBUTE;
		if (attr == NULL && e->str1 != NULL)
			attr = e->str1;
		break;
	default:
		/* Value errors our own checks report with more precision. */
		if (attr != NULL && name_in((const xmlChar *)attr, id_attrs))
			return;
		if (attr == NULL && n != NULL && (name_in(n->name, id_elems) ||
		    name_in(n->name, time_elems) ||
		    xmlStrEqual(n->name, (const xmlChar *)"datamode")))
			return;
		if (siprec__meta_marked(n))
			return;
		if (attr != NULL && strcmp(attr, "aor") == 0 && n != NULL) {
			struct sv v = siprec__meta_attr(n, "aor", NULL);

			if (v.p != NULL && memchr(v.p, '[', v.n) != NULL) {
				/* libxml2 2.9 predates RFC 2732 in anyURI. */
				siprec__meta_report(md, c, n, attr, "%s; the "
				    "[IPv6] host is valid in a SIP URI (RFC "
				    "3261 25.1), this schema library rejects "
				    "it", msg);
				return;
			}
		}
		break;
	}
	siprec__meta_report(md, c, n, attr, "%s", msg);
}

/* --- the driver ------------------------------------------------------------------ */

/*
 * Findings come from several passes (structure, schema, values, state);
 * they are collected and handed on in the order of the input.
 */
struct held {
	struct siprec_finding	 f;
	size_t			 seq;
	char			 detail[512];
};

struct collector {
	const struct siprec_sink *to;
	struct held		*v;
	size_t			 n, cap;
	int			 oom;
};

static void
collect(void *arg, const struct siprec_finding *f)
{
	struct collector *c = arg;
	struct held *h;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		struct held *nv = realloc(c->v, nc * sizeof(*nv));

		if (nv == NULL) {
			c->oom = 1;
			return;
		}
		c->v = nv;
		c->cap = nc;
	}
	h = &c->v[c->n];
	h->f = *f;
	h->seq = c->n++;
	snprintf(h->detail, sizeof(h->detail), "%s", f->detail);
}

static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->f.line != y->f.line)
		return x->f.line < y->f.line ? -1 : 1;
	if (x->f.col != y->f.col)
		return x->f.col < y->f.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
flush(struct collector *c)
{
	size_t i;

	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), held_cmp);
	for (i = 0; i < c->n; i++) {
		c->v[i].f.detail = c->v[i].detail;
		c->to->emit(c->to->arg, &c->v[i].f);
	}
	free(c->v);
}

static void
mdoc_release(struct mdoc *md)
{
	size_t i;

	for (i = 0; i < md->nowned; i++)
		xmlFree(md->owned[i]);
	free(md->owned);
	/* The element arrays go back to the checker for the next document. */
	md->scratch->els = md->els;
	md->scratch->capels = md->capels;
	md->scratch->refs = md->refs;
	md->scratch->caprefs = md->caprefs;
	free(md->lines);
	if (md->doc != NULL)
		xmlFreeDoc(md->doc);
}

static void
not_well_formed(struct mdoc *md, xmlParserCtxtPtr pctx)
{
	xmlErrorPtr e = &pctx->lastError;
	char msg[400];
	unsigned int line = md->in->line0, col = 0;

	clean_message(e->message ? e->message : "parse error", msg, sizeof(msg));
	if (e->line > 0)
		line = md->in->line0 + (unsigned int)e->line - 1;
	if (e->int2 > 0)
		col = (unsigned int)e->int2;
	siprec_report(md->sink, SIPREC_CHK_L01_NOT_WELL_FORMED, line, col,
	    "%s", msg);
}

/*
 * Describe typographic quotes used as attribute delimiters: a frequent
 * fault of metadata pasted through word processors.
 */
static void
typographic_quotes(struct mdoc *md)
{
	static const char *const q[] = { "\xe2\x80\x9c", "\xe2\x80\x9d",
		"\xe2\x80\x98", "\xe2\x80\x99" };
	const uint8_t *p = md->in->xml.p;
	size_t n = md->in->xml.len, i;
	unsigned int k, line, col;

	for (i = 0; i + 3 < n; i++) {
		if (p[i] != '=')
			continue;
		for (k = 0; k < 4; k++) {
			if (memcmp(p + i + 1, q[k], 3) != 0)
				continue;
			offset_pos(md, i + 1, &line, &col);
			siprec_report(md->sink, SIPREC_CHK_L01_NOT_WELL_FORMED,
			    line, col, "attribute value opens with the "
			    "typographic quote U+%04X; XML attribute values "
			    "take straight quotes (\" or ')",
			    k == 0 ? 0x201C : k == 1 ? 0x201D :
			    k == 2 ? 0x2018 : 0x2019);
			return;
		}
	}
}

static enum siprec_err check_doc(struct siprec_meta_ctx *,
    const struct siprec_meta_input *, struct siprec_meta_state *,
    const struct siprec_sink *, struct siprec_meta_summary *,
    struct siprec_diag *);

enum siprec_err
siprec_meta_check(struct siprec_meta_ctx *c, const struct siprec_meta_input *in,
    struct siprec_meta_state *st, const struct siprec_sink *sink,
    struct siprec_meta_summary *sum, struct siprec_diag *diag)
{
	struct collector col = { sink, NULL, 0, 0, 0 };
	struct siprec_sink s;
	enum siprec_err e;

	if (sink == NULL || sink->emit == NULL)
		return check_doc(c, in, st, NULL, sum, diag);
	s = *sink;
	s.emit = collect;
	s.arg = &col;
	e = check_doc(c, in, st, &s, sum, diag);
	flush(&col);
	if (e == SIPREC_OK && col.oom) {
		siprec_diag_set(diag, 0, 0, "out of memory collecting findings");
		e = SIPREC_ENOMEM;
	}
	return e;
}

static enum siprec_err
check_doc(struct siprec_meta_ctx *c, const struct siprec_meta_input *in,
    struct siprec_meta_state *st, const struct siprec_sink *sink,
    struct siprec_meta_summary *sum, struct siprec_diag *diag)
{
	struct mdoc md;
	struct sv enc;
	int has_decl, opts;
	long dt;
	const char *use_enc = NULL;

	memset(&md, 0, sizeof(md));
	md.scratch = &c->scratch;
	md.els = c->scratch.els;
	md.capels = c->scratch.capels;
	md.refs = c->scratch.refs;
	md.caprefs = c->scratch.caprefs;
	md.in = in;
	md.sink = sink;
	md.schema_valid = -1;
	if (sum != NULL) {
		memset(sum, 0, sizeof(*sum));
		sum->schema_valid = -1;
	}
	if (in->xml.len > c->max_size) {
		siprec_report(sink, SIPREC_CHK_IN_TOO_LARGE, in->line0, 0,
		    "%zu bytes; the limit is %zu", in->xml.len, c->max_size);
		return SIPREC_OK;
	}
	dt = prolog(in->xml.p, in->xml.len, &enc, &has_decl);
	if (dt >= 0) {
		unsigned int line, col;

		offset_pos(&md, (size_t)dt, &line, &col);
		siprec_report(sink, SIPREC_CHK_L01_DTD, line, col,
		    "a DOCTYPE can declare entities; the document is not read "
		    "further");
		mdoc_release(&md);
		return SIPREC_OK;
	}
	if (!has_decl || enc.p == NULL)
		siprec_report(sink, SIPREC_CHK_L03_XML_DECL, in->line0, 1,
		    !has_decl ? "the document has no XML declaration" :
		    "the XML declaration names no encoding");
	if (in->charset != NULL) {
		use_enc = in->charset;
		if (enc.p != NULL && (strlen(in->charset) != enc.n ||
		    strncasecmp(in->charset, enc.p, enc.n) != 0))
			siprec_report(sink, SIPREC_CHK_L01_CHARSET, in->line0, 1,
			    "charset=%s, encoding=\"%.*s\"", in->charset,
			    (int)enc.n, enc.p);
	}
	/*
	 * NOBLANKS drops whitespace-only text between elements (never the
	 * content of a leaf such as <name> </name>): fewer nodes to build,
	 * validate and free.  COMPACT stores short text inline.
	 */
	opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT;
	md.doc = xmlCtxtReadMemory(c->pctx, (const char *)in->xml.p,
	    (int)in->xml.len, NULL, use_enc, opts);
	if (md.doc == NULL || !c->pctx->wellFormed) {
		if (c->pctx->lastError.code == XML_ERR_NO_MEMORY) {
			mdoc_release(&md);
			siprec_diag_set(diag, 0, 0, "out of memory parsing XML");
			return SIPREC_ENOMEM;
		}
		not_well_formed(&md, c->pctx);
		typographic_quotes(&md);
		mdoc_release(&md);
		return SIPREC_OK;
	}
	if (sum != NULL)
		sum->well_formed = 1;
	md.root = xmlDocGetRootElement(md.doc);
	if (md.root == NULL) {
		siprec_report(sink, SIPREC_CHK_L01_NOT_WELL_FORMED, in->line0, 0,
		    "no root element");
		mdoc_release(&md);
		return SIPREC_OK;
	}
	md.ns = md.root->ns ? md.root->ns->href : NULL;
	siprec__meta_walk(&md);
	if (md.rfc) {
		md.schema_valid = 1;
		xmlSchemaSetValidStructuredErrors(c->vctx, schema_error, &md);
		if (xmlSchemaValidateDoc(c->vctx, md.doc) != 0)
			md.schema_valid = 0;
	}
	if (!md.oom)
		siprec__meta_semantic(&md, st);
	if (st != NULL && !md.oom)
		siprec__meta_stateful(&md, st);
	if (sum != NULL) {
		snprintf(sum->root, sizeof(sum->root), "%s",
		    xmlDocGetRootElement(md.doc)->name);
		sum->snapshot = md.snapshot;
		sum->partial = md.partial;
		sum->rfc = md.rfc;
		sum->schema_valid = md.schema_valid;
		sum->dialect = siprec__meta_dialect(&md);
	}
	if (md.oom) {
		mdoc_release(&md);
		siprec_diag_set(diag, 0, 0, "out of memory checking metadata");
		return SIPREC_ENOMEM;
	}
	mdoc_release(&md);
	return SIPREC_OK;
}
