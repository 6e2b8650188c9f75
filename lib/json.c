/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON string output shared by session.json and the tools' --json. */
#include <stdio.h>

#include <siprec/json.h>

/*
 * JSON is written by hand: every record is streamed as it happens, and a
 * few lines of escaping serve that better than building a tree per
 * record with a JSON library.
 */
void
siprec_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putc('"', f);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
	putc('"', f);
}
