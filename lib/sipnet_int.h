/* SPDX-License-Identifier: BSD-2-Clause */
/* Socket address conversions shared by net.c and sipua.c. */
#ifndef SIPREC_SIPNET_INT_H
#define SIPREC_SIPNET_INT_H

#include <sys/socket.h>
#include <siprec/capture.h>
#include <siprec/net.h>

/* struct siprec_addr to a sockaddr; returns its length. */
socklen_t	siprec__net_sockaddr(const struct siprec_addr *,
		    struct sockaddr_storage *);
/* A sockaddr (IPv4-mapped IPv6 becomes IPv4) to struct siprec_addr. */
void		siprec__net_addr(const struct sockaddr_storage *,
		    struct siprec_addr *);

/*
 * Ask for kernel send times on a UDP socket (0, or -1 with errno); then
 * siprec__net_tx_time() must drain them after sends and on POLLERR.  It
 * returns the latest send time queued, ns since the epoch, 0 if none.
 */
int		siprec__net_tx_stamps(int fd);
uint64_t	siprec__net_tx_time(int fd);

/* Whether the loop's wall clock was injected (tests): it wins then. */
int		siprec__loop_wall_injected(const struct siprec_loop *);

#endif
