/* SPDX-License-Identifier: BSD-2-Clause */
/* What a recording server answers (SPEC 1.10), as pure functions. */
#ifndef SIPREC_SRS_H
#define SIPREC_SRS_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/capture.h>
#include <siprec/err.h>
#include <siprec/sdp.h>
#include <siprec/sipmsg.h>

/* How an incoming INVITE that starts a dialog is judged (P-05, P-11). */
struct siprec_srs_policy {
	int		 strict;	/* reject what RFC 7866/7865 forbid */
	int		 accept_plain;	/* record calls that are not SIPREC */
};

/*
 * The judgement of a request: code 0 accepts it; otherwise code and
 * reason are the final response, and header, when not empty, is one
 * header line for it without CRLF ("Unsupported: foo", "Accept: ...",
 * "Warning: 399 ...").  note, when not empty, says what was tolerated
 * (lenient acceptance of a nonconformant INVITE), for the log.
 */
struct siprec_srs_verdict {
	int		 code;
	char		 reason[48];
	char		 header[256];
	int		 siprec;	/* accepted as a recording session */
	char		 note[192];
};

/* The option tags the server supports ("siprec, timer"). */
#define SIPREC_SRS_SUPPORTED	"siprec, timer"
/* What it accepts as bodies (RFC 5621 8.4: listed in a 415). */
#define SIPREC_SRS_ACCEPT	"application/sdp, application/rs-metadata+xml, " \
				"application/rs-metadata, multipart/mixed, " \
				"multipart/alternative"

/*
 * Judge an initial INVITE (no To tag) of raw bytes buf[0..len), parsed
 * as m (siprec_sipmsg_parse of the same bytes), in this order:
 * unsupported option tags in Require give 420 with Unsupported (RFC 3261
 * 8.2.2.3); a body part of an unknown type whose handling is required
 * (the default) gives 415 with Accept (RFC 5621 8.4); then P-05: both
 * Require: siprec and +sip.src make a recording session.  With only
 * some SIPREC signs (siprec in Require or Supported, a ;src, +sip-src or
 * +sip.src Contact, a metadata part) a lenient server accepts it and
 * says what is missing in note; a strict one answers 403 with a
 * Warning.  An INVITE with no SIPREC sign at all gets 488 with a
 * Warning, unless policy accept_plain (then code 0, siprec 0).  No SDP
 * offer gives 488 too.  SDP per m-line is judged by
 * siprec_srs_media_accept; v is always filled.
 */
void		siprec_srs_judge_invite(const uint8_t *buf, size_t len,
		    const struct siprec_sipmsg *m,
		    const struct siprec_srs_policy *,
		    struct siprec_srs_verdict *v);

/*
 * Judge a request in an established dialog that carries an SDP offer or
 * metadata (re-INVITE or UPDATE), RFC 3311 5.2 and RFC 3261 14.2:
 * the server's own offer still unanswered gives 491; an offer received
 * and not yet answered, or an earlier UPDATE without its final
 * response, gives 500 with Retry-After (a value 0..10 from retry_after).
 * Unsupported option tags give 420 as for an INVITE.
 */
struct siprec_srs_dialog_state {
	int		 own_offer_pending;	/* we offered, no answer yet */
	int		 offer_unanswered;	/* an offer we have not answered */
	int		 update_pending;	/* an UPDATE without final answer */
};
void		siprec_srs_judge_indialog(const uint8_t *buf, size_t len,
		    const struct siprec_sipmsg *m,
		    const struct siprec_srs_dialog_state *,
		    unsigned int retry_after, struct siprec_srs_verdict *v);

/* One m-line as the server writes it in an answer or an offer. */
struct siprec_srs_media {
	char			 type[16];	/* from the offer: audio, ... */
	uint16_t		 port;		/* 0: rejected or removed */
	char			 proto[24];
	struct siprec_sdp_pt	 pts[SIPREC_SDP_MAX_PT];
	unsigned int		 npt;
	enum siprec_dir		 dir;
	char			 label[64];	/* "" writes no a=label */
	int			 rtcp_mux;
	uint16_t		 rtcp_port;	/* not port + 1: a=rtcp (RFC
						   3605); 0 writes none */
	/*
	 * The server's own a=crypto value ("1 AES_CM_128_HMAC_SHA1_80
	 * inline:..."), or "".  Key material: wipe with explicit_bzero.
	 */
	char			 crypto[160];
};

/*
 * Can an offered m-line be recorded?  Audio over RTP/AVP, RTP/AVPF,
 * RTP/SAVP or RTP/SAVPF (P-60) with at least one codec the library
 * decodes (PCMU, PCMA, G722, G729, opus, L16); SRTP profiles need an
 * a=crypto of a suite the library decrypts (SPEC 8).  On success fills
 * out (type, proto, the decodable payload types in offered order plus
 * telephone-event and CN when offered, rtcp_mux as offered, the label)
 * and, for SRTP, *crypto_pick with the index of the offered a=crypto
 * chosen; port and dir are left for the caller.  Returns 0, or -1 with
 * why (a short reason) set and out->port 0.
 */
int		siprec_srs_media_accept(const struct siprec_sdp_m *,
		    struct siprec_srs_media *out, int *crypto_pick,
		    char *why, size_t whylen);

/*
 * The server's key for an offered a=crypto value: same tag and suite,
 * a fresh master key and salt from libgcrypt's strong random generator
 * (RFC 4568 6.1: each side keys what it sends).  Writes the attribute
 * value into out.  SIPREC_EPARSE or SIPREC_EUNSUPP for an offered value
 * that cannot be used; out is then "".
 */
enum siprec_err	siprec_srs_crypto_answer(const char *offered, char *out,
		    size_t outlen);

/*
 * Direction of an answer to an offered direction for a recorder
 * (RFC 3264 6.1, P-26, P-33): sendonly or sendrecv -> recvonly,
 * recvonly or inactive -> inactive.
 */
enum siprec_dir	siprec_srs_answer_dir(enum siprec_dir offered);

/*
 * Write an SDP body (CRLF line ends) for the media at address addr:
 * origin "siprec-srs sess_id version", session-level c=, one m= line per
 * media in order, port 0 lines with their first payload type only.
 * Returns the length written, or 0 when cap is too small.
 */
size_t		siprec_srs_sdp_write(const struct siprec_addr *addr,
		    uint64_t sess_id, uint64_t version,
		    const struct siprec_srs_media *, size_t n, char *buf,
		    size_t cap);

/*
 * The body of a snapshot request (RFC 7865 7, RFC 7866 9.2) with reason
 * text (XML-escaped here).  Returns the length, 0 if cap is too small.
 */
size_t		siprec_srs_snapshot_request(const char *reason, char *buf,
		    size_t cap);

#endif
