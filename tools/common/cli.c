/* SPDX-License-Identifier: BSD-2-Clause */
/* CLI-only helpers: allocation that exits, reading inputs with a cap. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <siprec/err.h>

#include "cli.h"

const char *cli_prog = "siprec";

static void
oom(void)
{
	fprintf(stderr, "%s: out of memory\n", cli_prog);
	exit(SIPREC_EXIT_SYSTEM);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	if ((p = realloc(p, n * size != 0 ? n * size : 1)) == NULL)
		oom();
	return p;
}

int
cli_read(const char *path, size_t max, struct cli_buf *b)
{
	ssize_t r;
	int fd, saved;

	b->len = 0;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	if (b->p == NULL) {
		b->cap = 65536;
		b->p = xmalloc(b->cap);
	}
	for (;;) {
		if (b->len == b->cap) {
			if (b->cap > max) {
				if (fd != STDIN_FILENO)
					close(fd);
				return 1;
			}
			b->cap *= 2;
			b->p = xreallocarray(b->p, b->cap, 1);
		}
		r = read(fd, b->p + b->len, b->cap - b->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			if (fd != STDIN_FILENO)
				close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return b->len > max ? 1 : 0;
}
