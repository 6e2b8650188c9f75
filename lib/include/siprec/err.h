/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes, exit codes and the diagnostic record shared by every module. */
#ifndef SIPREC_ERR_H
#define SIPREC_ERR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Library error codes.  The numbers are stable and append-only: a retired
 * number is never reused.  X(name, number, text)
 */
#define SIPREC_ERRORS(X)						\
	X(SIPREC_OK,		0,	"success")			\
	X(SIPREC_ENOMEM,	1,	"out of memory")		\
	X(SIPREC_EINVAL,	2,	"invalid argument")		\
	X(SIPREC_ETOOBIG,	3,	"input exceeds the size limit")	\
	X(SIPREC_EPARSE,	4,	"malformed input")		\
	X(SIPREC_EUNSUPP,	5,	"unsupported input")		\
	X(SIPREC_EIO,		6,	"input/output error")		\
	X(SIPREC_ESCHEMA,	7,	"schema cannot be loaded")	\
	X(SIPREC_ENOTFOUND,	8,	"not found")			\
	X(SIPREC_ENET,		9,	"network error")		\
	X(SIPREC_ETIMEDOUT,	10,	"timed out")			\
	X(SIPREC_EBUSY,		11,	"over capacity")

enum siprec_err {
#define SIPREC_X_ENUM(name, num, text) name = num,
	SIPREC_ERRORS(SIPREC_X_ENUM)
#undef SIPREC_X_ENUM
};

/* Fixed text for an error code; never NULL. */
const char	*siprec_strerror(enum siprec_err);

/* Exit codes, the same in every tool (documented in every EXIT STATUS). */
#define SIPREC_EXIT_OK		0	/* ok */
#define SIPREC_EXIT_FINDINGS	1	/* findings or verification failed */
#define SIPREC_EXIT_USAGE	2	/* usage error */
#define SIPREC_EXIT_INPUT	3	/* unusable input */
#define SIPREC_EXIT_SYSTEM	4	/* system error: I/O, memory, network */

/* Borrowed bytes: p[0..len).  Never owns p. */
struct siprec_slice {
	const uint8_t	*p;
	size_t		 len;
};

#define SIPREC_DIAG_DETAIL	256

/*
 * Where and why something failed.  Filled by a failing call when the caller
 * passes one; line and column are 1-based, 0 when unknown.
 */
struct siprec_diag {
	unsigned int	line;
	unsigned int	col;
	char		detail[SIPREC_DIAG_DETAIL];
};

/* Format into diag->detail (truncating); diag may be NULL. */
void	siprec_diag_set(struct siprec_diag *, unsigned int line,
	    unsigned int col, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/*
 * Parse a decimal unsigned number in [min, max] from a C string, the whole
 * string.  Returns SIPREC_EINVAL on anything else; *out is untouched then.
 * An optional K, M or G suffix multiplies by 1024, 1024^2 or 1024^3 when
 * allow_suffix is set.
 */
enum siprec_err	siprec_parse_u64(const char *, uint64_t min, uint64_t max,
		    int allow_suffix, uint64_t *out);

#endif
