/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/: what sipmsg.c shares with sipua.c and srs.c. */
#ifndef SIPREC_SIP_INT_H
#define SIPREC_SIP_INT_H

#include <stdint.h>

/*
 * libosip2's parser set up once per process (thread-safe), its traces
 * sent nowhere: the library never prints.
 */
void		siprec__osip_init(void);

/*
 * Turn libosip2's trace levels off again.  libosip2 formats a trace line
 * for every level enabled before it calls the trace function, and other
 * code may enable them all (initialising traces does): a hot path calls
 * this before each batch of input, eight stores.
 */
void		siprec__osip_traces_off(void);

/* End of the line at p (at its CR LF, LF or end); *next: the next line. */
const uint8_t	*siprec__eol(const uint8_t *p, const uint8_t *end,
		    const uint8_t **next);

#endif
