/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-srs: RTP sockets from a port range, read in batches into the tracker. */
#define _GNU_SOURCE	/* recvmmsg */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "srsd.h"

/*
 * Each recorded m-line gets an even port from the range for RTP and the
 * next one for RTCP (RFC 3550 11), or the even one only with rtcp-mux
 * (RFC 5761).  Datagrams are read with recvmmsg, BATCH at a time, each
 * with its kernel receive time (SO_TIMESTAMPNS, set by siprec_net_udp):
 * the same time a capture on the interface records, so the tracker
 * places audio exactly where siprec-pcap2rec would.
 */

#define BATCH	32
#define PKTMAX	2048
#define CMSGLEN	64

int
srsd_ports_init(struct srsd *d)
{
	uint32_t pairs = d->o.port_lo == 0 ? 0 :
	    (uint32_t)(d->o.port_hi - d->o.port_lo + 1) / 2;

	if ((d->ports = calloc(pairs / 8 + 1, 1)) == NULL)
		return -1;
	if ((d->rbuf = malloc((size_t)BATCH * PKTMAX)) == NULL)
		return -1;
	d->port_next = 0;
	return 0;
}

static void
to_addr(const struct sockaddr_storage *ss, struct siprec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		a->family = 6;
		memcpy(a->ip, &s6->sin6_addr, 16);
		a->port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		a->family = 4;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	}
}

static void
readable(void *arg, int fd, unsigned int events)
{
	struct srsd_rtp *r = arg;
	struct srsd *d = r->d;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage from[BATCH];
	char cm[BATCH][CMSGLEN];
	struct siprec_diag diag;
	struct siprec_pkt p;
	int n, i, k = fd == r->fd[0] ? 0 : 1;

	(void)events;
	for (;;) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = d->rbuf + (size_t)i * PKTMAX;
			iov[i].iov_len = PKTMAX;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_control = cm[i];
			mm[i].msg_hdr.msg_controllen = CMSGLEN;
		}
		n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct cmsghdr *c;
			uint64_t ts = 0;

			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;	/* larger than any RTP we take */
			for (c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c != NULL;
			    c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec tv;

					memcpy(&tv, CMSG_DATA(c), sizeof(tv));
					ts = (uint64_t)tv.tv_sec * 1000000000ull +
					    (uint64_t)tv.tv_nsec;
				}
			if (ts == 0)
				ts = siprec_loop_wall(d->loop);
			memset(&p, 0, sizeof(p));
			p.kind = SIPREC_PKT_UDP;
			p.ts_ns = ts;
			to_addr(&from[i], &p.src);
			p.dst = r->addr[k];
			p.data.p = iov[i].iov_base;
			p.data.len = mm[i].msg_len;
			p.file = "rtp";
			if (siprec_rs_packet(d->rs, &p, &diag) != SIPREC_OK) {
				srsd_log(d, "rtp: %s", diag.detail);
				d->syserr = 1;
			}
		}
		if (n < BATCH)
			return;
	}
}

static int
bind_one(struct srsd_rtp *r, int k, const struct siprec_addr *ip,
    uint16_t port)
{
	struct siprec_addr a = *ip;
	struct siprec_diag diag;

	a.port = port;
	if (siprec_net_udp(&a, 1024 * 1024, &r->fd[k], &r->addr[k], &diag) !=
	    SIPREC_OK)
		return -1;
	if (siprec_watch_new(r->d->loop, r->fd[k], SIPREC_LOOP_READ, readable,
	    r, &r->w[k], &diag) != SIPREC_OK) {
		close(r->fd[k]);
		r->fd[k] = -1;
		return -1;
	}
	return 0;
}

struct srsd_rtp *
srsd_rtp_open(struct srsd *d, const struct siprec_addr *ip, int mux)
{
	uint32_t pairs = (uint32_t)(d->o.port_hi - d->o.port_lo + 1) / 2;
	struct srsd_rtp *r;
	uint32_t tries, i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->d = d;
	r->fd[0] = r->fd[1] = -1;
	if (d->o.port_lo == 0) {
		/* -P 0: ports from the kernel; RTCP told by a=rtcp. */
		if (bind_one(r, 0, ip, 0) != 0) {
			free(r);
			return NULL;
		}
		r->port = r->addr[0].port;
		if (!mux) {
			if (bind_one(r, 1, ip, 0) != 0) {
				srsd_rtp_close(r);
				return NULL;
			}
			r->rtcp_port = r->addr[1].port;
		}
		return r;
	}
	/* Round robin over free pairs: a port is not reused at once. */
	for (tries = 0; tries < pairs; tries++) {
		i = d->port_next;
		d->port_next = (d->port_next + 1) % pairs;
		if (d->ports[i / 8] & (1u << (i % 8)))
			continue;
		r->port = (uint16_t)(d->o.port_lo + (d->o.port_lo & 1) + 2 * i);
		if ((uint32_t)r->port + 1 > d->o.port_hi)
			continue;
		if (bind_one(r, 0, ip, r->port) != 0)
			continue;	/* taken by another program */
		if (!mux && bind_one(r, 1, ip, (uint16_t)(r->port + 1)) != 0) {
			siprec_watch_free(r->w[0]);
			close(r->fd[0]);
			r->fd[0] = -1;
			continue;
		}
		d->ports[i / 8] |= (uint8_t)(1u << (i % 8));
		return r;
	}
	free(r);
	errno = EADDRINUSE;
	return NULL;
}

void
srsd_rtp_close(struct srsd_rtp *r)
{
	int k;
	uint32_t i;

	if (r == NULL)
		return;
	for (k = 0; k < 2; k++)
		if (r->fd[k] >= 0) {
			siprec_watch_free(r->w[k]);
			close(r->fd[k]);
		}
	if (r->d->o.port_lo != 0 && r->port != 0) {
		i = (uint32_t)(r->port - r->d->o.port_lo -
		    (r->d->o.port_lo & 1)) / 2;
		r->d->ports[i / 8] &= (uint8_t)~(1u << (i % 8));
	}
	free(r);
}
