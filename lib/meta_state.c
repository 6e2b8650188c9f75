/* SPDX-License-Identifier: BSD-2-Clause */
/* Recording-session metadata state: stateful checks and the merge model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta_int.h"

/*
 * The merge model (SPEC 2.6, derived from RFC 7865 5 and 6.8.1 and every
 * RFC 8068 example): a complete document replaces the state; a partial
 * one updates keyed elements.  Scalars overwrite when present, lists
 * (sipSessionID, reason, nameID, param) are replaced when present, the
 * send and recv sets of a participantstreamassoc are always replaced
 * (absence means "not sending"), extension children are replaced when
 * present.  The merged state is kept as an RFC 7865 document so it can be
 * written out whole.
 */
struct siprec_meta_state {
	int		 have_complete;
	int		 snapshot_requested;
	xmlDocPtr	 merged;	/* NULL until a complete RFC document */
	struct strmap	 index;		/* element key -> node in merged, or 1 */
	struct strmap	 kinds;		/* identifier -> kind + 1, for life */
};

#define KNOWN	((void *)1)

enum siprec_err
siprec_meta_state_new(struct siprec_meta_state **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return SIPREC_ENOMEM;
	return SIPREC_OK;
}

void
siprec_meta_state_free(struct siprec_meta_state *st)
{
	if (st == NULL)
		return;
	if (st->merged != NULL)
		xmlFreeDoc(st->merged);
	siprec__strmap_clear(&st->index);
	siprec__strmap_clear(&st->kinds);
	free(st);
}

int
siprec__meta_state_knows(const struct siprec_meta_state *st, enum mkind k,
    const struct sv *id)
{
	char key[600];
	int kl = siprec__meta_key(k, *id, (struct sv){ NULL, 0 }, key,
	    sizeof(key));

	return kl > 0 && siprec__strmap_get(&st->index, key, (size_t)kl) != NULL;
}

static void
strip_blanks(xmlNodePtr n)
{
	xmlNodePtr ch, next;

	for (ch = n->children; ch != NULL; ch = next) {
		next = ch->next;
		if (ch->type == XML_TEXT_NODE && xmlIsBlankNode(ch)) {
			xmlUnlinkNode(ch);
			xmlFreeNode(ch);
		} else if (ch->type == XML_COMMENT_NODE) {
			xmlUnlinkNode(ch);
			xmlFreeNode(ch);
		} else if (ch->type == XML_ELEMENT_NODE)
			strip_blanks(ch);
	}
}

/*
 * Copies carry their own declaration of the RFC namespace; point them at
 * the root's and drop the copies' declarations, so the merged document
 * declares it once.
 */
static void
adopt_ns(xmlNsPtr rootns, xmlNodePtr n)
{
	xmlNodePtr ch;
	xmlNsPtr *pp, d;

	if (n->type != XML_ELEMENT_NODE)
		return;
	if (n->ns != NULL && n->ns != rootns &&
	    xmlStrEqual(n->ns->href, rootns->href))
		n->ns = rootns;
	for (ch = n->children; ch != NULL; ch = ch->next)
		adopt_ns(rootns, ch);
	for (pp = &n->nsDef; (d = *pp) != NULL; ) {
		if (xmlStrEqual(d->href, rootns->href) &&
		    xmlStrEqual(d->prefix, rootns->prefix)) {
			*pp = d->next;
			d->next = NULL;
			xmlFreeNs(d);
		} else
			pp = &d->next;
	}
}

static xmlNodePtr
copy_in(xmlDocPtr d, xmlNodePtr n)
{
	xmlNodePtr root = xmlDocGetRootElement(d);
	xmlNodePtr cp = xmlDocCopyNode(n, d, 1);

	if (cp != NULL && root != NULL && root->ns != NULL) {
		strip_blanks(cp);
		adopt_ns(root->ns, cp);
	}
	return cp;
}

static int
rank(xmlNodePtr parent, xmlNodePtr ch)
{
	int r;

	if (ch->ns == NULL || !xmlStrEqual(ch->ns->href,
	    (const xmlChar *)SIPREC_META_NS))
		return 100;
	r = siprec__meta_child_rank(parent->name, ch->name);
	return r < 0 ? 99 : r;
}

/* Put parent's element children back into schema order (stable). */
static void
reorder(xmlNodePtr parent)
{
	xmlNodePtr ch, *v = NULL;
	size_t n = 0, i, j;

	for (ch = parent->children; ch != NULL; ch = ch->next)
		n++;
	if (n < 2 || (v = malloc(n * sizeof(*v))) == NULL)
		return;
	for (n = 0, ch = parent->children; ch != NULL; ch = ch->next)
		v[n++] = ch;
	for (i = 1; i < n; i++)		/* insertion sort: stable, short lists */
		for (j = i; j > 0 && rank(parent, v[j - 1]) > rank(parent, v[j]);
		    j--) {
			xmlNodePtr t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		xmlUnlinkNode(v[i]);
	for (i = 0; i < n; i++)
		xmlAddChild(parent, v[i]);
	free(v);
}

static void
remove_children(xmlNodePtr n, const xmlChar *name, int foreign)
{
	xmlNodePtr ch, next;

	for (ch = n->children; ch != NULL; ch = next) {
		next = ch->next;
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (foreign ? rank(n, ch) == 100 :
		    (rank(n, ch) != 100 && xmlStrEqual(ch->name, name))) {
			xmlUnlinkNode(ch);
			xmlFreeNode(ch);
		}
	}
}

static xmlNodePtr
child_named(xmlNodePtr n, const char *name)
{
	xmlNodePtr ch;

	for (ch = n->children; ch != NULL; ch = ch->next)
		if (ch->type == XML_ELEMENT_NODE && rank(n, ch) != 100 &&
		    xmlStrEqual(ch->name, (const xmlChar *)name))
			return ch;
	return NULL;
}

static int
is_list(const xmlChar *name)
{
	static const char *const l[] = { "sipSessionID", "reason", "nameID",
		"param", "send", "recv", NULL };
	size_t i;

	for (i = 0; l[i] != NULL; i++)
		if (xmlStrEqual(name, (const xmlChar *)l[i]))
			return 1;
	return 0;
}

/* Apply a partial update of one keyed element to its stored copy. */
static void
merge_into(xmlDocPtr d, xmlNodePtr dst, xmlNodePtr src, enum mkind k)
{
	xmlNodePtr ch, done_lists = NULL, cp;
	xmlAttrPtr a;
	int ext_done = 0;

	(void)done_lists;
	for (a = src->properties; a != NULL; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);

		xmlSetProp(dst, a->name, v);
		xmlFree(v);
	}
	if (k == MK_PSTA) {
		remove_children(dst, (const xmlChar *)"send", 0);
		remove_children(dst, (const xmlChar *)"recv", 0);
	}
	/* A re-join: a new association after a stored disassociation. */
	if (k == MK_PSA && child_named(src, "associate-time") != NULL &&
	    child_named(src, "disassociate-time") == NULL)
		remove_children(dst, (const xmlChar *)"disassociate-time", 0);
	for (ch = src->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (rank(src, ch) == 100) {
			if (!ext_done)
				remove_children(dst, NULL, 1);
			ext_done = 1;
		} else if (is_list(ch->name)) {
			xmlNodePtr p;
			int first = 1;

			/* Replace the whole list on its first member. */
			for (p = ch->prev; p != NULL; p = p->prev)
				if (p->type == XML_ELEMENT_NODE &&
				    xmlStrEqual(p->name, ch->name))
					first = 0;
			if (first && k != MK_PSTA)
				remove_children(dst, ch->name, 0);
		} else
			remove_children(dst, ch->name, 0);
		if ((cp = copy_in(d, ch)) != NULL)
			xmlAddChild(dst, cp);
	}
	reorder(dst);
}

static void
index_doc(struct siprec_meta_state *st, const struct mdoc *md, xmlDocPtr copy)
{
	char key[600];
	size_t i;
	int kl;

	siprec__strmap_clear(&st->index);
	for (i = 0; i < md->nels; i++) {
		const struct mel *e = &md->els[i];

		kl = siprec__meta_key(e->kind, e->id, e->kind == MK_PSA ?
		    e->id2 : (struct sv){ NULL, 0 }, key, sizeof(key));
		if (kl > 0)
			(void)siprec__strmap_put(&st->index, key, (size_t)kl,
			    copy ? e->node->_private : KNOWN);
	}
}

/*
 * Copy a complete document as the new state.  The copy's elements get
 * _private pointing at themselves so index_doc can map the originals'
 * keys to the copies: the original's _private is set to its copy first.
 */
static void
replace_state(struct siprec_meta_state *st, struct mdoc *md)
{
	xmlNodePtr root, ch, cp;
	size_t i;

	if (st->merged != NULL)
		xmlFreeDoc(st->merged);
	st->merged = NULL;
	if (!md->rfc) {
		index_doc(st, md, NULL);
		return;
	}
	if ((st->merged = xmlNewDoc((const xmlChar *)"1.0")) == NULL)
		return;
	root = xmlDocCopyNode(md->root, st->merged, 2);	/* element + ns */
	if (root == NULL)
		return;
	xmlDocSetRootElement(st->merged, root);
	for (ch = md->root->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if ((cp = copy_in(st->merged, ch)) == NULL)
			continue;
		xmlAddChild(root, cp);
		for (i = 0; i < md->nels; i++)
			if (md->els[i].node == ch)
				ch->_private = cp;
	}
	strip_blanks(root);
	index_doc(st, md, st->merged);
}

static void
set_datamode_complete(xmlDocPtr d)
{
	xmlNodePtr root = xmlDocGetRootElement(d), dm;

	if (root == NULL)
		return;
	dm = child_named(root, "datamode");
	if (dm == NULL)
		dm = child_named(root, "dataMode");
	if (dm != NULL) {
		xmlUnlinkNode(dm);
		xmlFreeNode(dm);
	}
	dm = xmlNewDocNode(d, root->ns, (const xmlChar *)"datamode",
	    (const xmlChar *)"complete");
	if (dm == NULL)
		return;
	if (root->children != NULL)
		xmlAddPrevSibling(root->children, dm);
	else
		xmlAddChild(root, dm);
}

static void
merge_partial(struct siprec_meta_state *st, struct mdoc *md)
{
	xmlNodePtr root = st->merged ? xmlDocGetRootElement(st->merged) : NULL;
	char key[600];
	size_t i;
	int kl;

	for (i = 0; i < md->nels; i++) {
		const struct mel *e = &md->els[i];
		xmlNodePtr have, cp;

		kl = siprec__meta_key(e->kind, e->id, e->kind == MK_PSA ?
		    e->id2 : (struct sv){ NULL, 0 }, key, sizeof(key));
		if (kl <= 0)
			continue;
		have = siprec__strmap_get(&st->index, key, (size_t)kl);
		if (root == NULL || !md->rfc) {
			(void)siprec__strmap_put(&st->index, key, (size_t)kl,
			    KNOWN);
			continue;
		}
		if (have != NULL && have != KNOWN) {
			merge_into(st->merged, have, e->node, e->kind);
			continue;
		}
		if ((cp = copy_in(st->merged, e->node)) == NULL)
			continue;
		xmlAddChild(root, cp);
		(void)siprec__strmap_put(&st->index, key, (size_t)kl, cp);
	}
	/* Extension elements of the recording itself replace the stored set. */
	if (root != NULL && md->rfc) {
		xmlNodePtr ch, cp;
		int first = 1;

		for (ch = md->root->children; ch != NULL; ch = ch->next) {
			if (ch->type != XML_ELEMENT_NODE ||
			    rank(md->root, ch) != 100)
				continue;
			if (first)
				remove_children(root, NULL, 1);
			first = 0;
			if ((cp = copy_in(st->merged, ch)) != NULL)
				xmlAddChild(root, cp);
		}
		reorder(root);
	}
}

void
siprec__meta_stateful(struct mdoc *md, struct siprec_meta_state *st)
{
	char key[600];
	size_t i;
	int kl;

	if (md->root == NULL)
		return;
	if (md->snapshot) {
		st->snapshot_requested = 1;
		return;
	}
	if (md->partial && !st->have_complete)
		siprec__meta_report(md, SIPREC_CHK_L11_PARTIAL_FIRST,
		    md->datamode, NULL, "no complete snapshot came before");
	if (md->partial && st->snapshot_requested)
		siprec__meta_report(md, SIPREC_CHK_L12_SNAPSHOT, md->datamode,
		    NULL, "a requestsnapshot asked for a complete snapshot");
	/* L-09 across the session's life; L-20 against the state. */
	for (i = 0; i < md->nels; i++) {
		const struct mel *e = &md->els[i];
		void *prev;

		if (e->kind > MK_STREAM || e->id.p == NULL || e->id.n == 0)
			continue;
		prev = siprec__strmap_get(&st->kinds, e->id.p, e->id.n);
		if (prev != NULL && (uintptr_t)prev - 1 != (uintptr_t)e->kind)
			siprec__meta_report(md, SIPREC_CHK_L09_ID_CLASH, e->node,
			    e->id_attr ? (const char *)e->id_attr->name : NULL,
			    "\"%.*s\" named a %s in an earlier document",
			    (int)e->id.n, e->id.p,
			    siprec__mkind_name[(uintptr_t)prev - 1]);
		if (!md->partial || st->merged == NULL)
			continue;
		kl = siprec__meta_key(e->kind, e->id, (struct sv){ NULL, 0 },
		    key, sizeof(key));
		xmlNodePtr have = kl > 0 ? siprec__strmap_get(&st->index, key,
		    (size_t)kl) : NULL;
		if (have == NULL || have == KNOWN)
			continue;
		if (e->kind == MK_STREAM && e->id2.p != NULL) {
			xmlChar *old = xmlGetNoNsProp(have,
			    (const xmlChar *)"session_id");

			if (old != NULL && !siprec__sv_eqs(e->id2,
			    (const char *)old))
				siprec__meta_report(md,
				    SIPREC_CHK_L20_STREAM_MOVED, e->node,
				    "session_id", "from session \"%s\" to "
				    "\"%.*s\"", old, (int)e->id2.n, e->id2.p);
			xmlFree(old);
		}
		if (e->kind == MK_SESSION && e->group_ref_node != NULL) {
			xmlNodePtr g = child_named(have, "group-ref");
			xmlChar *old = g ? xmlNodeGetContent(g) : NULL;

			if (old != NULL && !siprec__sv_eqs(e->group_ref,
			    (const char *)old))
				siprec__meta_report(md,
				    SIPREC_CHK_L20_GROUP_CHANGED,
				    e->group_ref_node, NULL,
				    "from group \"%s\" to \"%.*s\"", old,
				    (int)e->group_ref.n, e->group_ref.p);
			xmlFree(old);
		}
	}
	/* Only now: a clash inside this document was reported by itself. */
	for (i = 0; i < md->nels; i++) {
		const struct mel *e = &md->els[i];

		if (e->kind <= MK_STREAM && e->id.p != NULL && e->id.n != 0 &&
		    siprec__strmap_get(&st->kinds, e->id.p, e->id.n) == NULL)
			(void)siprec__strmap_put(&st->kinds, e->id.p, e->id.n,
			    (void *)((uintptr_t)e->kind + 1));
	}
	if (!md->partial) {
		st->have_complete = 1;
		st->snapshot_requested = 0;
		replace_state(st, md);
	} else
		merge_partial(st, md);
	if (st->merged != NULL)
		set_datamode_complete(st->merged);
}

enum siprec_err
siprec_meta_state_dump(const struct siprec_meta_state *st, char **out,
    size_t *outlen)
{
	xmlChar *buf = NULL;
	int len = 0;

	*out = NULL;
	*outlen = 0;
	if (st == NULL || st->merged == NULL)
		return SIPREC_ENOTFOUND;
	xmlDocDumpFormatMemoryEnc(st->merged, &buf, &len, "UTF-8", 1);
	if (buf == NULL)
		return SIPREC_ENOMEM;
	if ((*out = malloc((size_t)len + 1)) == NULL) {
		xmlFree(buf);
		return SIPREC_ENOMEM;
	}
	memcpy(*out, buf, (size_t)len);
	(*out)[len] = '\0';
	*outlen = (size_t)len;
	xmlFree(buf);
	return SIPREC_OK;
}

static void
prop(xmlNodePtr n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);

	snprintf(buf, len, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

/* The label of stream id in the merged document, else the id itself. */
static void
stream_label(xmlNodePtr root, const xmlChar *id, char *buf, size_t len)
{
	xmlNodePtr ch, l;
	xmlChar *sid, *txt;

	snprintf(buf, len, "%s", (const char *)id);
	for (ch = root->children; ch != NULL; ch = ch->next) {
		if (ch->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(ch->name, (const xmlChar *)"stream"))
			continue;
		sid = xmlGetNoNsProp(ch, (const xmlChar *)"stream_id");
		if (sid != NULL && xmlStrEqual(sid, id) &&
		    (l = child_named(ch, "label")) != NULL &&
		    (txt = xmlNodeGetContent(l)) != NULL) {
			snprintf(buf, len, "%s", (const char *)txt);
			xmlFree(txt);
		}
		xmlFree(sid);
	}
}

size_t
siprec_meta_state_parties(const struct siprec_meta_state *st,
    struct siprec_meta_party *out, size_t max)
{
	xmlNodePtr root, ch, a, s;
	size_t n = 0;

	if (st == NULL || st->merged == NULL ||
	    (root = xmlDocGetRootElement(st->merged)) == NULL)
		return 0;
	for (ch = root->children; ch != NULL && n < max; ch = ch->next) {
		struct siprec_meta_party *p;

		if (ch->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(ch->name, (const xmlChar *)"participant"))
			continue;
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		prop(ch, "participant_id", p->id, sizeof(p->id));
		if ((a = child_named(ch, "nameID")) != NULL) {
			prop(a, "aor", p->aor, sizeof(p->aor));
			if ((s = child_named(a, "name")) != NULL) {
				xmlChar *t = xmlNodeGetContent(s);

				snprintf(p->name, sizeof(p->name), "%s",
				    t ? (const char *)t : "");
				xmlFree(t);
			}
		}
		for (a = root->children; a != NULL; a = a->next) {
			char pid[64];

			if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name,
			    (const xmlChar *)"participantstreamassoc"))
				continue;
			prop(a, "participant_id", pid, sizeof(pid));
			if (strcmp(pid, p->id) != 0)
				continue;
			for (s = a->children; s != NULL; s = s->next) {
				xmlChar *t;
				int send;

				if (s->type != XML_ELEMENT_NODE)
					continue;
				send = xmlStrEqual(s->name,
				    (const xmlChar *)"send");
				if (!send && !xmlStrEqual(s->name,
				    (const xmlChar *)"recv"))
					continue;
				if ((t = xmlNodeGetContent(s)) == NULL)
					continue;
				if (send && p->nsend < 8)
					stream_label(root, t, p->send[p->nsend++],
					    sizeof(p->send[0]));
				else if (!send && p->nrecv < 8)
					stream_label(root, t, p->recv[p->nrecv++],
					    sizeof(p->recv[0]));
				xmlFree(t);
			}
		}
	}
	return n;
}
