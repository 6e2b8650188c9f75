/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7865 recording metadata: parse, check, merge partial updates. */
#ifndef SIPREC_META_H
#define SIPREC_META_H

#include <stddef.h>
#include <siprec/err.h>
#include <siprec/check.h>

#define SIPREC_META_NS		"urn:ietf:params:xml:ns:recording:1"
#define SIPREC_META_MAX_DEFAULT	(4u * 1024 * 1024)

struct siprec_meta_ctx;
struct siprec_meta_state;

struct siprec_meta_opts {
	size_t		 max_size;	/* bytes; 0 = SIPREC_META_MAX_DEFAULT */
	const char	*schema_path;	/* NULL: the built-in RFC 7865 schema */
};

/*
 * A checker: the compiled schema and reusable parser state.  One per
 * thread.  On failure *out is NULL and diag says why (for example, a
 * --schema file that does not compile).
 */
enum siprec_err	siprec_meta_ctx_new(const struct siprec_meta_opts *,
		    struct siprec_meta_ctx **out, struct siprec_diag *);
void		siprec_meta_ctx_free(struct siprec_meta_ctx *);

/* The SDP facts of the message a document came in (see sipmsg.h). */
struct siprec_sdp_media {
	const char	*label;		/* a=label value or NULL; NUL-terminated */
	unsigned int	 line;		/* line of the m= line in the input */
};

/* What surrounds one metadata document. */
struct siprec_meta_input {
	struct siprec_slice	 xml;		/* the document's bytes (borrowed) */
	unsigned int		 line0;		/* input line of xml.p[0], 1-based */
	const char		*charset;	/* MIME charset parameter or NULL */
	int			 in_sip;	/* came in a SIP message */
	int			 has_sdp;	/* that message also had SDP */
	const struct siprec_sdp_media *media;	/* its m-lines */
	size_t			 nmedia;
	const char		*sip_method;	/* request method, NULL for a response */
};

/* What a checked document turned out to be. */
struct siprec_meta_summary {
	char		 root[32];	/* root element's local name */
	int		 well_formed;
	int		 snapshot;	/* a requestsnapshot document */
	int		 partial;	/* datamode partial */
	int		 rfc;		/* in the RFC 7865 namespace */
	int		 schema_valid;	/* 1, 0, or -1 when not validated */
	const char	*dialect;	/* static text, NULL for plain RFC 7865 */
};

/*
 * Check one document (well-formedness, schema, semantic checks, dialect
 * diagnosis) and report findings through sink.  With state, also run the
 * stateful checks against the documents checked before it and merge the
 * document into state (RFC 7866 9.1, RFC 7865 5: complete replaces,
 * partial updates).  Returns SIPREC_OK when the document was examined,
 * whatever it contained; another code only when checking itself failed
 * (memory), with diag set.  sum, if given, is filled in either case.
 */
enum siprec_err	siprec_meta_check(struct siprec_meta_ctx *,
		    const struct siprec_meta_input *, struct siprec_meta_state *,
		    const struct siprec_sink *, struct siprec_meta_summary *,
		    struct siprec_diag *);

/* State of one recording session across documents. */
enum siprec_err	siprec_meta_state_new(struct siprec_meta_state **out);
void		siprec_meta_state_free(struct siprec_meta_state *);

/*
 * The merged metadata as one complete RFC 7865 document (UTF-8, with XML
 * declaration).  *out is a new NUL-terminated buffer the caller frees with
 * free(); NULL with SIPREC_ENOTFOUND when no complete snapshot was seen.
 */
enum siprec_err	siprec_meta_state_dump(const struct siprec_meta_state *,
		    char **out, size_t *outlen);

/* A participant of the merged state, with the labels of its streams. */
struct siprec_meta_party {
	char		 id[64];
	char		 aor[256];
	char		 name[128];
	char		 send[8][64];	/* stream labels (or ids without a label) */
	unsigned int	 nsend;
	char		 recv[8][64];
	unsigned int	 nrecv;
};

/*
 * Up to max participants of the merged state into out; returns how many.
 * 0 when no complete RFC 7865 snapshot was merged.
 */
size_t		siprec_meta_state_parties(const struct siprec_meta_state *,
		    struct siprec_meta_party *out, size_t max);

/* Version string of the XML library in use, for -V. */
const char	*siprec_meta_libversion(void);

#endif
