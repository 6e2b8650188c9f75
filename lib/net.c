/* SPDX-License-Identifier: BSD-2-Clause */
/* The event loop of the live programs: epoll, a timer heap, signalfd, sockets. */

#define _GNU_SOURCE	/* struct in6_pktinfo (RFC 3542) */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <siprec/net.h>
#include "sipnet_int.h"

#define MAX_EVENTS	256
#define NSIG_MAX	65
#define NO_SLOT		((size_t)-1)

struct siprec_watch {
	struct siprec_loop	*loop;
	int			 fd;
	unsigned int		 mask;
	void			(*cb)(void *, int, unsigned int);
	void			*arg;
	int			 dead;
	struct siprec_watch	*next_dead;
	struct siprec_watch	*next, *prev;	/* live ones */
};

struct siprec_timer {
	struct siprec_loop	*loop;
	void			(*cb)(void *, struct siprec_timer *);
	void			*arg;
	uint64_t		 at;
	uint64_t		 seq;		/* FIFO among equal deadlines */
	size_t			 slot;		/* in the heap, or NO_SLOT */
};

struct sighandler {
	void	(*cb)(void *, int);
	void	*arg;
};

struct siprec_loop {
	int			 epfd;
	struct siprec_clock	 clock;
	int			 stop;
	struct siprec_timer	**heap;
	size_t			 nheap, capheap;
	size_t			 ntimers;	/* heap room is kept for all */
	uint64_t		 seq;
	struct siprec_watch	*dead;		/* freed after dispatch */
	struct siprec_watch	*live;
	int			 dispatching;
	int			 ms_only;	/* no epoll_pwait2 (Linux < 5.11) */
	int			 sigfd;
	struct siprec_watch	*sigwatch;
	sigset_t		 sigmask;
	struct sighandler	 sig[NSIG_MAX];
};

/* --- clocks ------------------------------------------------------------ */

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
siprec_loop_now(const struct siprec_loop *loop)
{
	if (loop->clock.mono != NULL)
		return loop->clock.mono(loop->clock.arg);
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t
siprec_loop_wall(const struct siprec_loop *loop)
{
	if (loop->clock.wall != NULL)
		return loop->clock.wall(loop->clock.arg);
	return clock_ns(CLOCK_REALTIME);
}

void
siprec_loop_set_clock(struct siprec_loop *loop, const struct siprec_clock *c)
{
	if (c == NULL)
		memset(&loop->clock, 0, sizeof(loop->clock));
	else
		loop->clock = *c;
}

/* --- the loop ---------------------------------------------------------- */

enum siprec_err
siprec_loop_new(struct siprec_loop **out, struct siprec_diag *diag)
{
	struct siprec_loop *loop;

	*out = NULL;
	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return SIPREC_ENOMEM;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	if ((loop->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		siprec_diag_set(diag, 0, 0, "epoll_create1: %s",
		    strerror(errno));
		free(loop);
		return SIPREC_ENET;
	}
	*out = loop;
	return SIPREC_OK;
}

static void
reap_dead(struct siprec_loop *loop)
{
	struct siprec_watch *w;

	while ((w = loop->dead) != NULL) {
		loop->dead = w->next_dead;
		free(w);
	}
}

void
siprec_loop_free(struct siprec_loop *loop)
{
	size_t i;

	if (loop == NULL)
		return;
	/* Timers still registered belong to their owners; detach them. */
	for (i = 0; i < loop->nheap; i++) {
		loop->heap[i]->slot = NO_SLOT;
		loop->heap[i]->loop = NULL;
	}
	free(loop->heap);
	if (loop->sigwatch != NULL)
		siprec_watch_free(loop->sigwatch);
	reap_dead(loop);
	/* Watchers still registered belong to their owners: detach them. */
	while (loop->live != NULL) {
		struct siprec_watch *w = loop->live;

		loop->live = w->next;
		w->loop = NULL;
		w->next = w->prev = NULL;
	}
	if (loop->sigfd != -1)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop);
}

void
siprec_loop_stop(struct siprec_loop *loop)
{
	loop->stop = 1;
}

int
siprec_loop_stopped(const struct siprec_loop *loop)
{
	return loop->stop;
}

int
siprec__loop_wall_injected(const struct siprec_loop *loop)
{
	return loop->clock.wall != NULL;
}

/* --- timer heap (ordered by deadline, then by start order) ------------- */

static int
earlier(const struct siprec_timer *a, const struct siprec_timer *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_place(struct siprec_loop *loop, size_t i, struct siprec_timer *t)
{
	loop->heap[i] = t;
	t->slot = i;
}

static void
heap_up(struct siprec_loop *loop, size_t i)
{
	struct siprec_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!earlier(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void
heap_down(struct siprec_loop *loop, size_t i)
{
	struct siprec_timer *t = loop->heap[i];
	size_t n = loop->nheap;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && earlier(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!earlier(loop->heap[c], t))
			break;
		heap_place(loop, i, loop->heap[c]);
		i = c;
	}
	heap_place(loop, i, t);
}

static void
heap_remove(struct siprec_loop *loop, struct siprec_timer *t)
{
	size_t i = t->slot;
	struct siprec_timer *last;

	t->slot = NO_SLOT;
	last = loop->heap[--loop->nheap];
	if (i == loop->nheap)
		return;
	heap_place(loop, i, last);
	if (i > 0 && earlier(last, loop->heap[(i - 1) / 2]))
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

enum siprec_err
siprec_timer_new(struct siprec_loop *loop,
    void (*cb)(void *, struct siprec_timer *), void *arg,
    struct siprec_timer **out)
{
	struct siprec_timer *t;

	*out = NULL;
	/* Room in the heap for every timer, so starting one cannot fail. */
	if (loop->ntimers == loop->capheap) {
		size_t cap = loop->capheap ? loop->capheap * 2 : 64;
		struct siprec_timer **h;

		if ((h = reallocarray(loop->heap, cap, sizeof(*h))) == NULL)
			return SIPREC_ENOMEM;
		loop->heap = h;
		loop->capheap = cap;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SIPREC_ENOMEM;
	loop->ntimers++;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	t->slot = NO_SLOT;
	*out = t;
	return SIPREC_OK;
}

void
siprec_timer_stop(struct siprec_timer *t)
{
	if (t != NULL && t->slot != NO_SLOT && t->loop != NULL)
		heap_remove(t->loop, t);
}

void
siprec_timer_at(struct siprec_timer *t, uint64_t at_ns)
{
	struct siprec_loop *loop = t->loop;

	if (loop == NULL)
		return;		/* its loop is gone */
	siprec_timer_stop(t);
	t->at = at_ns;
	t->seq = loop->seq++;
	loop->heap[loop->nheap] = t;
	t->slot = loop->nheap++;
	heap_up(loop, t->slot);
}

void
siprec_timer_after(struct siprec_timer *t, uint64_t delay_ns)
{
	uint64_t now;

	if (t->loop == NULL)
		return;
	now = siprec_loop_now(t->loop);
	siprec_timer_at(t, now + delay_ns < now ? UINT64_MAX : now + delay_ns);
}

int
siprec_timer_pending(const struct siprec_timer *t)
{
	return t != NULL && t->slot != NO_SLOT;
}

void
siprec_timer_free(struct siprec_timer *t)
{
	if (t == NULL)
		return;
	siprec_timer_stop(t);
	if (t->loop != NULL)
		t->loop->ntimers--;
	free(t);
}

/* --- fd watchers ------------------------------------------------------- */

static uint32_t
epoll_mask(unsigned int mask)
{
	uint32_t ev = 0;

	if (mask & SIPREC_LOOP_READ)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (mask & SIPREC_LOOP_WRITE)
		ev |= EPOLLOUT;
	return ev;
}

enum siprec_err
siprec_watch_new(struct siprec_loop *loop, int fd, unsigned int mask,
    void (*cb)(void *, int, unsigned int), void *arg,
    struct siprec_watch **out, struct siprec_diag *diag)
{
	struct siprec_watch *w;
	struct epoll_event ev;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SIPREC_ENOMEM;
	w->loop = loop;
	w->fd = fd;
	w->mask = mask;
	w->cb = cb;
	w->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_mask(mask);
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		siprec_diag_set(diag, 0, 0, "epoll_ctl fd %d: %s", fd,
		    strerror(errno));
		free(w);
		return SIPREC_ENET;
	}
	w->next = loop->live;
	if (loop->live != NULL)
		loop->live->prev = w;
	loop->live = w;
	*out = w;
	return SIPREC_OK;
}

enum siprec_err
siprec_watch_set(struct siprec_watch *w, unsigned int mask)
{
	struct epoll_event ev;

	if (w->mask == mask)
		return SIPREC_OK;
	if (w->loop == NULL)
		return SIPREC_EINVAL;
	memset(&ev, 0, sizeof(ev));
	ev.events = epoll_mask(mask);
	ev.data.ptr = w;
	if (epoll_ctl(w->loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) != 0)
		return SIPREC_ENET;
	w->mask = mask;
	return SIPREC_OK;
}

void
siprec_watch_free(struct siprec_watch *w)
{
	struct siprec_loop *loop;

	if (w == NULL || w->dead)
		return;
	if ((loop = w->loop) == NULL) {
		free(w);	/* its loop is gone */
		return;
	}
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		loop->live = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	/* May fail when the fd was closed already: nothing to undo then. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = 1;
	/* Events of this round may still point at it: free after dispatch. */
	w->next_dead = loop->dead;
	loop->dead = w;
	if (!loop->dispatching)
		reap_dead(loop);
}

/* --- signals ----------------------------------------------------------- */

static void
on_signal(void *arg, int fd, unsigned int events)
{
	struct siprec_loop *loop = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (signo > 0 && signo < NSIG_MAX &&
		    loop->sig[signo].cb != NULL)
			loop->sig[signo].cb(loop->sig[signo].arg, signo);
	}
}

enum siprec_err
siprec_loop_signal(struct siprec_loop *loop, int signo,
    void (*cb)(void *, int), void *arg, struct siprec_diag *diag)
{
	sigset_t one;
	enum siprec_err e;
	int fd;

	if (signo <= 0 || signo >= NSIG_MAX || cb == NULL) {
		siprec_diag_set(diag, 0, 0, "bad signal %d", signo);
		return SIPREC_EINVAL;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if ((e = (enum siprec_err)pthread_sigmask(SIG_BLOCK, &one, NULL)) != 0) {
		siprec_diag_set(diag, 0, 0, "pthread_sigmask: %s",
		    strerror((int)e));
		return SIPREC_ENET;
	}
	sigaddset(&loop->sigmask, signo);
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1) {
		siprec_diag_set(diag, 0, 0, "signalfd: %s", strerror(errno));
		return SIPREC_ENET;
	}
	if (loop->sigfd == -1) {
		loop->sigfd = fd;
		e = siprec_watch_new(loop, fd, SIPREC_LOOP_READ, on_signal,
		    loop, &loop->sigwatch, diag);
		if (e != SIPREC_OK)
			return e;
	}
	loop->sig[signo].cb = cb;
	loop->sig[signo].arg = arg;
	return SIPREC_OK;
}

/* --- running ----------------------------------------------------------- */

static void
run_timers(struct siprec_loop *loop)
{
	uint64_t now = siprec_loop_now(loop);
	uint64_t last = loop->seq;

	/*
	 * A timer started again by its callback for a time already past
	 * waits for the next round (its seq is newer), so a callback that
	 * always restarts cannot hold the loop.
	 */
	while (loop->nheap > 0) {
		struct siprec_timer *t = loop->heap[0];

		if (t->at > now || t->seq >= last)
			break;
		heap_remove(loop, t);
		t->cb(t->arg, t);
	}
}

enum siprec_err
siprec_loop_once(struct siprec_loop *loop, uint64_t max_wait_ns,
    struct siprec_diag *diag)
{
	struct epoll_event evs[MAX_EVENTS];
	struct timespec ts;
	uint64_t wait = max_wait_ns;
	int n, i, ms;

	if (loop->nheap > 0) {
		uint64_t now = siprec_loop_now(loop), at = loop->heap[0]->at;

		if (at <= now)
			wait = 0;
		else if (at - now < wait)
			wait = at - now;
	}
	/*
	 * To the nanosecond: a timer due in 250 us must not sleep a whole
	 * millisecond (siprec-src paces thousands of calls a second).
	 */
	n = 0;
	if (!loop->ms_only) {
		ts.tv_sec = (time_t)(wait / 1000000000u);
		ts.tv_nsec = (long)(wait % 1000000000u);
		n = epoll_pwait2(loop->epfd, evs, MAX_EVENTS, wait ==
		    UINT64_MAX ? NULL : &ts, NULL);
		if (n < 0 && errno == ENOSYS)
			loop->ms_only = 1;
	}
	if (loop->ms_only) {
		if (wait == UINT64_MAX)
			ms = -1;
		else if (wait / 1000000u >= INT32_MAX)
			ms = INT32_MAX;
		else
			ms = (int)((wait + 999999u) / 1000000u); /* round up */
		n = epoll_wait(loop->epfd, evs, MAX_EVENTS, ms);
	}
	if (n < 0) {
		if (errno == EINTR)
			n = 0;
		else {
			siprec_diag_set(diag, 0, 0, "epoll_wait: %s",
			    strerror(errno));
			return SIPREC_ENET;
		}
	}
	loop->dispatching = 1;
	for (i = 0; i < n; i++) {
		struct siprec_watch *w = evs[i].data.ptr;
		unsigned int got = 0;

		if (w->dead)
			continue;
		if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
			got |= SIPREC_LOOP_READ;
		if (evs[i].events & EPOLLOUT)
			got |= SIPREC_LOOP_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			got |= SIPREC_LOOP_ERROR;
		w->cb(w->arg, w->fd, got);
	}
	run_timers(loop);
	loop->dispatching = 0;
	reap_dead(loop);
	return SIPREC_OK;
}

enum siprec_err
siprec_loop_run(struct siprec_loop *loop, struct siprec_diag *diag)
{
	enum siprec_err e;

	loop->stop = 0;
	while (!loop->stop)
		if ((e = siprec_loop_once(loop, UINT64_MAX, diag)) != SIPREC_OK)
			return e;
	return SIPREC_OK;
}

/* --- addresses --------------------------------------------------------- */

static void
loopback4(struct siprec_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->ip[0] = 127;
	a->ip[3] = 1;
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (!all_digits(s) || siprec_parse_u64(s, 0, 65535, 0, &v) != SIPREC_OK)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

enum siprec_err
siprec_addr_parse(const char *s, uint16_t def_port, struct siprec_addr *out,
    struct siprec_diag *diag)
{
	char host[64];
	const char *port = NULL, *colon;
	size_t n;
	struct siprec_addr a;

	memset(out, 0, sizeof(*out));
	loopback4(&a);
	a.port = def_port;
	if (s == NULL)
		goto bad;
	if (all_digits(s)) {
		port = s;
		host[0] = '\0';
	} else if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || (size_t)(end - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			goto bad;
		if (inet_pton(AF_INET6, host, a.ip) != 1)
			goto bad;
		a.family = 6;
		host[0] = '\0';
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - s);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, s, n);
		host[n] = '\0';
		port = colon + 1;
	} else {
		if (strlen(s) >= sizeof(host))
			goto bad;
		strcpy(host, s);
	}
	if (host[0] != '\0') {
		if (inet_pton(AF_INET, host, a.ip) == 1) {
			memset(a.ip + 4, 0, 12);
			a.family = 4;
		} else if (inet_pton(AF_INET6, host, a.ip) == 1)
			a.family = 6;
		else
			goto bad;
	}
	if (port != NULL && parse_port(port, &a.port) != 0)
		goto bad;
	*out = a;
	return SIPREC_OK;
bad:
	siprec_diag_set(diag, 0, 0, "not ADDR:PORT with a numeric address: "
	    "'%s'", s == NULL ? "(null)" : s);
	return SIPREC_EINVAL;
}

int
siprec_addr_eq(const struct siprec_addr *a, const struct siprec_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

static socklen_t
to_sockaddr(const struct siprec_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip, 4);
		return sizeof(*s4);
	}
}

static void
from_sockaddr(const struct sockaddr_storage *ss, struct siprec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)ss;

		/* An IPv4-mapped peer is an IPv4 peer. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = 4;
			memcpy(a->ip, (const uint8_t *)&s6->sin6_addr + 12, 4);
		} else {
			a->family = 6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
		a->port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a->family = 4;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	}
}

socklen_t
siprec_net_sockaddr(const struct siprec_addr *a, struct sockaddr_storage *ss)
{
	return to_sockaddr(a, ss);
}

void
siprec_net_addr(const struct sockaddr_storage *ss, struct siprec_addr *a)
{
	from_sockaddr(ss, a);
}

enum siprec_err
siprec_net_local(int fd, struct siprec_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(out, 0, sizeof(*out));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return SIPREC_ENET;
	from_sockaddr(&ss, out);
	return SIPREC_OK;
}

enum siprec_err
siprec_net_peer(int fd, struct siprec_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(out, 0, sizeof(*out));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return SIPREC_ENET;
	from_sockaddr(&ss, out);
	return SIPREC_OK;
}

/* --- sockets ----------------------------------------------------------- */

static enum siprec_err
sock_fail(struct siprec_diag *diag, int *fd, const char *what,
    const struct siprec_addr *a)
{
	char buf[64];
	int saved = errno;

	siprec_addr_format(a, buf, sizeof(buf));
	siprec_diag_set(diag, 0, 0, "%s %s: %s", what, buf, strerror(saved));
	if (*fd != -1)
		close(*fd);
	*fd = -1;
	return SIPREC_ENET;
}

static int
new_socket(const struct siprec_addr *a, int type)
{
	return socket(a->family == 6 ? AF_INET6 : AF_INET,
	    type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

enum siprec_err
siprec_net_udp(const struct siprec_addr *addr, size_t bufsize, int *fd,
    struct siprec_addr *bound, struct siprec_diag *diag)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1;

	*fd = -1;
	if (addr->family != 4 && addr->family != 6) {
		errno = EAFNOSUPPORT;
		return sock_fail(diag, fd, "bind UDP", addr);
	}
	if ((*fd = new_socket(addr, SOCK_DGRAM)) == -1)
		return sock_fail(diag, fd, "socket UDP", addr);
	if (bufsize > 0) {
		int sz = bufsize > INT32_MAX ? INT32_MAX : (int)bufsize;

		/* Best effort: the kernel caps at rmem_max/wmem_max. */
		(void)setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		(void)setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	/* Kernel receive times and the real destination of datagrams. */
	(void)setsockopt(*fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	if (addr->family == 6) {
		(void)setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
		(void)setsockopt(*fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on));
	} else
		(void)setsockopt(*fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	len = to_sockaddr(addr, &ss);
	if (bind(*fd, (struct sockaddr *)&ss, len) != 0)
		return sock_fail(diag, fd, "bind UDP", addr);
	if (bound != NULL && siprec_net_local(*fd, bound) != SIPREC_OK)
		return sock_fail(diag, fd, "getsockname UDP", addr);
	return SIPREC_OK;
}

enum siprec_err
siprec_net_tcp_listen(const struct siprec_addr *addr, int backlog, int *fd,
    struct siprec_addr *bound, struct siprec_diag *diag)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1;

	*fd = -1;
	if (addr->family != 4 && addr->family != 6) {
		errno = EAFNOSUPPORT;
		return sock_fail(diag, fd, "bind TCP", addr);
	}
	if ((*fd = new_socket(addr, SOCK_STREAM)) == -1)
		return sock_fail(diag, fd, "socket TCP", addr);
	(void)setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (addr->family == 6)
		(void)setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	len = to_sockaddr(addr, &ss);
	if (bind(*fd, (struct sockaddr *)&ss, len) != 0)
		return sock_fail(diag, fd, "bind TCP", addr);
	if (listen(*fd, backlog > 0 ? backlog : SOMAXCONN) != 0)
		return sock_fail(diag, fd, "listen TCP", addr);
	if (bound != NULL && siprec_net_local(*fd, bound) != SIPREC_OK)
		return sock_fail(diag, fd, "getsockname TCP", addr);
	return SIPREC_OK;
}

enum siprec_err
siprec_net_tcp_connect(const struct siprec_addr *dst, int *fd,
    struct siprec_diag *diag)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1;

	*fd = -1;
	if (dst->family != 4 && dst->family != 6) {
		errno = EAFNOSUPPORT;
		return sock_fail(diag, fd, "connect TCP", dst);
	}
	if ((*fd = new_socket(dst, SOCK_STREAM)) == -1)
		return sock_fail(diag, fd, "socket TCP", dst);
	(void)setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	len = to_sockaddr(dst, &ss);
	if (connect(*fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno != EINPROGRESS)
		return sock_fail(diag, fd, "connect TCP", dst);
	return SIPREC_OK;
}

long
siprec_net_recv(int fd, uint8_t *buf, size_t cap, struct siprec_addr *from,
    struct siprec_addr *to, uint64_t *ts_ns, int *truncated)
{
	struct sockaddr_storage ss;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	union {
		char		buf[256];
		struct cmsghdr	align;
	} ctl;
	ssize_t n;

	iov.iov_base = buf;
	iov.iov_len = cap;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = sizeof(ss);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	if (ts_ns != NULL)
		*ts_ns = 0;
	if (truncated != NULL)
		*truncated = 0;
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (from != NULL)
		from_sockaddr(&ss, from);
	if (truncated != NULL && (mh.msg_flags & MSG_TRUNC))
		*truncated = 1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS && ts_ns != NULL) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*ts_ns = (uint64_t)ts.tv_sec * 1000000000u +
			    (uint64_t)ts.tv_nsec;
		} else if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO && to != NULL) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			to->family = 4;
			memset(to->ip, 0, sizeof(to->ip));
			memcpy(to->ip, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO && to != NULL) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			to->family = 6;
			memcpy(to->ip, &pi.ipi6_addr, 16);
		}
	}
	return (long)n;
}

/*
 * Kernel send times (SO_TIMESTAMPING, software TX): the time a capture on
 * the same host gives a datagram we send, to the microsecond.  Each send
 * then queues its time on the socket's error queue, which must be read:
 * only for sockets that do, such as the SIP listeners.
 */
int
siprec__net_tx_stamps(int fd)
{
	int f = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
	    SOF_TIMESTAMPING_OPT_TSONLY;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof(f));
}

uint64_t
siprec__net_tx_time(int fd)
{
	uint64_t last = 0;
	int i;

	for (i = 0; i < 64; i++) {
		union {
			char		buf[512];
			struct cmsghdr	align;
		} ctl;
		char data[64];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh;
		struct cmsghdr *c;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			struct scm_timestamping t;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_TIMESTAMPING)
				continue;
			memcpy(&t, CMSG_DATA(c), sizeof(t));
			if (t.ts[0].tv_sec != 0 || t.ts[0].tv_nsec != 0)
				last = (uint64_t)t.ts[0].tv_sec * 1000000000u +
				    (uint64_t)t.ts[0].tv_nsec;
		}
	}
	return last;
}
