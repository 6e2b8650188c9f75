/* SPDX-License-Identifier: BSD-2-Clause */
/* One-time libgcrypt initialisation shared by every module that hashes. */
#include <pthread.h>

#include <gcrypt.h>

#include "gcry_int.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	/* No secure memory: only hashes and public-data keys use it here. */
	(void)gcry_check_version(NULL);
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

void
siprec__gcry_init(void)
{
	pthread_once(&once, init);
}
