/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the SRC metadata: every persona checked by the linter's own model and dialect detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/meta.h>
#include <siprec/srcmeta.h>

#include "check.h"

#define T0	1700000000000000000ull		/* 2023-11-14T22:13:20Z */

struct tally {
	unsigned int	 n[SIPREC_SEV_FATAL + 1];
	char		 first[256];
};

static void
emit(void *arg, const struct siprec_finding *f)
{
	struct tally *t = arg;

	t->n[f->sev]++;
	if (f->sev >= SIPREC_SEV_ERROR && t->first[0] == '\0')
		snprintf(t->first, sizeof(t->first), "%s:%u: %s",
		    siprec_check_info(f->check)->rule, f->line, f->detail);
}

static struct siprec_meta_ctx *ctx;

/* Check doc with the linter's model; return its summary, count findings. */
static void
lint(const char *doc, struct siprec_meta_state *st, struct tally *t,
    struct siprec_meta_summary *sum)
{
	struct siprec_meta_input	in;
	struct siprec_sink		sink;

	memset(&in, 0, sizeof(in));
	memset(&sink, 0, sizeof(sink));
	memset(t, 0, sizeof(*t));
	memset(sum, 0, sizeof(*sum));
	in.xml.p = (const uint8_t *)doc;
	in.xml.len = strlen(doc);
	in.line0 = 1;
	sink.emit = emit;
	sink.arg = t;
	sink.profile = SIPREC_PROFILE_STRICT;
	CHECK(siprec_meta_check(ctx, &in, st, &sink, sum, NULL) == SIPREC_OK);
}

static const struct siprec_srcmeta_party two[] = {
	{ "Alice", "sip:alice@example.com" },
	{ "Bob <B&B>", "sip:bob@example.net" },
};

/* Every persona's snapshot is recognised as that persona's dialect. */
static void
test_personas(void)
{
	static const struct { const char *persona, *dialect; } want[] = {
		{ "rfc", NULL },
		{ "oracle", "Oracle/Acme Packet SBC, pre-RFC draft shape" },
		{ "ribbon", "Ribbon/Sonus SBC, pre-RFC namespace" },
		{ "broadworks", "Cisco BroadWorks draft recording_metadata" },
		{ "audiocodes", "AudioCodes SBC legacy metadata format" },
		{ "cisco", "Cisco CUBE element order" },
		{ "avaya", "Avaya SBCE" },
		{ "metaswitch", NULL },
		{ "controlone", NULL },
		{ "genesys", NULL },
		{ "genesys-party", NULL },
	};
	struct siprec_srcmeta_opts	 o;
	struct siprec_srcmeta		*m;
	struct siprec_meta_summary	 sum;
	struct tally			 t;
	char				*doc;
	size_t				 len, i;

	CHECK(sizeof(want) / sizeof(want[0]) == SIPREC_P__N);
	for (i = 0; i < SIPREC_P__N; i++) {
		memset(&o, 0, sizeof(o));
		o.persona = siprec_persona_find(want[i].persona);
		CHECK(o.persona != NULL && o.persona ==
		    siprec_persona_get((enum siprec_persona_id)i));
		o.parties = two;
		o.nparties = 2;
		o.nstreams = 2;
		o.seed = 42 + i;
		o.sip_session_id = "ab30317f1a784dc48ff824d0d3715d86;"
		    "remote=47755a9de7794ba387653f2099600ef2";
		o.call_id = "cs-call-1@192.0.2.1";
		CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_OK);
		CHECK(siprec_srcmeta_snapshot(m, T0, 1, &doc, &len) ==
		    SIPREC_OK && len == strlen(doc));
		lint(doc, NULL, &t, &sum);
		CHECK(sum.well_formed == 1);
		if (want[i].dialect == NULL) {
			CHECK(sum.dialect == NULL);
			CHECK(sum.rfc == 1 && sum.schema_valid == 1);
			if (t.n[SIPREC_SEV_ERROR] + t.n[SIPREC_SEV_WARNING] != 0)
				printf("# %s: %s\n", want[i].persona, t.first);
			CHECK(t.n[SIPREC_SEV_ERROR] == 0 &&
			    t.n[SIPREC_SEV_WARNING] == 0);
		} else {
			CHECK(sum.dialect != NULL &&
			    strcmp(sum.dialect, want[i].dialect) == 0);
			if (sum.dialect == NULL || strcmp(sum.dialect,
			    want[i].dialect) != 0)
				printf("# %s: dialect %s\n%s", want[i].persona,
				    sum.dialect ? sum.dialect : "(none)", doc);
		}
		free(doc);
		siprec_srcmeta_free(m);
	}
	CHECK(siprec_persona_find("nokia") == NULL);
	CHECK(siprec_persona_find("Oracle") != NULL);
}

/* RFC persona: complete, partial updates and stop merge as the SRS sees them. */
static void
test_updates(void)
{
	struct siprec_srcmeta_opts	 o;
	struct siprec_srcmeta		*m;
	struct siprec_meta_state	*st;
	struct siprec_meta_summary	 sum;
	struct siprec_meta_party	 pp[8];
	struct siprec_srcmeta_party	 carol = { "Carol", "sip:carol@example.org" };
	struct tally			 t;
	char				*doc;
	size_t				 len, n;
	unsigned int			 ci;

	memset(&o, 0, sizeof(o));
	o.parties = two;
	o.nparties = 2;
	o.nstreams = 2;
	o.seed = 7;
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_OK);
	CHECK(siprec_meta_state_new(&st) == SIPREC_OK);
	CHECK(siprec_srcmeta_nstreams(m) == 2 &&
	    strcmp(siprec_srcmeta_label(m, 1), "2") == 0);
	/* Nothing changed yet: no update. */
	CHECK(siprec_srcmeta_snapshot(m, T0, 1, &doc, &len) == SIPREC_OK);
	lint(doc, st, &t, &sum);
	CHECK(t.n[SIPREC_SEV_ERROR] == 0 && !sum.partial);
	CHECK(strstr(doc, "Bob &lt;B&amp;B&gt;") != NULL);
	free(doc);
	CHECK(siprec_srcmeta_update(m, T0, 0, &doc, &len) == SIPREC_ENOTFOUND &&
	    doc == NULL);
	n = siprec_meta_state_parties(st, pp, 8);
	CHECK(n == 2);
	CHECK(n == 2 && pp[0].nsend == 1 && strcmp(pp[0].send[0], "1") == 0 &&
	    pp[0].nrecv == 1 && strcmp(pp[0].recv[0], "2") == 0);

	/* Hold: Alice neither sends nor receives; Bob only his own send. */
	CHECK(siprec_srcmeta_hold(m, 0, 1) == SIPREC_OK);
	CHECK(siprec_srcmeta_update(m, T0 + 5000000000ull, 0, &doc, &len) ==
	    SIPREC_OK);
	CHECK(strstr(doc, "<label>") == NULL);	/* no SDP: no labels */
	lint(doc, st, &t, &sum);
	CHECK(sum.partial && t.n[SIPREC_SEV_ERROR] == 0);
	free(doc);
	n = siprec_meta_state_parties(st, pp, 8);
	CHECK(n == 2 && pp[0].nsend == 0 && pp[0].nrecv == 0 &&
	    pp[1].nsend == 1 && pp[1].nrecv == 0);
	CHECK(siprec_srcmeta_hold(m, 0, 0) == SIPREC_OK);

	/* Transfer: Carol takes over Bob's stream. */
	CHECK(siprec_srcmeta_transfer(m, 1, &carol, T0 + 9000000000ull, &ci) ==
	    SIPREC_OK && ci == 2);
	CHECK(siprec_srcmeta_update(m, T0 + 9000000000ull, 0, &doc, &len) ==
	    SIPREC_OK);
	lint(doc, st, &t, &sum);
	CHECK(sum.partial && t.n[SIPREC_SEV_ERROR] == 0);
	if (t.n[SIPREC_SEV_ERROR])
		printf("# %s\n%s", t.first, doc);
	CHECK(strstr(doc, "sip:carol@example.org") != NULL);
	CHECK(strstr(doc, "disassociate-time") != NULL);
	free(doc);
	n = siprec_meta_state_parties(st, pp, 8);
	CHECK(n == 3);
	CHECK(n == 3 && strcmp(pp[2].aor, "sip:carol@example.org") == 0 &&
	    pp[2].nsend == 1 && strcmp(pp[2].send[0], "2") == 0 &&
	    pp[1].nsend == 0 && pp[0].nrecv == 1);

	/* Join then leave. */
	CHECK(siprec_srcmeta_join(m, &carol, T0, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_leave(m, 3, T0 + 1) == SIPREC_OK);
	CHECK(siprec_srcmeta_leave(m, 3, T0 + 1) == SIPREC_EINVAL);
	CHECK(siprec_srcmeta_leave(m, 99, T0 + 1) == SIPREC_EINVAL);
	free(doc = NULL);
	CHECK(siprec_srcmeta_update(m, T0 + 10000000000ull, 0, &doc, &len) ==
	    SIPREC_OK);
	lint(doc, st, &t, &sum);
	CHECK(t.n[SIPREC_SEV_ERROR] == 0);
	free(doc);

	/* Stop for the BYE. */
	CHECK(siprec_srcmeta_stop(m, T0 + 20000000000ull, &doc, &len) ==
	    SIPREC_OK);
	lint(doc, st, &t, &sum);
	CHECK(sum.partial && t.n[SIPREC_SEV_ERROR] == 0);
	CHECK(strstr(doc, "<stop-time>2023-11-14T22:13:40Z</stop-time>") !=
	    NULL);
	free(doc);
	siprec_meta_state_free(st);
	siprec_srcmeta_free(m);
}

static void
test_misc(void)
{
	struct siprec_srcmeta_opts	 o;
	struct siprec_srcmeta		*m, *m2;
	struct siprec_srcmeta_party	 noaor = { "X", NULL };
	char				*a, *b;
	size_t				 len;

	memset(&o, 0, sizeof(o));
	o.parties = two;
	o.nparties = 2;
	o.nstreams = 0;
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_EINVAL && m == NULL);
	o.nstreams = 3;
	o.parties = &noaor;
	o.nparties = 1;
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_EINVAL);
	/* The same seed gives the same document; another seed does not. */
	o.parties = two;
	o.nparties = 2;
	o.seed = 99;
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_new(&o, &m2, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_snapshot(m, T0, 1, &a, &len) == SIPREC_OK);
	CHECK(siprec_srcmeta_snapshot(m2, T0, 1, &b, &len) == SIPREC_OK);
	CHECK(strcmp(a, b) == 0);
	free(b);
	siprec_srcmeta_free(m2);
	o.seed = 0;	/* libgcrypt */
	CHECK(siprec_srcmeta_new(&o, &m2, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_snapshot(m2, T0, 1, &b, &len) == SIPREC_OK);
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
	siprec_srcmeta_free(m);
	siprec_srcmeta_free(m2);
	/* Mixing: one stream, every party sends and receives it. */
	o.persona = siprec_persona_find("metaswitch");
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_nstreams(m) == 1);
	siprec_srcmeta_free(m);
	/* Avaya: a placeholder, then the real party in the update. */
	o.persona = siprec_persona_find("avaya");
	CHECK(siprec_srcmeta_new(&o, &m, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_placeholder(m) == 1);
	CHECK(siprec_srcmeta_snapshot(m, T0, 1, &a, &len) == SIPREC_OK);
	CHECK(strstr(a, "sip:ASBCE@asbce.com") != NULL &&
	    strstr(a, "bob@example.net") == NULL);
	CHECK(strstr(a, "<label>10</label>") != NULL &&
	    strstr(a, "<label>20</label>") != NULL);
	free(a);
	CHECK(siprec_srcmeta_update(m, T0, 0, &a, &len) == SIPREC_OK);
	CHECK(strstr(a, "sip:ASBCE@asbce.com") == NULL &&
	    strstr(a, "bob@example.net") != NULL);
	CHECK(siprec_srcmeta_placeholder(m) == 0);
	free(a);
	siprec_srcmeta_free(m);
	siprec_srcmeta_free(NULL);
}

/* Documents from a template are the documents written out, byte for byte. */
static void
test_template(void)
{
	static const char *const labs[2] = { "7", "9" };
	struct siprec_srcmeta_party	 carol = { "Carol", "sip:carol@example.org" };
	struct siprec_srcmeta_opts	 o;
	struct siprec_srcmeta_tpl	*t;
	struct siprec_srcmeta		*a, *b;
	char				*da, *db;
	size_t				 la, lb, i;
	int				 v;

	for (i = 0; i < SIPREC_P__N * 4; i++) {
		v = (int)(i / SIPREC_P__N);	/* 1: no IDs; 2: labels; 3: 1 */
		memset(&o, 0, sizeof(o));
		o.persona = siprec_persona_get((enum siprec_persona_id)
		    (i % SIPREC_P__N));
		o.parties = two;
		o.nparties = 2;
		o.nstreams = v == 3 ? 1 : 2;
		o.labels = v == 2 ? labs : NULL;
		if (v != 1) {
			o.sip_session_id = "ab30317f1a784dc48ff824d0d3715d86;"
			    "remote=47755a9de7794ba387653f2099600ef2";
			o.call_id = "cs-call-1@192.0.2.1 <&>";
		}
		CHECK(siprec_srcmeta_tpl_new(&o, &t, NULL) == SIPREC_OK);
		o.seed = 77 + i;
		CHECK(siprec_srcmeta_new(&o, &b, NULL) == SIPREC_OK);
		o.tpl = t;
		CHECK(siprec_srcmeta_new(&o, &a, NULL) == SIPREC_OK);
		CHECK(siprec_srcmeta_snapshot(a, T0, 1, &da, &la) == SIPREC_OK);
		CHECK(siprec_srcmeta_snapshot(b, T0, 1, &db, &lb) == SIPREC_OK);
		CHECK(la == lb && memcmp(da, db, la) == 0 &&
		    memchr(da, '\001', la) == NULL);
		if (la != lb || memcmp(da, db, la) != 0)
			printf("# %s:\n%s\n# written out:\n%s", o.persona->name,
			    da, db);
		free(da);
		free(db);
		CHECK(siprec_srcmeta_stop(a, T0 + 61500000000ull, &da, &la) ==
		    SIPREC_OK);
		CHECK(siprec_srcmeta_stop(b, T0 + 61500000000ull, &db, &lb) ==
		    SIPREC_OK);
		CHECK(la == lb && memcmp(da, db, la) == 0);
		free(da);
		free(db);
		/* Changed: written out, and still the same. */
		CHECK(siprec_srcmeta_transfer(a, 1, &carol, T0 + 1, NULL) ==
		    SIPREC_OK);
		CHECK(siprec_srcmeta_transfer(b, 1, &carol, T0 + 1, NULL) ==
		    SIPREC_OK);
		CHECK(siprec_srcmeta_snapshot(a, T0 + 2, 1, &da, &la) ==
		    SIPREC_OK);
		CHECK(siprec_srcmeta_snapshot(b, T0 + 2, 1, &db, &lb) ==
		    SIPREC_OK);
		CHECK(la == lb && memcmp(da, db, la) == 0);
		free(da);
		free(db);
		CHECK(siprec_srcmeta_stop(a, T0 + 3, &da, &la) == SIPREC_OK);
		CHECK(siprec_srcmeta_stop(b, T0 + 3, &db, &lb) == SIPREC_OK);
		CHECK(la == lb && memcmp(da, db, la) == 0);
		free(da);
		free(db);
		siprec_srcmeta_free(a);
		siprec_srcmeta_free(b);
		siprec_srcmeta_tpl_free(t);
	}
	siprec_srcmeta_tpl_free(NULL);
	/* A session whose options differ in kind does not use it. */
	memset(&o, 0, sizeof(o));
	o.parties = two;
	o.nparties = 2;
	o.nstreams = 2;
	CHECK(siprec_srcmeta_tpl_new(&o, &t, NULL) == SIPREC_OK);
	o.tpl = t;
	o.sip_session_id = "given now";
	o.seed = 5;
	CHECK(siprec_srcmeta_new(&o, &a, NULL) == SIPREC_OK);
	CHECK(siprec_srcmeta_snapshot(a, T0, 1, &da, &la) == SIPREC_OK);
	CHECK(strstr(da, "<sipSessionID>given now</sipSessionID>") != NULL);
	free(da);
	siprec_srcmeta_free(a);
	siprec_srcmeta_tpl_free(t);
	o.nparties = 0;
	t = (struct siprec_srcmeta_tpl *)&o;
	CHECK(siprec_srcmeta_tpl_new(&o, &t, NULL) == SIPREC_EINVAL &&
	    t == NULL);
}

int
main(void)
{
	CHECK(siprec_meta_ctx_new(NULL, &ctx, NULL) == SIPREC_OK);
	test_personas();
	test_updates();
	test_misc();
	test_template();
	siprec_meta_ctx_free(ctx);
	return CHECK_DONE();
}
