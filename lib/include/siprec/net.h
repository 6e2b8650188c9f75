/* SPDX-License-Identifier: BSD-2-Clause */
/* The event loop of the live programs: fd watchers, timers, signals, sockets. */
#ifndef SIPREC_NET_H
#define SIPREC_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <siprec/capture.h>
#include <siprec/err.h>

/*
 * One loop per thread, never shared between threads.  Every callback runs
 * on the loop's thread from siprec_loop_run() or siprec_loop_once().
 *
 * Time comes from two clocks: a monotonic one (ns, arbitrary origin) for
 * timers, and a wall clock (ns since the epoch) for time stamps.  Both are
 * injectable so tests drive time: a test that sets its own monotonic clock
 * advances it and calls siprec_loop_once(loop, 0) to fire due timers
 * without sleeping.
 */
struct siprec_loop;
struct siprec_watch;
struct siprec_timer;

struct siprec_clock {
	uint64_t	(*mono)(void *);	/* ns; NULL: CLOCK_MONOTONIC */
	uint64_t	(*wall)(void *);	/* ns since the epoch; NULL:
						   CLOCK_REALTIME */
	void		*arg;
};

/* A new loop (epoll); SIPREC_ENET with diag if the kernel refuses. */
enum siprec_err	siprec_loop_new(struct siprec_loop **out, struct siprec_diag *);

/*
 * Free the loop.  Watchers and timers still registered stay their owners'
 * to free, detached: starting such a timer does nothing.  Signal handlers
 * go with the loop; blocked signals stay blocked.  No fd is closed.  NULL
 * is a no-op.
 */
void		siprec_loop_free(struct siprec_loop *);

/* Replace the clocks (copied); NULL restores the system clocks. */
void		siprec_loop_set_clock(struct siprec_loop *,
		    const struct siprec_clock *);
uint64_t	siprec_loop_now(const struct siprec_loop *);	/* monotonic */
uint64_t	siprec_loop_wall(const struct siprec_loop *);	/* epoch ns */

/*
 * Wait at most max_wait_ns (0: do not block), then run the callbacks of
 * ready fds, of due timers (in deadline order) and of delivered signals.
 * The wait is also bounded by the next timer's deadline.  Returns
 * SIPREC_OK, or SIPREC_ENET if epoll_wait fails for a reason other than
 * EINTR.
 */
enum siprec_err	siprec_loop_once(struct siprec_loop *, uint64_t max_wait_ns,
		    struct siprec_diag *);

/*
 * Run siprec_loop_once() until siprec_loop_stop() is called (by any
 * callback).  Returns SIPREC_OK then, or the first error.  With an injected
 * monotonic clock that does not follow real time, prefer driving the loop
 * with siprec_loop_once().
 */
enum siprec_err	siprec_loop_run(struct siprec_loop *, struct siprec_diag *);

/* Make siprec_loop_run() return after the current iteration. */
void		siprec_loop_stop(struct siprec_loop *);
int		siprec_loop_stopped(const struct siprec_loop *);

/* --- fd watchers ------------------------------------------------------- */

#define SIPREC_LOOP_READ	0x1u
#define SIPREC_LOOP_WRITE	0x2u
#define SIPREC_LOOP_ERROR	0x4u	/* reported only: hang-up or error */

/*
 * Watch fd (not owned, never closed by the loop) for the events in mask
 * (SIPREC_LOOP_READ, SIPREC_LOOP_WRITE or both; level-triggered).  cb gets
 * the ready events, SIPREC_LOOP_ERROR included.  One watcher per fd.  The
 * watcher is valid until siprec_watch_free(), which a callback may call on
 * any watcher, its own included.
 */
enum siprec_err	siprec_watch_new(struct siprec_loop *, int fd, unsigned int mask,
		    void (*cb)(void *arg, int fd, unsigned int events), void *arg,
		    struct siprec_watch **out, struct siprec_diag *);
/* Change the events watched; SIPREC_ENET if the kernel refuses. */
enum siprec_err	siprec_watch_set(struct siprec_watch *, unsigned int mask);
/* Stop watching (before the fd is closed).  NULL is a no-op. */
void		siprec_watch_free(struct siprec_watch *);

/* --- timers ------------------------------------------------------------ */

/*
 * A one-shot timer on the monotonic clock (a binary heap: start and stop
 * are O(log n)).  New timers are stopped.  cb runs once per start, from
 * the loop, when the clock reaches the deadline; it may start the timer
 * again, stop or free any timer.  Only SIPREC_ENOMEM can fail.
 */
enum siprec_err	siprec_timer_new(struct siprec_loop *,
		    void (*cb)(void *arg, struct siprec_timer *), void *arg,
		    struct siprec_timer **out);
/* (Re)start to fire at the absolute monotonic time at_ns. */
void		siprec_timer_at(struct siprec_timer *, uint64_t at_ns);
/* (Re)start to fire delay_ns from now. */
void		siprec_timer_after(struct siprec_timer *, uint64_t delay_ns);
void		siprec_timer_stop(struct siprec_timer *);
int		siprec_timer_pending(const struct siprec_timer *);
/* Stops and frees it.  NULL is a no-op. */
void		siprec_timer_free(struct siprec_timer *);

/* --- signals ----------------------------------------------------------- */

/*
 * Deliver signo through the loop (signalfd): it is blocked in the calling
 * thread, so call this before creating threads, and cb runs from the loop
 * each time it arrives (SIGTERM and SIGINT: finish cleanly, then
 * siprec_loop_stop()).  Calling again for the same signo replaces cb.
 */
enum siprec_err	siprec_loop_signal(struct siprec_loop *, int signo,
		    void (*cb)(void *arg, int signo), void *arg,
		    struct siprec_diag *);

/* --- addresses and sockets --------------------------------------------- */

/*
 * Parse "ADDR:PORT", "[IPV6]:PORT", "ADDR" (port def_port), ":PORT" or
 * "PORT" (loopback 127.0.0.1).  ADDR is an IPv4 or IPv6 literal, never a
 * name (no DNS).  Port 0 asks for an ephemeral port when binding.
 * SIPREC_EINVAL with diag on anything else.
 */
enum siprec_err	siprec_addr_parse(const char *, uint16_t def_port,
		    struct siprec_addr *out, struct siprec_diag *);

/* Equal family, address and port. */
int		siprec_addr_eq(const struct siprec_addr *,
		    const struct siprec_addr *);

/*
 * A non-blocking, close-on-exec UDP socket bound to addr.  bufsize, if not
 * 0, asks for that many bytes of receive and send buffer (the kernel may
 * cap it at net.core.rmem_max / wmem_max).  Kernel receive time stamps
 * (SO_TIMESTAMPNS) are enabled.  *fd is the socket; bound, if not NULL,
 * gets the address really bound (the ephemeral port for port 0).
 * SIPREC_ENET with diag on failure, *fd is -1 then.
 */
enum siprec_err	siprec_net_udp(const struct siprec_addr *addr, size_t bufsize,
		    int *fd, struct siprec_addr *bound, struct siprec_diag *);

/* A non-blocking listening TCP socket bound to addr; as siprec_net_udp. */
enum siprec_err	siprec_net_tcp_listen(const struct siprec_addr *addr,
		    int backlog, int *fd, struct siprec_addr *bound,
		    struct siprec_diag *);

/*
 * Start a non-blocking TCP connection to dst (TCP_NODELAY); the socket
 * becomes writable when connected.  SIPREC_ENET with diag on immediate
 * failure.
 */
enum siprec_err	siprec_net_tcp_connect(const struct siprec_addr *dst, int *fd,
		    struct siprec_diag *);

/*
 * Receive one datagram into buf (at most cap bytes).  Returns the length,
 * 0 when nothing is waiting (or an empty datagram was read), or -1 on an
 * error (errno set).  from, if not NULL, gets the peer address.  to, if not
 * NULL, holds the socket's bound address on entry and gets the datagram's
 * destination IP (IP_PKTINFO; useful for a socket bound to a wildcard
 * address).  ts_ns, if not NULL, gets the kernel receive time in ns since
 * the epoch (0 when the kernel gave none).  *truncated, if not NULL, is set
 * when the datagram was longer than cap.
 */
long		siprec_net_recv(int fd, uint8_t *buf, size_t cap,
		    struct siprec_addr *from, struct siprec_addr *to,
		    uint64_t *ts_ns, int *truncated);

/* Local and peer address of a socket; SIPREC_ENET if unavailable. */
enum siprec_err	siprec_net_local(int fd, struct siprec_addr *out);
enum siprec_err	siprec_net_peer(int fd, struct siprec_addr *out);

/* struct siprec_addr to a sockaddr for sendto() or bind(); returns its length. */
socklen_t	siprec_net_sockaddr(const struct siprec_addr *,
		    struct sockaddr_storage *);
/* A sockaddr from recvfrom() (IPv4-mapped IPv6 becomes IPv4) to struct siprec_addr. */
void		siprec_net_addr(const struct sockaddr_storage *,
		    struct siprec_addr *);

#endif
