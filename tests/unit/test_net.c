/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the event loop: addresses, timers, fds, signals, sockets. */

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <siprec/net.h>

#include "check.h"

/* --- an injected clock ------------------------------------------------- */

static uint64_t fake_now = 1000;

static uint64_t
fake_mono(void *arg)
{
	(void)arg;
	return fake_now;
}

static uint64_t
fake_wall(void *arg)
{
	(void)arg;
	return 1700000000000000000ULL + fake_now;
}

static const struct siprec_clock fake = { fake_mono, fake_wall, NULL };

/* --- addresses --------------------------------------------------------- */

static void
test_addr(void)
{
	struct siprec_addr a;
	struct siprec_diag d;
	char buf[64];

	CHECK(siprec_addr_parse("192.0.2.7:5080", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.family == 4 && a.port == 5080 && a.ip[0] == 192 &&
	    a.ip[3] == 7);
	CHECK(siprec_addr_parse("192.0.2.7", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.port == 5060);
	CHECK(siprec_addr_parse("5070", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.family == 4 && a.ip[0] == 127 && a.ip[3] == 1 &&
	    a.port == 5070);
	CHECK(siprec_addr_parse(":0", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.family == 4 && a.ip[0] == 127 && a.port == 0);
	CHECK(siprec_addr_parse("", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.ip[0] == 127 && a.port == 5060);
	CHECK(siprec_addr_parse("[2001:db8::1]:5061", 5060, &a, NULL) ==
	    SIPREC_OK);
	CHECK(a.family == 6 && a.port == 5061 && a.ip[0] == 0x20 &&
	    a.ip[15] == 1);
	siprec_addr_format(&a, buf, sizeof(buf));
	CHECK(strcmp(buf, "[2001:db8::1]:5061") == 0);
	CHECK(siprec_addr_parse("::1", 5060, &a, NULL) == SIPREC_OK);
	CHECK(a.family == 6 && a.port == 5060 && a.ip[15] == 1);
	CHECK(siprec_addr_parse("[::1]", 7, &a, NULL) == SIPREC_OK);
	CHECK(a.family == 6 && a.port == 7);

	memset(&d, 0, sizeof(d));
	CHECK(siprec_addr_parse("localhost:5060", 5060, &a, &d) ==
	    SIPREC_EINVAL);
	CHECK(strstr(d.detail, "localhost") != NULL);
	CHECK(siprec_addr_parse("192.0.2.1:65536", 0, &a, NULL) ==
	    SIPREC_EINVAL);
	CHECK(siprec_addr_parse("192.0.2.1:", 0, &a, NULL) == SIPREC_EINVAL);
	CHECK(siprec_addr_parse("192.0.2.1:5x", 0, &a, NULL) == SIPREC_EINVAL);
	CHECK(siprec_addr_parse("[::1", 0, &a, NULL) == SIPREC_EINVAL);
	CHECK(siprec_addr_parse("[::1]x", 0, &a, NULL) == SIPREC_EINVAL);
	CHECK(siprec_addr_parse("300.1.1.1", 0, &a, NULL) == SIPREC_EINVAL);
	CHECK(siprec_addr_parse(NULL, 0, &a, NULL) == SIPREC_EINVAL);

	{
		struct siprec_addr x, y;

		siprec_addr_parse("192.0.2.1:1", 0, &x, NULL);
		siprec_addr_parse("192.0.2.1:1", 0, &y, NULL);
		CHECK(siprec_addr_eq(&x, &y));
		y.port = 2;
		CHECK(!siprec_addr_eq(&x, &y));
	}
}

/* --- timers ------------------------------------------------------------ */

#define NT 2000

struct tstate {
	struct siprec_timer	*t[NT];
	uint64_t		 at[NT];
	int			 fired[NT];
	uint64_t		 last_at;
	int			 order_ok;
	int			 count;
	int			 restarts;
};

static struct tstate ts;

static void
on_t(void *arg, struct siprec_timer *t)
{
	size_t i = (size_t)(uintptr_t)arg;

	(void)t;
	ts.fired[i]++;
	ts.count++;
	if (ts.at[i] < ts.last_at || ts.at[i] > fake_now)
		ts.order_ok = 0;
	ts.last_at = ts.at[i];
}

static int self_restarts;

static void
on_restart(void *arg, struct siprec_timer *t)
{
	(void)arg;
	self_restarts++;
	/* Always due: must not hold the loop in one round. */
	siprec_timer_at(t, 0);
}

static void
test_timers(void)
{
	struct siprec_loop *loop;
	struct siprec_timer *r;
	size_t i;
	int stopped = 0, expect = 0, bad = 0;
	uint64_t seed = 12345;

	CHECK(siprec_loop_new(&loop, NULL) == SIPREC_OK);
	siprec_loop_set_clock(loop, &fake);
	fake_now = 1000;
	CHECK(siprec_loop_now(loop) == 1000);
	CHECK(siprec_loop_wall(loop) == 1700000000000001000ULL);
	memset(&ts, 0, sizeof(ts));
	ts.order_ok = 1;
	for (i = 0; i < NT; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ts.at[i] = 2000 + (seed >> 33) % 100000;
		TALLY(bad, siprec_timer_new(loop, on_t, (void *)(uintptr_t)i,
		    &ts.t[i]) == SIPREC_OK);
		siprec_timer_at(ts.t[i], ts.at[i]);
	}
	CHECK(bad == 0);
	/* Stop every seventh, restart every eleventh later. */
	for (i = 0; i < NT; i += 7) {
		siprec_timer_stop(ts.t[i]);
		TALLY(bad, !siprec_timer_pending(ts.t[i]));
		stopped++;
	}
	CHECK(bad == 0);
	for (i = 0; i < NT; i += 11) {
		ts.at[i] += 50000;
		siprec_timer_at(ts.t[i], ts.at[i]);
	}
	for (i = 0; i < NT; i++)
		if (siprec_timer_pending(ts.t[i]))
			expect++;
	CHECK(expect > NT - stopped);	/* the restarted stopped ones */

	/* Nothing is due yet. */
	CHECK(siprec_loop_once(loop, 0, NULL) == SIPREC_OK);
	CHECK(ts.count == 0);
	/* Advance in steps: each step fires exactly what became due. */
	for (fake_now = 2000; fake_now <= 160000; fake_now += 997) {
		int due = 0;

		for (i = 0; i < NT; i++)
			if (siprec_timer_pending(ts.t[i]) &&
			    ts.at[i] <= fake_now)
				due++;
		ts.count = 0;
		TALLY(bad, siprec_loop_once(loop, 0, NULL) == SIPREC_OK);
		TALLY(bad, ts.count == due);
	}
	CHECK(bad == 0);	/* each step fired exactly what was due */
	for (i = 0; i < NT; i++)
		if (ts.fired[i] > 1)
			break;
	CHECK(i == NT);
	expect = 0;
	for (i = 0; i < NT; i++)
		expect += ts.fired[i];
	CHECK(ts.order_ok);
	{
		int want = 0;

		for (i = 0; i < NT; i++)
			if (i % 7 != 0 || i % 11 == 0)
				want++;
		CHECK(expect == want);
	}
	for (i = 0; i < NT; i++)
		siprec_timer_free(ts.t[i]);

	/* A callback that restarts its timer for the past runs once per
	   round. */
	CHECK(siprec_timer_new(loop, on_restart, NULL, &r) == SIPREC_OK);
	siprec_timer_at(r, 0);
	CHECK(siprec_loop_once(loop, 0, NULL) == SIPREC_OK);
	CHECK(self_restarts == 1);
	CHECK(siprec_loop_once(loop, 0, NULL) == SIPREC_OK);
	CHECK(self_restarts == 2);
	siprec_timer_free(r);
	siprec_timer_free(NULL);

	/* timer_after uses the loop's clock. */
	CHECK(siprec_timer_new(loop, on_restart, NULL, &r) == SIPREC_OK);
	self_restarts = 0;
	siprec_timer_after(r, 500);
	fake_now += 499;
	siprec_loop_once(loop, 0, NULL);
	CHECK(self_restarts == 0);
	fake_now += 1;
	siprec_loop_once(loop, 0, NULL);
	CHECK(self_restarts == 1);
	siprec_timer_free(r);
	siprec_loop_free(loop);
	siprec_loop_free(NULL);
}

/* --- fds, sockets, signals --------------------------------------------- */

struct fdstate {
	struct siprec_watch	*w;
	int			 reads;
	long			 len;
	struct siprec_addr	 from, to;
	uint64_t		 ts;
	uint8_t			 buf[256];
	struct siprec_addr	 bound;
	int			 free_self;
};

static void
on_readable(void *arg, int fd, unsigned int ev)
{
	struct fdstate *s = arg;

	if (!(ev & SIPREC_LOOP_READ))
		return;
	s->to = s->bound;
	s->len = siprec_net_recv(fd, s->buf, sizeof(s->buf), &s->from,
	    &s->to, &s->ts, NULL);
	s->reads++;
	if (s->free_self) {
		siprec_watch_free(s->w);
		s->w = NULL;
	}
}

static int sigs;

static void
on_sig(void *arg, int signo)
{
	struct siprec_loop *loop = arg;

	if (signo == SIGUSR1)
		sigs++;
	siprec_loop_stop(loop);
}

static void
on_stop(void *arg, struct siprec_timer *t)
{
	(void)t;
	siprec_loop_stop(arg);
}

static void
test_sockets(void)
{
	struct siprec_loop *loop;
	struct siprec_addr any, a6, b, peer;
	struct fdstate s;
	struct siprec_timer *t;
	struct siprec_diag d;
	int fd, fd2, lfd, cfd, afd, i;
	uint8_t big[300];

	CHECK(siprec_loop_new(&loop, NULL) == SIPREC_OK);
	CHECK(siprec_addr_parse("127.0.0.1:0", 0, &any, NULL) == SIPREC_OK);
	memset(&s, 0, sizeof(s));
	CHECK(siprec_net_udp(&any, 1 << 20, &fd, &s.bound, NULL) == SIPREC_OK);
	CHECK(fd >= 0 && s.bound.port != 0 && s.bound.family == 4);
	CHECK(siprec_net_udp(&any, 0, &fd2, &b, NULL) == SIPREC_OK);
	CHECK(b.port != 0 && b.port != s.bound.port);
	/* The same port twice is refused, with the address in diag. */
	memset(&d, 0, sizeof(d));
	CHECK(siprec_net_udp(&s.bound, 0, &i, NULL, &d) == SIPREC_ENET);
	CHECK(i == -1 && strstr(d.detail, "127.0.0.1") != NULL);

	CHECK(siprec_watch_new(loop, fd, SIPREC_LOOP_READ, on_readable, &s,
	    &s.w, NULL) == SIPREC_OK);
	CHECK(siprec_loop_once(loop, 0, NULL) == SIPREC_OK);
	CHECK(s.reads == 0);
	{
		struct sockaddr_storage ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(s.bound.port);
		sin->sin_addr.s_addr = htonl(0x7f000001);
		CHECK(sendto(fd2, "hello", 5, 0, (struct sockaddr *)&ss,
		    sizeof(*sin)) == 5);
		for (i = 0; i < 100 && s.reads == 0; i++)
			siprec_loop_once(loop, 10000000, NULL);
		CHECK(s.reads == 1 && s.len == 5 &&
		    memcmp(s.buf, "hello", 5) == 0);
		CHECK(siprec_addr_eq(&s.from, &b));
		CHECK(siprec_addr_eq(&s.to, &s.bound));
		CHECK(s.ts != 0);
		/* Truncation is reported. */
		memset(big, 'x', sizeof(big));
		CHECK(sendto(fd2, big, sizeof(big), 0, (struct sockaddr *)&ss,
		    sizeof(*sin)) == (ssize_t)sizeof(big));
		s.free_self = 1;
		for (i = 0; i < 100 && s.reads == 1; i++)
			siprec_loop_once(loop, 10000000, NULL);
		CHECK(s.reads == 2 && s.len == (long)sizeof(s.buf));
		/* The watcher freed itself: more data goes unnoticed. */
		CHECK(sendto(fd2, "x", 1, 0, (struct sockaddr *)&ss,
		    sizeof(*sin)) == 1);
		siprec_loop_once(loop, 20000000, NULL);
		CHECK(s.reads == 2);
	}
	close(fd);
	close(fd2);

	/* IPv6 loopback, when the host has it. */
	if (siprec_addr_parse("[::1]:0", 0, &a6, NULL) == SIPREC_OK &&
	    siprec_net_udp(&a6, 0, &fd, &b, NULL) == SIPREC_OK) {
		CHECK(b.family == 6 && b.port != 0);
		close(fd);
	}

	/* TCP: listen, connect, accept; peer and local agree. */
	CHECK(siprec_net_tcp_listen(&any, 0, &lfd, &b, NULL) == SIPREC_OK);
	CHECK(b.port != 0);
	CHECK(siprec_net_tcp_connect(&b, &cfd, NULL) == SIPREC_OK);
	for (i = 0, afd = -1; i < 100 && afd < 0; i++) {
		afd = accept(lfd, NULL, NULL);
		if (afd < 0)
			usleep(1000);
	}
	CHECK(afd >= 0);
	CHECK(siprec_net_peer(cfd, &peer) == SIPREC_OK &&
	    siprec_addr_eq(&peer, &b));
	CHECK(siprec_net_local(afd, &peer) == SIPREC_OK &&
	    siprec_addr_eq(&peer, &b));
	close(afd);
	close(cfd);
	close(lfd);
	{
		/* A refused connection is reported when it fails (async). */
		struct siprec_addr dead = b;

		if (siprec_net_tcp_connect(&dead, &cfd, NULL) == SIPREC_OK)
			close(cfd);
	}

	/* Signals come through the loop. */
	CHECK(siprec_loop_signal(loop, SIGUSR1, on_sig, loop, NULL) ==
	    SIPREC_OK);
	CHECK(siprec_loop_signal(loop, 0, on_sig, loop, NULL) == SIPREC_EINVAL);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(siprec_loop_run(loop, NULL) == SIPREC_OK);
	CHECK(sigs == 1);
	CHECK(siprec_loop_stopped(loop));

	/* run() with the real clock stops from a timer. */
	CHECK(siprec_timer_new(loop, on_stop, loop, &t) == SIPREC_OK);
	siprec_timer_after(t, 5000000);
	CHECK(siprec_loop_run(loop, NULL) == SIPREC_OK);
	CHECK(!siprec_timer_pending(t));
	siprec_timer_free(t);

	/* Watchers and timers outliving their loop are detached. */
	{
		struct siprec_timer *late;
		struct siprec_watch *lw;
		int pfd[2];

		CHECK(pipe(pfd) == 0);
		CHECK(siprec_timer_new(loop, on_stop, loop, &late) ==
		    SIPREC_OK);
		siprec_timer_after(late, 1000);
		CHECK(siprec_watch_new(loop, pfd[0], SIPREC_LOOP_READ,
		    on_readable, &s, &lw, NULL) == SIPREC_OK);
		siprec_loop_free(loop);
		siprec_timer_after(late, 1000);
		CHECK(!siprec_timer_pending(late));
		siprec_timer_free(late);
		siprec_watch_free(lw);
		close(pfd[0]);
		close(pfd[1]);
	}
}

int
main(void)
{
	test_addr();
	test_timers();
	test_sockets();
	return CHECK_DONE();
}
