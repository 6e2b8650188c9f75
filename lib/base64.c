/* SPDX-License-Identifier: BSD-2-Clause */
/* Base64 encoding (RFC 4648 §4): SDES inline keys, metadata identifiers. */
#include <siprec/base64.h>

size_t
siprec_base64_encode(char *o, const uint8_t *p, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		i, k = 0;
	uint32_t	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		o[k++] = a[v >> 18];
		o[k++] = a[v >> 12 & 63];
		o[k++] = a[v >> 6 & 63];
		o[k++] = a[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		o[k++] = a[v >> 18];
		o[k++] = a[v >> 12 & 63];
		o[k++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		o[k++] = '=';
	}
	o[k] = '\0';
	return k;
}
