/* SPDX-License-Identifier: BSD-2-Clause */
/* Error texts, the diagnostic record and range-checked number parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/err.h>

const char *
siprec_strerror(enum siprec_err e)
{
	switch (e) {
#define SIPREC_X_CASE(name, num, text) case name: return text;
	SIPREC_ERRORS(SIPREC_X_CASE)
#undef SIPREC_X_CASE
	}
	return "unknown error";
}

void
siprec_diag_set(struct siprec_diag *d, unsigned int line, unsigned int col,
    const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return;
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
}

enum siprec_err
siprec_parse_u64(const char *s, uint64_t min, uint64_t max, int allow_suffix,
    uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return SIPREC_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return SIPREC_EINVAL;
	if (allow_suffix && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1024; break;
		case 'm': case 'M': mul = 1024 * 1024; break;
		case 'g': case 'G': mul = 1024 * 1024 * 1024; break;
		default: return SIPREC_EINVAL;
		}
		end++;
	}
	if (*end != '\0')
		return SIPREC_EINVAL;
	if (v > UINT64_MAX / mul)
		return SIPREC_EINVAL;
	v *= mul;
	if (v < min || v > max)
		return SIPREC_EINVAL;
	*out = v;
	return SIPREC_OK;
}
