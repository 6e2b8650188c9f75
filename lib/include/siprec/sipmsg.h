/* SPDX-License-Identifier: BSD-2-Clause */
/* SIP messages as carriers of SIPREC bodies: headers, multipart, SDP labels. */
#ifndef SIPREC_SIPMSG_H
#define SIPREC_SIPMSG_H

#include <stddef.h>
#include <siprec/err.h>
#include <siprec/check.h>
#include <siprec/meta.h>

#define SIPREC_SIPMSG_MAX_PARTS	16
#define SIPREC_SIPMSG_MAX_MEDIA	32

/* One leaf body part (the whole body when it is not multipart). */
struct siprec_part {
	struct siprec_slice	 body;		/* borrowed from the input */
	unsigned int		 line;		/* input line of body.p[0] */
	unsigned int		 hline;		/* line of its headers */
	char			 type[80];	/* media type, lower case */
	char			 charset[40];	/* "" when absent */
	char			 disposition[40]; /* type, lower case, or "" */
	int			 metadata;	/* an rs-metadata part */
	int			 sdp;
};

struct siprec_sipmsg {
	int			 bare;		/* a body without SIP headers */
	int			 request;
	char			 method[24];	/* request method or CSeq's */
	int			 status;	/* response code */
	int			 to_tag;	/* in-dialog request */
	char			 call_id[256];
	char			 from_tag_s[64];
	char			 to_tag_s[64];
	unsigned long		 cseq;
	char			 cseq_method[24];
	int			 require_siprec;
	int			 supported_siprec;
	unsigned int		 require_line;
	int			 contact;	/* see SIPREC_CONTACT_* */
	unsigned int		 contact_line;
	struct siprec_part	 parts[SIPREC_SIPMSG_MAX_PARTS];
	size_t			 nparts;
	int			 has_sdp;
	struct siprec_sdp_media	 media[SIPREC_SIPMSG_MAX_MEDIA];
	size_t			 nmedia;
	char			 labels[SIPREC_SIPMSG_MAX_MEDIA][64];
};

enum {
	SIPREC_CONTACT_NONE = 0,	/* no Contact header */
	SIPREC_CONTACT_PLAIN,		/* no SIPREC feature tag */
	SIPREC_CONTACT_SRC,		/* +sip.src (RFC 7866 6.1.1) */
	SIPREC_CONTACT_SRS,		/* +sip.srs (RFC 7866 6.2) */
	SIPREC_CONTACT_LEGACY_SRC,	/* ;src (AudioCodes manual) */
	SIPREC_CONTACT_MISTYPED		/* +sip-src or +sip-srs */
};

/*
 * Does buf look like a SIP message or a bare multipart body?  Cheap: looks
 * at the first line only.
 */
int		siprec_sipmsg_sniff(const uint8_t *buf, size_t len);

/*
 * Parse a SIP message (headers through libosip2) or a bare multipart body,
 * and split its body into parts, nested multipart included.  Problems
 * that leave something usable (Content-Length mismatch, a missing close
 * delimiter) go to sink; a message that cannot be used at all returns
 * SIPREC_EPARSE with diag set.  The parts borrow from buf.
 */
enum siprec_err	siprec_sipmsg_parse(const uint8_t *buf, size_t len,
		    const struct siprec_sink *, struct siprec_sipmsg **out,
		    struct siprec_diag *);
void		siprec_sipmsg_free(struct siprec_sipmsg *);

/*
 * The SIP-level checks of RFC 7866 (L-24) once the parts were checked:
 * part is the metadata part, snapshot whether it held a requestsnapshot.
 */
void		siprec_sipmsg_check(const struct siprec_sipmsg *, size_t part,
		    int snapshot, const struct siprec_sink *);

/* Version string of the SIP library in use, for -V. */
const char	*siprec_sipmsg_libversion(void);

#endif
