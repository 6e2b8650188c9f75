/* SPDX-License-Identifier: BSD-2-Clause */
/* RTP streams to audio files on a recording's shared timeline. */
#ifndef SIPREC_MEDIA_H
#define SIPREC_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/err.h>

/* --- RTP (RFC 3550) ----------------------------------------------------- */

struct siprec_rtp {
	uint8_t			 version, padding, extension, cc, marker, pt;
	uint16_t		 seq;
	uint32_t		 ts, ssrc;
	uint32_t		 csrc[15];
	struct siprec_slice	 payload;	/* padding and extension removed */
};

/* Parse an RTP packet (RFC 3550 5.1; RFC 8285 extensions skipped). */
enum siprec_err	siprec_rtp_parse(const uint8_t *, size_t, struct siprec_rtp *);

/* RTCP on a shared port: second byte in 192..223 (RFC 5761 4). */
int		siprec_rtp_is_rtcp(const uint8_t *, size_t);

/*
 * What a receiver reports of one RTP source (RFC 3550 6.4.1): loss and
 * extended highest sequence number (A.1, with its probation, and A.3)
 * and interarrival jitter (A.8).  The first packet's SSRC is the source
 * reported; packets of any other are not counted.
 */
struct siprec_rr;

struct siprec_rr *siprec_rr_new(void);		/* NULL: out of memory */
void		siprec_rr_free(struct siprec_rr *);

/*
 * Count an RTP packet that arrived at arrival_ns, clock its RTP clock
 * rate in Hz.  Returns 1 when counted, 0 when it is not RTP or not of
 * the source reported.
 */
int		siprec_rr_rtp(struct siprec_rr *, const uint8_t *, size_t,
		    uint64_t arrival_ns, unsigned int clock);

/* The SSRC reported; 0 before the first packet counted. */
int		siprec_rr_ssrc(const struct siprec_rr *, uint32_t *ssrc);

/*
 * Write the 24-byte report block about the source (6.4.1): fraction lost
 * since the last block, cumulative loss, extended highest sequence number,
 * jitter, and the caller's LSR and DLSR; the next interval starts.
 */
void		siprec_rr_block(struct siprec_rr *, uint32_t lsr, uint32_t dlsr,
		    uint8_t out[24]);

/* --- one recorded stream ------------------------------------------------ */

enum siprec_format {
	SIPREC_FMT_WAV = 0,	/* 16-bit PCM */
	SIPREC_FMT_FLAC,
	SIPREC_FMT_OGG		/* Ogg/Opus, through libsndfile */
};

struct siprec_stream_opts {
	const char		*path;		/* final name; written as path
						   plus ".part", renamed at the end */
	enum siprec_format	 format;
	unsigned int		 rate;		/* output sample rate; 0 = from the
						   first codec (8000 for G.711) */
	uint64_t		 t0_ns;		/* the recording's start: the
						   file's first sample */
	unsigned int		 reorder;	/* packets held to reorder; 0 = 32 */
};

struct siprec_dtmf {
	uint64_t	 at_ns;		/* start, on the recording timeline */
	unsigned int	 event;		/* 0-9, 10 '*', 11 '#', 12-15 A-D */
	unsigned int	 duration_ms;
};

struct siprec_stream_stats {
	uint64_t	 packets;	/* RTP packets accepted */
	uint64_t	 bytes;		/* payload bytes */
	uint64_t	 lost;		/* RFC 3550 A.3: expected - received */
	uint64_t	 duplicates;
	uint64_t	 reordered;	/* arrived late, put back in order */
	uint64_t	 late;		/* too late for the reorder window */
	uint64_t	 bad;		/* not RTP, unknown PT, undecodable */
	double		 jitter_ms;	/* RFC 3550 A.8, at the end */
	double		 max_jitter_ms;
	uint32_t	 ssrc[8];	/* in order of appearance */
	unsigned int	 nssrc;
	unsigned int	 ssrc_changes;
	uint64_t	 first_ns, last_ns;	/* arrival times; 0 if none */
	uint64_t	 samples;	/* written to the file */
	unsigned int	 rate;		/* of the file */
	char		 codec[32];	/* last codec decoded, "PCMU/8000" */
	struct siprec_dtmf dtmf[64];	/* RFC 4733 events, first 64 */
	unsigned int	 ndtmf;
	uint64_t	 paused_ms;	/* silence written for pauses */
	uint64_t	 gap_ms;	/* silence written for loss and gaps */
	unsigned int	 resyncs;	/* timestamp steps re-placed by
					   arrival time (T-09) */
	uint64_t	 undecoded;	/* packets of a codec we cannot
					   decode (G.726, GSM...): counted
					   in the above, heard as silence */
};

struct siprec_stream;

enum siprec_err	siprec_stream_new(const struct siprec_stream_opts *,
		    struct siprec_stream **out, struct siprec_diag *);

/*
 * Map payload type pt to a codec: encoding name as in a=rtpmap (case
 * does not matter: PCMU, PCMA, G722, G729, opus, L16, telephone-event,
 * CN), RTP clock rate, channels.  Static payload types 0, 8, 9, 18 and 13
 * are known without a call.  Any other name (G726-32, GSM, iLBC...), and
 * the other static audio types of RFC 3551, are mapped too but cannot
 * be decoded: their packets count in the statistics (loss, jitter) and
 * their time stays silent; the call returns SIPREC_EUNSUPP for them.  A
 * mapping never changes once set (RFC 3264 8.3.2); a conflicting call
 * returns SIPREC_EINVAL.
 */
enum siprec_err	siprec_stream_map(struct siprec_stream *, unsigned int pt,
		    const char *encoding, unsigned int clock,
		    unsigned int channels);

/*
 * One RTP packet as received (SRTP already removed) with its capture or
 * arrival time.  Packets are reordered within the window, decoded and
 * placed on the timeline by RTP timestamp, with silence for loss, DTX
 * and comfort noise; an SSRC change starts a new segment placed by
 * arrival time (SPEC 6, T-02 .. T-14).  Problems are counted in the
 * stats, never fatal; an error return means the file cannot be written.
 */
enum siprec_err	siprec_stream_rtp(struct siprec_stream *, const uint8_t *,
		    size_t, uint64_t arrival_ns);

/* No media expected in [from, to): silence, counted as paused. */
void		siprec_stream_pause(struct siprec_stream *, uint64_t from_ns,
		    uint64_t to_ns);

/*
 * Flush, pad with silence up to end_ns (the recording's end, so every
 * stream of a recording has the same length), close and rename into
 * place.  The stream may be freed afterwards.
 */
enum siprec_err	siprec_stream_finish(struct siprec_stream *, uint64_t end_ns,
		    struct siprec_diag *);

/*
 * Wait until every sample written so far is with the operating system
 * (WAV files are written by a thread of the library, behind the
 * stream); what a killed process leaves of the ".part" file then
 * reads back at least this far.  SIPREC_EIO if a write failed.
 */
enum siprec_err	siprec_stream_sync(struct siprec_stream *);

const struct siprec_stream_stats *
		siprec_stream_stats(const struct siprec_stream *);

/* Free; a stream not finished leaves its ".part" file as it is. */
void		siprec_stream_free(struct siprec_stream *);

#endif
