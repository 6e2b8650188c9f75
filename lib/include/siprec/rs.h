/* SPDX-License-Identifier: BSD-2-Clause */
/* The recording-session tracker: SIP and RTP in, recording directories out. */
#ifndef SIPREC_RS_H
#define SIPREC_RS_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/capture.h>
#include <siprec/check.h>
#include <siprec/err.h>
#include <siprec/media.h>

struct siprec_rs;

/* One stream of a finished recording. */
struct siprec_rs_done_stream {
	const char			*label;
	const char			*file;	/* its audio file in dir */
	const struct siprec_stream_stats *stats;	/* NULL if none */
};

/* What a finished recording was, for a one-line summary. */
struct siprec_rs_done {
	const char	*id;		/* recording id, its directory's name */
	const char	*dir;		/* OUTDIR/id */
	const char	*call_id;
	const char	*reason;	/* bye, cancel, idle, end-of-input */
	int		 siprec;	/* a SIPREC session, not a plain call */
	uint64_t	 start_ns, end_ns;
	unsigned int	 streams;
	unsigned int	 metadata;	/* metadata documents received */
	uint64_t	 packets, lost;
	int		 ok;		/* every file written */
	const struct siprec_rs_done_stream *st;	/* streams entries */
	unsigned long	 meta_errors;	/* metadata findings, error or worse */
	unsigned long	 meta_warnings;
};

/*
 * A step of a recording's timeline as it happens, for live programs:
 * what is "start", "stream", "pause", "resume", "metadata", "stop"
 * (port 0), "rejected" or "end" (then the done callback follows); the
 * same steps as the timeline of session.json.
 */
struct siprec_rs_event {
	const char	*id;		/* recording id */
	const char	*call_id;
	const char	*what;
	const char	*detail;	/* "" when none */
	uint64_t	 t_ns;
};

enum siprec_layout {
	SIPREC_LAYOUT_PER_STREAM = 0,	/* one file per stream */
	SIPREC_LAYOUT_STEREO,		/* two streams as left and right */
	SIPREC_LAYOUT_MIXED		/* every stream summed into one */
};

struct siprec_rs_opts {
	const char		*outdir;
	enum siprec_format	 format;
	enum siprec_layout	 layout;
	int			 all_calls;	/* record plain SIP calls too */
	const char		*call_id;	/* only this Call-ID */
	unsigned int		 shard_k;	/* 1..shard_n; 0 = all calls */
	unsigned int		 shard_n;
	uint64_t		 idle_ns;	/* end a recording idle this long */
	const char		*keys;		/* SRTP key file, or NULL */
	const char		*tool;		/* "siprec-pcap2rec 0.1.0" */
	/* A recording finished (files complete and renamed). */
	void			(*done)(void *, const struct siprec_rs_done *);
	/* A problem worth telling: where (input, record) and what. */
	void			(*log)(void *, const char *file, uint64_t record,
				    enum siprec_sev, const char *msg);
	/* A step of an active recording's timeline (optional). */
	void			(*event)(void *, const struct siprec_rs_event *);
	int			 strict_meta;	/* check metadata under the
						   strict profile (else lenient) */
	/*
	 * Complete finished recording directories (session.json, the
	 * hashes of MANIFEST.sha256) on a thread of the library, while
	 * packets go on: the done callback then comes later, from
	 * siprec_rs_packet(), siprec_rs_tick() or siprec_rs_finish(), in
	 * the order the recordings ended, once the directory is complete.
	 */
	int			 background;
	/*
	 * Capture files: siprec_rs_packet() may hold up to 24 datagrams
	 * and handle each a little later, in order, having fetched its
	 * stream's state into the cache meanwhile (faster with thousands
	 * of streams).  Every other call handles them first; the counters
	 * of siprec_rs_stats() may lag until then.
	 */
	int			 ahead;
	void			*arg;
};

enum siprec_err	siprec_rs_new(const struct siprec_rs_opts *,
		    struct siprec_rs **out, struct siprec_diag *);

/*
 * Feed one packet from a capture or a socket, in time order.  Returns
 * SIPREC_OK unless a recording could not be written (SIPREC_EIO, with
 * diag): bad SIP or RTP is logged and counted, never an error.
 */
enum siprec_err	siprec_rs_packet(struct siprec_rs *, const struct siprec_pkt *,
		    struct siprec_diag *);

/*
 * The input captures and their SHA-256 in hex (inputs[i], hex[i]), as
 * soon as they are known (copied): recordings finished from then on name
 * them in session.json and MANIFEST.sha256 when first written, and
 * siprec_rs_finish() leaves them alone unless it is given other digests.
 */
enum siprec_err	siprec_rs_inputs(struct siprec_rs *, const char *const *inputs,
		    const char *const *hex, size_t n);

/*
 * End every open recording at end_ns with the given reason, as at the end
 * of input; then add the input captures' SHA-256 to every recording
 * written in this run (inputs[i], hex[i]) that does not have them yet.
 */
enum siprec_err	siprec_rs_finish(struct siprec_rs *, uint64_t end_ns,
		    const char *reason, const char *const *inputs,
		    const char *const *sha256hex, size_t ninputs,
		    struct siprec_diag *);

/*
 * The time is now_ns without a packet (a live program's timer): end the
 * recordings idle longer than the idle time, as a packet would.
 */
void		siprec_rs_tick(struct siprec_rs *, uint64_t now_ns);

/* Counters of the whole run. */
struct siprec_rs_stats {
	uint64_t	 sip;		/* SIP messages seen */
	uint64_t	 sip_bad;	/* could not be parsed */
	uint64_t	 retransmissions;
	uint64_t	 rtp_unmatched;	/* RTP-looking UDP with no stream */
	uint64_t	 recordings;	/* finished */
	uint64_t	 skipped_calls;	/* not SIPREC, or filtered out */
};
const struct siprec_rs_stats *siprec_rs_stats(const struct siprec_rs *);

void		siprec_rs_free(struct siprec_rs *);

#endif
