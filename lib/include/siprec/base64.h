/* SPDX-License-Identifier: BSD-2-Clause */
/* Base64 (RFC 4648 §4) for SDES keys and metadata identifiers. */
#ifndef SIPREC_BASE64_H
#define SIPREC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Room siprec_base64_encode() needs for n bytes, the NUL included. */
#define SIPREC_BASE64_LEN(n)	(((n) + 2) / 3 * 4 + 1)

/*
 * Encode p[0..n) with padding into out, which has room for
 * SIPREC_BASE64_LEN(n) bytes, and NUL-terminate it.  Returns the length
 * written, the NUL not counted.
 */
size_t	siprec_base64_encode(char *out, const uint8_t *p, size_t n);

#endif
