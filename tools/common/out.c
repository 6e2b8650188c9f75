/* SPDX-License-Identifier: BSD-2-Clause */
/* Findings printed as text, JSON Lines or SARIF from the same calls. */
#include <stdio.h>
#include <string.h>

#include <siprec/json.h>

#include "out.h"

static const char *
sarif_level(enum siprec_sev s)
{
	return s >= SIPREC_SEV_ERROR ? "error" : s == SIPREC_SEV_WARNING ?
	    "warning" : "note";
}

void
out_begin(struct out *o)
{
	int i;
	const struct siprec_check_info *ci;

	if (o->mode != OUT_SARIF || o->quiet)
		return;
	fprintf(o->data, "{\"version\":\"2.1.0\",\"$schema\":"
	    "\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{"
	    "\"tool\":{\"driver\":{\"name\":");
	siprec_json_str(o->data, o->prog);
	fprintf(o->data, ",\"version\":");
	siprec_json_str(o->data, o->version);
	fprintf(o->data, ",\"rules\":[");
	for (i = 0; i < SIPREC_CHK__COUNT; i++) {
		char id[64];

		ci = siprec_check_info((enum siprec_check)i);
		snprintf(id, sizeof(id), "%s/%s", ci->rule, ci->name);
		fprintf(o->data, "%s{\"id\":", i ? "," : "");
		siprec_json_str(o->data, id);
		fprintf(o->data, ",\"shortDescription\":{\"text\":");
		siprec_json_str(o->data, ci->text);
		fprintf(o->data, "},\"defaultConfiguration\":{\"level\":\"%s\"},"
		    "\"properties\":{\"reference\":", sarif_level(ci->strict));
		siprec_json_str(o->data, ci->ref);
		fprintf(o->data, "}}");
	}
	fprintf(o->data, "]}},\"results\":[");
}

void
out_finding(struct out *o, const char *file, const struct siprec_finding *f)
{
	const struct siprec_check_info *ci = siprec_check_info(f->check);
	char id[64];

	if (f->sev < o->level && f->sev != SIPREC_SEV_FATAL)
		return;
	o->count[f->sev]++;
	if (o->quiet)
		return;
	snprintf(id, sizeof(id), "%s/%s", ci->rule, ci->name);
	switch (o->mode) {
	case OUT_TEXT:
		fprintf(o->diag, "%s: %s:%u:%u: %s: %s%s%s [%s]\n", o->prog,
		    file, f->line, f->col, siprec_sev_name(f->sev), ci->text,
		    f->detail[0] ? ": " : "", f->detail, id);
		break;
	case OUT_JSON:
		fprintf(o->data, "{\"type\":\"finding\",\"file\":");
		siprec_json_str(o->data, file);
		fprintf(o->data, ",\"line\":%u,\"col\":%u,\"severity\":\"%s\",\"id\":",
		    f->line, f->col, siprec_sev_name(f->sev));
		siprec_json_str(o->data, id);
		fprintf(o->data, ",\"rule\":");
		siprec_json_str(o->data, ci->rule);
		fprintf(o->data, ",\"message\":");
		siprec_json_str(o->data, ci->text);
		fprintf(o->data, ",\"detail\":");
		siprec_json_str(o->data, f->detail);
		fprintf(o->data, ",\"ref\":");
		siprec_json_str(o->data, ci->ref);
		fprintf(o->data, "}\n");
		break;
	case OUT_SARIF:
		fprintf(o->data, "%s{\"ruleId\":", o->nresults++ ? "," : "");
		siprec_json_str(o->data, id);
		fprintf(o->data, ",\"level\":\"%s\",\"message\":{\"text\":",
		    sarif_level(f->sev));
		{
			char msg[800];

			snprintf(msg, sizeof(msg), "%s%s%s", ci->text,
			    f->detail[0] ? ": " : "", f->detail);
			siprec_json_str(o->data, msg);
		}
		fprintf(o->data, "},\"locations\":[{\"physicalLocation\":{"
		    "\"artifactLocation\":{\"uri\":");
		siprec_json_str(o->data, file);
		fprintf(o->data, "},\"region\":{\"startLine\":%u", f->line ? f->line : 1);
		if (f->col > 0)
			fprintf(o->data, ",\"startColumn\":%u", f->col);
		fprintf(o->data, "}}}]}");
		break;
	}
}

void
out_document(struct out *o, const char *file, unsigned int line,
    const struct siprec_meta_summary *s)
{
	if (o->mode != OUT_JSON || o->quiet)
		return;
	fprintf(o->data, "{\"type\":\"document\",\"file\":");
	siprec_json_str(o->data, file);
	fprintf(o->data, ",\"line\":%u,\"well_formed\":%s,\"root\":", line,
	    s->well_formed ? "true" : "false");
	if (s->well_formed)
		siprec_json_str(o->data, s->root);
	else
		fprintf(o->data, "null");
	fprintf(o->data, ",\"datamode\":%s,\"rfc\":%s,\"dialect\":",
	    !s->well_formed || s->snapshot ? "null" : s->partial ?
	    "\"partial\"" : "\"complete\"", s->rfc ? "true" : "false");
	if (s->dialect != NULL)
		siprec_json_str(o->data, s->dialect);
	else
		fprintf(o->data, "null");
	fprintf(o->data, ",\"schema_valid\":%s}\n", s->schema_valid < 0 ? "null" :
	    s->schema_valid ? "true" : "false");
}

void
out_end(struct out *o)
{
	if (o->mode == OUT_SARIF && !o->quiet)
		fprintf(o->data, "]}]}\n");
	fflush(o->data);
}
