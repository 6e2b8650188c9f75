/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/: one-time libsrtp2 initialisation, silenced. */
#ifndef SIPREC_SRTP_INT_H
#define SIPREC_SRTP_INT_H

/*
 * Initialise libsrtp2 once per process (thread-safe), its log handler
 * silenced.  Returns 0 when the library is ready, else libsrtp2's error
 * status.
 */
int	siprec__srtp_init(void);

#endif
