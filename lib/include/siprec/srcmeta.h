/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 7865 metadata as a recording client sends it, in the shapes of real SRCs (personas). */
#ifndef SIPREC_SRCMETA_H
#define SIPREC_SRCMETA_H

#include <stddef.h>
#include <stdint.h>

#include <siprec/err.h>

/*
 * A persona is what one kind of real SRC puts on the wire (SPEC 5): the
 * shape of its metadata and the SIP and SDP habits around it.  The
 * default, "rfc", is strict RFC 7865/7866.
 */
enum siprec_persona_id {
	SIPREC_P_RFC = 0,	/* RFC 7865 / 7866 */
	SIPREC_P_ORACLE,	/* Oracle/Acme SBC: pre-RFC namespace, id= */
	SIPREC_P_RIBBON,	/* Ribbon/Sonus SBC: tns: prefix, callData */
	SIPREC_P_BROADWORKS,	/* recording_metadata, metadata part first */
	SIPREC_P_AUDIOCODES,	/* AudioCodes legacy format, ;src Contact */
	SIPREC_P_CISCO,		/* CUBE: interleaved order, gtd part */
	SIPREC_P_AVAYA,		/* Avaya SBCE: dataMode, hex IDs, placeholder */
	SIPREC_P_METASWITCH,	/* one mixed stream, RFC 7865 */
	SIPREC_P_CONTROLONE,	/* mixed stream, G.729+PCMU, X-ControlONE-Info */
	SIPREC_P_GENESYS,	/* Request-URI parameters, o= bump on transfer */
	SIPREC_P_GENESYS_PARTY,	/* the same, one session per party */
	SIPREC_P__N
};

struct siprec_persona {
	enum siprec_persona_id	 id;
	const char		*name;		/* option value, "rfc" */
	const char		*what;		/* one line for --help */
	const char		*ctype;		/* metadata Content-Type */
	const char		*boundary;	/* multipart boundary prefix */
	int			 meta_first;	/* metadata part before SDP */
	int			 part_length;	/* Content-Length in each part */
	int			 sdp_handling;	/* SDP part disposition
						   session;handling=required */
	int			 meta_disposition; /* metadata part carries
						   recording-session */
	int			 mixed;		/* one mixed stream */
	unsigned int		 label_base;	/* first a=label value */
	unsigned int		 label_step;
	const char		*contact_tag;	/* "+sip.src" or "src" */
	const char		*codecs;	/* default offer, "PCMU" */
	int			 gtd_part;	/* Cisco application/gtd part */
	int			 telephone_event; /* offer telephone-event */
	int			 ruri_params;	/* Genesys Request-URI params */
	int			 x_headers;	/* ControlONE X- headers */
	int			 placeholder;	/* Avaya: dummy 2nd party, then
						   UPDATE with the real one */
	int			 complete_updates; /* updates are snapshots */
	int			 per_party;	/* Genesys: a recording session
						   per party, its stream only */
};

/* The persona called name (any case); NULL if none. */
const struct siprec_persona *
		siprec_persona_find(const char *name);

/* Persona by id, and the table in order (SIPREC_P__N entries). */
const struct siprec_persona *
		siprec_persona_get(enum siprec_persona_id);

#define SIPREC_SRCMETA_MAX_PARTIES	16
#define SIPREC_SRCMETA_MAX_STREAMS	16
#define SIPREC_SRCMETA_MAX_DOC		(256 * 1024)

struct siprec_srcmeta_party {
	const char	*name;		/* display name, may be NULL */
	const char	*aor;		/* "sip:alice@example.com" */
};

struct siprec_srcmeta_opts {
	const struct siprec_persona *persona;	/* NULL: rfc */
	const struct siprec_srcmeta_party *parties;	/* 1..MAX_PARTIES */
	unsigned int	 nparties;
	/*
	 * Streams, labels 1..nstreams (or the persona's label plan).  With
	 * mixed (or a mixing persona), one stream every party sends and
	 * receives; otherwise stream k is sent by party k % nparties and
	 * received by every other party.
	 */
	unsigned int	 nstreams;
	int		 mixed;
	/* Labels as offered in the SDP; NULL: the persona's plan. */
	const char *const *labels;
	const char	*sip_session_id;	/* RFC 7989 value or NULL */
	const char	*call_id;		/* CS Call-ID, for the shapes
						   that carry it; or NULL */
	/*
	 * Identifiers: 0 draws them from a generator seeded at random; another
	 * value makes them a deterministic function of the seed (goldens).
	 */
	uint64_t	 seed;
	/* Made from the same options, or NULL; borrowed, outlives states. */
	const struct siprec_srcmeta_tpl *tpl;
};

struct siprec_srcmeta;
struct siprec_srcmeta_tpl;

/*
 * A template of the documents many sessions of the same options send
 * while nothing changes in them (the INVITE's snapshot with labels, the
 * BYE's stop document): made once, each session's documents are then
 * its identifiers, times and session IDs patched into that text, the
 * same bytes as written out.  Use it for sessions whose options are these
 * but for seed, sip_session_id and call_id (each given or NULL alike).
 * SIPREC_EINVAL as siprec_srcmeta_new(); on failure *out is NULL.
 */
enum siprec_err	siprec_srcmeta_tpl_new(const struct siprec_srcmeta_opts *,
		    struct siprec_srcmeta_tpl **out, struct siprec_diag *);
void		siprec_srcmeta_tpl_free(struct siprec_srcmeta_tpl *);

/*
 * The metadata state of one recording session as its SRC sees it.
 * SIPREC_EINVAL with diag for counts out of range or a party without an
 * AoR.  On failure *out is NULL.  Everything given is copied.
 */
enum siprec_err	siprec_srcmeta_new(const struct siprec_srcmeta_opts *,
		    struct siprec_srcmeta **out, struct siprec_diag *);

void		siprec_srcmeta_free(struct siprec_srcmeta *);

/*
 * Documents.  Each returns a new NUL-terminated UTF-8 document in *out
 * (free() it) and its length in *len; SIPREC_ENOMEM or SIPREC_ETOOBIG
 * (over SIPREC_SRCMETA_MAX_DOC), *out NULL then.  Times are wall-clock
 * ns since the epoch.
 *
 * snapshot: a complete document of the present state (RFC 7866 9.1),
 * with <label> only when with_labels (the same message carries the SDP
 * offer defining them, RFC 7866 9.1).  It marks every change as sent.
 *
 * update: a partial document of what changed since the last document
 * (RFC 7865 5: participants that joined or left, send/recv sets that
 * changed), or a complete one for personas that only send snapshots.
 * SIPREC_ENOTFOUND when nothing changed.
 *
 * stop: the final document, for the BYE: the session's stop-time and
 * every association's disassociate-time (RFC 8068 3.2.4).
 */
enum siprec_err	siprec_srcmeta_snapshot(struct siprec_srcmeta *, uint64_t now_ns,
		    int with_labels, char **out, size_t *len);
enum siprec_err	siprec_srcmeta_update(struct siprec_srcmeta *, uint64_t now_ns,
		    int with_labels, char **out, size_t *len);
enum siprec_err	siprec_srcmeta_stop(struct siprec_srcmeta *, uint64_t now_ns,
		    char **out, size_t *len);

/*
 * Changes, reported by the next update.  join: a new party (copied)
 * enters the session, sending nothing yet and receiving every stream;
 * *index gets its number.  leave: party index leaves (disassociated).
 * transfer: party index leaves and a new party takes over the streams it
 * sent (RFC 8068 3.2.3).  hold: party index stops (on) or resumes
 * sending and receiving (RFC 8068 3.2.2).  SIPREC_EINVAL for a bad
 * index, SIPREC_EBUSY when MAX_PARTIES are used.
 */
enum siprec_err	siprec_srcmeta_join(struct siprec_srcmeta *,
		    const struct siprec_srcmeta_party *, uint64_t now_ns,
		    unsigned int *index);
enum siprec_err	siprec_srcmeta_leave(struct siprec_srcmeta *, unsigned int index,
		    uint64_t now_ns);
enum siprec_err	siprec_srcmeta_transfer(struct siprec_srcmeta *,
		    unsigned int index, const struct siprec_srcmeta_party *,
		    uint64_t now_ns, unsigned int *newindex);
enum siprec_err	siprec_srcmeta_hold(struct siprec_srcmeta *, unsigned int index,
		    int on);

/* Number of streams and the label of stream k (owned by the state). */
unsigned int	siprec_srcmeta_nstreams(const struct siprec_srcmeta *);
const char	*siprec_srcmeta_label(const struct siprec_srcmeta *,
		    unsigned int k);

/* Whether the persona's placeholder still stands (Avaya: update pending). */
int		siprec_srcmeta_placeholder(const struct siprec_srcmeta *);

#endif
