/* SPDX-License-Identifier: BSD-2-Clause */
/* Live SIP: UDP and TCP transport and RFC 3261 transactions (libosip2). */
#ifndef SIPREC_SIPUA_H
#define SIPREC_SIPUA_H

#include <stddef.h>
#include <stdint.h>
#include <osipparser2/osip_parser.h>
#include <siprec/capture.h>
#include <siprec/err.h>
#include <siprec/net.h>

/*
 * A SIP user agent core on a struct siprec_loop: listeners, connections,
 * and client and server transactions run by libosip2's ICT, IST, NICT and
 * NIST state machines (retransmissions, Timers A..K on the loop's clock).
 * The application stays above the transaction layer (RFC 3261 §17): it
 * gets requests and answers them, sends requests and gets their
 * responses; dialogs are its own.  Single-threaded: call everything from
 * the loop's thread.  Callbacks may call any function here except
 * siprec_sipua_free(), unless stated otherwise.
 *
 * Messages are libosip2's osip_message_t.  The library never prints,
 * exits or aborts; problems with what arrives from the network go to the
 * bad callback and never stop the rest.
 */
struct siprec_sipua;
struct siprec_sipua_st;		/* a server transaction, as the UAS sees it */
struct siprec_sipua_ct;		/* a client transaction, as the UAC sees it */

enum siprec_transport {
	SIPREC_TRANSPORT_UDP = 1,
	SIPREC_TRANSPORT_TCP
};

/* "UDP" or "TCP". */
const char	*siprec_transport_name(enum siprec_transport);

/*
 * One SIP message on the wire, sent or received, for the wire hook: every
 * datagram and every message framed from TCP, retransmissions and
 * malformed input included (an unframeable TCP stream is not: it goes to
 * the bad callback only).  For a recording server, a received message maps
 * to a struct siprec_pkt of kind SIPREC_PKT_UDP or SIPREC_PKT_SIP_TCP.
 */
struct siprec_sipua_wire {
	int			 sent;		/* 1 sent, 0 received */
	int			 retransmission; /* sent again by a timer */
	enum siprec_transport	 transport;
	struct siprec_addr	 src, dst;
	struct siprec_slice	 data;		/* valid during the callback */
	uint64_t		 ts_ns;		/* wall clock, ns since epoch:
						   the kernel's receive or
						   (UDP) send time when it
						   gives one, the loop's
						   when that was injected */
};

/* Input that was refused: a malformed message, an unframeable stream. */
struct siprec_sipua_bad {
	enum siprec_transport	 transport;
	struct siprec_addr	 src, dst;
	struct siprec_slice	 data;		/* what was refused (may be
						   empty); during the call */
	const char		*reason;	/* fixed or formatted text */
	int			 answered;	/* a 400 (or 505) was sent */
	int			 closed;	/* the TCP connection was closed */
};

/*
 * A request for the application (server side).
 *
 * - A new request (INVITE, BYE, OPTIONS, UPDATE, ...): st is its server
 *   transaction; the application must answer it, now or later, with
 *   siprec_sipua_respond() (a final response ends st).
 * - ACK for a 2xx (outside any transaction, RFC 3261 §17.1.1.3): st is
 *   NULL, nothing to answer.  ACKs for non-2xx responses are absorbed by
 *   their INVITE transaction and never reach the application.
 * - CANCEL that matches an INVITE still without a final response: the
 *   library already answered 200 to the CANCEL (§9.2); st is NULL and
 *   cancelled is the INVITE's transaction, which the application should
 *   answer with 487 now.  A CANCEL that matches nothing gets 481, one
 *   for an INVITE already answered gets 200, and neither reaches the
 *   application.
 * - Retransmissions are absorbed by their transaction and never reach
 *   the application (they do reach the wire hook).
 *
 * msg, raw and the addresses are valid during the callback; msg stays
 * available through siprec_sipua_st_request() while st is.
 */
struct siprec_sipua_request {
	struct siprec_sipua_st	*st;
	struct siprec_sipua_st	*cancelled;
	osip_message_t		*msg;		/* borrowed */
	struct siprec_slice	 raw;		/* the bytes as received */
	enum siprec_transport	 transport;
	struct siprec_addr	 src;		/* the peer */
	struct siprec_addr	 dst;		/* our socket's address */
	uint64_t		 ts_ns;		/* wall clock; kernel receive
						   time for UDP */
};

/*
 * A response to a request the application sent (client side), or the
 * end of a client transaction without one.
 *
 * - err SIPREC_OK: msg is a response (1xx provisional, or final when
 *   status >= 200).
 * - err SIPREC_ETIMEDOUT: Timer B or F fired (§17.1.1.2, §17.1.2.2); msg
 *   NULL, status 408.
 * - err SIPREC_ENET: the transport failed (connection refused or closed,
 *   send failed); msg NULL, status 503 (§8.1.3.1).
 *
 * final is set for the last call about this transaction: after it the
 * ct handle is gone.  For a 2xx to an INVITE the application must send
 * the ACK itself (siprec_sipua_ack_new(), siprec_sipua_send_ack()).
 * msg and raw are valid during the callback.
 */
struct siprec_sipua_response {
	enum siprec_err		 err;
	int			 status;
	int			 final;
	osip_message_t		*msg;		/* borrowed */
	struct siprec_slice	 raw;
	enum siprec_transport	 transport;
	struct siprec_addr	 src, dst;
	uint64_t		 ts_ns;
};

struct siprec_sipua_opts {
	struct siprec_loop	*loop;		/* required; outlives the ua */
	const char		*user_agent;	/* User-Agent / Server value,
						   NULL: none */
	size_t			 max_msg;	/* largest message accepted,
						   bytes; 0: 65535 */
	size_t			 udp_bufsize;	/* socket buffers; 0: system */
	size_t			 max_conns;	/* TCP connections; 0: 4096 */
	uint64_t		 tcp_idle_ns;	/* close idle or half-open TCP
						   after this; 0: 64 s */
	int			 auto_trying;	/* answer 100 to INVITEs at
						   once (§17.2.1) */
	/*
	 * Hold the UDP datagrams sent in one round of the loop and send
	 * them together (sendmmsg) when it ends: fewer system calls and
	 * fewer wake-ups of the peer, for a load generator.  A send error
	 * is then only counted.  Ignored with a wire hook (send times).
	 */
	int			 batch_udp;
	/* New requests, 2xx ACKs and CANCELs (struct siprec_sipua_request). */
	void			(*request)(void *arg,
				    const struct siprec_sipua_request *);
	/*
	 * A response that matches no client transaction: a 2xx
	 * retransmitted after its INVITE transaction ended, which the
	 * UAC acknowledges again (§13.2.2.4).  err is SIPREC_OK, final
	 * 1.  Optional.
	 */
	void			(*stray)(void *arg,
				    const struct siprec_sipua_response *);
	/*
	 * Every message sent or received.  Optional.  Must not call any
	 * function of this module.
	 */
	void			(*wire)(void *arg,
				    const struct siprec_sipua_wire *);
	/* Refused input.  Optional.  Must not call this module either. */
	void			(*bad)(void *arg,
				    const struct siprec_sipua_bad *);
	void			*arg;
};

/* Counters since siprec_sipua_new(). */
struct siprec_sipua_stats {
	uint64_t	 rx;		/* messages received */
	uint64_t	 tx;		/* messages sent, retransmissions too */
	uint64_t	 rx_bad;	/* refused input */
	uint64_t	 retransmits;	/* sent again by a timer */
	uint64_t	 rx_retrans;	/* received again, absorbed */
	uint64_t	 timeouts;	/* client transactions timed out */
	uint64_t	 send_errors;	/* sends that failed */
	uint64_t	 conns;		/* TCP connections now open */
	uint64_t	 transactions;	/* transactions now alive */
};

/*
 * A new user agent core on opts->loop (opts is copied).  It has no
 * socket until siprec_sipua_listen().  On failure *out is NULL.
 */
enum siprec_err	siprec_sipua_new(const struct siprec_sipua_opts *,
		    struct siprec_sipua **out, struct siprec_diag *);

/*
 * Close every socket and free every transaction, without calling the
 * application.  Handles of transactions still alive become invalid.
 * NULL is a no-op.
 */
void		siprec_sipua_free(struct siprec_sipua *);

/*
 * Listen on addr (port 0: ephemeral) with UDP or TCP; call several times
 * for several listeners.  bound, if not NULL, gets the address really
 * bound.  The first listener of a transport and address family is also
 * the one requests are sent from (UDP) and the sent-by of their Via.
 * SIPREC_ENET with diag on failure.
 */
enum siprec_err	siprec_sipua_listen(struct siprec_sipua *,
		    enum siprec_transport, const struct siprec_addr *addr,
		    struct siprec_addr *bound, struct siprec_diag *);

const struct siprec_sipua_stats *
		siprec_sipua_stats(const struct siprec_sipua *);

/* --- server side ------------------------------------------------------- */

/*
 * A response to req (Via, From, To, Call-ID and CSeq copied, §8.2.6.2),
 * with reason phrase reason (NULL: the standard one).  When the request's
 * To has no tag and status > 100, to_tag is added (NULL: a fresh random
 * tag; a UAS passes the same tag for every response of one dialog).  The
 * caller owns *out (osip_message_free) and adds what else it needs
 * (Contact, body).  SIPREC_ENOMEM or SIPREC_EINVAL; *out NULL then.
 */
enum siprec_err	siprec_sipua_response_new(osip_message_t *req,
		    int status, const char *reason, const char *to_tag,
		    osip_message_t **out);

/*
 * Send resp (ownership passes to the library, always) in transaction st:
 * to the address and on the connection the request came from (UDP:
 * its source address, as rport does, RFC 3581).  A final response ends
 * st for the application: the handle is invalid when this returns.  The
 * transaction itself lives on to retransmit it (UDP) and absorb
 * retransmitted requests.  Adds Content-Length and User-Agent/Server.
 * SIPREC_EINVAL if resp is not a response or st already had a final one;
 * SIPREC_ENET if it could not be sent (st ended all the same when final).
 */
enum siprec_err	siprec_sipua_respond(struct siprec_sipua_st *,
		    osip_message_t *resp, struct siprec_diag *);

/* Shorthand: siprec_sipua_response_new() with no reason, then respond. */
enum siprec_err	siprec_sipua_reply(struct siprec_sipua_st *, int status,
		    const char *to_tag, struct siprec_diag *);

/* The request of st (owned by st). */
osip_message_t *
		siprec_sipua_st_request(const struct siprec_sipua_st *);
/* Where it came from, on which transport. */
void		siprec_sipua_st_peer(const struct siprec_sipua_st *,
		    enum siprec_transport *, struct siprec_addr *src,
		    struct siprec_addr *dst);
/*
 * End st without answering (fault injection: a server that drops
 * requests).  Retransmissions of the request are absorbed until the
 * transaction would have timed out.  The handle is invalid afterwards.
 */
void		siprec_sipua_st_abandon(struct siprec_sipua_st *);
/* An application pointer carried by st. */
void		siprec_sipua_st_set_data(struct siprec_sipua_st *, void *);
void		*siprec_sipua_st_data(const struct siprec_sipua_st *);

/* --- client side ------------------------------------------------------- */

/*
 * A new request: Request-URI ruri, From from (a name-addr or URI; a
 * random tag is added when it has none), To to (tag kept as given: pass
 * the remote tag for in-dialog requests), Call-ID call_id (NULL: a fresh
 * random one), CSeq cseq and method, Max-Forwards 70.  No Via: the
 * library adds it when sending.  The caller owns *out and adds Contact,
 * Route, other headers and the body (osip_message_set_body,
 * osip_message_set_content_type).  SIPREC_EINVAL if a URI does not parse.
 */
enum siprec_err	siprec_sipua_request_new(const char *method, const char *ruri,
		    const char *from, const char *to, const char *call_id,
		    uint32_t cseq, osip_message_t **out, struct siprec_diag *);

/*
 * Send req (ownership passes to the library, always) to dst over
 * transport, in a new client transaction (ICT for INVITE, NICT for any
 * other method; not ACK nor CANCEL: see below).  The library adds the top
 * Via (sent-by of its listener, a fresh RFC 3261 branch, rport),
 * Content-Length and User-Agent.  TCP reuses an open connection to dst,
 * ours or one the peer opened (so a UAS reaches a UAC on the connection
 * its requests came from by sending to their src), or connects (the
 * request waits for the connection).  UDP needs a UDP
 * listener of dst's address family; the caller chooses TCP for a request
 * too large for UDP (§18.1.1: over 1300 bytes).
 *
 * cb gets its responses and its end (struct siprec_sipua_response); it
 * is called from the loop, never from within this call.  *ct, if ct is
 * not NULL, is the handle for siprec_sipua_cancel(), valid until cb's
 * final call.  SIPREC_EINVAL for a bad request, SIPREC_ENET with diag
 * when it cannot be sent at all (no callback then).
 */
enum siprec_err	siprec_sipua_send(struct siprec_sipua *,
		    enum siprec_transport, const struct siprec_addr *dst,
		    osip_message_t *req,
		    void (*cb)(void *arg, struct siprec_sipua_ct *,
			const struct siprec_sipua_response *),
		    void *arg, struct siprec_sipua_ct **ct,
		    struct siprec_diag *);

/*
 * The request of ct as sent (with its Via), owned by ct: valid until cb's
 * final call returns.  What siprec_sipua_ack_new() needs for a 2xx.
 */
osip_message_t *
		siprec_sipua_ct_request(const struct siprec_sipua_ct *);

/*
 * The ACK for a 2xx response to invite (§13.2.2.4): Request-URI from the
 * 2xx's Contact (the INVITE's when it has none), From and Call-ID of the
 * INVITE, To of the 2xx, CSeq number of the INVITE, Route from the 2xx's
 * Record-Route reversed.  The caller owns *out.
 */
enum siprec_err	siprec_sipua_ack_new(osip_message_t *invite,
		    osip_message_t *resp2xx, osip_message_t **out);

/*
 * Send an ACK for a 2xx, outside any transaction (ownership of ack passes
 * to the library, always), with a fresh Via branch.  Call it again for
 * each retransmitted 2xx (the stray callback).  SIPREC_ENET if it could
 * not be sent.
 */
enum siprec_err	siprec_sipua_send_ack(struct siprec_sipua *,
		    enum siprec_transport, const struct siprec_addr *dst,
		    osip_message_t *ack, struct siprec_diag *);

/*
 * As siprec_sipua_send_ack(), and on success *wire (when wire is not NULL)
 * is a malloc'd copy of the bytes sent, *wirelen their length: the same
 * ACK again for a retransmitted 2xx is siprec_sipua_send_raw() of them,
 * with no second build (§13.2.2.4).  On failure *wire is NULL.
 */
enum siprec_err	siprec_sipua_send_ack_b(struct siprec_sipua *,
		    enum siprec_transport, const struct siprec_addr *dst,
		    osip_message_t *ack, uint8_t **wire, size_t *wirelen,
		    struct siprec_diag *);

/*
 * Cancel the INVITE of ct (§9.1): a CANCEL is sent once a provisional
 * response has arrived (at once if one has); the INVITE's callback then
 * gets its final response (487 normally, or a 2xx that crossed the
 * CANCEL).  SIPREC_EINVAL if ct is not an INVITE or already has a final
 * response.
 */
enum siprec_err	siprec_sipua_cancel(struct siprec_sipua_ct *,
		    struct siprec_diag *);

/*
 * Send bytes as they are (no transaction, no Via) to dst: fault injection
 * and tests.  TCP uses or opens a connection as siprec_sipua_send().
 */
enum siprec_err	siprec_sipua_send_raw(struct siprec_sipua *,
		    enum siprec_transport, const struct siprec_addr *dst,
		    const uint8_t *data, size_t len, struct siprec_diag *);

/*
 * A random token of hex digits for tags, Call-IDs and branches: len - 1
 * characters and a NUL (len at least 2).
 */
void		siprec_sipua_token(char *buf, size_t len);

#endif
