/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-src: shared declarations of the program's files. */
#ifndef SIPREC_SRC_H
#define SIPREC_SRC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <siprec/audio.h>
#include <siprec/encode.h>
#include <siprec/net.h>
#include <siprec/offer.h>
#include <siprec/rtpsend.h>
#include <siprec/sipua.h>
#include <siprec/srcmeta.h>

#define SRC_MAX_TARGETS		16
#define SRC_MAX_STREAMS		SIPREC_SRCMETA_MAX_STREAMS
#define SRC_MAX_EVENTS		64
#define SRC_MAX_PARTIES		SIPREC_SRCMETA_MAX_PARTIES

enum src_fault {
	FAULT_NONE = 0,
	FAULT_NO_METADATA,	/* SDP only */
	FAULT_NO_LABELS,	/* no a=label */
	FAULT_BAD_XML,		/* metadata not well-formed */
	FAULT_WRONG_CTYPE,	/* metadata as text/plain */
	FAULT_OVERSIZE_UDP	/* > 1300 bytes, UDP all the same */
};

enum ev_kind {
	EV_PAUSE,		/* a=inactive */
	EV_PAUSE_C0,		/* c=0.0.0.0 */
	EV_RESUME,
	EV_JOIN,
	EV_LEAVE,
	EV_TRANSFER,
	EV_HOLD,
	EV_UNHOLD,
	EV_SNAPSHOT,		/* a complete snapshot again */
	EV_REFRESH		/* session refresh, no change */
};

struct src_event {
	uint64_t	 at_ms;		/* after the answer */
	enum ev_kind	 kind;
	unsigned int	 party;		/* 1-based for leave/transfer/hold */
	char		 name[64];
	char		 aor[128];
};

enum audio_kind {
	AUDIO_SPEECH = 0,
	AUDIO_TONE,
	AUDIO_FILE,		/* one file, channel k for stream k */
	AUDIO_FILES		/* a file per stream */
};

struct src_opts {
	/* calls */
	char			*targets[SRC_MAX_TARGETS];
	unsigned int		 ntargets;
	double			 rate;		/* calls per second */
	unsigned long		 limit;		/* concurrent */
	unsigned long		 max_calls;
	uint64_t		 duration_ms;
	int			 transport;	/* 0 auto, else enum */
	struct siprec_addr	 bind;		/* SIP */
	char			 media_ip[64];
	uint64_t		 timeout_ms;	/* INVITE without answer */
	unsigned int		 failover_codes[16];
	unsigned int		 nfailover;
	uint64_t		 session_expires;	/* s, 0 none */
	int			 use_update;	/* metadata by UPDATE */
	/* content */
	const struct siprec_persona *persona;
	const char		*meta_ctype;	/* NULL: the persona's */
	struct siprec_srcmeta_party parties[SRC_MAX_PARTIES];
	char			 party_buf[SRC_MAX_PARTIES][2][128];
	unsigned int		 nparties;
	unsigned int		 nstreams;
	int			 mixed;
	enum siprec_enc_codec	 codecs[4];
	unsigned int		 ncodecs;
	unsigned int		 ptime;
	const char		*srtp;		/* suite or NULL */
	int			 rtcp;
	enum audio_kind		 audio;
	double			 tone_hz;
	char			*audio_files[SRC_MAX_STREAMS];
	unsigned int		 naudio_files;
	struct src_event	 events[SRC_MAX_EVENTS];
	unsigned int		 nevents;
	enum src_fault		 fault;
	uint64_t		 seed;
	/* output */
	const char		*stats_path;
	int			 stats_json;
	uint64_t		 stats_interval_ms;
	unsigned long		 max_failures;
	int			 json;
	int			 quiet;
	int			 dry_run;
	int			 calls_detail;
	unsigned int		 media_threads;
	int			 realtime;	/* SCHED_FIFO media threads */
	uint64_t		 epoch_ns;	/* injected wall clock start */
};

/* Totals the media threads add to while the SIP thread reads them. */
struct src_media_totals {
	atomic_uint_least64_t	 packets;
	atomic_uint_least64_t	 bytes;
	atomic_uint_least64_t	 rtcp;
	atomic_uint_least64_t	 errors;
};

/* One outgoing stream; owned by a media thread once started. */
struct src_stream {
	int			 fd;		/* bound before the offer */
	uint16_t		 port;
	struct siprec_addr	 dst;
	struct siprec_rtp_tx	*tx;
	struct siprec_enc	*enc;
	struct siprec_audio	*audio;
	atomic_int		 paused;
	atomic_int		 stop;
	uint64_t		 next_sr;	/* monotonic ns; 0: no RTCP */
	uint64_t		 ntp_base;	/* wall - mono, for the SR */
	struct src_media_totals	*tot;
};

/* The final summary (SPEC issue: results), whatever prints it. */
#define SRC_MAX_CODE		700
#define SRC_MAX_REASONS		16

struct src_count {
	const char		*name;
	unsigned long long	 n;
};

struct src_summary {
	unsigned long long	 attempted, answered, failed;	/* sessions */
	double			 seconds, answers_per_s;
	struct src_count	 reasons[SRC_MAX_REASONS];	/* of failures */
	unsigned int		 nreasons;
	unsigned long long	 codes[SRC_MAX_CODE];	/* final responses */
	double			 setup_ms[4];		/* p50 p90 p99 max */
	unsigned long long	 rtp_packets, rtp_bytes, rtp_errors, rtcp,
				 send_errors, late_5ms;
	unsigned long long	 dev_us[2];		/* p50 p99 */
	/* verdicts on the answers: [0] yes, [1] no */
	unsigned long long	 labels[2], recvonly[2], ports[2], metadata[2];
	unsigned long long	 reinvites, updates, snapshots, redirects,
				 failovers, srs_byes;
};

/* One line of --stats. */
struct src_stats {
	double			 t;		/* s since the start */
	unsigned long long	 attempted, active, answered, failed,
				 finished, rtp_packets, rtp_errors;
};

/* summary.c: the same calls print text (CSV for stats) or JSON. */
void		src_summary_print(const struct src_summary *, FILE *,
		    int json);
void		src_stats_print(const struct src_stats *, FILE *, int json);

/* media.c */
struct src_media;
int		src_media_start(struct src_media **, unsigned int threads,
		    struct src_media_totals *, int realtime);
/* Whether a thread could not get the real-time priority asked for. */
int		src_media_rt_failed(struct src_media *);
void		src_media_add(struct src_media *, struct src_stream *);
void		src_media_stop(struct src_media *);	/* joins */
void		src_media_free(struct src_media *);
uint64_t	src_media_deviation(struct src_media *, double q);
void		src_media_pacer_stats(struct src_media *,
		    struct siprec_pacer_stats *);
/* Free a stream that never went to a media thread. */
void		src_stream_free(struct src_stream *);

/* speech.c */
extern const uint8_t	src_speech_ulaw[];
extern const size_t	src_speech_len;

/* run.c */
int		src_run(struct src_opts *);
int		src_dry_run(struct src_opts *);

#endif
