/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/: what net.c shares with sipua.c. */
#ifndef SIPREC_SIPNET_INT_H
#define SIPREC_SIPNET_INT_H

#include <sys/socket.h>
#include <siprec/capture.h>
#include <siprec/net.h>

/*
 * Ask for kernel send times on a UDP socket (0, or -1 with errno); then
 * siprec__net_tx_time() must drain them after sends and on POLLERR.  It
 * returns the latest send time queued, ns since the epoch, 0 if none.
 */
int		siprec__net_tx_stamps(int fd);
uint64_t	siprec__net_tx_time(int fd);

/*
 * len bytes of the thread's xorshift128+ (seeded once from getrandom):
 * unique and cheap, not secret; tags, branches, metadata identifiers.
 * Key material comes from libgcrypt.
 */
void		siprec__rng_bytes(void *, size_t);

/* Whether the loop's wall clock was injected (tests): it wins then. */
int		siprec__loop_wall_injected(const struct siprec_loop *);

#endif
