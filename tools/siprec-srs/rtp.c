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
#include <sys/random.h>
#include <sys/socket.h>

#include <siprec/rtpsend.h>

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
#define RR_PERIOD 5000000000ull	/* RFC 3550 6.2: 5 s minimum interval */

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
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* An RTP packet for the receiver report (the library's RFC 3550 A.1, A.8). */
static void
rr_rtp(struct srsd_rr *rr, const uint8_t *p, size_t n, uint64_t ts,
    const struct siprec_addr *from)
{
	uint32_t ssrc;
	int first;

	if (rr->srtp || rr->st == NULL)
		return;
	first = !siprec_rr_ssrc(rr->st, &ssrc);
	if (!siprec_rr_rtp(rr->st, p, n, ts, rr->rate != 0 ? rr->rate : 8000))
		return;
	if (first)
		rr->last_ns = ts;	/* the first report after a period */
	rr->peer_rtp = *from;
}

/* Send one compound RTCP packet: RR with one report block, SDES CNAME. */
static void
rr_send(struct srsd_rtp *r, uint64_t now)
{
	struct srsd_rr *rr = &r->rr;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct siprec_addr to;
	uint8_t b[128];
	uint32_t dlsr = 0;
	size_t n;
	int fd = r->mux ? r->fd[0] : r->fd[1];

	if (fd < 0)
		return;
	if (rr->lsr_at_ns != 0)
		dlsr = (uint32_t)((now - rr->lsr_at_ns) * 65536 / 1000000000ull);
	/* RR: V=2, RC=1, PT=201, length 7 (32-bit words - 1). */
	b[0] = 0x81;
	b[1] = 201;
	b[2] = 0;
	b[3] = 7;
	put32(b + 4, rr->own_ssrc);
	siprec_rr_block(rr->st, rr->lsr, dlsr, b + 8);
	n = 32 + siprec_rtcp_sdes(b + 32, sizeof(b) - 32, rr->own_ssrc,
	    "siprec-srs");
	/* Symmetric RTCP (RFC 4961): where the source's RTCP comes from. */
	if (rr->have_rtcp)
		to = rr->peer_rtcp;
	else {
		to = rr->peer_rtp;
		if (!r->mux)
			to.port++;
	}
	sl = siprec_net_sockaddr(&to, &ss);
	if (sendto(fd, b, n, 0, (struct sockaddr *)&ss, sl) == (ssize_t)n)
		rr->sent++;
	rr->last_ns = now;
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
	uint32_t ssrc;
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
			siprec_net_addr(&from[i], &p.src);
			p.dst = r->addr[k];
			p.data.p = iov[i].iov_base;
			p.data.len = mm[i].msg_len;
			p.file = "rtp";
			if (siprec_rs_packet(d->rs, &p, &diag) != SIPREC_OK) {
				srsd_log(d, "rtp: %s", diag.detail);
				d->syserr = 1;
			}
			if (p.data.len >= 8 && (p.data.p[0] >> 6) == 2 &&
			    p.data.p[1] >= 200 && p.data.p[1] <= 204) {
				/* RTCP of the source: its SR for LSR/DLSR. */
				r->rr.peer_rtcp = p.src;
				r->rr.have_rtcp = 1;
				if (p.data.p[1] == 200 && p.data.len >= 28) {
					r->rr.lsr = get32(p.data.p + 10);
					r->rr.lsr_at_ns = ts;
				}
			} else if (k == 0 && (p.data.p[0] >> 6) == 2)
				rr_rtp(&r->rr, p.data.p, p.data.len, ts, &p.src);
		}
		if (siprec_rr_ssrc(r->rr.st, &ssrc) && !r->rr.srtp &&
		    siprec_loop_wall(d->loop) >= r->rr.last_ns + RR_PERIOD)
			rr_send(r, siprec_loop_wall(d->loop));
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
	r->mux = mux;
	if ((r->rr.st = siprec_rr_new()) == NULL) {
		free(r);
		return NULL;
	}
	if (getrandom(&r->rr.own_ssrc, sizeof(r->rr.own_ssrc), 0) !=
	    (ssize_t)sizeof(r->rr.own_ssrc))
		r->rr.own_ssrc = (uint32_t)(uintptr_t)r ^ (uint32_t)getpid();
	if (d->o.port_lo == 0) {
		/* -P 0: ports from the kernel; RTCP told by a=rtcp. */
		if (bind_one(r, 0, ip, 0) != 0) {
			siprec_rr_free(r->rr.st);
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
	siprec_rr_free(r->rr.st);
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
	siprec_rr_free(r->rr.st);
	free(r);
}
