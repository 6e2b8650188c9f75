/* SPDX-License-Identifier: BSD-2-Clause */
/* The benchmark's RTP receiver: kernel arrival times (SO_TIMESTAMPNS), timing deviation and loss per SSRC. */
/*
 * usage: src-rtprecv ADDR PORT NPORTS PTIME_MS SECONDS OUT
 *
 * Binds NPORTS UDP ports from PORT on the IPv4 address ADDR and records
 * every RTP packet's kernel receive time until SECONDS have passed or no
 * packet came for 3 s after the first.  For each SSRC, packet k (by
 * sequence number from the first seen) is due at k * PTIME_MS after the
 * stream's start; its deviation is (arrival - k * ptime) minus the
 * smallest such value of the stream, so the best-placed packet counts as
 * on time and the rest as late by so much.  Writes one JSON object to OUT
 * and prints it: packets, streams, lost (expected minus received),
 * deviation p50, p99, p999 and max in microseconds.  Exit 0, or 1 on a
 * system error.  Loopback only; it is a test tool.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define MAXPKT	(40u * 1000 * 1000)

struct sample {
	uint32_t	ssrc;
	uint16_t	seq;
	uint64_t	t;		/* ns since the epoch */
};

struct stream {
	uint32_t	ssrc;
	uint16_t	seq0;
	uint32_t	maxk;
	uint64_t	n;
	int64_t		base;
	int		used;
};

static struct stream	*tab;
static size_t		 tabcap;

static struct stream *
find(uint32_t ssrc)
{
	size_t	i = (ssrc * 2654435761u) & (tabcap - 1);

	while (tab[i].used && tab[i].ssrc != ssrc)
		i = (i + 1) & (tabcap - 1);
	return &tab[i];
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 a;
	struct pollfd		*pf;
	struct mmsghdr		 mm[BATCH];
	struct iovec		 iov[BATCH];
	uint8_t			 buf[BATCH][256];
	char			 ctl[BATCH][64];
	struct sample		*s;
	struct stream		*st;
	struct cmsghdr		*cm;
	struct timespec		 ts;
	int64_t			*dev, d;
	uint64_t		 n = 0, ptime, start, last = 0, lost = 0, nd = 0;
	uint64_t		 secs, k, nstreams = 0;
	int			 nports, port, one = 1, sz = 1 << 30, i, r, j;
	FILE			*out;

	if (argc != 7) {
		fprintf(stderr, "usage: src-rtprecv addr port nports ptime_ms "
		    "seconds out\n");
		return 2;
	}
	port = atoi(argv[2]);
	nports = atoi(argv[3]);
	ptime = (uint64_t)atoi(argv[4]) * 1000000u;
	secs = (uint64_t)atoi(argv[5]);
	if (nports < 1 || port < 1 || port + nports > 65536 || ptime == 0)
		return 2;
	if ((pf = calloc((size_t)nports, sizeof(*pf))) == NULL ||
	    (s = malloc(MAXPKT * sizeof(*s))) == NULL)
		return 1;
	for (i = 0; i < nports; i++) {
		pf[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		pf[i].events = POLLIN;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)(port + i));
		inet_pton(AF_INET, argv[1], &a.sin_addr);
		if (setsockopt(pf[i].fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
		    sizeof(sz)) != 0)
			(void)setsockopt(pf[i].fd, SOL_SOCKET, SO_RCVBUF, &sz,
			    sizeof(sz));
		(void)setsockopt(pf[i].fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
		    sizeof(one));
		if (bind(pf[i].fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			fprintf(stderr, "src-rtprecv: bind %d: %s\n", port + i,
			    strerror(errno));
			return 1;
		}
	}
	start = mono();
	for (;;) {
		uint64_t now = mono();

		if (now - start > secs * 1000000000u)
			break;
		if (n > 0 && now - last > 3000000000u)
			break;
		/*
		 * Wait in poll(); packets queue meanwhile in a receive buffer
		 * of up to 2 GB (SO_RCVBUFFORCE, root), and their kernel time
		 * stamps were taken when they were sent (loopback), so a
		 * receiver that runs late loses no precision.
		 */
		if (poll(pf, (nfds_t)nports, 200) <= 0)
			continue;
		for (i = 0; i < nports; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			for (;;) {
				for (j = 0; j < BATCH; j++) {
					iov[j].iov_base = buf[j];
					iov[j].iov_len = sizeof(buf[j]);
					memset(&mm[j], 0, sizeof(mm[j]));
					mm[j].msg_hdr.msg_iov = &iov[j];
					mm[j].msg_hdr.msg_iovlen = 1;
					mm[j].msg_hdr.msg_control = ctl[j];
					mm[j].msg_hdr.msg_controllen =
					    sizeof(ctl[j]);
				}
				r = recvmmsg(pf[i].fd, mm, BATCH, MSG_DONTWAIT,
				    NULL);
				if (r <= 0)
					break;
				last = mono();
				for (j = 0; j < r && n < MAXPKT; j++) {
					if (mm[j].msg_len < 12 ||
					    (buf[j][0] & 0xc0) != 0x80 ||
					    (buf[j][1] & 0x7f) >= 72)
						continue;	/* not RTP */
					memset(&ts, 0, sizeof(ts));
					for (cm = CMSG_FIRSTHDR(&mm[j].msg_hdr);
					    cm != NULL; cm = CMSG_NXTHDR(
					    &mm[j].msg_hdr, cm))
						if (cm->cmsg_level == SOL_SOCKET &&
						    cm->cmsg_type == SO_TIMESTAMPNS)
							memcpy(&ts, CMSG_DATA(cm),
							    sizeof(ts));
					s[n].t = (uint64_t)ts.tv_sec *
					    1000000000u + (uint64_t)ts.tv_nsec;
					s[n].seq = (uint16_t)(buf[j][2] << 8 |
					    buf[j][3]);
					s[n].ssrc = (uint32_t)buf[j][8] << 24 |
					    (uint32_t)buf[j][9] << 16 |
					    (uint32_t)buf[j][10] << 8 |
					    buf[j][11];
					n++;
				}
			}
		}
	}
	/* Streams: first sequence number and the baseline of each. */
	for (tabcap = 1024; tabcap < 4 * (n / 50 + 16); tabcap *= 2)
		;
	if ((tab = calloc(tabcap, sizeof(*tab))) == NULL ||
	    (dev = malloc((n ? n : 1) * sizeof(*dev))) == NULL)
		return 1;
	for (k = 0; k < n; k++) {
		st = find(s[k].ssrc);
		if (!st->used) {
			st->used = 1;
			st->ssrc = s[k].ssrc;
			st->seq0 = s[k].seq;
			st->base = INT64_MAX;
			nstreams++;
		}
		d = (int64_t)s[k].t - (int64_t)((uint16_t)(s[k].seq -
		    st->seq0) * ptime);
		if (d < st->base)
			st->base = d;
		if ((uint32_t)(uint16_t)(s[k].seq - st->seq0) > st->maxk)
			st->maxk = (uint16_t)(s[k].seq - st->seq0);
		st->n++;
	}
	for (k = 0; k < n; k++) {
		st = find(s[k].ssrc);
		dev[nd++] = (int64_t)s[k].t - (int64_t)((uint16_t)(s[k].seq -
		    st->seq0) * ptime) - st->base;
	}
	for (k = 0; k < tabcap; k++)
		if (tab[k].used && tab[k].maxk + 1 > tab[k].n)
			lost += tab[k].maxk + 1 - tab[k].n;
	qsort(dev, nd, sizeof(*dev), cmp64);
#define Q(q) (nd ? (double)dev[(size_t)((q) * (double)(nd - 1))] / 1000 : 0)
	if ((out = fopen(argv[6], "w")) == NULL)
		return 1;
	fprintf(out, "{\"packets\":%llu,\"streams\":%llu,\"lost\":%llu,"
	    "\"dev_p50_us\":%.0f,\"dev_p99_us\":%.0f,\"dev_p999_us\":%.0f,"
	    "\"dev_max_us\":%.0f}\n", (unsigned long long)n,
	    (unsigned long long)nstreams, (unsigned long long)lost, Q(.5),
	    Q(.99), Q(.999), Q(1.0));
	fclose(out);
	return 0;
}
