/* SPDX-License-Identifier: BSD-2-Clause */
/* Private to lib/: the metadata model shared by parse, check and state. */
#ifndef SIPREC_META_INT_H
#define SIPREC_META_INT_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

#include <siprec/meta.h>

/* A string value: p[0..n), not NUL-terminated in general. */
struct sv {
	const char	*p;
	size_t		 n;
};

/*
 * An open-addressing map from byte strings to pointers.  Keys are copied
 * (owned) so a map may outlive the document it was filled from.
 */
struct strmap {
	struct strmap_ent {
		size_t	 off;	/* key in arena; 0 = empty slot */
		size_t	 klen;
		void	*val;
	}		*ents;
	size_t		 cap;	/* power of two, or 0 */
	size_t		 len;
	char		*arena;	/* keys, NUL-separated; arena[0] unused */
	size_t		 alen, acap;
};

void	 siprec__strmap_clear(struct strmap *);
/* Empty the map but keep its memory for the next document. */
void	 siprec__strmap_reset(struct strmap *);
void	*siprec__strmap_get(const struct strmap *, const char *, size_t);
/* Insert or replace; returns -1 on memory failure. */
int	 siprec__strmap_put(struct strmap *, const char *, size_t, void *);

/* The kinds of keyed element in a recording document (RFC 7865 6). */
enum mkind {
	MK_GROUP = 0,
	MK_SESSION,
	MK_PARTICIPANT,
	MK_STREAM,
	MK_SRA,		/* sessionrecordingassoc */
	MK_PSA,		/* participantsessionassoc */
	MK_PSTA,	/* participantstreamassoc */
	MK__N
};

extern const char *const siprec__mkind_name[MK__N];

/* One keyed element of the document. */
struct mel {
	enum mkind	 kind;
	xmlNodePtr	 node;
	struct sv	 id;		/* its key (see mkind) */
	xmlAttrPtr	 id_attr;
	struct sv	 id2;		/* psa: session_id; stream: session_id */
	xmlAttrPtr	 id2_attr;
	struct sv	 label;		/* stream */
	xmlNodePtr	 label_node;
	struct sv	 group_ref;	/* session */
	xmlNodePtr	 group_ref_node;
	xmlNodePtr	 t_assoc, t_disassoc, t_start, t_stop;
	int		 has_send;	/* psta or legacy participant */
};

/* A reference from one element to another's identifier (RFC 7865 6). */
struct mref {
	enum mkind	 target;
	struct sv	 val;
	xmlNodePtr	 node;		/* the element holding it */
	xmlAttrPtr	 attr;		/* or NULL: element content */
	size_t		 owner;		/* index in els */
	int		 sendrecv;	/* 1 send, 2 recv, 0 other */
};

/* Dialect features seen while walking (SPEC 5). */
enum {
	DF_NS_PRE_RFC	= 1u << 0,	/* urn:ietf:params:xml:ns:recording */
	DF_BROADWORKS	= 1u << 1,	/* recording_metadata, ns ...:siprec */
	DF_PREFIXED	= 1u << 2,	/* root element has a prefix */
	DF_ID_ATTR	= 1u << 3,	/* id= instead of kind_id= */
	DF_SESSION_ATTR	= 1u << 4,	/* participant session= */
	DF_NESTED_SR	= 1u << 5,	/* send/recv inside participant */
	DF_MODE		= 1u << 6,	/* stream/mode */
	DF_EXTDATA	= 1u << 7,	/* extensiondata wrapper in RFC ns */
	DF_DATAMODE_CASE = 1u << 8,	/* dataMode */
	DF_TIME_PLACED	= 1u << 9,	/* associate-time in session etc. */
	DF_URN_UUID	= 1u << 10,	/* urn:uuid: identifiers */
	DF_AOR_ELEM	= 1u << 11,	/* participant/aor, participant/name */
	DF_APKT		= 1u << 12,	/* acmepacket extension namespace */
	DF_AUDIOCODES	= 1u << 13,	/* http://AudioCodes namespace */
	DF_CALLDATA	= 1u << 14,	/* urn:ietf:params:xml:ns:callData */
	DF_CHANNEL_ROLE	= 1u << 15,	/* channel, role in participant */
	DF_INTERLEAVED	= 1u << 16,	/* participant/psa/stream interleaved */
	DF_ASBCE	= 1u << 17,	/* aor sip:ASBCE@ placeholder */
	DF_HEX_ID	= 1u << 18,	/* hexadecimal identifiers */
	DF_RAW_UUID	= 1u << 19,	/* hyphenated UUID text identifiers */
	DF_ROOT_ATTR	= 1u << 20	/* attributes on recording */
};

/* Per-document work space, kept by the checker between documents. */
struct mscratch {
	struct strmap		 defs, sends, labels, seen;
	struct mel		*els;
	size_t			 capels;
	struct mref		*refs;
	size_t			 caprefs;
};

struct mdoc {
	struct mscratch			*scratch;
	const struct siprec_meta_input	*in;
	const struct siprec_sink	*sink;
	xmlDocPtr		 doc;
	xmlNodePtr		 root;
	const xmlChar		*ns;		/* the root's namespace */
	int			 snapshot;	/* root is requestsnapshot */
	int			 rfc;		/* root in the RFC 7865 namespace */
	int			 partial;
	xmlNodePtr		 datamode;
	unsigned int		 features;
	int			 schema_valid;	/* -1 not validated */
	struct mel		*els;
	size_t			 nels, capels;
	struct mref		*refs;
	size_t			 nrefs, caprefs;
	size_t			 kcount[MK__N];
	xmlChar			**owned;	/* strings to free with the doc */
	size_t			 nowned, capowned;
	uint32_t		*lines;		/* lazy index of line starts */
	size_t			 nlines;
	int			 oom;
};

/* Position of a node (or of one of its attributes) in the input. */
void	siprec__meta_pos(struct mdoc *, xmlNodePtr, const char *attr,
	    unsigned int *line, unsigned int *col);
/* Report a finding at a node (attr may be NULL). */
void	siprec__meta_report(struct mdoc *, enum siprec_check, xmlNodePtr,
	    const char *attr, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Mark a node as already diagnosed so the schema pass stays quiet on it. */
void	siprec__meta_mark(xmlNodePtr);
int	siprec__meta_marked(xmlNodePtr);

/* The dialect's name from the features seen, or NULL for RFC 7865. */
const char *siprec__meta_dialect(const struct mdoc *);
/* Walk the document into els/refs, with the structural checks. */
void	siprec__meta_walk(struct mdoc *);
/* The value checks and the document-level semantic checks. */
void	siprec__meta_semantic(struct mdoc *, struct siprec_meta_state *);
/* The stateful checks, then merge into the state. */
void	siprec__meta_stateful(struct mdoc *, struct siprec_meta_state *);
int	siprec__meta_state_knows(const struct siprec_meta_state *,
	    enum mkind, const struct sv *);

/* Rank of child in parent's schema order; -1 if not an RFC child. */
int	siprec__meta_child_rank(const xmlChar *parent, const xmlChar *child);
/* Map key of an element: kind letter, id, and for psa \001 session_id. */
int	siprec__meta_key(enum mkind, struct sv, struct sv, char *, size_t);

/* Trimmed text content of an element (owned by md when it must copy). */
struct sv siprec__meta_text(struct mdoc *, xmlNodePtr);
struct sv siprec__meta_attr(xmlNodePtr, const char *, xmlAttrPtr *);
int	siprec__sv_eq(struct sv, struct sv);
int	siprec__sv_eqs(struct sv, const char *);
/* Is n in the namespace of the root (RFC or the dialect's)? */
int	siprec__meta_in_doc_ns(const struct mdoc *, xmlNodePtr);

#endif
