/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-src: summary and statistics, text or JSON from the same calls. */
#include <stdarg.h>
#include <stdio.h>

#include <siprec/json.h>

#include "src.h"

/*
 * A printer in the manner of iproute2's print_*(PRINT_ANY, ...): every
 * value is given once, with its JSON name and the words before and after
 * it in the text form (pre NULL: the value is in the JSON form only).
 * Objects group values in JSON and print nothing as text.
 */
struct pr {
	FILE	*f;
	int	 json;
	int	 comma;		/* JSON: a member precedes in this object */
};

static void
pr_key(struct pr *p, const char *key)
{
	if (p->comma)
		fputc(',', p->f);
	if (key != NULL) {
		siprec_json_str(p->f, key);
		fputc(':', p->f);
	}
	p->comma = 1;
}

static void
pr_open(struct pr *p, const char *key)
{
	if (!p->json)
		return;
	pr_key(p, key);
	fputc('{', p->f);
	p->comma = 0;
}

static void
pr_close(struct pr *p)
{
	if (!p->json)
		return;
	fputc('}', p->f);
	p->comma = 1;
}

static void
pr_u(struct pr *p, const char *key, const char *pre, unsigned long long v,
    const char *post)
{
	if (p->json) {
		pr_key(p, key);
		fprintf(p->f, "%llu", v);
	} else if (pre != NULL)
		fprintf(p->f, "%s%llu%s", pre, v, post);
}

/* Digits after the point: jprec in JSON, tprec in the text. */
static void
pr_f(struct pr *p, const char *key, int jprec, const char *pre, int tprec,
    double v, const char *post)
{
	if (p->json) {
		pr_key(p, key);
		fprintf(p->f, "%.*f", jprec, v);
	} else if (pre != NULL)
		fprintf(p->f, "%s%.*f%s", pre, tprec, v, post);
}

static void pr_text(struct pr *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Text only: words around the values. */
static void
pr_text(struct pr *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->json)
		return;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

static void
pr_end(struct pr *p)
{
	if (p->json)
		fputc('\n', p->f);
}

void
src_summary_print(const struct src_summary *s, FILE *f, int json)
{
	struct pr	 p = { f, json, 0 };
	static const char *const ms[4][2] = { { "p50", " p50 " },
			    { "p90", " p90 " }, { "p99", " p99 " },
			    { "max", " max " } };
	char		 code[8], pre[80];
	unsigned int	 i;

	pr_open(&p, NULL);
	pr_u(&p, "attempted", "calls attempted ", s->attempted, "");
	pr_u(&p, "answered", ", answered ", s->answered, "");
	pr_u(&p, "failed", ", failed ", s->failed, "");
	pr_f(&p, "seconds", 3, " in ", 1, s->seconds, " s");
	pr_f(&p, "answers_per_s", 1, " (", 0, s->answers_per_s,
	    " answers/s)\n");
	pr_open(&p, "failed_by_reason");
	for (i = 0; i < s->nreasons; i++) {
		snprintf(pre, sizeof(pre), "  failed %s: ", s->reasons[i].name);
		pr_u(&p, s->reasons[i].name, pre, s->reasons[i].n, "\n");
	}
	pr_close(&p);
	pr_open(&p, "responses");
	for (i = 100; i < SRC_MAX_CODE; i++)
		if (s->codes[i] != 0) {
			/* The text has the failures' (as the reasons). */
			snprintf(code, sizeof(code), "%u", i);
			snprintf(pre, sizeof(pre), "  response %u: ", i);
			pr_u(&p, code, i >= 300 ? pre : NULL, s->codes[i],
			    "\n");
		}
	pr_close(&p);
	pr_open(&p, "setup_ms");
	pr_text(&p, "setup latency ms:");
	for (i = 0; i < 4; i++)
		pr_f(&p, ms[i][0], 3, ms[i][1], 2, s->setup_ms[i], i < 3 ? "" :
		    "\n");
	pr_close(&p);
	pr_open(&p, "rtp");
	pr_u(&p, "packets", "rtp packets sent ", s->rtp_packets, "");
	pr_u(&p, "bytes", NULL, s->rtp_bytes, NULL);
	pr_u(&p, "errors", " (errors ", s->rtp_errors, "");
	pr_u(&p, "rtcp", ", rtcp ", s->rtcp, ")");
	pr_u(&p, "send_errors", NULL, s->send_errors, NULL);
	pr_u(&p, "late_5ms", NULL, s->late_5ms, NULL);
	pr_open(&p, "deviation_us");
	pr_u(&p, "p50", "; send deviation us: p50 ", s->dev_us[0], "");
	pr_u(&p, "p99", " p99 ", s->dev_us[1], "\n");
	pr_close(&p);
	pr_close(&p);
	/* SPEC 1.10 verdicts, as shares of the answered in the text. */
	pr_open(&p, "verdicts");
	pr_u(&p, "labels_echoed", "answers: labels echoed ", s->labels[0],
	    "");
	pr_text(&p, "/%llu", s->answered);
	pr_u(&p, "labels_missing", NULL, s->labels[1], NULL);
	pr_u(&p, "recvonly", ", recvonly ", s->recvonly[0], "");
	pr_text(&p, "/%llu", s->answered);
	pr_u(&p, "not_recvonly", NULL, s->recvonly[1], NULL);
	pr_u(&p, "ports_nonzero", ", ports non-zero ", s->ports[0], "");
	pr_text(&p, "/%llu", s->answered);
	pr_u(&p, "ports_zero", NULL, s->ports[1], NULL);
	pr_u(&p, "metadata_accepted", ", metadata accepted ", s->metadata[0],
	    "\n");
	pr_u(&p, "metadata_refused", NULL, s->metadata[1], NULL);
	pr_close(&p);
	pr_open(&p, "requests");
	pr_u(&p, "reinvites", NULL, s->reinvites, NULL);
	pr_u(&p, "updates", NULL, s->updates, NULL);
	pr_u(&p, "snapshots", NULL, s->snapshots, NULL);
	pr_u(&p, "redirects", NULL, s->redirects, NULL);
	pr_u(&p, "failovers", NULL, s->failovers, NULL);
	pr_u(&p, "srs_byes", NULL, s->srs_byes, NULL);
	pr_close(&p);
	pr_close(&p);
	pr_end(&p);
}

/* One line of --stats: CSV (its header comes first) or JSON Lines. */
void
src_stats_print(const struct src_stats *s, FILE *f, int json)
{
	struct pr	p = { f, json, 0 };

	pr_open(&p, NULL);
	pr_f(&p, "t", 3, "", 3, s->t, "");
	pr_u(&p, "attempted", ",", s->attempted, "");
	pr_u(&p, "active", ",", s->active, "");
	pr_u(&p, "answered", ",", s->answered, "");
	pr_u(&p, "failed", ",", s->failed, "");
	pr_u(&p, "finished", ",", s->finished, "");
	pr_u(&p, "rtp_packets", ",", s->rtp_packets, "");
	pr_u(&p, "rtp_errors", ",", s->rtp_errors, "\n");
	pr_close(&p);
	pr_end(&p);
}
