/* SPDX-License-Identifier: BSD-2-Clause */
/* The check catalogue as data, and reporting findings to a sink. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <siprec/check.h>

#define I_ SIPREC_SEV_INFO
#define W_ SIPREC_SEV_WARNING
#define E_ SIPREC_SEV_ERROR
#define F_ SIPREC_SEV_FATAL
static const struct siprec_check_info catalogue[SIPREC_CHK__COUNT] = {
#define SIPREC_X_INFO(e, r, n, s, l, ref, t) { r, n, s, l, ref, t },
	SIPREC_CHECKS(SIPREC_X_INFO)
#undef SIPREC_X_INFO
};
#undef I_
#undef W_
#undef E_
#undef F_

const struct siprec_check_info *
siprec_check_info(enum siprec_check c)
{
	if ((unsigned int)c >= SIPREC_CHK__COUNT)
		return NULL;
	return &catalogue[c];
}

int
siprec_check_lookup(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t rl = slash ? (size_t)(slash - s) : strlen(s);
	int i;

	for (i = 0; i < SIPREC_CHK__COUNT; i++) {
		if (strlen(catalogue[i].rule) != rl ||
		    strncasecmp(catalogue[i].rule, s, rl) != 0)
			continue;
		if (slash == NULL || strcasecmp(catalogue[i].name, slash + 1) == 0)
			return i;
	}
	return -1;
}

static const char *const sev_names[] = { "info", "warning", "error", "fatal" };

const char *
siprec_sev_name(enum siprec_sev s)
{
	if ((unsigned int)s < sizeof(sev_names) / sizeof(sev_names[0]))
		return sev_names[s];
	return "off";
}

int
siprec_sev_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(sev_names) / sizeof(sev_names[0]); i++)
		if (strcasecmp(s, sev_names[i]) == 0)
			return (int)i;
	return -1;
}

void
siprec_report(const struct siprec_sink *sink, enum siprec_check c,
    unsigned int line, unsigned int col, const char *fmt, ...)
{
	struct siprec_finding f;
	char detail[512];
	va_list ap;

	if (sink == NULL || sink->emit == NULL || (unsigned int)c >= SIPREC_CHK__COUNT)
		return;
	if (sink->sev_override[c] != 0)
		f.sev = (enum siprec_sev)(sink->sev_override[c] - 1);
	else if (sink->profile == SIPREC_PROFILE_LENIENT)
		f.sev = catalogue[c].lenient;
	else
		f.sev = catalogue[c].strict;
	if (f.sev == SIPREC_SEV_OFF)
		return;
	detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	f.check = c;
	f.line = line;
	f.col = col;
	f.detail = detail;
	sink->emit(sink->arg, &f);
}
