/* SPDX-License-Identifier: BSD-2-Clause */
/* CLI-only helpers: allocation that exits, reading inputs with a cap. */
#ifndef SIPREC_TOOLS_CLI_H
#define SIPREC_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

extern const char *cli_prog;

void	*xmalloc(size_t);
void	*xreallocarray(void *, size_t, size_t);

/* A buffer reused from one input to the next. */
struct cli_buf {
	uint8_t	*p;
	size_t	 cap;
	size_t	 len;
};

/*
 * Read path ("-" is stdin) whole into b, up to max bytes.  Returns 0 with
 * b->len set; 1 when the input is larger than max; -1 with errno set on a
 * system error.  Free b->p when done with all inputs.
 */
int	cli_read(const char *path, size_t max, struct cli_buf *b);

#endif
