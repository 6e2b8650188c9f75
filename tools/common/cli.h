/* SPDX-License-Identifier: BSD-2-Clause */
/* CLI-only helpers: allocation that exits, reading inputs with a cap. */
#ifndef SIPREC_TOOLS_CLI_H
#define SIPREC_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

extern const char *cli_prog;

void	*xmalloc(size_t);
void	*xreallocarray(void *, size_t, size_t);

/*
 * Read path ("-" is stdin) whole, up to max bytes.  Returns 0 with *buf
 * (free it) and *len; 1 when the input is larger than max (nothing kept);
 * -1 with errno set on a system error.
 */
int	cli_read(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
