/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-srs: state shared by the program's files. */
#ifndef SIPREC_SRSD_H
#define SIPREC_SRSD_H

#include <stdint.h>
#include <stdio.h>

#include <siprec/media.h>
#include <siprec/meta.h>
#include <siprec/net.h>
#include <siprec/rs.h>
#include <siprec/sipua.h>
#include <siprec/srs.h>

#define SRSD_MAX_LISTEN	8
#define SRSD_NBUCKET	4096
#define SRSD_MAX_M	SIPREC_SDP_MAX_MEDIA

struct srsd;

/* An RTP (and, without rtcp-mux, RTCP) socket pair of one m-line. */
struct srsd_rtp {
	struct srsd		*d;
	int			 fd[2];		/* RTP, RTCP; -1 when closed */
	struct siprec_watch	*w[2];
	struct siprec_addr	 addr[2];	/* bound */
	uint16_t		 port;		/* the even RTP port */
	uint16_t		 rtcp_port;	/* 0: port + 1 or muxed */
	int			 mux;		/* RTCP on the RTP port */
	/*
	 * RTCP receiver reports (RFC 3550 6.4.2, A.3, A.8) about the
	 * first source heard: what arrived, sent every RR_PERIOD.
	 * Not for SRTP m-lines (they would need SRTCP).
	 */
	struct srsd_rr {
		struct siprec_rr *st;		/* the source's statistics */
		int		 srtp;		/* SRTP: no reports */
		uint32_t	 own_ssrc;	/* ours, random */
		uint32_t	 rate;		/* its RTP clock, Hz */
		uint32_t	 lsr;		/* middle of the last SR's NTP */
		uint64_t	 lsr_at_ns, last_ns;
		struct siprec_addr peer_rtp, peer_rtcp;
		int		 have_rtcp;
		uint64_t	 sent;
	}			 rr;
};

enum srsd_cstate { C_INCOMING = 0, C_CONFIRMED };

/* One dialog: a recording session (or an accepted plain call). */
struct srsd_call {
	struct srsd_call	*next;		/* hash chain */
	struct srsd		*d;
	enum srsd_cstate	 state;
	char			 call_id[256];
	char			 from_tag[64], to_tag[24];
	char			*remote;	/* their From (with tag) */
	char			*local;		/* their To + our tag */
	char			*ruri;		/* their Contact URI */
	char			 contact[200];	/* our Contact header value */
	enum siprec_transport	 transport;
	struct siprec_addr	 peer, me;
	uint32_t		 cseq;		/* ours */
	int			 siprec;
	char			 meta_type[40];	/* spelling the SRC used */
	struct siprec_srs_media	 md[SRSD_MAX_M];
	struct srsd_rtp		*rtp[SRSD_MAX_M];
	unsigned int		 nm;
	uint64_t		 sess_id, version;
	int			 own_offer_pending;	/* offer in a 2xx */
	int			 update_pending;	/* theirs, unanswered */
	int			 our_update;		/* ours, unanswered */
	int			 bye_sent;
	int			 recording_done;	/* tracker finished it */
	char			 done_reason[24];
	struct siprec_sipua_st	*pending;	/* INVITE answered later */
	osip_message_t		*pending_resp;
	struct siprec_timer	*delay, *snap;
};

struct srsd_opts {
	struct siprec_addr	 listen[SRSD_MAX_LISTEN];
	unsigned int		 nlisten;
	const char		*outdir;
	uint16_t		 port_lo, port_hi;
	struct siprec_srs_policy policy;
	const char		*events;	/* NULL: stdout */
	uint64_t		 exit_after;	/* 0: run until a signal */
	long			 expect_streams; /* -1: no expectation */
	double			 max_loss;	/* percent; < 0: none */
	uint64_t		 max_sessions;	/* 0: no limit */
	uint64_t		 min_free;	/* bytes; 0: no check */
	const char		*redirect;
	uint64_t		 snapshot_ns;	/* 0: never */
	uint64_t		 rtp_timeout_ns;
	unsigned int		 reject_pct, reject_code;
	uint64_t		 delay_ns;
	unsigned int		 drop_pct;
	int			 wrong_labels;
	int			 sendrecv;
	int			 quiet;
};

struct srsd {
	struct srsd_opts	 o;
	struct siprec_loop	*loop;
	struct siprec_sipua	*ua;
	struct siprec_rs	*rs;
	struct siprec_meta_ctx	*meta;
	FILE			*ev;
	struct srsd_call	*calls[SRSD_NBUCKET];
	uint64_t		 ncalls;
	uint8_t			*ports;		/* 1 bit per port pair in use */
	uint32_t		 port_next;
	struct siprec_timer	*tick;
	/* Counters. */
	uint64_t		 invites, rejected_share, dropped_share;
	uint64_t		 recordings, failed, refused;
	int			 syserr;
	int			 stopping;
	uint8_t			*rbuf;		/* recvmmsg buffers */
};

/* main.c: output. */
void	srsd_log(struct srsd *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	srsd_ev_begin(struct srsd *, const char *event, uint64_t t_ns);
void	srsd_ev_str(struct srsd *, const char *key, const char *val);
void	srsd_ev_num(struct srsd *, const char *key, unsigned long long);
void	srsd_ev_raw(struct srsd *, const char *key, const char *json);
void	srsd_ev_end(struct srsd *);
void	srsd_stop(struct srsd *);

/* call.c: SIP. */
void	srsd_on_request(void *, const struct siprec_sipua_request *);
void	srsd_on_wire(void *, const struct siprec_sipua_wire *);
void	srsd_on_bad(void *, const struct siprec_sipua_bad *);
struct srsd_call *srsd_call_find(struct srsd *, const char *call_id);
void	srsd_call_bye(struct srsd_call *, const char *why);
void	srsd_call_free(struct srsd_call *);
void	srsd_calls_end(struct srsd *, const char *why);

/* rtp.c: media sockets. */
int	srsd_ports_init(struct srsd *);
struct srsd_rtp *srsd_rtp_open(struct srsd *, const struct siprec_addr *ip,
	    int mux);
void	srsd_rtp_close(struct srsd_rtp *);

#endif
