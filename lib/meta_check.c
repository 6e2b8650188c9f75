/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7865 metadata: structure walk, dialect diagnosis, semantic checks. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "meta_int.h"

#define NS_PRE_RFC	"urn:ietf:params:xml:ns:recording"
#define NS_BROADWORKS	"urn:ietf:params:xml:ns:siprec"

/* Child order of each element: RFC 7865 section 9, xs:sequence. */
static const char *const order_recording[] = { "datamode", "group", "session",
	"participant", "stream", "sessionrecordingassoc",
	"participantsessionassoc", "participantstreamassoc", NULL };
static const char *const order_times[] = { "associate-time",
	"disassociate-time", NULL };
static const char *const order_session[] = { "sipSessionID", "reason",
	"group-ref", "start-time", "stop-time", NULL };
static const char *const order_participant[] = { "nameID", NULL };
static const char *const order_nameid[] = { "name", NULL };
static const char *const order_stream[] = { "label", NULL };
static const char *const order_psa[] = { "associate-time",
	"disassociate-time", "param", NULL };
static const char *const order_psta[] = { "send", "recv", "associate-time",
	"disassociate-time", NULL };
static const char *const order_snapshot[] = { "requestreason", NULL };

/* Elements of the pre-RFC drafts and of vendors, where they turn up. */
static const struct legacy {
	const char	*parent;	/* NULL: anywhere */
	const char	*child;
	unsigned int	 feature;
	const char	*what;
} legacy[] = {
	{ "recording", "dataMode", DF_DATAMODE_CASE,
	  "dataMode spelling (Avaya SBCE, Asterisk-based SRCs, old Oracle)" },
	{ "participant", "send", DF_NESTED_SR,
	  "send inside participant, a pre-RFC draft shape (Oracle/Acme, "
	  "AudioCodes legacy)" },
	{ "participant", "recv", DF_NESTED_SR,
	  "recv inside participant, a pre-RFC draft shape (Oracle/Acme, "
	  "AudioCodes legacy)" },
	{ "participant", "aor", DF_AOR_ELEM,
	  "aor as a child of participant (2011 Oracle/Acme drafts)" },
	{ "participant", "name", DF_AOR_ELEM,
	  "name as a child of participant (2011 Oracle/Acme drafts)" },
	{ "participant", "channel", DF_CHANNEL_ROLE,
	  "channel in participant (Asterisk-based SRC, Intrado VIPER)" },
	{ "participant", "role", DF_CHANNEL_ROLE,
	  "role in participant (Asterisk-based SRC, Intrado VIPER)" },
	{ "stream", "mode", DF_MODE,
	  "mode in stream, a pre-RFC draft element (Oracle/Acme)" },
	{ NULL, "associate-time", DF_TIME_PLACED,
	  "associate-time placed here by the pre-RFC drafts" },
	{ NULL, "disassociate-time", DF_TIME_PLACED,
	  "disassociate-time placed here by the pre-RFC drafts" },
	{ NULL, "start-time", DF_TIME_PLACED,
	  "start-time placed here by the pre-RFC drafts" },
	{ NULL, "extensiondata", DF_EXTDATA,
	  "extensiondata wrapper left in the metadata namespace "
	  "(Oracle/Acme, jambonz); extension data must be in its own "
	  "namespace" },
};

static const struct legacy *
legacy_find(const xmlChar *parent, const xmlChar *child)
{
	size_t i;

	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if ((legacy[i].parent == NULL ||
		    xmlStrEqual(parent, (const xmlChar *)legacy[i].parent)) &&
		    xmlStrEqual(child, (const xmlChar *)legacy[i].child))
			return &legacy[i];
	return NULL;
}

static int
order_index(const char *const *order, const xmlChar *name)
{
	int i;

	for (i = 0; order[i] != NULL; i++)
		if (xmlStrEqual(name, (const xmlChar *)order[i]))
			return i;
	return -1;
}

static void
order_text(const char *const *order, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; order[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    order[i]);
}

static void
vendor_ns(struct mdoc *md, const xmlChar *href)
{
	if (href == NULL)
		return;
	if (xmlStrstr(href, (const xmlChar *)"acmepacket") != NULL)
		md->features |= DF_APKT;
	else if (xmlStrcasestr(href, (const xmlChar *)"audiocodes") != NULL)
		md->features |= DF_AUDIOCODES;
	else if (xmlStrEqual(href,
	    (const xmlChar *)"urn:ietf:params:xml:ns:callData"))
		md->features |= DF_CALLDATA;
}

/*
 * Walk an element's children.  Children in the document's namespace must
 * be named in order[] and come in that order; children in other namespaces
 * are extension elements, allowed at the end when ext_ok (RFC 7865 8).
 * found[i] receives the first child named order[i].
 */
static void
walk_children(struct mdoc *md, xmlNodePtr parent, const char *const *order,
    int ext_ok, xmlNodePtr *found)
{
	xmlNodePtr ch, prev = NULL;
	int last = -1, seen_ext = 0, order_done = 0, i;
	char buf[256];

	for (ch = parent->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (!siprec__meta_in_doc_ns(md, ch)) {
			if (ch->ns == NULL) {
				if (md->rfc)
					siprec__meta_report(md,
					    SIPREC_CHK_L21_UNQUALIFIED, ch, NULL,
					    "<%s> in <%s>", ch->name,
					    parent->name);
				siprec__meta_mark(ch);
			} else if (!ext_ok) {
				if (md->rfc)
					siprec__meta_report(md,
					    SIPREC_CHK_L04_SCHEMA, ch, NULL,
					    "<%s> does not take extension "
					    "elements; found {%s}%s",
					    parent->name, ch->ns->href, ch->name);
				siprec__meta_mark(ch);
			} else {
				seen_ext = 1;
				vendor_ns(md, ch->ns->href);
			}
			continue;
		}
		i = order_index(order, ch->name);
		if (i < 0) {
			const struct legacy *l = legacy_find(parent->name,
			    ch->name);

			if (l != NULL)
				md->features |= l->feature;
			if (l != NULL && l->feature == DF_DATAMODE_CASE) {
				/* Treated as datamode by the caller. */
				i = 0;
			} else {
				if (md->rfc)
					siprec__meta_report(md,
					    SIPREC_CHK_L21_RFC_NS, ch, NULL,
					    "<%s> in <%s>%s%s", ch->name,
					    parent->name, l ? ": " : "",
					    l ? l->what : "");
				siprec__meta_mark(ch);
				continue;
			}
		}
		if ((i < last || seen_ext) && !order_done) {
			order_done = 1;
			if (parent == md->root && i >= 3 && i <= 6 && !seen_ext)
				md->features |= DF_INTERLEAVED;
			if (md->rfc) {
				order_text(order, buf, sizeof(buf));
				siprec__meta_report(md, SIPREC_CHK_L04_ORDER, ch,
				    NULL, "<%s> after <%s>; <%s> takes %s%s",
				    ch->name, prev ? (const char *)prev->name :
				    "?", parent->name, buf,
				    ext_ok ? ", then extension elements" : "");
				siprec__meta_mark(ch);
			}
		}
		if (i > last)
			last = i;
		prev = ch;
		if (found != NULL && found[i] == NULL)
			found[i] = ch;
	}
}

/* --- model building ------------------------------------------------------------- */

static struct mel *
add_el(struct mdoc *md, enum mkind k, xmlNodePtr n)
{
	struct mel *e;

	if (md->nels == md->capels) {
		size_t nc = md->capels ? md->capels * 2 : 16;
		struct mel *ne = realloc(md->els, nc * sizeof(*ne));
		if (ne == NULL) {
			md->oom = 1;
			return NULL;
		}
		md->els = ne;
		md->capels = nc;
	}
	e = &md->els[md->nels++];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->node = n;
	md->kcount[k]++;
	return e;
}

static void
add_ref(struct mdoc *md, enum mkind target, struct sv val, xmlNodePtr n,
    xmlAttrPtr a, int sendrecv)
{
	struct mref *r;

	if (val.p == NULL)
		return;
	if (md->nrefs == md->caprefs) {
		size_t nc = md->caprefs ? md->caprefs * 2 : 16;
		struct mref *nr = realloc(md->refs, nc * sizeof(*nr));
		if (nr == NULL) {
			md->oom = 1;
			return;
		}
		md->refs = nr;
		md->caprefs = nc;
	}
	r = &md->refs[md->nrefs++];
	r->target = target;
	r->val = val;
	r->node = n;
	r->attr = a;
	r->owner = md->nels - 1;
	r->sendrecv = sendrecv;
}

/* The element's key attribute, or the pre-RFC id= in its place. */
static void
key_attr(struct mdoc *md, struct mel *e, const char *name)
{
	e->id = siprec__meta_attr(e->node, name, &e->id_attr);
	if (e->id.p == NULL) {
		e->id = siprec__meta_attr(e->node, "id", &e->id_attr);
		if (e->id.p != NULL)
			md->features |= DF_ID_ATTR;
	}
}

static void
each_child(struct mdoc *md, xmlNodePtr n, const char *name,
    void (*fn)(struct mdoc *, xmlNodePtr, void *), void *arg)
{
	xmlNodePtr ch;

	for (ch = n->children; ch != NULL; ch = ch->next)
		if (ch->type == XML_ELEMENT_NODE &&
		    siprec__meta_in_doc_ns(md, ch) &&
		    xmlStrEqual(ch->name, (const xmlChar *)name))
			fn(md, ch, arg);
}

static void
sendrecv_ref(struct mdoc *md, xmlNodePtr n, void *arg)
{
	struct mel *e = &md->els[md->nels - 1];
	int which = *(int *)arg;

	if (which == 1)
		e->has_send = 1;
	add_ref(md, MK_STREAM, siprec__meta_text(md, n), n, NULL, which);
}

static void check_session_id(struct mdoc *, xmlNodePtr, void *);
static void check_reason(struct mdoc *, xmlNodePtr, void *);
static void check_nameid(struct mdoc *, xmlNodePtr, void *);

static void
walk_element(struct mdoc *md, xmlNodePtr n, int rank)
{
	xmlNodePtr f[8] = { NULL };
	struct mel *e;
	struct sv v;
	xmlAttrPtr a = NULL;
	int one = 1, two = 2;

	switch (rank) {
	case 1:		/* group */
		if ((e = add_el(md, MK_GROUP, n)) == NULL)
			return;
		key_attr(md, e, "group_id");
		walk_children(md, n, order_times, 1, f);
		e->t_assoc = f[0];
		e->t_disassoc = f[1];
		break;
	case 2:		/* session */
		if ((e = add_el(md, MK_SESSION, n)) == NULL)
			return;
		key_attr(md, e, "session_id");
		walk_children(md, n, order_session, 1, f);
		if (f[2] != NULL) {
			e->group_ref = siprec__meta_text(md, f[2]);
			e->group_ref_node = f[2];
			add_ref(md, MK_GROUP, e->group_ref, f[2], NULL, 0);
		}
		e->t_start = f[3];
		e->t_stop = f[4];
		each_child(md, n, "sipSessionID", check_session_id, NULL);
		each_child(md, n, "reason", check_reason, NULL);
		break;
	case 3:		/* participant */
		if ((e = add_el(md, MK_PARTICIPANT, n)) == NULL)
			return;
		key_attr(md, e, "participant_id");
		walk_children(md, n, order_participant, 1, f);
		each_child(md, n, "nameID", check_nameid, NULL);
		v = siprec__meta_attr(n, "session", &a);
		if (v.p != NULL) {
			md->features |= DF_SESSION_ATTR;
			add_ref(md, MK_SESSION, v, n, a, 0);
		}
		each_child(md, n, "send", sendrecv_ref, &one);
		each_child(md, n, "recv", sendrecv_ref, &two);
		break;
	case 4:		/* stream */
		if ((e = add_el(md, MK_STREAM, n)) == NULL)
			return;
		key_attr(md, e, "stream_id");
		e->id2 = siprec__meta_attr(n, "session_id", &e->id2_attr);
		if (e->id2.p == NULL && !md->rfc)
			e->id2 = siprec__meta_attr(n, "session", &e->id2_attr);
		add_ref(md, MK_SESSION, e->id2, n, e->id2_attr, 0);
		walk_children(md, n, order_stream, 1, f);
		if (f[0] != NULL) {
			e->label = siprec__meta_text(md, f[0]);
			e->label_node = f[0];
		}
		break;
	case 5:		/* sessionrecordingassoc */
		if ((e = add_el(md, MK_SRA, n)) == NULL)
			return;
		e->id = siprec__meta_attr(n, "session_id", &e->id_attr);
		add_ref(md, MK_SESSION, e->id, n, e->id_attr, 0);
		walk_children(md, n, order_times, 1, f);
		e->t_assoc = f[0];
		e->t_disassoc = f[1];
		break;
	case 6:		/* participantsessionassoc */
		if ((e = add_el(md, MK_PSA, n)) == NULL)
			return;
		e->id = siprec__meta_attr(n, "participant_id", &e->id_attr);
		e->id2 = siprec__meta_attr(n, "session_id", &e->id2_attr);
		add_ref(md, MK_PARTICIPANT, e->id, n, e->id_attr, 0);
		add_ref(md, MK_SESSION, e->id2, n, e->id2_attr, 0);
		walk_children(md, n, order_psa, 1, f);
		e->t_assoc = f[0];
		e->t_disassoc = f[1];
		break;
	case 7:		/* participantstreamassoc */
		if ((e = add_el(md, MK_PSTA, n)) == NULL)
			return;
		e->id = siprec__meta_attr(n, "participant_id", &e->id_attr);
		add_ref(md, MK_PARTICIPANT, e->id, n, e->id_attr, 0);
		walk_children(md, n, order_psta, 1, f);
		e->t_assoc = f[2];
		e->t_disassoc = f[3];
		each_child(md, n, "send", sendrecv_ref, &one);
		each_child(md, n, "recv", sendrecv_ref, &two);
		break;
	default:
		return;
	}
	/* Times the pre-RFC drafts put elsewhere still get checked. */
	if (!md->rfc && e->t_assoc == NULL) {
		xmlNodePtr ch;

		for (ch = n->children; ch != NULL; ch = ch->next)
			if (ch->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(ch->name,
			    (const xmlChar *)"associate-time"))
				e->t_assoc = ch;
	}
}

static void
walk_root(struct mdoc *md)
{
	const xmlChar *name = md->root->name;
	const char *ns = (const char *)md->ns;

	if (ns != NULL && strcmp(ns, SIPREC_META_NS) == 0) {
		if (xmlStrEqual(name, (const xmlChar *)"recording"))
			md->rfc = 1;
		else if (xmlStrEqual(name, (const xmlChar *)"requestsnapshot"))
			md->rfc = md->snapshot = 1;
		else {
			siprec__meta_report(md, SIPREC_CHK_L02_ROOT, md->root,
			    NULL, "root is <%s>", name);
			md->root = NULL;
		}
		return;
	}
	if (ns != NULL && strcmp(ns, NS_BROADWORKS) == 0 &&
	    xmlStrEqual(name, (const xmlChar *)"recording_metadata")) {
		md->features |= DF_BROADWORKS;
		md->root = NULL;	/* a different model: not walked */
		return;
	}
	if (!xmlStrEqual(name, (const xmlChar *)"recording") &&
	    !xmlStrEqual(name, (const xmlChar *)"requestsnapshot")) {
		siprec__meta_report(md, SIPREC_CHK_L02_ROOT, md->root, NULL,
		    "root is <%s>%s%s%s", name, ns ? " in namespace " : "",
		    ns ? ns : "", ns ? "" : " in no namespace");
		md->root = NULL;
		return;
	}
	if (xmlStrEqual(name, (const xmlChar *)"requestsnapshot"))
		md->snapshot = 1;
	if (ns != NULL && strcmp(ns, NS_PRE_RFC) == 0) {
		md->features |= DF_NS_PRE_RFC;
		if (md->root->ns->prefix != NULL)
			md->features |= DF_PREFIXED;
		return;
	}
	siprec__meta_report(md, SIPREC_CHK_L02_NAMESPACE, md->root, NULL,
	    "%s%s", ns ? "namespace is " : "the root has no namespace",
	    ns ? ns : "");
}

void
siprec__meta_walk(struct mdoc *md)
{
	xmlNodePtr f[9] = { NULL }, ch;
	xmlNsPtr d;
	struct sv v;
	int i;

	walk_root(md);
	if (md->root == NULL)
		return;
	for (d = md->root->nsDef; d != NULL; d = d->next)
		vendor_ns(md, d->href);
	if (!md->rfc) {
		/* Vendor namespaces declared deeper name the dialect too. */
		xmlNodePtr n = md->root->children;

		while (n != NULL) {
			if (n->type == XML_ELEMENT_NODE)
				for (d = n->nsDef; d != NULL; d = d->next)
					vendor_ns(md, d->href);
			if (n->type == XML_ELEMENT_NODE && n->children != NULL)
				n = n->children;
			else {
				while (n != NULL && n->next == NULL &&
				    n->parent != md->root)
					n = n->parent;
				n = n != NULL ? n->next : NULL;
			}
		}
	}
	if (md->root->properties != NULL && !md->rfc)
		md->features |= DF_ROOT_ATTR;
	if (md->snapshot) {
		walk_children(md, md->root, order_snapshot, 1, f);
		if (f[0] != NULL) {
			xmlAttrPtr a;

			v = siprec__meta_attr(f[0], "lang", &a);
			(void)v;
		}
		return;
	}
	walk_children(md, md->root, order_recording, 1, f);
	md->datamode = f[0];
	if (md->datamode != NULL) {
		v = siprec__meta_text(md, md->datamode);
		if (siprec__sv_eqs(v, "partial"))
			md->partial = 1;
		else if (!siprec__sv_eqs(v, "complete"))
			siprec__meta_report(md, SIPREC_CHK_L05_DATAMODE,
			    md->datamode, NULL, "\"%.*s\"", (int)v.n, v.p);
		if (xmlStrEqual(md->datamode->name, (const xmlChar *)"dataMode")
		    && md->rfc) {
			siprec__meta_report(md, SIPREC_CHK_L05_DATAMODE_CASE,
			    md->datamode, NULL, "%s",
			    legacy_find((const xmlChar *)"recording",
			    md->datamode->name)->what);
			siprec__meta_mark(md->datamode);
		}
	}
	for (ch = md->root->children; ch != NULL && !md->oom; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE ||
		    !siprec__meta_in_doc_ns(md, ch))
			continue;
		i = order_index(order_recording, ch->name);
		if (i >= 1)
			walk_element(md, ch, i);
	}
}

/* --- dialect ------------------------------------------------------------------------ */

const char *
siprec__meta_dialect(const struct mdoc *md)
{
	unsigned int f = md->features;

	if (f & DF_BROADWORKS)
		return "Cisco BroadWorks draft recording_metadata";
	if (f & DF_NS_PRE_RFC) {
		if (f & DF_APKT)
			return "Oracle/Acme Packet SBC, pre-RFC draft shape";
		if (f & DF_AUDIOCODES)
			return "AudioCodes SBC legacy metadata format";
		if (f & (DF_CALLDATA | DF_PREFIXED))
			return "Ribbon/Sonus SBC, pre-RFC namespace";
		if (f & (DF_AOR_ELEM | DF_URN_UUID))
			return "Oracle/Acme 2011 draft shape";
		return "pre-RFC draft metadata (namespace without :1)";
	}
	if (f & DF_ID_ATTR)
		return "pre-RFC id= attributes in the RFC 7865 namespace";
	if ((f & DF_DATAMODE_CASE) && (f & DF_CHANNEL_ROLE))
		return "Asterisk-based SRC (Intrado VIPER)";
	if ((f & DF_DATAMODE_CASE) && (f & (DF_ASBCE | DF_HEX_ID)))
		return "Avaya SBCE";
	if (f & DF_DATAMODE_CASE)
		return "dataMode spelling (Avaya SBCE, Asterisk-based, old Oracle)";
	if (f & DF_EXTDATA)
		return "extensiondata wrapper (Oracle/Acme, jambonz)";
	if (f & DF_RAW_UUID)
		return "raw UUID text identifiers (jambonz)";
	if (f & DF_INTERLEAVED)
		return "Cisco CUBE element order";
	return NULL;
}

static void
feature_list(unsigned int f, char *buf, size_t len)
{
	static const struct { unsigned int bit; const char *text; } t[] = {
		{ DF_NS_PRE_RFC, "namespace " NS_PRE_RFC " (no :1)" },
		{ DF_PREFIXED, "prefixed root element" },
		{ DF_ID_ATTR, "id= attributes" },
		{ DF_SESSION_ATTR, "session= on participant" },
		{ DF_NESTED_SR, "send/recv inside participant" },
		{ DF_MODE, "stream/mode" },
		{ DF_TIME_PLACED, "associate-time inside session, participant "
		  "or stream" },
		{ DF_EXTDATA, "extensiondata wrapper" },
		{ DF_APKT, "acmepacket extension namespace" },
		{ DF_AUDIOCODES, "AudioCodes extension namespace" },
		{ DF_CALLDATA, "callData extension" },
		{ DF_AOR_ELEM, "aor/name directly in participant" },
		{ DF_URN_UUID, "urn:uuid: identifiers" },
		{ DF_ROOT_ATTR, "attributes on the root" },
	};
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]) && o < len; i++)
		if (f & t[i].bit)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? "; " : "", t[i].text);
}

/* --- value checks ---------------------------------------------------------------- */

/* Base64 alphabet values (RFC 4648 4), -1 elsewhere. */
static const signed char b64tab[256] = {
	['A'] = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	18, 19, 20, 21, 22, 23, 24, 25,
	['a'] = 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
	42, 43, 44, 45, 46, 47, 48, 49, 50, 51,
	['0'] = 52, 53, 54, 55, 56, 57, 58, 59, 60, 61,
	['+'] = 62, ['/'] = 63,
};

static int
b64val(int c)
{
	/* The table's zero entries outside the alphabet mean "invalid". */
	if (b64tab[c] == 0 && c != 'A')
		return -1;
	return b64tab[c];
}

/*
 * Decode XML Schema base64Binary (whitespace allowed, canonical padding).
 * Returns the byte count, or -1 when not lexically valid.
 */
static long
b64_decode(struct sv v, unsigned char *out, size_t cap)
{
	int q[4], nq = 0, pad = 0, d;
	size_t i, o = 0;

	for (i = 0; i < v.n; i++) {
		int c = (unsigned char)v.p[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			q[nq++] = 0;
		} else {
			if (pad || (d = b64val(c)) < 0)
				return -1;
			q[nq++] = d;
		}
		if (nq < 4)
			continue;
		if (pad > 2 || (pad && i + 1 < v.n && strspn(v.p + i + 1,
		    " \t\r\n") != v.n - i - 1))
			return -1;
		if ((pad == 2 && (q[1] & 0xF)) || (pad == 1 && (q[2] & 0x3)))
			return -1;
		if (o + 3 > cap)
			return -1;
		out[o++] = (unsigned char)(q[0] << 2 | q[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((q[1] & 0xF) << 4 | q[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((q[2] & 0x3) << 6 | q[3]);
		nq = 0;
	}
	if (nq != 0)
		return -1;
	return (long)o;
}

static int
all_of(struct sv v, const char *set)
{
	size_t i;

	for (i = 0; i < v.n; i++)
		if (strchr(set, v.p[i]) == NULL)
			return 0;
	return v.n > 0;
}

/* L-06, and L-07 for defining identifiers.  Returns 1 when base64. */
static int
check_id(struct mdoc *md, struct sv v, xmlNodePtr n, xmlAttrPtr a, int defining)
{
	unsigned char b[512];
	const char *attr = a ? (const char *)a->name : NULL;
	const char *hint = "";
	long len;
	size_t i;
	int printable = 1;

	len = b64_decode(v, b, sizeof(b));
	if (len < 0 || v.n == 0) {
		if (v.n > 9 && strncasecmp(v.p, "urn:uuid:", 9) == 0) {
			md->features |= DF_URN_UUID;
			hint = ": the urn:uuid: form of the pre-RFC drafts";
		} else if (v.n == 36 && v.p[8] == '-' && v.p[13] == '-') {
			md->features |= DF_RAW_UUID;
			hint = ": UUID text; RFC 7865 6.10 wants base64 of the "
			    "16 UUID bytes";
		} else if (all_of(v, "0123456789abcdefABCDEF")) {
			md->features |= DF_HEX_ID;
			hint = ": a hexadecimal string";
		}
		siprec__meta_report(md, SIPREC_CHK_L06_BASE64, n, attr,
		    "%s\"%.*s\"%s", v.n ? "" : "empty: ", (int)v.n, v.p, hint);
		return 0;
	}
	if (!defining)
		return 1;
	for (i = 0; i < (size_t)len; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			printable = 0;
	if (printable) {
		siprec__meta_report(md, SIPREC_CHK_L07_UUID_TEXT, n, attr,
		    "\"%.*s\" decodes to the text \"%.*s\"", (int)v.n, v.p,
		    (int)len, (const char *)b);
		return 1;
	}
	if (len != 16) {
		siprec__meta_report(md, SIPREC_CHK_L07_NOT_UUID, n, attr,
		    "\"%.*s\" decodes to %ld bytes", (int)v.n, v.p, len);
		return 1;
	}
	if ((b[8] & 0xC0) != 0x80)
		siprec__meta_report(md, SIPREC_CHK_L07_VARIANT, n, attr,
		    "\"%.*s\": variant bits %d%d", (int)v.n, v.p, b[8] >> 7,
		    (b[8] >> 6) & 1);
	else if (b[6] >> 4 != 1 && b[6] >> 4 != 3 && b[6] >> 4 != 4 &&
	    b[6] >> 4 != 5)
		siprec__meta_report(md, SIPREC_CHK_L07_VERSION, n, attr,
		    "\"%.*s\": version %d", (int)v.n, v.p, b[6] >> 4);
	else if (b[6] >> 4 == 1 && (b[10] & 1) == 0)
		siprec__meta_report(md, SIPREC_CHK_L07_MAC, n, attr,
		    "\"%.*s\": node %02x:%02x:%02x:%02x:%02x:%02x", (int)v.n,
		    v.p, b[10], b[11], b[12], b[13], b[14], b[15]);
	return 1;
}

static int
digits(const char *p, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

static long long
days_from_civil(int y, int m, int d)
{
	long long era;
	int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * RFC 3339 5.6 date-time.  Returns 0 with *t (seconds since the epoch;
 * local time when there is no offset) or -1.  *flags: 1 no offset,
 * 2 lower-case t or z.
 */
static int
parse_time(struct sv v, double *t, int *flags)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	const char *p = v.p;
	size_t n = v.n, i = 19;
	int Y, M, D, h, m, s, oh = 0, om = 0, sign = 0;
	double frac = 0, scale = 0.1;

	*flags = 0;
	if (n < 19 || digits(p, 4, &Y) || p[4] != '-' || digits(p + 5, 2, &M) ||
	    p[7] != '-' || digits(p + 8, 2, &D) || (p[10] != 'T' &&
	    p[10] != 't') || digits(p + 11, 2, &h) || p[13] != ':' ||
	    digits(p + 14, 2, &m) || p[16] != ':' || digits(p + 17, 2, &s))
		return -1;
	if (p[10] == 't')
		*flags |= 2;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 ||
	    s > 60)
		return -1;
	if (M == 2 && D == 29 && !(Y % 4 == 0 && (Y % 100 != 0 || Y % 400 == 0)))
		return -1;	/* not a leap year */
	if (i < n && p[i] == '.') {
		if (++i >= n || !isdigit((unsigned char)p[i]))
			return -1;
		while (i < n && isdigit((unsigned char)p[i])) {
			frac += (p[i++] - '0') * scale;
			scale /= 10;
		}
	}
	if (i == n)
		*flags |= 1;
	else if (p[i] == 'Z' || p[i] == 'z') {
		if (p[i] == 'z')
			*flags |= 2;
		if (++i != n)
			return -1;
	} else if (p[i] == '+' || p[i] == '-') {
		sign = p[i] == '-' ? -1 : 1;
		if (n - i != 6 || digits(p + i + 1, 2, &oh) || p[i + 3] != ':' ||
		    digits(p + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	*t = (double)days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + s +
	    frac - sign * (oh * 3600 + om * 60);
	return 0;
}

/* L-13 on one time element; returns 1 with *t when usable. */
static int
check_time(struct mdoc *md, xmlNodePtr n, double *t)
{
	struct sv v;
	int flags;

	if (n == NULL)
		return 0;
	v = siprec__meta_text(md, n);
	if (parse_time(v, t, &flags) != 0) {
		const char *hint = "";

		if (v.n >= 5 && (v.p[v.n - 5] == '+' || v.p[v.n - 5] == '-') &&
		    isdigit((unsigned char)v.p[v.n - 1]))
			hint = ": the offset needs a colon (+hh:mm)";
		siprec__meta_report(md, SIPREC_CHK_L13_TIME_FORMAT, n, NULL,
		    "<%s>%.*s</%s>%s", n->name, (int)v.n, v.p, n->name, hint);
		return 0;
	}
	if (flags & 2)
		siprec__meta_report(md, SIPREC_CHK_L13_TIME_CASE, n, NULL,
		    "<%s>%.*s</%s>", n->name, (int)v.n, v.p, n->name);
	if (flags & 1) {
		siprec__meta_report(md, SIPREC_CHK_L13_TIME_OFFSET, n, NULL,
		    "<%s>%.*s</%s>: the instant is ambiguous", n->name,
		    (int)v.n, v.p, n->name);
		return 0;
	}
	return 1;
}

static void
check_session_id(struct mdoc *md, xmlNodePtr n, void *arg)
{
	struct sv v = siprec__meta_text(md, n);
	size_t i, h = 0;

	(void)arg;
	/* RFC 7989 4.1: 32 hex digits, then ;remote=32 hex digits. */
	for (i = 0; i < v.n && isxdigit((unsigned char)v.p[i]); i++)
		h++;
	if (h == 32 && (i == v.n || (v.n - i == 40 &&
	    strncasecmp(v.p + i, ";remote=", 8) == 0 &&
	    all_of((struct sv){ v.p + i + 8, 32 },
	    "0123456789abcdefABCDEF"))))
		return;
	siprec__meta_report(md, SIPREC_CHK_L17_SESSION_ID, n, NULL,
	    "\"%.*s\"%s", (int)v.n, v.p, memchr(v.p, '@', v.n) != NULL ?
	    ": looks like a Call-ID" : "");
}

static void
check_reason(struct mdoc *md, xmlNodePtr n, void *arg)
{
	struct sv cause, proto;
	uint64_t c;
	char buf[16];

	(void)arg;
	cause = siprec__meta_attr(n, "cause", NULL);
	proto = siprec__meta_attr(n, "protocol", NULL);
	if (cause.p == NULL || cause.n == 0 || cause.n >= sizeof(buf))
		return;		/* the schema reports it */
	memcpy(buf, cause.p, cause.n);
	buf[cause.n] = '\0';
	if (siprec_parse_u64(buf, 0, 65535, 0, &c) != SIPREC_OK)
		return;
	if (proto.p == NULL || (proto.n == 3 && strncasecmp(proto.p, "SIP", 3)
	    == 0)) {
		if (c < 100 || c > 699)
			siprec__meta_report(md, SIPREC_CHK_L14_CAUSE, n, "cause",
			    "SIP cause %s is not a status code (100-699)", buf);
	} else if (proto.n == 5 && strncasecmp(proto.p, "Q.850", 5) == 0) {
		if (c < 1 || c > 127)
			siprec__meta_report(md, SIPREC_CHK_L14_CAUSE, n, "cause",
			    "Q.850 cause %s is outside 1-127", buf);
	}
}

static int
is_hostish(struct sv v)
{
	return all_of(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]");
}

static int
check_lang(struct mdoc *md, xmlNodePtr n)
{
	struct sv v;
	size_t i, seg = 0, first = 1;
	int alpha = 1;

	v = siprec__meta_attr(n, "lang", NULL);
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		if (a->ns != NULL && xmlStrEqual(a->name,
		    (const xmlChar *)"lang") && a->children != NULL)
			v = (struct sv){ (const char *)a->children->content,
			    strlen((const char *)a->children->content) };
	if (v.p == NULL || v.n == 0)
		return 0;
	/* BCP 47 shape: 1*8ALPHA *("-" 1*8alphanum). */
	for (i = 0; i <= v.n; i++) {
		if (i == v.n || v.p[i] == '-') {
			if (seg == 0 || seg > 8 || (first && !alpha))
				goto bad;
			first = 0;
			seg = 0;
			alpha = 1;
			continue;
		}
		if (!isalnum((unsigned char)v.p[i]))
			goto bad;
		if (!isalpha((unsigned char)v.p[i]))
			alpha = 0;
		seg++;
	}
	return 0;
bad:
	siprec__meta_report(md, SIPREC_CHK_L16_LANG, n, "xml:lang", "\"%.*s\"",
	    (int)v.n, v.p);
	return 1;
}

static void
check_nameid(struct mdoc *md, xmlNodePtr n, void *arg)
{
	xmlNodePtr f[1] = { NULL };
	struct sv v;
	const char *colon, *at;

	(void)arg;
	walk_children(md, n, order_nameid, 0, f);
	if (f[0] != NULL)
		check_lang(md, f[0]);
	v = siprec__meta_attr(n, "aor", NULL);
	if (v.p == NULL)
		return;		/* the schema reports it */
	if (v.n > 5 && strncmp(v.p, "sip:ASBCE@", 10 < v.n ? 10 : v.n) == 0)
		md->features |= DF_ASBCE;
	if ((v.n > 4 && strncasecmp(v.p, "sip:", 4) == 0) ||
	    (v.n > 5 && strncasecmp(v.p, "sips:", 5) == 0) ||
	    (v.n > 4 && strncasecmp(v.p, "tel:", 4) == 0))
		return;
	colon = memchr(v.p, ':', v.n);
	at = memchr(v.p, '@', v.n);
	if (at != NULL && (colon == NULL || colon > at))
		siprec__meta_report(md, SIPREC_CHK_L15_AOR_BARE, n, "aor",
		    "\"%.*s\": write sip:%.*s", (int)v.n, v.p, (int)v.n, v.p);
	else if (v.n == 0 || !is_hostish(v) || (colon != NULL &&
	    !all_of(v, "0123456789abcdefABCDEF:.[]")))
		/* A colon outside an IPv6 literal: another URI scheme. */
		siprec__meta_report(md, SIPREC_CHK_L15_AOR, n, "aor", "\"%.*s\"%s",
		    (int)v.n, v.p, colon != NULL && v.n > 0 ? ": RFC 7865 6.5.1 "
		    "allows SIP, SIPS and tel URIs, host names and addresses" :
		    "");
}

/* --- document-level checks --------------------------------------------------------- */

static const char kchar[MK__N] = { 'g', 's', 'p', 't', 'r', 'a', 'x' };

static int
key_of(enum mkind k, struct sv a, struct sv b, char *buf, size_t len)
{
	if (a.p == NULL || a.n + b.n + 3 > len)
		return -1;
	buf[0] = kchar[k];
	memcpy(buf + 1, a.p, a.n);
	if (b.p == NULL)
		return (int)(a.n + 1);
	buf[a.n + 1] = '\001';
	memcpy(buf + a.n + 2, b.p, b.n);
	return (int)(a.n + b.n + 2);
}

static int
time_pair(struct mdoc *md, xmlNodePtr a, xmlNodePtr b, double *ta, double *tb)
{
	int oka = check_time(md, a, ta), okb = check_time(md, b, tb);

	if (oka && okb && *tb < *ta) {
		siprec__meta_report(md, SIPREC_CHK_L13_TIME_ORDER, b, NULL,
		    "<%s> is before <%s>", b->name, a->name);
		return 0;
	}
	return oka | okb << 1;
}

static void
sdp_checks(struct mdoc *md)
{
	const struct siprec_meta_input *in = md->in;
	size_t i, j;
	int any_label = 0;

	for (i = 0; i < md->nels; i++)
		if (md->els[i].kind == MK_STREAM && md->els[i].label_node)
			any_label = 1;
	if (!in->has_sdp) {
		for (i = 0; i < md->nels && any_label; i++)
			if (md->els[i].kind == MK_STREAM &&
			    md->els[i].label_node != NULL) {
				siprec__meta_report(md,
				    SIPREC_CHK_L19_LABEL_NO_OFFER,
				    md->els[i].label_node, NULL,
				    "label \"%.*s\" in a message without SDP",
				    (int)md->els[i].label.n,
				    md->els[i].label.p);
				break;
			}
		return;
	}
	for (i = 0; i < md->nels; i++) {
		const struct mel *e = &md->els[i];

		if (e->kind != MK_STREAM || e->label_node == NULL)
			continue;
		for (j = 0; j < in->nmedia; j++)
			if (in->media[j].label != NULL &&
			    siprec__sv_eqs(e->label, in->media[j].label))
				break;
		if (j == in->nmedia)
			siprec__meta_report(md, SIPREC_CHK_L18_LABEL_SDP,
			    e->label_node, NULL, "label \"%.*s\"",
			    (int)e->label.n, e->label.p);
	}
	for (j = 0; j < in->nmedia; j++) {
		if (in->media[j].label == NULL) {
			siprec_report(md->sink, SIPREC_CHK_L18_SDP_NO_LABEL,
			    in->media[j].line, 1, "media line %zu", j + 1);
			continue;
		}
		if (md->partial)
			continue;
		for (i = 0; i < md->nels; i++)
			if (md->els[i].kind == MK_STREAM &&
			    siprec__sv_eqs(md->els[i].label,
			    in->media[j].label))
				break;
		if (i == md->nels)
			siprec_report(md->sink, SIPREC_CHK_L18_SDP_UNDESCRIBED,
			    in->media[j].line, 1, "a=label:%s",
			    in->media[j].label);
	}
}

void
siprec__meta_semantic(struct mdoc *md, struct siprec_meta_state *st)
{
	struct strmap *defs_ = &md->scratch->defs, *sends_ = &md->scratch->sends,
	    *labels_ = &md->scratch->labels, *seen_ = &md->scratch->seen;
	char key[600];
	size_t i;
	int kl, k;
	double ta, tb;
	int check_refs;

	siprec__strmap_reset(defs_);
	siprec__strmap_reset(sends_);
	siprec__strmap_reset(labels_);
	siprec__strmap_reset(seen_);

	if (md->root == NULL) {
		if (md->features & DF_BROADWORKS)
			siprec__meta_report(md, SIPREC_CHK_L02_DIALECT,
			    xmlDocGetRootElement(md->doc), NULL,
			    "%s: root <recording_metadata> in %s is the 2011 "
			    "draft container, not RFC 7865",
			    siprec__meta_dialect(md), NS_BROADWORKS);
		return;
	}
	if (md->snapshot) {
		xmlNodePtr ch;

		for (ch = md->root->children; ch != NULL; ch = ch->next)
			if (ch->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(ch->name,
			    (const xmlChar *)"requestreason"))
				check_lang(md, ch);
		return;
	}
	/* Identifiers: L-06, L-07, L-08, L-09. */
	for (i = 0; i < md->nels && !md->oom; i++) {
		struct mel *e = &md->els[i];
		int defining = e->kind <= MK_STREAM;

		if (e->id.p == NULL)
			continue;	/* the schema reports the attribute */
		if (!check_id(md, e->id, e->node, e->id_attr, defining) &&
		    e->kind != MK_PSA)
			continue;
		if (e->kind == MK_PSA && e->id2.p != NULL &&
		    !check_id(md, e->id2, e->node, e->id2_attr, 0))
			continue;
		if (e->kind == MK_STREAM && e->id2.p != NULL)
			(void)check_id(md, e->id2, e->node, e->id2_attr, 0);
		kl = key_of(e->kind, e->id, e->kind == MK_PSA ? e->id2 :
		    (struct sv){ NULL, 0 }, key, sizeof(key));
		if (kl < 0)
			continue;
		if (siprec__strmap_get(defs_, key, (size_t)kl) != NULL) {
			if (e->kind == MK_PSTA)
				siprec__meta_report(md, SIPREC_CHK_L22_PSA_DUP,
				    e->node, NULL, "participant \"%.*s\"",
				    (int)e->id.n, e->id.p);
			else
				siprec__meta_report(md, SIPREC_CHK_L08_DUPLICATE,
				    e->node, e->id_attr ?
				    (const char *)e->id_attr->name : NULL,
				    "%s \"%.*s\" defined twice",
				    siprec__mkind_name[e->kind], (int)e->id.n,
				    e->id.p);
			continue;
		}
		if (siprec__strmap_put(defs_, key, (size_t)kl, e) == -1)
			md->oom = 1;
		if (!defining)
			continue;
		for (k = 0; k <= MK_STREAM; k++) {
			struct mel *o;

			if (k == (int)e->kind)
				continue;
			key[0] = kchar[k];
			o = siprec__strmap_get(defs_, key, (size_t)kl);
			if (o != NULL) {
				siprec__meta_report(md, SIPREC_CHK_L09_ID_CLASH,
				    e->node, e->id_attr ?
				    (const char *)e->id_attr->name : NULL,
				    "\"%.*s\" names a %s and a %s",
				    (int)e->id.n, e->id.p,
				    siprec__mkind_name[k],
				    siprec__mkind_name[e->kind]);
				break;
			}
		}
	}
	/* References: L-06 and L-10; send/recv duplicates L-22. */
	check_refs = !md->partial || st != NULL;
	for (i = 0; i < md->nrefs && !md->oom; i++) {
		struct mref *r = &md->refs[i];
		const char *attr = r->attr ? (const char *)r->attr->name : NULL;

		if (r->attr == NULL && !check_id(md, r->val, r->node, NULL, 0))
			continue;
		if (r->attr != NULL && b64_decode(r->val, (unsigned char *)key,
		    sizeof(key)) < 0)
			continue;	/* reported with the element */
		if (r->sendrecv != 0) {
			kl = key_of(r->sendrecv == 1 ? MK_STREAM : MK_SRA,
			    r->val, (struct sv){ NULL, 0 }, key, sizeof(key));
			/* One key space per participantstreamassoc. */
			if (kl > 0 && (size_t)kl + 24 < sizeof(key)) {
				kl += snprintf(key + kl, sizeof(key) - (size_t)kl,
				    "\001%zu", r->owner);
				if (siprec__strmap_get(seen_, key, (size_t)kl))
					siprec__meta_report(md,
					    SIPREC_CHK_L22_SEND_DUP, r->node,
					    NULL, "<%s>%.*s</%s>",
					    r->node->name, (int)r->val.n,
					    r->val.p, r->node->name);
				else if (siprec__strmap_put(seen_, key,
				    (size_t)kl, r) == -1)
					md->oom = 1;
			}
			if (r->sendrecv == 1 && (kl = key_of(MK_STREAM, r->val,
			    (struct sv){ NULL, 0 }, key, sizeof(key))) > 0 &&
			    siprec__strmap_put(sends_, key, (size_t)kl, r) == -1)
				md->oom = 1;
		}
		if (!check_refs)
			continue;
		kl = key_of(r->target, r->val, (struct sv){ NULL, 0 }, key,
		    sizeof(key));
		if (kl < 0 || siprec__strmap_get(defs_, key, (size_t)kl) != NULL)
			continue;
		if (md->partial && st != NULL &&
		    siprec__meta_state_knows(st, r->target, &r->val))
			continue;
		siprec__meta_report(md, SIPREC_CHK_L10_DANGLING, r->node, attr,
		    "%s%s%s \"%.*s\" names no %s%s", r->node->name,
		    attr ? "/@" : "", attr ? attr : "", (int)r->val.n, r->val.p,
		    siprec__mkind_name[r->target],
		    md->partial ? " in this update or earlier state" :
		    " in the document");
	}
	/* Times: L-13. */
	for (i = 0; i < md->nels; i++) {
		struct mel *e = &md->els[i];

		if (e->t_assoc != NULL || e->t_disassoc != NULL)
			(void)time_pair(md, e->t_assoc, e->t_disassoc, &ta, &tb);
		if (e->kind == MK_SESSION)
			(void)time_pair(md, e->t_start, e->t_stop, &ta, &tb);
	}
	for (i = 0; i < md->nels; i++) {
		struct mel *e = &md->els[i], *s;
		double ss = 0, se = 0, a;
		int have, fl;

		if ((e->kind != MK_PSA && e->kind != MK_SRA) ||
		    e->t_assoc == NULL)
			continue;
		kl = key_of(MK_SESSION, e->kind == MK_PSA ? e->id2 : e->id,
		    (struct sv){ NULL, 0 }, key, sizeof(key));
		if (kl < 0 || (s = siprec__strmap_get(defs_, key,
		    (size_t)kl)) == NULL)
			continue;
		have = 0;
		if (s->t_start && parse_time(siprec__meta_text(md, s->t_start),
		    &ss, &fl) == 0 && !(fl & 1))
			have |= 1;
		if (s->t_stop && parse_time(siprec__meta_text(md, s->t_stop),
		    &se, &fl) == 0 && !(fl & 1))
			have |= 2;
		if (parse_time(siprec__meta_text(md, e->t_assoc), &a, &fl) != 0 ||
		    (fl & 1))
			continue;
		if (((have & 1) && a < ss) || ((have & 2) && a > se))
			siprec__meta_report(md, SIPREC_CHK_L13_TIME_OUTSIDE,
			    e->t_assoc, NULL, "%s associate-time outside the "
			    "session's %s", siprec__mkind_name[e->kind],
			    (have & 1) && a < ss ? "start-time" : "stop-time");
	}
	/* Labels: L-18, L-19. */
	for (i = 0; i < md->nels && !md->oom; i++) {
		struct mel *e = &md->els[i];

		if (e->kind != MK_STREAM || e->label_node == NULL)
			continue;
		if (siprec__strmap_get(labels_, e->label.p, e->label.n))
			siprec__meta_report(md, SIPREC_CHK_L18_LABEL_DUP,
			    e->label_node, NULL, "label \"%.*s\"",
			    (int)e->label.n, e->label.p);
		else if (siprec__strmap_put(labels_, e->label.p, e->label.n,
		    e) == -1)
			md->oom = 1;
	}
	if (md->in->in_sip)
		sdp_checks(md);
	/* Orphans (L-23) and persistent recordings (L-25): complete only. */
	if (!md->partial && md->rfc) {
		for (i = 0; i < md->nels; i++) {
			struct mel *e = &md->els[i];

			if (e->id.p == NULL)
				continue;
			if (e->kind == MK_STREAM) {
				kl = key_of(MK_STREAM, e->id,
				    (struct sv){ NULL, 0 }, key, sizeof(key));
				if (kl > 0 && !siprec__strmap_get(sends_, key,
				    (size_t)kl))
					siprec__meta_report(md,
					    SIPREC_CHK_L23_STREAM_NO_SENDER,
					    e->node, NULL, "stream \"%.*s\"",
					    (int)e->id.n, e->id.p);
			} else if (e->kind == MK_PARTICIPANT ||
			    e->kind == MK_SESSION) {
				size_t j;
				int found = 0;

				for (j = 0; j < md->nels && !found; j++) {
					const struct mel *o = &md->els[j];

					if (e->kind == MK_PARTICIPANT)
						found = o->kind == MK_PSA &&
						    siprec__sv_eq(o->id, e->id);
					else
						found = o->kind == MK_SRA &&
						    siprec__sv_eq(o->id, e->id);
				}
				if (!found)
					siprec__meta_report(md,
					    e->kind == MK_PARTICIPANT ?
					    SIPREC_CHK_L23_PARTICIPANT_NO_SESSION :
					    SIPREC_CHK_L23_SESSION_NO_ASSOC,
					    e->node, NULL, "%s \"%.*s\"",
					    siprec__mkind_name[e->kind],
					    (int)e->id.n, e->id.p);
			}
		}
		if (md->kcount[MK_SESSION] == 0)
			siprec__meta_report(md, SIPREC_CHK_L25_NO_SESSION,
			    md->root, NULL, NULL);
	}
	/* The dialect, named once instead of a pile of schema errors. */
	if (!md->rfc && md->features != 0) {
		char buf[400];

		feature_list(md->features, buf, sizeof(buf));
		siprec__meta_report(md, SIPREC_CHK_L02_DIALECT, md->root, NULL,
		    "%s: %s", siprec__meta_dialect(md), buf);
	}
}

/* Rank of child in parent's schema order; -1 if not an RFC child. */
int
siprec__meta_child_rank(const xmlChar *parent, const xmlChar *child)
{
	static const struct { const char *p; const char *const *o; } t[] = {
		{ "recording", order_recording },
		{ "group", order_times },
		{ "session", order_session },
		{ "participant", order_participant },
		{ "stream", order_stream },
		{ "sessionrecordingassoc", order_times },
		{ "participantsessionassoc", order_psa },
		{ "participantstreamassoc", order_psta },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (xmlStrEqual(parent, (const xmlChar *)t[i].p))
			return order_index(t[i].o, child);
	return -1;
}

int
siprec__meta_key(enum mkind k, struct sv a, struct sv b, char *buf, size_t len)
{
	return key_of(k, a, b, buf, len);
}
