/* SPDX-License-Identifier: BSD-2-Clause */
/* JSON string output shared by session.json and the tools' --json. */
#ifndef SIPREC_JSON_H
#define SIPREC_JSON_H

#include <stdio.h>

/* Write s to f as a JSON string literal, quotes included (RFC 8259 7). */
void	siprec_json_str(FILE *f, const char *s);

#endif
