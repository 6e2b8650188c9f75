/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/: one-time libgcrypt initialisation for hashes and keys. */
#ifndef SIPREC_GCRY_INT_H
#define SIPREC_GCRY_INT_H

/* Initialise libgcrypt once per process (thread-safe); idempotent. */
void	siprec__gcry_init(void);

#endif
