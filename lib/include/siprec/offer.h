/* SPDX-License-Identifier: BSD-2-Clause */
/* The SRC's SDP offer, its multipart bodies, and verdicts on the SRS's answer. */
#ifndef SIPREC_OFFER_H
#define SIPREC_OFFER_H

#include <stddef.h>
#include <stdint.h>

#include <siprec/encode.h>
#include <siprec/err.h>
#include <siprec/sdp.h>
#include <siprec/srcmeta.h>
#include <siprec/srtp.h>

#define SIPREC_OFFER_MAX	(64 * 1024)

/* One m-line of the offer. */
struct siprec_offer_stream {
	const char		*label;		/* a=label (RFC 4574) */
	uint16_t		 port;		/* 0: stream removed */
	enum siprec_dir		 dir;		/* SENDONLY, or INACTIVE to
						   pause (RFC 7866 7.1.1.1) */
	int			 hold_c0;	/* pause the old way:
						   c=IN IP4 0.0.0.0 (RFC
						   3264 8.4) */
	const struct siprec_crypto *crypto;	/* NULL: RTP/AVP */
};

struct siprec_offer_opts {
	const char		*addr;		/* IPv4 or IPv6 literal */
	uint64_t		 sess_id;	/* o= (RFC 4566 5.2) */
	uint64_t		 sess_ver;	/* bump for each new offer */
	const struct siprec_enc_info *const *codecs;	/* first is sent */
	unsigned int		 ncodecs;
	int			 telephone_event;	/* PT 101 */
	unsigned int		 ptime;
	int			 no_labels;	/* fault: leave out a=label */
	const struct siprec_offer_stream *streams;
	unsigned int		 nstreams;
};

/*
 * An SDP offer (RFC 4566, RFC 3264 5): one audio m-line per stream,
 * sendonly (RFC 7866 7.1.1), a=label on each (7.1.1, unless no_labels),
 * a=crypto when the stream has a key (RFC 4568; the profile becomes
 * RTP/SAVP), CRLF line ends.  *out is a new NUL-terminated string (free
 * it); it holds key material: wipe it before freeing when it had a key.
 * SIPREC_EINVAL for no stream or no codec, SIPREC_ENOMEM, SIPREC_ETOOBIG.
 */
enum siprec_err	siprec_offer_sdp(const struct siprec_offer_opts *,
		    char **out, size_t *len);

struct siprec_body_opts {
	const struct siprec_persona *persona;	/* NULL: rfc */
	const char		*sdp;		/* NULL: no SDP part */
	size_t			 sdplen;
	const char		*meta;		/* NULL: no metadata part */
	size_t			 metalen;
	const char		*meta_ctype;	/* NULL: the persona's */
	const char		*boundary;	/* unique per message */
	int			 no_disposition; /* fault: leave it out */
};

/*
 * The body of an RS request and its Content-Type value (RFC 7866 9.1):
 * multipart/mixed when there are both parts (RFC 5621), in the persona's
 * order and habits (metadata first, per-part Content-Length, SDP part
 * disposition, a Cisco application/gtd part); a single part otherwise.
 * The metadata part carries Content-Disposition: recording-session
 * (7866 9) unless no_disposition.  *body is new (free it; it may hold
 * key material in the SDP); ctype gets the Content-Type value.
 * SIPREC_EINVAL with neither part; SIPREC_ETOOBIG when ctype is too
 * small (128 bytes suffice) or the body exceeds SIPREC_OFFER_MAX.
 */
enum siprec_err	siprec_body_build(const struct siprec_body_opts *,
		    char **body, size_t *len, char *ctype, size_t ctypecap);

/* What the SRS answered, stream by stream (SPEC 1.10). */
struct siprec_answer_verdict {
	int		 parsed;	/* the answer is SDP we could read */
	int		 mlines_match;	/* as many m-lines as offered */
	int		 labels_echoed;	/* every a=label came back */
	int		 recvonly;	/* every live stream recvonly (or
					   inactive where we offered it) */
	int		 ports_nonzero;	/* no live stream rejected */
	unsigned int	 rejected;	/* m-lines with port 0 */
	unsigned int	 inactive;	/* m-lines answered inactive */
	struct siprec_addr media[SIPREC_SDP_MAX_MEDIA];	/* where to send */
	unsigned int	 nmedia;
	char		 detail[128];	/* the first problem, or "" */
};

/*
 * Judge an SDP answer against the offer it answers (RFC 3264 6, RFC
 * 7866 8.3.1).  Always fills v; returns SIPREC_EPARSE when the answer is
 * not SDP (v->parsed 0), SIPREC_OK otherwise.
 */
enum siprec_err	siprec_answer_check(const struct siprec_offer_opts *offer,
		    const uint8_t *sdp, size_t len,
		    struct siprec_answer_verdict *v);

#endif
