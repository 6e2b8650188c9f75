/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the metadata module through its public API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/meta.h>

#include "check.h"

struct got {
	int		 n;
	enum siprec_check c[64];
	unsigned int	 line[64], col[64];
	char		 detail[64][160];
};

static void
emit(void *arg, const struct siprec_finding *f)
{
	struct got *g = arg;

	if (g->n == 64)
		return;
	g->c[g->n] = f->check;
	g->line[g->n] = f->line;
	g->col[g->n] = f->col;
	strncpy(g->detail[g->n], f->detail, sizeof(g->detail[0]) - 1);
	g->n++;
}

static int
has(const struct got *g, enum siprec_check c)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->c[i] == c)
			return i;
	return -1;
}

static struct siprec_meta_ctx *ctx;

/* A new copy of s with the first "from" replaced by "to". */
static char *
repl(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *r = malloc(n);

	if (at == NULL || r == NULL)
		abort();
	snprintf(r, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return r;
}

static void
lint(const char *xml, struct siprec_meta_state *st, struct got *g,
    struct siprec_meta_summary *sum)
{
	struct siprec_sink sink;
	struct siprec_meta_input in;
	struct siprec_diag d;

	memset(g, 0, sizeof(*g));
	memset(&sink, 0, sizeof(sink));
	sink.emit = emit;
	sink.arg = g;
	memset(&in, 0, sizeof(in));
	in.xml.p = (const uint8_t *)xml;
	in.xml.len = strlen(xml);
	in.line0 = 1;
	CHECK(siprec_meta_check(ctx, &in, st, &sink, sum, &d) == SIPREC_OK);
}

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<recording xmlns=\"urn:ietf:params:xml:ns:recording:1\">\n"
/* Two v4 UUIDs in base64. */
#define S1 "kQNhKFdETeeJ9tD/VsPGWA=="
#define P1 "kQNhKFdETeeJ99D/VsPGWA=="
#define T1 "kQOH5VdETeeJ/ND/VsPGWA=="

static const char good[] = HEAD
"  <datamode>complete</datamode>\n"
"  <session session_id=\"" S1 "\">\n"
"    <start-time>2024-05-01T10:00:00Z</start-time>\n"
"  </session>\n"
"  <participant participant_id=\"" P1 "\">\n"
"    <nameID aor=\"sip:alice@example.com\"><name xml:lang=\"en\">Alice</name></nameID>\n"
"  </participant>\n"
"  <stream stream_id=\"" T1 "\" session_id=\"" S1 "\"><label>1</label></stream>\n"
"  <sessionrecordingassoc session_id=\"" S1 "\">"
"<associate-time>2024-05-01T10:00:00Z</associate-time></sessionrecordingassoc>\n"
"  <participantsessionassoc participant_id=\"" P1 "\" session_id=\"" S1 "\">"
"<associate-time>2024-05-01T10:00:00Z</associate-time></participantsessionassoc>\n"
"  <participantstreamassoc participant_id=\"" P1 "\">"
"<send>" T1 "</send></participantstreamassoc>\n"
"</recording>\n";

int
main(void)
{
	struct siprec_meta_summary sum;
	struct siprec_meta_state *st;
	struct got g;
	char *xml, *dump;
	size_t len;
	int i;

	CHECK(siprec_meta_ctx_new(NULL, &ctx, NULL) == SIPREC_OK);
	if (ctx == NULL)
		return CHECK_DONE();

	/* A clean RFC 7865 document: nothing found, schema-valid. */
	lint(good, NULL, &g, &sum);
	CHECK(g.n == 0);
	CHECK(sum.schema_valid == 1 && sum.rfc == 1 && !sum.partial);
	CHECK(sum.dialect == NULL);

	/* Positions: the bad time sits on line 4, its element at column 5. */
	xml = repl(good, "10:00:00Z</start", "10:00:00+0100</start");
	lint(xml, NULL, &g, &sum);
	i = has(&g, SIPREC_CHK_L13_TIME_FORMAT);
	CHECK(i >= 0);
	CHECK(i >= 0 && g.line[i] == 5 && g.col[i] == 5);
	CHECK(i >= 0 && strstr(g.detail[i], "colon") != NULL);
	free(xml);

	/* An attribute position: aor on line 8. */
	xml = repl(good, "sip:alice", "alice");
	lint(xml, NULL, &g, &sum);
	i = has(&g, SIPREC_CHK_L15_AOR_BARE);
	CHECK(i >= 0 && g.line[i] == 8 && g.col[i] == 13);
	free(xml);

	/* Typographic quotes around an attribute value are named. */
	lint(HEAD "<session session_id=\xe2\x80\x9c" S1 "\xe2\x80\x9d/>"
	    "</recording>", NULL, &g, &sum);
	i = has(&g, SIPREC_CHK_L01_NOT_WELL_FORMED);
	CHECK(i >= 0);
	CHECK(g.n >= 2 && strstr(g.detail[g.n - 1], "U+201C") != NULL);
	CHECK(sum.well_formed == 0);

	/* A DOCTYPE is refused before parsing: no entity is expanded. */
	lint("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;\">]><recording/>", NULL, &g, &sum);
	CHECK(has(&g, SIPREC_CHK_L01_DTD) >= 0 && g.n == 1);

	/* The pre-RFC namespace is one dialect finding, not schema noise. */
	lint("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<recording xmlns=\"urn:ietf:params:xml:ns:recording\">"
	    "<participant id=\"" P1 "\" session=\"" S1 "\"><send>" T1
	    "</send></participant></recording>", NULL, &g, &sum);
	CHECK(has(&g, SIPREC_CHK_L02_DIALECT) >= 0);
	CHECK(has(&g, SIPREC_CHK_L04_SCHEMA) < 0);
	CHECK(sum.dialect != NULL && sum.rfc == 0);

	/* Order: participant after stream. */
	xml = strdup(good);
	{
		char *p = strstr(xml, "  <participant "), *s = strstr(xml,
		    "  <stream "), *e = strstr(xml, "  <sessionrecordingassoc");
		size_t pl = (size_t)(s - p), sl = (size_t)(e - s);
		char *tmp = malloc(pl + sl);

		memcpy(tmp, s, sl);
		memcpy(tmp + sl, p, pl);
		memcpy(p, tmp, pl + sl);
		free(tmp);
	}
	lint(xml, NULL, &g, &sum);
	CHECK(has(&g, SIPREC_CHK_L04_ORDER) >= 0);
	CHECK(sum.schema_valid == 0);
	free(xml);

	/* State: a partial first is L-11; merging replaces send/recv sets. */
	CHECK(siprec_meta_state_new(&st) == SIPREC_OK);
	lint(HEAD "<datamode>partial</datamode></recording>", st, &g, &sum);
	CHECK(has(&g, SIPREC_CHK_L11_PARTIAL_FIRST) >= 0);
	lint(good, st, &g, &sum);
	CHECK(g.n == 0);
	lint(HEAD "<datamode>partial</datamode>"
	    "<participantstreamassoc participant_id=\"" P1 "\"><recv>" T1
	    "</recv></participantstreamassoc></recording>", st, &g, &sum);
	CHECK(g.n == 0);
	CHECK(siprec_meta_state_dump(st, &dump, &len) == SIPREC_OK);
	CHECK(dump != NULL && strstr(dump, "<send>") == NULL);
	if (getenv("SHOW_DUMP") != NULL && dump != NULL)
		fputs(dump, stderr);
	CHECK(dump != NULL && strstr(dump, "<recv>" T1 "</recv>") != NULL);
	CHECK(dump != NULL && strstr(dump, "<datamode>complete</datamode>"));
	free(dump);
	/* A reference unknown to both update and state is dangling. */
	lint(HEAD "<datamode>partial</datamode>"
	    "<participantstreamassoc participant_id=\"" P1 "\"><recv>"
	    "AAAAAAAAQAAAAAAAAAAAAA==</recv></participantstreamassoc>"
	    "</recording>", st, &g, &sum);
	CHECK(has(&g, SIPREC_CHK_L10_DANGLING) >= 0);
	siprec_meta_state_free(st);

	siprec_meta_ctx_free(ctx);
	return CHECK_DONE();
}
